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
// UI (ASCII, Latin-1, currency signs, box drawing, with SGR sequences), which
// is one cell per rune; anything else (wide or combining characters) takes
// the full grapheme-aware path.
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
		if !(r >= 0xa0 && r < 0x300) && !(r >= 0x2010 && r < 0x2c00 && r != 0x200b) {
			return ansi.StringWidth(s)
		}
		n++
		i += size
	}
	return n
}

// fit pads or truncates s to exactly w cells (ANSI-free input).
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := cellWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	if sw < w {
		return s + strings.Repeat(" ", w-sw)
	}
	return s
}

// fitRight right-aligns s in w cells, truncating from the left edge if needed.
func fitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := cellWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return strings.Repeat(" ", w-sw) + s
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
