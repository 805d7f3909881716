package ledger

import (
	"encoding/json"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzSanitize: whatever the bank sends, Sanitize returns valid UTF-8 with
// no control character (C0, DEL, C1) and no bidi control left, and
// sanitising again changes nothing.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		"TESCO STORES 3297",
		"\x1b]52;c;aGVsbG8=\x07clipboard", "\x1b]0;title\x1b\\", "\x1b[2J\x1b[H", "\x9b31mred", "\x9d0;t\x9c",
		"pay \u202eevil\u202c", "\u2066iso\u2069 \u200f\u061c", "tab\there\nnew\r\v\f\u0085\u2028\u2029",
		"bad \xff\xfe utf8", "\x00\x01\x7f\u0080\u009f", "caf\u00e9 \U0001F600", "\x1b", "\x1b[", "\xc2\x9b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Sanitize(%q) = %q: invalid UTF-8", s, out)
		}
		for _, r := range out {
			if unicode.Is(unicode.Cc, r) || isBidiControl(r) {
				t.Fatalf("Sanitize(%q) = %q keeps %U", s, out, r)
			}
		}
		if again := Sanitize(out); again != out {
			t.Fatalf("not idempotent: Sanitize(%q) = %q, then %q", s, out, again)
		}
	})
}

// FuzzEscapeJSON: any text encoded by encoding/json and then EscapeJSON is
// valid JSON, reads back as encoding/json alone would give it, and keeps no
// control or bidi character raw.
func FuzzEscapeJSON(f *testing.F) {
	for _, s := range []string{"plain", "\x1b]52;c;aGk=\x07", "\u009b2J\u0085", "a\u202eb\u2066", "\x7f\xff", "日本\U0001F600"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc, err := json.Marshal([]string{s})
		if err != nil {
			t.Fatal(err)
		}
		out := EscapeJSON(enc)
		var want, got []string
		if err := json.Unmarshal(enc, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out, &got); err != nil || len(got) != 1 || got[0] != want[0] {
			t.Fatalf("EscapeJSON(%s) = %s reads back as %q (%v), want %q", enc, out, got, err, want)
		}
		for _, r := range string(out) {
			if unicode.Is(unicode.Cc, r) || isBidiControl(r) {
				t.Fatalf("EscapeJSON(%s) = %s keeps %U raw", enc, out, r)
			}
		}
	})
}
