package ui

import (
	tea "charm.land/bubbletea/v2"
)

// wheelStep is how many rows one wheel notch scrolls.
const wheelStep = 3

// handleWheel scrolls the pane under the pointer.
func (m *Model) handleWheel(msg tea.MouseWheelMsg) (tea.Model, tea.Cmd) {
	if m.login.open || m.showHelp {
		return *m, nil
	}
	delta := 0
	switch msg.Button {
	case tea.MouseWheelUp:
		delta = -wheelStep
	case tea.MouseWheelDown:
		delta = wheelStep
	default:
		return *m, nil
	}
	p, ok := m.paneAt(msg.X, msg.Y)
	if !ok {
		return *m, nil
	}
	m.focus = p
	return m.moveCursor(delta)
}

// handleClick focuses the pane under the pointer and selects the row clicked.
func (m *Model) handleClick(msg tea.MouseClickMsg) (tea.Model, tea.Cmd) {
	if msg.Button != tea.MouseLeft || m.login.open || m.showHelp {
		return *m, nil
	}
	l := m.layout()
	p, ok := m.paneAt(msg.X, msg.Y)
	if !ok {
		return *m, nil
	}
	switch p {
	case paneAccounts, paneCards:
		lp, r, lines, top := &m.accounts, l.accounts, m.accountLines(), 2 // border and column header
		if p == paneCards {
			lp, r, lines, top = &m.cards, l.cards, m.groupLines(m.cards.items), 1
		}
		m.focus = p
		row := msg.Y - r.y - top
		start := clamp(lp.offset, 0, max(0, len(lines)-(r.h-1-top)))
		if n := start + row; row >= 0 && n < len(lines) && lines[n].item >= 0 {
			lp.cursor = lines[n].item
			m.lastList = p
			mm, cmd := m.selectAccount(lp.items[lp.cursor].ID)
			return mm, cmd
		}
	case paneTransactions:
		m.focus = paneTransactions
		r := l.transactions
		row := msg.Y - r.y - 2 // below the border and the column header
		if row == -1 {
			m.sortByClick(msg.X - r.x - 1)
			return *m, nil
		}
		height := m.txRowsFor(r.h)
		start := clamp(m.tx.offset, 0, max(0, len(m.tx.visible)-height))
		if row >= 0 && row < height && start+row < len(m.tx.visible) {
			if m.tx.cursor == start+row && msg.Y == m.lastClickY {
				// a second click on the selected row opens it
				m.lastClickY = -1
				return m.open()
			}
			m.tx.cursor = start + row
			m.tx.offset = start
		}
		m.lastClickY = msg.Y
	case paneDetail:
		m.focus = paneDetail
	}
	return *m, nil
}

// paneAt finds the pane drawn at a screen cell.
func (m *Model) paneAt(x, y int) (pane, bool) {
	l := m.layout()
	switch {
	case l.tooSmall:
		return 0, false
	case l.accounts.contains(x, y):
		return paneAccounts, true
	case l.cards.contains(x, y):
		return paneCards, true
	case l.transactions.contains(x, y):
		return paneTransactions, true
	case l.details.contains(x, y):
		return paneDetail, true
	}
	return 0, false
}

// sortByClick sorts by the column header clicked at x (inside the border);
// clicking the current sort column reverses it.
func (m *Model) sortByClick(x int) {
	type edge struct {
		end int // first cell after the column
		col sortColumn
	}
	c := txColumnsFor(m.layout().transactions.w - 2)
	pos := 13 + c.label
	edges := []edge{{12, sortDate}, {pos, sortDescription}}
	if c.category > 0 {
		pos += 1 + c.category
		edges = append(edges, edge{pos, sortCategory})
	}
	pos += 1 + c.amount
	edges = append(edges, edge{pos, sortAmount})
	if c.balance > 0 {
		pos += 1 + c.balance
		edges = append(edges, edge{pos, sortBalance})
	}
	for _, e := range edges {
		if x >= e.end {
			continue
		}
		if m.tx.sortCol == e.col {
			m.tx.desc = !m.tx.desc
		} else {
			m.tx.sortCol = e.col
			m.tx.desc = e.col == sortDate || e.col == sortBalance
		}
		m.resortTx()
		return
	}
}
