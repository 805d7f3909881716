package cli

import (
	"bufio"
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
// or reorder a row. A table too long to hold (a decade of transactions) is
// streamed instead: each row measured in a first pass (measure), then
// written in a second (line), nothing kept between.
type table struct {
	header []string
	right  []bool
	widths []int
	rows   [][]string
}

func newTable(header ...string) *table {
	t := &table{header: make([]string, len(header)), right: make([]bool, len(header)), widths: make([]int, len(header))}
	for i, h := range header {
		t.right[i] = strings.HasPrefix(h, " ")
		t.header[i] = strings.TrimSpace(h)
		t.widths[i] = ansi.StringWidth(t.header[i])
	}
	return t
}

func (t *table) row(cells ...string) { t.rows = append(t.rows, t.measure(cells)) }

// measure widens the columns to fit cells, and returns them sanitised.
func (t *table) measure(cells []string) []string {
	clean := sanitized(cells)
	for i, c := range clean {
		if i < len(t.widths) {
			t.widths[i] = max(t.widths[i], ansi.StringWidth(c))
		}
	}
	return clean
}

func sanitized(cells []string) []string {
	clean := make([]string, len(cells))
	for i, c := range cells {
		clean[i] = ledger.Sanitize(c)
	}
	return clean
}

func (t *table) write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	t.line(bw, t.header)
	for _, r := range t.rows {
		t.line(bw, r)
	}
	return bw.Flush()
}

// line writes one row of sanitised cells at the widths measured. A cell
// wider than its column (the store changed between a stream's passes)
// pushes the rest of its row right rather than being cut.
func (t *table) line(b *bufio.Writer, cells []string) {
	for i, width := range t.widths {
		c := ""
		if i < len(cells) {
			c = cells[i]
		}
		pad := strings.Repeat(" ", max(0, width-ansi.StringWidth(c)))
		if i > 0 {
			b.WriteString("  ")
		}
		switch {
		case t.right[i]:
			b.WriteString(pad + c)
		case i < len(t.widths)-1:
			b.WriteString(c + pad)
		default:
			b.WriteString(c)
		}
	}
	b.WriteString("\n")
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
