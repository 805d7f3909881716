package ui

import (
	tea "charm.land/bubbletea/v2"
)

// wheelStep is how many rows one wheel notch scrolls.
const wheelStep = 3

func wheelDelta(msg tea.MouseWheelMsg) int {
	switch msg.Button {
	case tea.MouseWheelUp:
		return -wheelStep
	case tea.MouseWheelDown:
		return wheelStep
	}
	return 0
}

// mouse focuses the pane under the pointer and hands it the event, at
// coordinates relative to the pane: the wheel scrolls, a click selects.
func (m *Model) mouse(msg tea.MouseMsg) tea.Cmd {
	if m.login.open || m.help.open {
		return nil
	}
	switch msg := msg.(type) {
	case tea.MouseClickMsg:
		if msg.Button != tea.MouseLeft {
			return nil
		}
	case tea.MouseWheelMsg:
		if wheelDelta(msg) == 0 {
			return nil
		}
	}
	at := msg.Mouse()
	p, r, ok := m.paneAt(at.X, at.Y)
	if !ok {
		return nil
	}
	rel := relative(msg, r)
	m.pc.focus = p
	var cmd tea.Cmd
	switch p {
	case paneAccounts, paneCards:
		l := m.list(p)
		_, click := msg.(tea.MouseClickMsg)
		_, hit := l.itemAt(rel.Mouse().Y)
		*l, _ = l.Update(rel)
		if a := l.selected(); a != nil && (hit || !click) {
			m.lastList = p
			return m.selectAccount(a.ID)
		}
	case paneTransactions:
		m.tx, cmd = m.tx.Update(rel)
	case paneDetail:
		m.detail, cmd = m.detail.Update(rel)
	case paneInsights:
		m.insights, cmd = m.insights.Update(rel)
	}
	return cmd
}

// relative moves a mouse event into the coordinates of rectangle r.
func relative(msg tea.MouseMsg, r rect) tea.MouseMsg {
	switch msg := msg.(type) {
	case tea.MouseClickMsg:
		msg.X, msg.Y = msg.X-r.x, msg.Y-r.y
		return msg
	case tea.MouseWheelMsg:
		msg.X, msg.Y = msg.X-r.x, msg.Y-r.y
		return msg
	}
	return msg
}

// paneAt finds the pane drawn at a screen cell.
func (m *Model) paneAt(x, y int) (pane, rect, bool) {
	l := &m.lay
	switch {
	case l.tooSmall:
		return 0, rect{}, false
	case l.accounts.contains(x, y):
		return paneAccounts, l.accounts, true
	case l.cards.contains(x, y):
		return paneCards, l.cards, true
	case l.transactions.contains(x, y):
		return paneTransactions, l.transactions, true
	case l.details.contains(x, y):
		return paneDetail, l.details, true
	case l.insights.contains(x, y):
		return paneInsights, l.insights, true
	}
	return 0, rect{}, false
}
