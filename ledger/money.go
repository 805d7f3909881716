package ledger

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/banktui/banktui/truelayer"
)

// Money is the one home of how banktui writes amounts: PlainAmount for
// files (exports, --json-adjacent CSV), FormatMoney for people (the TUI and
// the CLI tables), MaskedMoney for privacy mode. They are exact: the
// currency's ISO 4217 minor digits at least, and every further decimal the
// bank sent, never rounded.

// maskedAmount replaces every amount in privacy mode; a fixed width so the
// layout does not hint at magnitudes.
const maskedAmount = "•••••"

// currencySymbols are the currencies shown with a symbol; others show their code.
var currencySymbols = map[string]string{"GBP": "£", "EUR": "€", "USD": "$", "JPY": "¥", "INR": "₹"}

// minorDigits is the number of decimals a currency shows (ISO 4217).
func minorDigits(currency string) int32 {
	switch currency {
	case "JPY", "KRW", "ISK", "HUF":
		return 0
	}
	return 2
}

// PlainAmount is an amount as an exact plain decimal ("-12.30", never "1e3")
// with at least the currency's ISO 4217 minor digits: an amount with more
// decimals than its currency uses keeps them all, it is never rounded. The
// exports write it as is; FormatMoney groups its thousands for people.
func PlainAmount(a truelayer.Amount, currency string) string {
	places := minorDigits(currency)
	if exp := a.Decimal().Exponent(); -exp > places {
		places = -exp
	}
	if s, ok := plainSmall(a.Decimal(), places); ok {
		return s
	}
	return a.StringFixed(places)
}

// plainSmall is StringFixed(places) without big-number arithmetic, for the
// amounts of every day (up to 18 digits, no rounding needed): exports
// write hundreds of thousands of them.
func plainSmall(d decimal.Decimal, places int32) (string, bool) {
	exp := d.Exponent()
	if exp > 0 || -exp > places || places > 18 || d.NumDigits()+int(places+exp) > 18 {
		return "", false
	}
	c := d.CoefficientInt64()
	for range places + exp {
		c *= 10
	}
	var buf [24]byte
	digits := strconv.AppendUint(buf[:0], absUint(c), 10)
	var out [48]byte
	b := out[:0]
	if c < 0 {
		b = append(b, '-')
	}
	if int32(len(digits)) <= places {
		b = append(b, '0')
	} else {
		b = append(b, digits[:int32(len(digits))-places]...)
	}
	if places > 0 {
		b = append(b, '.')
		for i := int32(len(digits)); i < places; i++ {
			b = append(b, '0')
		}
		b = append(b, digits[max(0, int32(len(digits))-places):]...)
	}
	return string(b), true
}

// absUint is |x|, exact for every int64.
func absUint(x int64) uint64 {
	if x < 0 {
		return uint64(-(x + 1)) + 1
	}
	return uint64(x)
}

// FormatMoney renders an amount for people: "£1,234.50", "-€3.20",
// "CHF 1,000.00", "¥1,500". An unknown currency code is bank text, so it is
// sanitised. The TUI and the command line both format money with it, so
// they never disagree.
func FormatMoney(a truelayer.Amount, currency string) string {
	sign := ""
	if a.Sign() < 0 {
		sign = "-"
	}
	return sign + currencyPrefix(currency) + groupThousands(PlainAmount(a.Abs(), currency))
}

// FormatSignedMoney is FormatMoney with "+" before positive amounts, so
// money in and out differ without colour.
func FormatSignedMoney(a truelayer.Amount, currency string) string {
	s := FormatMoney(a, currency)
	if a.Sign() > 0 {
		s = "+" + s
	}
	return s
}

// MaskedMoney is what privacy mode shows instead of an amount: the currency
// and a fixed mask, sign included, so neither magnitude nor direction shows.
func MaskedMoney(currency string) string {
	return currencyPrefix(currency) + maskedAmount
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

// Amount is the exact money type of every stored and exported figure (the
// bank's own number text, decimal arithmetic): the TUI and the CLI name it
// through the ledger.
type Amount = truelayer.Amount

// FormatCount writes a count for people, with the same thousands separator
// as money: "1,234".
func FormatCount(n int) string {
	if n < 0 {
		return "-" + groupThousands(strconv.Itoa(-n))
	}
	return groupThousands(strconv.Itoa(n))
}
