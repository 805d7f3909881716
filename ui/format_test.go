package ui

import (
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/truelayer"
)

func TestMoney(t *testing.T) {
	tests := []struct {
		amount, currency string
		signed, privacy  bool
		want             string
	}{
		{"1234.5", "GBP", false, false, "£1,234.50"},
		{"-1234567.891", "EUR", false, false, "-€1,234,567.891"}, // exact, never rounded
		{"12", "USD", true, false, "+$12.00"},
		{"-0.99", "GBP", true, false, "-£0.99"},
		{"0", "GBP", true, false, "£0.00"},
		{"100", "CHF", false, false, "CHF 100.00"},
		{"1500", "JPY", false, false, "¥1,500"},
		{"-55.10", "GBP", true, true, "£•••••"},
		{"55.10", "CHF", true, true, "CHF •••••"},
		{"0.125", "GBP", true, false, "+£0.125"},
	}
	for _, tt := range tests {
		got := money(truelayer.MustAmount(tt.amount), tt.currency, tt.signed, tt.privacy)
		if got != tt.want {
			t.Errorf("money(%s %s) = %q, want %q", tt.amount, tt.currency, got, tt.want)
		}
	}
}

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

func TestAsOf(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{now.Add(-time.Hour), "09:00"},
		{now.Add(-30 * time.Hour), "27 Nov 04:00"},
		{time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), "1 Mar 2025"},
		{time.Time{}, "never"},
	} {
		if got := asOf(tt.t, now); got != tt.want {
			t.Errorf("asOf(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}

func TestCellWidthMatchesAnsi(t *testing.T) {
	for _, s := range []string{"", "abc", "£1,234.56", "\x1b[38;2;1;2;3m-£5\x1b[m", "┏━ Title ━┓", "◌ 2026", "日本語", "e\u0301", "•••• 4242", "a\x1b]0;x\x07b", "👍🏽", "\x1b[7m›\x1b[m x"} {
		if got, want := cellWidth(s), ansi.StringWidth(s); got != want {
			t.Errorf("cellWidth(%q) = %d, ansi says %d", s, got, want)
		}
	}
}
