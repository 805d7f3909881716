package ui

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
	"github.com/charmbracelet/x/ansi"
)

// maskedAmount replaces every amount in privacy mode; a fixed width so the
// layout does not hint at magnitudes.
const maskedAmount = "•••••"

// currencySymbols are the currencies shown with a symbol; others show their code.
var currencySymbols = map[string]string{"GBP": "£", "EUR": "€", "USD": "$", "JPY": "¥", "INR": "₹"}

// FormatMoney renders an amount for people: "£1,234.50", "-€3.20",
// "CHF 1,000.00", "¥1,500". It is exact: the currency's ISO 4217 minor digits
// at least, and every further decimal the bank sent (never rounded). An
// unknown currency code is bank text, so it is sanitised. The TUI and the
// command line both format money with it, so they never disagree.
func FormatMoney(a truelayer.Amount, currency string) string {
	sign := ""
	if a.Sign() < 0 {
		sign = "-"
	}
	return sign + currencyPrefix(currency) + groupThousands(ledger.PlainAmount(a.Abs(), currency))
}

// currencyPrefix is what precedes the digits: a symbol, a code and a space,
// or nothing for an amount without a currency.
func currencyPrefix(currency string) string {
	if sym, ok := currencySymbols[currency]; ok {
		return sym
	}
	if code := strings.TrimSpace(Sanitize(currency)); code != "" {
		return code + " "
	}
	return ""
}

// money is FormatMoney for the panes: signed puts "+" before positive
// amounts, so money in and out differ without colour; privacy masks the
// amount, sign included, keeping only the currency.
func money(a truelayer.Amount, currency string, signed, privacy bool) string {
	if privacy {
		return currencyPrefix(currency) + maskedAmount
	}
	s := FormatMoney(a, currency)
	if signed && a.Sign() > 0 {
		s = "+" + s
	}
	return s
}

// groupThousands inserts commas into the integer part of a plain decimal.
func groupThousands(s string) string {
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	if len(intPart) <= 3 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(intPart)/3)
	lead := len(intPart) % 3
	if lead > 0 {
		b.WriteString(intPart[:lead])
	}
	for i := lead; i < len(intPart); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(intPart[i : i+3])
	}
	b.WriteString(frac)
	return b.String()
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
	return Sanitize(n)
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
	s = strings.ReplaceAll(strings.ToLower(Sanitize(s)), "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
