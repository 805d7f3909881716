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
	for _, s := range []string{"", "abc", "£1,234.56", "\x1b[38;2;1;2;3m-£5\x1b[m", "┏━ Title ━┓", "◌ 2026", "日本語", "e\u0301", "•••• 4242", "a\x1b]0;x\x07b", "👍🏽", "\x1b[7m›\x1b[m x", "☕ Costa", "⭐", "soft\u00adhyphen", "a\u20dd"} {
		if got, want := cellWidth(s), ansi.StringWidth(s); got != want {
			t.Errorf("cellWidth(%q) = %d, ansi says %d", s, got, want)
		}
	}
}

func TestMaskDigits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"************4242", "************••••"},
		{"20-32-06 80677760", "20-32-06 ••••"},
		{"REF 123 and 4567 9", "REF 123 and •••• 9"},
		{"", ""},
		{"GB29NWBK60161331926819", "GB29NWBK••••"},
	}
	for _, tt := range tests {
		if got := maskDigits(tt.in); got != tt.want {
			t.Errorf("maskDigits(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A cut that falls inside a wide character drops it whole and leaves the
// cell it would have straddled: fit pads it, so the next column stays put.
func TestFitKeepsWidthWhenCuttingWideCharacters(t *testing.T) {
	for _, s := range []string{"東京都渋谷区コンビニ", "ＦＵＬＬＷＩＤＴＨ", "ab東京", "👍👍👍👍", "plain text that is long"} {
		for w := 1; w <= 12; w++ {
			if got := ansi.StringWidth(fit(s, w)); got != w {
				t.Errorf("fit(%q, %d) is %d cells: %q", s, w, got, fit(s, w))
			}
			if got := ansi.StringWidth(fitRight(s, w)); got != w {
				t.Errorf("fitRight(%q, %d) is %d cells: %q", s, w, got, fitRight(s, w))
			}
		}
	}
}
