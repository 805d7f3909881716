package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// key routes a key press: a screen or input that holds the keyboard first
// (login, the filter being typed, help), then the bindings of the root, then
// the focused pane.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	var cmd tea.Cmd
	k := &m.pc.keys
	switch {
	case msg.String() == "ctrl+c":
		return m.quit()
	case m.login.open:
		m.login, cmd = m.login.Update(msg)
		return cmd
	case m.tx.editing:
		m.tx, cmd = m.tx.Update(msg)
		return cmd
	case m.help.open && key.Matches(msg, k.Quit):
		return m.quit()
	case m.help.open:
		m.help, cmd = m.help.Update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.help.show()
	case key.Matches(msg, k.NextPane):
		return m.focusPane(m.nextPane(1))
	case key.Matches(msg, k.PrevPane):
		return m.focusPane(m.nextPane(-1))
	case key.Matches(msg, k.PaneAccounts):
		return m.focusPane(paneAccounts)
	case key.Matches(msg, k.PaneCards):
		return m.focusPane(paneCards)
	case key.Matches(msg, k.PaneTransactions):
		return m.focusPane(paneTransactions)
	case key.Matches(msg, k.PaneInsights):
		return m.focusPane(paneInsights)
	case m.pc.focus == paneInsights && key.Matches(msg, k.PrevMonth, k.NextMonth, k.Year):
		m.insights, cmd = m.insights.Update(msg)
	case key.Matches(msg, k.Filter):
		m.pc.focus = paneTransactions // the filter applies to the transactions
		m.tx, cmd = m.tx.Update(msg)
	case key.Matches(msg, k.Sort, k.Reverse, k.PrevMonth, k.NextMonth, k.Pending):
		m.tx, cmd = m.tx.Update(msg) // whatever has focus
	case key.Matches(msg, k.Privacy):
		m.pc.privacy = !m.pc.privacy
	case key.Matches(msg, k.Refresh):
		return m.refresh(false)
	case key.Matches(msg, k.RefreshAll):
		return m.refresh(true)
	case key.Matches(msg, k.Login):
		return m.login.show()
	case key.Matches(msg, k.Open):
		return m.open()
	case key.Matches(msg, k.Back):
		m.back(msg)
	default:
		return m.move(msg)
	}
	return cmd
}

// move sends a movement key to the focused pane; in a list, the new item's
// transactions are shown at once.
func (m *Model) move(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.pc.keys
	if _, ok := moveDelta(k, msg, 1); !ok {
		return nil
	}
	var cmd tea.Cmd
	switch m.pc.focus {
	case paneAccounts, paneCards:
		l := m.list(m.pc.focus)
		*l, _ = l.Update(msg)
		if a := l.selected(); a != nil {
			m.lastList = m.pc.focus
			return m.selectAccount(a.ID)
		}
	case paneTransactions:
		m.tx, cmd = m.tx.Update(msg)
	case paneInsights:
		m.insights, cmd = m.insights.Update(msg)
	case paneDetail:
		// One step walks to the neighbouring transaction (the list stays in
		// view beside or above); bigger moves scroll a long detail.
		if key.Matches(msg, k.Up, k.Down) {
			m.tx, cmd = m.tx.Update(msg)
		} else {
			m.detail, cmd = m.detail.Update(msg)
		}
	}
	return cmd
}

func (m *Model) list(p pane) *listPane {
	if p == paneCards {
		return &m.cards
	}
	return &m.accounts
}

func (m *Model) nextPane(dir int) pane {
	order := []pane{paneAccounts, paneCards, paneTransactions, paneInsights}
	cur := m.pc.focus
	if cur == paneDetail {
		cur = paneTransactions
	}
	for i, p := range order {
		if p == cur {
			return order[(i+dir+len(order))%len(order)]
		}
	}
	return paneAccounts
}

// focusPane moves the keyboard; entering a list shows the transactions of
// its selected item.
func (m *Model) focusPane(p pane) tea.Cmd {
	m.pc.focus = p
	if p == paneInsights {
		return m.insights.load()
	}
	if p == paneAccounts || p == paneCards {
		if a := m.list(p).selected(); a != nil {
			m.lastList = p
			return m.selectAccount(a.ID)
		}
	}
	return nil
}

func (m *Model) open() tea.Cmd {
	switch m.pc.focus {
	case paneAccounts, paneCards:
		m.pc.focus = paneTransactions
	case paneTransactions:
		if m.tx.selected() != nil {
			m.pc.focus = paneDetail
			m.detail.rewind()
		}
	case paneInsights:
		// What a bar is made of: its transactions, filtered, in its month.
		if t, ok := m.insights.target(); ok {
			m.pc.focus = paneTransactions
			return m.tx.showInsight(t.filter, t.period)
		}
	}
	return nil
}

func (m *Model) back(msg tea.KeyPressMsg) {
	switch {
	case m.pc.focus == paneDetail:
		m.pc.focus = paneTransactions
	case m.pc.focus == paneTransactions && m.tx.filtered():
		m.tx, _ = m.tx.Update(msg) // clears the filter
	case m.pc.focus == paneTransactions, m.pc.focus == paneInsights:
		m.pc.focus = m.lastList
	}
}

// refresh: r refreshes the focused pane (balances of the selected account's
// connection, or its transactions); R refreshes everything.
func (m *Model) refresh(all bool) tea.Cmd {
	if m.syncer == nil {
		m.footer.note = "offline: no bank client configured, showing stored data"
		return nil
	}
	var ids []string
	balances, transactions := true, true
	if !all {
		if a := m.pc.bank.find(m.selectedID); a != nil {
			ids = []string{a.ConnectionID}
		}
		if m.pc.focus == paneAccounts || m.pc.focus == paneCards {
			transactions = false
		} else {
			balances = false
		}
	}
	return m.startSync(ids, balances, transactions)
}

// hints is the short help for what has the keyboard.
func (m *Model) hints() []key.Binding {
	k := &m.pc.keys
	switch {
	case m.tx.editing:
		return []key.Binding{helpPair("enter", "keep filter"), helpPair("esc", "clear filter"), helpPair("↑/↓", "move")}
	case m.login.open:
		return m.login.hints()
	case m.help.open:
		return []key.Binding{helpPair(k.Help.Help().Key, "close help"), k.Quit}
	case m.pc.focus == paneInsights:
		return k.InsightsHelp()
	}
	return k.ShortHelp()
}

// helpPair is a help entry for keys handled by a mode (the filter input)
// rather than by the key map.
func helpPair(keys, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc))
}
