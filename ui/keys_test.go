package ui

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
)

func TestKeyActionsCoverEveryBinding(t *testing.T) {
	names := KeyActions()
	if len(names) != len(keyActions) {
		t.Fatalf("KeyActions() has %d names, want %d", len(names), len(keyActions))
	}
	// Every binding in the full help is rebindable and every action is in the help.
	km := DefaultKeyMap()
	inHelp := map[string]bool{}
	for _, col := range km.FullHelp() {
		for _, b := range col {
			inHelp[strings.Join(b.Keys(), ",")] = true
		}
	}
	for _, a := range keyActions {
		b := a.binding(&km)
		if len(b.Keys()) == 0 || b.Help().Desc == "" {
			t.Errorf("action %s has no keys or no help", a.name)
		}
		if !inHelp[strings.Join(b.Keys(), ",")] {
			t.Errorf("action %s is missing from the full help", a.name)
		}
	}
	for _, want := range []string{"prev_month", "next_month", "filter", "privacy", "login", "quit"} {
		if !slices.Contains(names, want) {
			t.Errorf("KeyActions() lacks %s", want)
		}
	}
}

func TestBracketKeysHaveLetterAlternatives(t *testing.T) {
	km := DefaultKeyMap()
	for _, b := range []key.Binding{km.PrevMonth, km.NextMonth} {
		hasLetter := false
		for _, k := range b.Keys() {
			if len(k) == 1 && k[0] >= 'a' && k[0] <= 'z' {
				hasLetter = true
			}
		}
		if !hasLetter {
			t.Errorf("%v has no letter alternative", b.Keys())
		}
	}
}

func TestKeyMapWith(t *testing.T) {
	km, err := KeyMapWith(map[string][]string{"prev_month": {"b"}, "next_month": {"n", "]"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(km.PrevMonth.Keys(), []string{"b"}) || km.PrevMonth.Help().Key != "b" {
		t.Errorf("prev_month = %v (%q)", km.PrevMonth.Keys(), km.PrevMonth.Help().Key)
	}
	if !slices.Equal(km.NextMonth.Keys(), []string{"n", "]"}) {
		t.Errorf("next_month = %v", km.NextMonth.Keys())
	}
	if _, err := KeyMapWith(map[string][]string{"teleport": {"t"}}); err == nil || !strings.Contains(err.Error(), "teleport") {
		t.Errorf("unknown action: err = %v", err)
	}
	if _, err := KeyMapWith(map[string][]string{"quit": {}}); err == nil {
		t.Error("empty key list should be an error")
	}
}

// A rebound key drives the model and the help, and the old key stops working.
func TestReboundKeysDriveModelAndHelp(t *testing.T) {
	e := offlineEnv(10)
	e.opts.Keys = map[string][]string{"privacy": {"x"}}
	h := e.start(t, 120, 30)
	if !strings.Contains(h.press(".").screen(), "£1,234.56") {
		t.Fatal(". still toggles privacy after rebinding to x")
	}
	if strings.Contains(h.press("x").screen(), "£1,234.56") {
		t.Fatal("x does not toggle privacy")
	}
	if !regexp.MustCompile(`x\s+hide amounts`).MatchString(h.press("?").screen()) {
		t.Errorf("full help does not show the rebound key:\n%s", h.screen())
	}
}

// A bad [keys] table keeps the defaults and says why in the footer.
func TestBadKeysConfigIsReported(t *testing.T) {
	e := offlineEnv(10)
	e.opts.Keys = map[string][]string{"teleport": {"t"}}
	h := e.start(t, 120, 30)
	if !strings.Contains(h.screen(), `unknown action "teleport"`) {
		t.Errorf("bad keys not reported:\n%s", h.screen())
	}
	if strings.Contains(h.press(".").screen(), "£1,234.56") {
		t.Error("defaults not kept after a bad [keys] table")
	}
}

// A key bound to two actions is refused, naming both and the key; the
// defaults have no such clash.
func TestKeyMapWithRejectsClashes(t *testing.T) {
	if km := DefaultKeyMap(); km.clash() != nil {
		t.Fatalf("the default key map clashes: %v", km.clash())
	}
	_, err := KeyMapWith(map[string][]string{"privacy": {"j"}})
	if err == nil {
		t.Fatal("privacy on j (down's key) was accepted")
	}
	for _, want := range []string{`"j"`, "down", "privacy"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error %q does not name %s", err, want)
		}
	}
	// Moving the other action away first is fine.
	if _, err := KeyMapWith(map[string][]string{"privacy": {"j"}, "down": {"down"}}); err != nil {
		t.Errorf("a swap was refused: %v", err)
	}
	// The TUI says so, keeps the defaults, and help lists j once.
	e := offlineEnv(10)
	e.opts.Keys = map[string][]string{"privacy": {"j"}}
	h := e.start(t, 120, 30)
	if !strings.Contains(h.screen(), `"j" is bound to both down and privacy`) {
		t.Errorf("the clash is not reported:\n%s", h.screen())
	}
	if n := len(regexp.MustCompile(`\bj\b`).FindAllString(h.press("?").screen(), -1)); n != 1 {
		t.Errorf("help lists j %d times:\n%s", n, h.screen())
	}
}

// A key name that no press could ever match is refused with what to write
// instead; every default key and the names Bubble Tea gives pass.
func TestKeyNamesThatNeverArriveAreRefused(t *testing.T) {
	km := DefaultKeyMap()
	for _, a := range keyActions {
		for _, k := range a.binding(&km).Keys() {
			if err := checkKeyName(k); err != nil {
				t.Errorf("default key of %s refused: %v", a.name, err)
			}
		}
	}
	for _, k := range []string{"b", "A", "£", "+", "ctrl++", "ctrl+alt+x", "shift+tab", "alt+shift+up", "f5", "f12", "pgdown", "space", "esc", "ctrl+shift+a"} {
		if err := checkKeyName(k); err != nil {
			t.Errorf("%q refused: %v", k, err)
		}
	}
	for k, want := range map[string]string{
		"pgdn":        "pgdown",
		"return":      "enter",
		"":            "not a key",
		" ":           "space",
		"alt+ctrl+x":  "ctrl+alt+shift",
		"ctrl+ctrl+a": "once each",
		"cmd+a":       `"cmd" is not a modifier`,
		"shift+a":     "A for shift+a",
	} {
		err := checkKeyName(k)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error saying %q", k, err, want)
		}
	}
	// Through [keys]: the action is named, the defaults kept.
	if _, err := KeyMapWith(map[string][]string{"page_down": {"pgdn"}}); err == nil || !strings.Contains(err.Error(), "page_down") {
		t.Errorf("[keys] page_down = [\"pgdn\"]: %v", err)
	}
}
