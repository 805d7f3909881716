package ledger

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
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

// EscapeJSON leaves a document that parses to the same text, with every
// control and bidi character written as \uXXXX.
func TestEscapeJSON(t *testing.T) {
	for _, s := range []string{"plain", "OSC 52 \x1b]52;c;aGk=\x07", "C1 \u009b2J \u0085 \u009d0;t\u009c", "INV\u202eOICE",
		"\u2066iso\u2069 \u200e\u200f\u061c", "DEL \x7f", "café £5 日本 \U0001F600", `"quoted" \ back`} {
		enc, err := json.Marshal(map[string]string{"k": s})
		if err != nil {
			t.Fatal(err)
		}
		out := EscapeJSON(enc)
		if !json.Valid(out) {
			t.Fatalf("EscapeJSON(%s) = %s: not JSON", enc, out)
		}
		var back map[string]string
		if err := json.Unmarshal(out, &back); err != nil || back["k"] != s {
			t.Errorf("EscapeJSON(%q) reads back as %q (%v)", s, back["k"], err)
		}
		for _, r := range string(out) {
			if unicode.Is(unicode.Cc, r) && r != '\n' || isBidiControl(r) {
				t.Errorf("EscapeJSON(%q) = %q keeps %U raw", s, out, r)
			}
		}
	}
	if in := []byte(`{"a":"plain"}`); &EscapeJSON(in)[0] != &in[0] {
		t.Error("EscapeJSON copied a document with nothing to escape")
	}
	if got := string(EscapeJSON([]byte("\"\u202e\u0085\""))); got != `"\u202e\u0085"` {
		t.Errorf("EscapeJSON = %s, want \"\\u202e\\u0085\"", got)
	}
}
