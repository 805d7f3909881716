package ui

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
)

// keyModifiers are the modifiers a key name may start with, in the order
// Bubble Tea writes them: "alt+ctrl+x" would never match its "ctrl+alt+x".
var keyModifiers = []string{"ctrl", "alt", "shift", "meta", "hyper", "super"}

// keyWords are the names Bubble Tea gives the keys that are not a
// character (enter, esc, pgdown, f1...), read from its own Key.Keystroke so
// that they cannot drift from what a key press is matched against.
var keyWords = sync.OnceValue(func() map[string]bool {
	names := map[string]bool{}
	add := func(code rune) {
		if s := (tea.Key{Code: code}).Keystroke(); len(s) > 1 && isKeyWord(s) {
			names[s] = true
		}
	}
	for _, c := range []rune{tea.KeyEnter, tea.KeyTab, tea.KeyBackspace, tea.KeyEscape, tea.KeySpace} {
		add(c)
	}
	// The other named keys follow KeyExtended; the table ends well before 512.
	for c := tea.KeyExtended + 1; c <= tea.KeyExtended+512; c++ {
		add(c)
	}
	return names
})

func isKeyWord(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			return false
		}
	}
	return true
}

// checkKeyName reports why name, a key given in [keys], could never match
// a key press: not a character nor a key Bubble Tea names, modifiers out
// of order or repeated, or shift with a character (the press arrives as
// the character shift gives: "A", not "shift+a").
func checkKeyName(name string) error {
	base, mods := name, []string(nil)
	if i := strings.LastIndex(name, "+"); i > 0 && i < len(name)-1 {
		base, mods = name[i+1:], strings.Split(name[:i], "+")
	} else if i > 0 { // "ctrl++": the plus key
		base, mods = "+", strings.Split(name[:i-1], "+")
	}
	last := -1
	for _, m := range mods {
		at := slices.Index(keyModifiers, m)
		switch {
		case at < 0:
			return fmt.Errorf("%q: %q is not a modifier (%s)", name, m, strings.Join(keyModifiers, ", "))
		case at <= last:
			return fmt.Errorf("%q: give its modifiers once each, in the order %s", name, strings.Join(keyModifiers, "+"))
		}
		last = at
	}
	if utf8.RuneCountInString(base) == 1 {
		r, _ := utf8.DecodeRuneInString(base)
		switch {
		case !unicode.IsPrint(r) || r == ' ':
			return fmt.Errorf("%q is not a key: write space, tab or enter by name", name)
		case len(mods) == 1 && mods[0] == "shift":
			return fmt.Errorf("%q never arrives: write the character shift gives (A for shift+a)", name)
		}
		return nil
	}
	if !keyWords()[base] {
		return fmt.Errorf("%q is not a key: use a character, or one of %s", name, commonKeyNames)
	}
	return nil
}

// commonKeyNames are the names an error about a key suggests.
const commonKeyNames = "enter, esc, tab, space, backspace, delete, insert, up, down, left, right, " +
	"home, end, pgup, pgdown, f1 to f12, with ctrl+, alt+ or shift+ before them"
