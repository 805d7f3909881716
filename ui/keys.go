package ui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap declares every binding of the TUI exactly once. The same bindings
// drive the short help in the footer and the full help (?), so the two can
// never drift from what the keys actually do.
type KeyMap struct {
	Up, Down, Top, Bottom, HalfPageDown, HalfPageUp, PageDown, PageUp key.Binding
	NextPane, PrevPane                                                key.Binding
	PaneAccounts, PaneCards, PaneTransactions, PaneInsights           key.Binding
	Open, Back                                                        key.Binding
	Filter, Sort, Reverse                                             key.Binding
	PrevMonth, NextMonth, Year                                        key.Binding
	Refresh, RefreshAll, Login                                        key.Binding
	Pending, Privacy, Help, Quit                                      key.Binding
}

// keyAction names one binding for the [keys] table of config.toml.
type keyAction struct {
	name    string
	binding func(*KeyMap) *key.Binding
}

// keyActions is the single list of rebindable actions, in help order.
var keyActions = []keyAction{
	{"up", func(k *KeyMap) *key.Binding { return &k.Up }},
	{"down", func(k *KeyMap) *key.Binding { return &k.Down }},
	{"top", func(k *KeyMap) *key.Binding { return &k.Top }},
	{"bottom", func(k *KeyMap) *key.Binding { return &k.Bottom }},
	{"half_page_down", func(k *KeyMap) *key.Binding { return &k.HalfPageDown }},
	{"half_page_up", func(k *KeyMap) *key.Binding { return &k.HalfPageUp }},
	{"page_down", func(k *KeyMap) *key.Binding { return &k.PageDown }},
	{"page_up", func(k *KeyMap) *key.Binding { return &k.PageUp }},
	{"next_pane", func(k *KeyMap) *key.Binding { return &k.NextPane }},
	{"prev_pane", func(k *KeyMap) *key.Binding { return &k.PrevPane }},
	{"pane_accounts", func(k *KeyMap) *key.Binding { return &k.PaneAccounts }},
	{"pane_cards", func(k *KeyMap) *key.Binding { return &k.PaneCards }},
	{"pane_transactions", func(k *KeyMap) *key.Binding { return &k.PaneTransactions }},
	{"pane_insights", func(k *KeyMap) *key.Binding { return &k.PaneInsights }},
	{"open", func(k *KeyMap) *key.Binding { return &k.Open }},
	{"back", func(k *KeyMap) *key.Binding { return &k.Back }},
	{"filter", func(k *KeyMap) *key.Binding { return &k.Filter }},
	{"sort", func(k *KeyMap) *key.Binding { return &k.Sort }},
	{"reverse", func(k *KeyMap) *key.Binding { return &k.Reverse }},
	{"prev_month", func(k *KeyMap) *key.Binding { return &k.PrevMonth }},
	{"next_month", func(k *KeyMap) *key.Binding { return &k.NextMonth }},
	{"year", func(k *KeyMap) *key.Binding { return &k.Year }},
	{"refresh", func(k *KeyMap) *key.Binding { return &k.Refresh }},
	{"refresh_all", func(k *KeyMap) *key.Binding { return &k.RefreshAll }},
	{"login", func(k *KeyMap) *key.Binding { return &k.Login }},
	{"pending", func(k *KeyMap) *key.Binding { return &k.Pending }},
	{"privacy", func(k *KeyMap) *key.Binding { return &k.Privacy }},
	{"help", func(k *KeyMap) *key.Binding { return &k.Help }},
	{"quit", func(k *KeyMap) *key.Binding { return &k.Quit }},
}

// KeyActions lists the action names valid in the [keys] table of config.toml.
func KeyActions() []string {
	names := make([]string, len(keyActions))
	for i, a := range keyActions {
		names[i] = a.name
	}
	return names
}

// DefaultKeyMap returns the bindings of the design. Bracket keys always have a
// letter alternative because [ and ] need AltGr on many layouts.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, helpKey, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, desc))
	}
	return KeyMap{
		Up:               b([]string{"k", "up"}, "↑/k", "up"),
		Down:             b([]string{"j", "down"}, "↓/j", "down"),
		Top:              b([]string{"g", "home"}, "g/home", "first"),
		Bottom:           b([]string{"G", "end"}, "G/end", "last"),
		HalfPageDown:     b([]string{"ctrl+d"}, "ctrl+d", "half page down"),
		HalfPageUp:       b([]string{"ctrl+u"}, "ctrl+u", "half page up"),
		PageDown:         b([]string{"pgdown"}, "pgdn", "page down"),
		PageUp:           b([]string{"pgup"}, "pgup", "page up"),
		NextPane:         b([]string{"tab"}, "tab", "next pane"),
		PrevPane:         b([]string{"shift+tab"}, "shift+tab", "previous pane"),
		PaneAccounts:     b([]string{"1"}, "1", "accounts"),
		PaneCards:        b([]string{"2"}, "2", "cards"),
		PaneTransactions: b([]string{"3"}, "3", "transactions"),
		PaneInsights:     b([]string{"4"}, "4", "insights"),
		Open:             b([]string{"enter"}, "enter", "open"),
		Back:             b([]string{"esc"}, "esc", "back"),
		Filter:           b([]string{"/"}, "/", "filter"),
		Sort:             b([]string{"s"}, "s", "sort column"),
		Reverse:          b([]string{"S"}, "S", "reverse sort"),
		PrevMonth:        b([]string{"[", "h"}, "[/h", "previous month"),
		NextMonth:        b([]string{"]", "l"}, "]/l", "next month"),
		Year:             b([]string{"y"}, "y", "insights: month / 12 months"),
		Refresh:          b([]string{"r"}, "r", "refresh pane"),
		RefreshAll:       b([]string{"R"}, "R", "refresh all"),
		Login:            b([]string{"L"}, "L", "connect a bank"),
		Pending:          b([]string{"p"}, "p", "show/hide pending"),
		Privacy:          b([]string{"."}, ".", "hide amounts"),
		Help:             b([]string{"?"}, "?", "help"),
		Quit:             b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// KeyMapWith returns the default key map with the [keys] overrides applied:
// action name -> keys. Unknown actions, empty key lists and a key bound to two
// actions are errors, so a typo in config.toml is reported instead of
// silently ignored.
func KeyMapWith(overrides map[string][]string) (KeyMap, error) {
	km := DefaultKeyMap()
	if len(overrides) == 0 {
		return km, nil
	}
	byName := make(map[string]keyAction, len(keyActions))
	for _, a := range keyActions {
		byName[a.name] = a
	}
	names := make([]string, 0, len(overrides))
	for name := range overrides {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		a, ok := byName[name]
		if !ok {
			return DefaultKeyMap(), fmt.Errorf("keys: unknown action %q (valid: %s)", name, strings.Join(KeyActions(), ", "))
		}
		keys := overrides[name]
		if len(keys) == 0 {
			return DefaultKeyMap(), fmt.Errorf("keys: action %q has no keys", name)
		}
		for _, k := range keys {
			if err := checkKeyName(k); err != nil {
				return DefaultKeyMap(), fmt.Errorf("keys: %s: %w", name, err)
			}
		}
		bind := a.binding(&km)
		bind.SetKeys(keys...)
		bind.SetHelp(strings.Join(keys, "/"), bind.Help().Desc)
	}
	if err := km.clash(); err != nil {
		return DefaultKeyMap(), err
	}
	return km, nil
}

// clash reports a key bound to two actions: only one of them could ever
// run, and help would list the key twice.
func (k *KeyMap) clash() error {
	owner := map[string]string{}
	for _, a := range keyActions {
		for _, name := range a.binding(k).Keys() {
			if first, ok := owner[name]; ok {
				return fmt.Errorf("keys: %q is bound to both %s and %s; give one of them another key in [keys]", name, first, a.name)
			}
			owner[name] = a.name
		}
	}
	return nil
}

// ShortHelp is the footer line: the keys someone needs in the first minute,
// with short descriptions so it fits 80 columns; the keys are the map's own.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{
		shortHelp(k.Help, "help"), shortHelp(k.Quit, "quit"), shortHelp(k.NextPane, "pane"), shortHelp(k.Open, "open"),
		shortHelp(k.Filter, "filter"), k.monthHelp(), shortHelp(k.Sort, "sort"), shortHelp(k.Refresh, "refresh"),
		shortHelp(k.Login, "connect"), shortHelp(k.Privacy, "privacy"),
	}
}

// InsightsHelp is the footer line while the insights pane has the
// keyboard: its own keys (the year, what a bar is made of) in place of
// filter and sort, which it has not.
func (k KeyMap) InsightsHelp() []key.Binding {
	return []key.Binding{
		shortHelp(k.Help, "help"), shortHelp(k.Quit, "quit"), shortHelp(k.NextPane, "pane"), shortHelp(k.Open, "its rows"),
		k.monthHelp(), shortHelp(k.Year, "year"), shortHelp(k.Refresh, "refresh"),
		shortHelp(k.Login, "connect"), shortHelp(k.Privacy, "privacy"),
	}
}

// shortHelp is b with a short description, so the footer fits 80 columns;
// the keys are the map's own.
func shortHelp(b key.Binding, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
}

// monthHelp is both month keys as one footer entry.
func (k KeyMap) monthHelp() key.Binding {
	return key.NewBinding(key.WithKeys(append(k.PrevMonth.Keys(), k.NextMonth.Keys()...)...),
		key.WithHelp(k.PrevMonth.Help().Key+" "+k.NextMonth.Help().Key, "month"))
}

// FullHelp is the ? screen, grouped in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.HalfPageDown, k.HalfPageUp, k.PageDown, k.PageUp},
		{k.NextPane, k.PrevPane, k.PaneAccounts, k.PaneCards, k.PaneTransactions, k.PaneInsights, k.Open, k.Back},
		{k.Filter, k.Sort, k.Reverse, k.PrevMonth, k.NextMonth, k.Year, k.Pending, k.Privacy},
		{k.Refresh, k.RefreshAll, k.Login, k.Help, k.Quit},
	}
}

// moveDelta is how far a movement key moves a cursor with page rows on
// screen; ok is false for any other key.
func moveDelta(k *KeyMap, msg tea.KeyPressMsg, page int) (delta int, ok bool) {
	page = max(1, page)
	switch {
	case key.Matches(msg, k.Up):
		return -1, true
	case key.Matches(msg, k.Down):
		return 1, true
	case key.Matches(msg, k.Top):
		return -1 << 30, true
	case key.Matches(msg, k.Bottom):
		return 1 << 30, true
	case key.Matches(msg, k.HalfPageDown):
		return max(1, page/2), true
	case key.Matches(msg, k.HalfPageUp):
		return -max(1, page/2), true
	case key.Matches(msg, k.PageDown):
		return page, true
	case key.Matches(msg, k.PageUp):
		return -page, true
	}
	return 0, false
}
