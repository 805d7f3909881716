package cli

import (
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/ledger"
)

// table prints aligned columns; a header starting with a space marks a
// right-aligned column (amounts). Every cell is sanitised here, the edge
// where it reaches the terminal, whoever built it: bank text (names,
// currencies, categories, ids) cannot move the cursor, retitle the window
// or reorder a row.
type table struct {
	header []string
	rows   [][]string
}

func newTable(header ...string) *table { return &table{header: header} }

func (t *table) row(cells ...string) {
	clean := make([]string, len(cells))
	for i, c := range cells {
		clean[i] = ledger.Sanitize(c)
	}
	t.rows = append(t.rows, clean)
}

func (t *table) write(w io.Writer) error {
	widths := make([]int, len(t.header))
	right := make([]bool, len(t.header))
	for i, h := range t.header {
		right[i] = strings.HasPrefix(h, " ")
		t.header[i] = strings.TrimSpace(h)
		widths[i] = ansi.StringWidth(t.header[i])
	}
	for _, r := range t.rows {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], ansi.StringWidth(c))
			}
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		for i := range widths {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			pad := strings.Repeat(" ", widths[i]-ansi.StringWidth(c))
			if i > 0 {
				b.WriteString("  ")
			}
			switch {
			case right[i]:
				b.WriteString(pad + c)
			case i < len(widths)-1:
				b.WriteString(c + pad)
			default:
				b.WriteString(c)
			}
		}
		b.WriteString("\n")
	}
	line(t.header)
	for _, r := range t.rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func truncate(s string, n int) string {
	if ansi.StringWidth(s) <= n {
		return s
	}
	return ansi.Truncate(s, n, "…")
}

// age says how old a stored figure is: "09:41" today, else the date.
func age(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	t, now = t.Local(), now.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format(time.DateOnly)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
