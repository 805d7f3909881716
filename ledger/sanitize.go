package ledger

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Sanitize makes untrusted bank text safe to print in a terminal: escape
// sequences (CSI, OSC, DCS...) are removed whole, remaining control characters
// (C0, DEL, C1) are dropped, tabs and line breaks become spaces, bidi
// overrides and isolates (U+202A-202E, U+2066-2069, U+200E/200F, U+061C) are
// dropped so text cannot reorder what follows it, and invalid UTF-8 becomes
// U+FFFD. Without this a description could move the cursor, retitle the
// window, or disguise an amount. The TUI, the CLI and every export use it,
// so bank text is cleaned by one set of rules.
func Sanitize(s string) string {
	if isPlainASCII(s) {
		return s
	}
	if strings.IndexByte(s, 0x1b) >= 0 || strings.ContainsRune(s, 0x9b) {
		s = ansi.Strip(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			b.WriteRune(utf8.RuneError)
			i++
			continue
		}
		i += size
		switch r {
		case 0x9b: // C1 CSI: drop its parameters and final byte too
			for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
				i++
			}
			if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
				i++
			}
			continue
		case 0x90, 0x9d, 0x9e, 0x9f: // C1 DCS, OSC, PM, APC: drop up to the terminator
			for i < len(s) {
				r2, n := utf8.DecodeRuneInString(s[i:])
				i += n
				if r2 == 0x9c || r2 == 0x07 {
					break
				}
			}
			continue
		}
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == 0x85 || r == 0x2028 || r == 0x2029:
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			// control character: dropped
		case isBidiControl(r):
			// dropped
		case !unicode.IsPrint(r) && !unicode.IsSpace(r) && unicode.Is(unicode.Cc, r):
			// any other control
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

// isPlainASCII reports whether s is printable ASCII only: the common case,
// returned as is without allocating.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// EscapeJSON rewrites encoded JSON so that no control or bidi character is
// left raw in it: DEL, the C1 controls (U+0080-009F) and the bidi controls
// Sanitize drops become \uXXXX escapes. encoding/json already escapes C0
// controls (ESC included) and U+2028/2029. A JSON reader gets back exactly
// the bank's text (--json and the json export keep it), but a terminal
// showing the document can no longer be steered or reordered by it. Such
// characters cannot occur outside strings in valid JSON, so every one found
// is inside a string and escaping it keeps the document valid. b is
// returned as is when there is nothing to escape.
func EscapeJSON(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < 0x7f {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		if b[i] < 0x7f {
			out = append(out, b[i])
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if jsonEscaped(r) {
			out = append(out, `\u`...)
			out = append(out, hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

const hexDigits = "0123456789abcdef"

// jsonEscaped are the characters EscapeJSON writes as \uXXXX.
func jsonEscaped(r rune) bool {
	return r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidiControl(r)
}
