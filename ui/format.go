package ui

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/banktui/banktui/ledger"
	"github.com/charmbracelet/x/ansi"
)

// money is ledger.FormatMoney for the panes: signed puts "+" before
// positive amounts; privacy masks the amount, sign included.
func money(a ledger.Amount, currency string, signed, privacy bool) string {
	switch {
	case privacy:
		return ledger.MaskedMoney(currency)
	case signed:
		return ledger.FormatSignedMoney(a, currency)
	}
	return ledger.FormatMoney(a, currency)
}

// maskNumber hides an account number in privacy mode, keeping nothing: the
// last digits identify an account too.
func maskNumber(n string, privacy bool) string {
	if n == "" {
		return ""
	}
	if privacy {
		return "••••"
	}
	return ledger.Sanitize(n)
}

// asOf says how old a stored balance is: "09:41" today, "27 Nov 09:41" before.
func asOf(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	t = t.In(now.Location())
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	if y1 == y2 && m1 == m2 && d1 == d2 {
		return t.Format("15:04")
	}
	if y1 == y2 {
		return t.Format("2 Jan 15:04")
	}
	return t.Format("2 Jan 2006")
}

// cellWidth is ansi.StringWidth with a fast path for the common text of this
// UI (ASCII, Latin-1, currency signs, box drawing, with SGR sequences): runes
// of one cell alone that never join a neighbour into a grapheme. Anything
// else (wide, combining or zero-width characters, emoji such as ☕ among the
// symbols) takes the full grapheme-aware path.
func cellWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0x1b && i+1 < len(s) && s[i+1] == '[':
			i += 2
			for i < len(s) && (s[i] < 0x40 || s[i] > 0x7e) {
				i++
			}
			i++
			continue
		case c >= 0x20 && c < 0x7f:
			n++
			i++
			continue
		case c < 0x80:
			return ansi.StringWidth(s)
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !oneCell(r) {
			return ansi.StringWidth(s)
		}
		n++
		i += size
	}
	return n
}

// oneCellRunes marks the runes of the fast path: Latin-1, Latin Extended
// and the symbols blocks from General Punctuation to Miscellaneous Symbols
// and Arrows, those one cell wide both as graphemes and rune by rune
// (neither of which holds a mark that joins its neighbour).
var oneCellRunes = func() []bool {
	t := make([]bool, 0x2c00)
	for r := rune(0xa0); r < 0x2c00; r++ {
		if r >= 0x300 && r < 0x2010 {
			continue
		}
		s := string(r)
		t[r] = ansi.StringWidth(s) == 1 && ansi.StringWidthWc(s) == 1
	}
	return t
}()

func oneCell(r rune) bool { return r >= 0 && int(r) < len(oneCellRunes) && oneCellRunes[r] }

// stableWidths makes a frame measure the same grapheme by grapheme, as the
// panes measure it, and rune by rune, as a terminal without grapheme
// clustering (mode 2027) and Bubble Tea's renderer on it do. A cluster
// whose two widths differ (👨‍👩‍👧: 2 cells or 6; ❤️: 2 or 1) would move
// everything after it on its line and tear the right border: it becomes its
// first rune, padded to the cluster's width, or "?"s if that rune is
// ambiguous too.
func stableWidths(frame string) string {
	plain := true
	for _, r := range frame {
		if r >= 0x80 && !oneCell(r) {
			plain = false
			break
		}
	}
	if plain {
		return frame
	}
	var b strings.Builder
	b.Grow(len(frame))
	var state byte
	for s := frame; len(s) > 0; {
		seq, w, n, next := ansi.DecodeSequence(s, state, nil)
		state, s = next, s[n:]
		if w == 0 && (seq == "" || seq[0] < 0x20 || seq[0] == 0x7f) || ansi.StringWidthWc(seq) == w {
			b.WriteString(seq)
			continue
		}
		first, _ := utf8.DecodeRuneInString(seq)
		fw := ansi.StringWidthWc(string(first))
		if fw > w || fw != ansi.StringWidth(string(first)) {
			b.WriteString(strings.Repeat("?", w))
			continue
		}
		b.WriteString(string(first) + strings.Repeat(" ", w-fw))
	}
	return b.String()
}

// fit pads or truncates s to exactly w cells (ANSI-free input).
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := cellWidth(s)
	if sw > w {
		// A wide character that would straddle the edge goes whole, leaving
		// the cut one cell short: pad it, or the next column moves left.
		s = ansi.Truncate(s, w, "…")
		sw = cellWidth(s)
	}
	if sw < w {
		return s + strings.Repeat(" ", w-sw)
	}
	return s
}

// fitRight right-aligns s in w cells, truncating its end if needed.
func fitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := cellWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = cellWidth(s)
	}
	return strings.Repeat(" ", w-sw) + s
}

// amountWidth is the width of a column of amounts: at least least, and
// as wide as the widest, so none is ever cut (a cut "£1,234,56…" reads as
// another number).
func amountWidth(least int, amounts ...string) int {
	w := least
	for _, a := range amounts {
		w = max(w, cellWidth(a))
	}
	return w
}

// joinFitting joins parts with sep, keeping as many whole parts from the
// start as fit in w cells and marking the rest with "…": a part (an
// amount, say) is never cut.
func joinFitting(parts []string, sep string, w int) string {
	out := ""
	for i, p := range parts {
		next := p
		if i > 0 {
			next = out + sep + p
		}
		more := ""
		if i < len(parts)-1 {
			more = sep + "…"
		}
		if cellWidth(next+more) > w {
			if i == 0 {
				return ansi.Truncate("…", w, "")
			}
			return out + sep + "…"
		}
		out = next
	}
	return out
}

// titleCase turns API enums like "TRANSACTION" or "CREDIT_CARD" into "Transaction", "Credit card".
func titleCase(s string) string {
	s = strings.ReplaceAll(strings.ToLower(ledger.Sanitize(s)), "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// maskDigits hides every run of four or more digits (a card's or an
// account's number) in privacy mode.
func maskDigits(s string) string {
	var b strings.Builder
	run := 0
	flush := func(end int) {
		if run >= 4 {
			b.WriteString("••••")
		} else {
			b.WriteString(s[end-run : end])
		}
		run = 0
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			run++
			continue
		}
		flush(i)
		b.WriteByte(s[i])
	}
	flush(len(s))
	return b.String()
}
