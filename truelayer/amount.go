package truelayer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Amount is an exact decimal amount of money. It never passes through
// float64: the JSON number the API sent is parsed as a decimal, and
// MarshalJSON writes the same text back, so "1161.2", "-2.99" and "5479.0"
// round-trip byte for byte.
//
// Compare amounts with Equal or Cmp, not ==: 5479.0 and 5479 are equal
// amounts with different texts.
type Amount struct {
	d   decimal.Decimal
	raw string // the text the API sent, when decoded from JSON
	set bool   // holds a number: false for the zero Amount and JSON null
}

// NewAmount parses a decimal such as "-2.99" or "1e3".
func NewAmount(s string) (Amount, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Amount{}, fmt.Errorf("truelayer: invalid amount %q", s)
	}
	return Amount{d: d, set: true}, nil
}

// MustAmount is NewAmount for constants; it panics on a malformed string.
func MustAmount(s string) Amount {
	a, err := NewAmount(s)
	if err != nil {
		panic(err)
	}
	return a
}

// AmountFromDecimal wraps a decimal.
func AmountFromDecimal(d decimal.Decimal) Amount { return Amount{d: d, set: true} }

// AmountFromMinor returns units/10^exp, e.g. AmountFromMinor(-299, 2) is -2.99.
func AmountFromMinor(units int64, exp int32) Amount {
	return Amount{d: decimal.New(units, -exp), set: true}
}

// Missing reports whether the amount holds no number: the zero Amount, or
// one decoded from JSON null or from a field the JSON lacked. It reads as
// zero; a bank's balance that is Missing is not a balance of zero.
func (a Amount) Missing() bool { return !a.set }

// Decimal returns the value for arithmetic.
func (a Amount) Decimal() decimal.Decimal { return a.d }

// String returns the text the API sent if known, else the shortest exact form.
func (a Amount) String() string {
	if a.raw != "" {
		return a.raw
	}
	return a.d.String()
}

// StringFixed formats with exactly places decimals (rounding half away from zero).
func (a Amount) StringFixed(places int32) string { return a.d.StringFixed(places) }

func (a Amount) IsZero() bool              { return a.d.IsZero() }
func (a Amount) Sign() int                 { return a.d.Sign() }
func (a Amount) Cmp(b Amount) int          { return a.d.Cmp(b.d) }
func (a Amount) Equal(b Amount) bool       { return a.d.Equal(b.d) }
func (a Amount) Add(b Amount) Amount       { return Amount{d: a.d.Add(b.d), set: true} }
func (a Amount) Sub(b Amount) Amount       { return Amount{d: a.d.Sub(b.d), set: true} }
func (a Amount) Neg() Amount               { return Amount{d: a.d.Neg(), set: true} }
func (a Amount) Abs() Amount               { return Amount{d: a.d.Abs(), set: true} }
func (a Amount) MulInt(n int64) Amount     { return Amount{d: a.d.Mul(decimal.NewFromInt(n)), set: true} }
func (a Amount) LessThan(b Amount) bool    { return a.d.LessThan(b.d) }
func (a Amount) GreaterThan(b Amount) bool { return a.d.GreaterThan(b.d) }
func (a Amount) Round(places int32) Amount { return Amount{d: a.d.Round(places), set: true} }
func (a Amount) Minor(exp int32) (int64, bool) {
	s := a.d.Shift(exp)
	if !s.Equal(s.Truncate(0)) {
		return 0, false
	}
	return s.IntPart(), true
}

// MarshalJSON writes the amount as a JSON number.
func (a Amount) MarshalJSON() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalJSON accepts a JSON number or a quoted decimal string.
func (a *Amount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*a = Amount{}
		return nil
	}
	s := string(b)
	quoted := len(b) > 0 && b[0] == '"'
	if quoted {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("truelayer: invalid amount %.40q", b)
		}
		s = strings.TrimSpace(s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("truelayer: invalid amount %.40q", s)
	}
	if e := d.Exponent(); e < -maxAmountExponent || e > maxAmountExponent {
		// No bank sends 1e999999; printing one would allocate a million digits.
		return fmt.Errorf("truelayer: amount out of range %.40q", s)
	}
	a.d, a.raw, a.set = d, "", true
	if json.Valid([]byte(s)) {
		// Keep the bank's text only when it is itself a JSON number, so
		// MarshalJSON always writes valid JSON ("00" parses, but is not).
		a.raw = s
	}
	return nil
}

// maxAmountExponent bounds the decimal exponent of amounts we accept.
const maxAmountExponent = 64
