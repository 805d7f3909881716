package ledger

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "TESCO STORES 1234", "TESCO STORES 1234"},
		{"unicode kept", "Café Zürich £5 €3 日本", "Café Zürich £5 €3 日本"},
		{"SGR colour", "\x1b[31mRED\x1b[0m shop", "RED shop"},
		{"cursor movement", "a\x1b[2J\x1b[Hb", "ab"},
		{"OSC title", "x\x1b]0;pwned\x07y", "xy"},
		{"OSC 8 hyperlink", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"DCS", "a\x1bP1$qm\x1b\\b", "ab"},
		{"C1 CSI", "a\u009b31mb", "ab"},
		{"C1 OSC", "a\u009d0;title\u009cb", "ab"},
		{"bell backspace NUL DEL", "a\a\b\x00\x7fb", "ab"},
		{"newlines become spaces", "line1\nline2\r\nx\ty", "line1 line2  x y"},
		{"bidi override", "INV\u202eOICE\u202c", "INVOICE"},
		{"bidi isolates", "\u2066abc\u2069\u2067d\u2068e", "abcde"},
		{"marks", "a\u200eb\u200fc\u061cd", "abcd"},
		{"line separator", "a\u2028b", "a b"},
		{"invalid utf8", "a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sanitize(tt.in)
			if got != tt.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if strings.ContainsAny(got, "\x1b\x07\x00\u202e\u009b") || !utf8.ValidString(got) {
				t.Errorf("unsafe output %q", got)
			}
		})
	}
}
