package ledger

import (
	"database/sql/driver"
	"strings"
	"unicode"
	"unicode/utf8"

	"modernc.org/sqlite"
)

// Text filters find a word in bank text ignoring case, the same way
// whether the full-text index finds it or a row is tested: the index folds
// the case of every letter (é and É are one), SQLite's LIKE only of ASCII
// ones. So a word with other letters is compared with both sides folded
// by foldCase, which SQLite calls as banktui_fold.

// foldFunction is foldCase's name in SQL.
const foldFunction = "banktui_fold"

func init() {
	sqlite.MustRegisterDeterministicScalarFunction(foldFunction, 1,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			switch v := args[0].(type) {
			case string:
				return foldCase(v), nil
			case []byte:
				return foldCase(string(v)), nil
			}
			return args[0], nil // NULL, or a number: no letters to fold
		})
}

// foldCase lowers the case of every letter, rune by rune, as the
// full-text index does.
func foldCase(s string) string { return strings.Map(unicode.ToLower, s) }

// searchWord is a typed or pasted word as text matching takes it: without
// NUL, which ends SQLite's C strings early (an FTS5 query then fails as
// unterminated, a LIKE pattern is cut short).
func searchWord(w string) string { return strings.ReplaceAll(w, "\x00", "") }

// ftsPhrase is word as an FTS5 phrase: quoted, its quotes doubled.
func ftsPhrase(word string) string {
	return `"` + strings.ReplaceAll(searchWord(word), `"`, `""`) + `"`
}

// containsWord is the SQL condition (one argument, returned with it) that
// column holds word, case ignored.
func containsWord(column, word string) (string, any) {
	word = searchWord(word)
	if isASCII(word) {
		return column + " LIKE ? ESCAPE '\\'", "%" + escapeLike(word) + "%"
	}
	// Folded, the word keeps a letter beyond ASCII, which text of ASCII
	// alone cannot hold: GLOB rules those rows out before SQLite calls Go.
	return "(" + column + " GLOB '" + beyondASCII + "' AND " + foldFunction + "(" + column + ") LIKE ? ESCAPE '\\')",
		"%" + escapeLike(foldCase(word)) + "%"
}

// beyondASCII is a GLOB pattern: text holding a character beyond ASCII.
const beyondASCII = "*[\u0080-\U0010FFFF]*"

// containsAny is containsWord over several columns: any of them holds word.
func containsAny(word string, columns ...string) (string, []any) {
	conds := make([]string, len(columns))
	args := make([]any, len(columns))
	for i, c := range columns {
		conds[i], args[i] = containsWord(c, word)
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// likeEscaper escapes LIKE's wildcards and its escape character.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func escapeLike(s string) string { return likeEscaper.Replace(s) }
