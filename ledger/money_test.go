package ledger

import (
	"math/rand/v2"
	"testing"

	"github.com/banktui/banktui/truelayer"
)

func TestFormatMoney(t *testing.T) {
	huge := "123456789012345678901234567890.123456789"
	for _, tt := range []struct{ amount, currency, want string }{
		{"0", "GBP", "£0.00"},
		{"-2.99", "GBP", "-£2.99"},
		{"1161.2", "GBP", "£1,161.20"},
		{"1234567.5", "GBP", "£1,234,567.50"},
		{"5479.0", "EUR", "€5,479.00"},
		{"0.125", "GBP", "£0.125"},   // exact: never rounds away a digit the bank sent
		{"-0.125", "USD", "-$0.125"}, // ...negative too
		{"999.995", "GBP", "£999.995"},
		{"1500", "JPY", "¥1,500"}, // ISO 4217: no minor unit
		{"-1500", "JPY", "-¥1,500"},
		{"1500.5", "JPY", "¥1,500.5"},
		{"2500", "KRW", "KRW 2,500"},
		{"1234", "HUF", "HUF 1,234"},
		{"99.5", "ISK", "ISK 99.5"},
		{"1000", "CHF", "CHF 1,000.00"},
		{"-1000", "CHF", "-CHF 1,000.00"},
		{"12.3", "", "12.30"},
		{"100", "INR", "₹100.00"},
		{"1", "X\x1b[31mY\u202e\n", "XY 1.00"}, // bank text: escapes, bidi and line breaks go
		{"1", " \t", "1.00"},
		{"-0", "GBP", "£0.00"}, // negative zero has no sign
		{"-0.00", "EUR", "€0.00"},
		{"1e3", "GBP", "£1,000.00"},
		{"-1.5e-3", "GBP", "-£0.0015"},
		{huge, "GBP", "£123,456,789,012,345,678,901,234,567,890.123456789"},
		{"-" + huge, "JPY", "-¥123,456,789,012,345,678,901,234,567,890.123456789"},
		{"100", "GBP", "£100.00"},
		{"999", "GBP", "£999.00"},
	} {
		if got := FormatMoney(truelayer.MustAmount(tt.amount), tt.currency); got != tt.want {
			t.Errorf("FormatMoney(%s, %q) = %q, want %q", tt.amount, tt.currency, got, tt.want)
		}
	}
}

// PlainAmount's fast path for small amounts writes what StringFixed writes.
func TestPlainAmountFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	check := func(a truelayer.Amount, cur string) {
		t.Helper()
		places := minorDigits(cur)
		if -a.Decimal().Exponent() > places {
			places = -a.Decimal().Exponent()
		}
		if got, want := PlainAmount(a, cur), a.StringFixed(places); got != want {
			t.Fatalf("PlainAmount(%v, %s) = %q, want %q", a, cur, got, want)
		}
	}
	for i := range 20000 {
		c := rng.Int64N(1e12) - 5e11
		if i%7 == 0 {
			c = rng.Int64N(1000) - 500
		}
		check(truelayer.AmountFromMinor(c, int32(rng.IntN(12))), []string{"GBP", "JPY"}[i%2])
	}
	for _, s := range []string{"0", "-0.5", "1e3", "0.000000001", "-1336.175", "123456789012345678.12", "5479.0", "-0.00"} {
		check(truelayer.MustAmount(s), "GBP")
	}
}
