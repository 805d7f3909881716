package ui

import (
	"strings"
	"testing"
)

// Everything the TUI draws from bank data goes through Sanitize: an
// escape-laden description must not reach View's output.
func TestViewNeverShowsEscapesFromBankData(t *testing.T) {
	evil := "\x1b]0;owned\x07\x1b[2J\u202eEVIL\x1b[31m"
	e := offlineEnv(10)
	tx := e.store.txs["acc-current"]
	tx[0].Merchant, tx[0].Description = evil, evil
	tx[0].Raw.Meta = map[string]any{"note": evil, evil: "key"}
	e.store.accounts[0].DisplayName = evil
	e.store.accounts[0].ProviderName = evil
	h := e.start(t, 120, 30).press("3", "enter")
	out := h.raw()
	for _, bad := range []string{"\x1b]0;", "\x1b[2J", "\u202e", "\a"} {
		if strings.Contains(out, bad) {
			t.Errorf("view contains %q from bank data", bad)
		}
	}
	if !strings.Contains(h.screen(), "EVIL") || !strings.Contains(h.screen(), "note") {
		t.Errorf("sanitised text should still show its printable part:\n%s", h.screen())
	}
}

// Every other piece of bank text the panes draw: a card's network, a
// currency, a category, a classification.
func TestViewNeverShowsEscapesFromCardsAndCurrencies(t *testing.T) {
	evil := "\x1b]52;c;cHduZWQ=\x07\x1b[2J\u202e\u009b31m"
	e := offlineEnv(10)
	for i := range e.store.accounts {
		e.store.accounts[i].CardNetwork += evil
		e.store.accounts[i].Currency += evil
	}
	tx := e.store.txs["card-1"]
	for i := range tx {
		tx[i].Category += evil
		tx[i].Currency += evil
		tx[i].Classification = append(tx[i].Classification, evil)
	}
	for _, keys := range [][]string{{"1"}, {"2"}, {"2", "enter", "enter"}} {
		out := e.start(t, 120, 30).press(keys...).raw()
		for _, bad := range []string{"\x1b]52", "\x1b[2J", "\u202e", "\u009b", "\a"} {
			if strings.Contains(out, bad) {
				t.Errorf("after %v the view contains %q from bank data", keys, bad)
			}
		}
	}
}
