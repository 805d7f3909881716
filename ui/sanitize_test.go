package ui

import (
	"strings"
	"testing"
)

// Everything the TUI draws from bank data goes through Sanitize: an
// escape-laden description must not reach View's output.
func TestViewNeverShowsEscapesFromBankData(t *testing.T) {
	m := fakeModel(t, 120, 30, 10)
	evil := "\x1b]0;owned\x07\x1b[2J\u202eEVIL\x1b[31m"
	m.tx.views[0].Merchant = evil
	m.tx.views[0].Description = evil
	m.tx.views[0].Raw.Meta = map[string]any{"note": evil, evil: "key"}
	m.accounts.items[0].DisplayName = evil
	m.tx.rows = prepareRows(m.tx.views)
	m = press(t, m, "3", "enter")
	out := m.View().Content
	for _, bad := range []string{"\x1b]0;", "\x1b[2J", "\u202e", "\a"} {
		if strings.Contains(out, bad) {
			t.Errorf("view contains %q from bank data", bad)
		}
	}
	if !strings.Contains(screen(m), "EVIL") {
		t.Errorf("sanitised text should still show its printable part")
	}
}
