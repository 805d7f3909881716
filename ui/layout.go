package ui

// Below these sizes the layout cannot show a useful screen.
const (
	minWidth  = 40
	minHeight = 12
	// wideWidth: at and above, panes sit side by side and the detail pane on
	// the right; below, one pane at a time and the detail below the list.
	wideWidth = 100
	footerH   = 2
)

type rect struct{ x, y, w, h int }

func (r rect) contains(x, y int) bool { return x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h }

// layout places the panes for the current size and state. View and the mouse
// share it (the root computes it after every message), so a click lands on
// what is drawn.
type layout struct {
	tooSmall, narrow                       bool
	header, banner, tabs, body, footer     rect
	accounts, cards, transactions, details rect
	insights                               rect
}

func (m *Model) layout() layout {
	var l layout
	if m.width < minWidth || m.height < minHeight {
		l.tooSmall = true
		return l
	}
	y := 0
	l.header = rect{0, y, m.width, 1}
	y++
	if m.banner() != "" {
		l.banner = rect{0, y, m.width, 1}
		y++
	}
	l.footer = rect{0, m.height - footerH, m.width, footerH}
	if m.width < wideWidth {
		l.narrow = true
		l.tabs = rect{0, y, m.width, 1}
		y++
	}
	bodyH := m.height - footerH - y
	l.body = rect{0, y, m.width, bodyH}
	switch {
	case l.narrow:
		m.narrowLayout(&l)
	case m.pc.focus == paneDetail:
		txW := m.width * 3 / 5
		l.transactions = rect{0, y, txW, bodyH}
		l.details = rect{txW, y, m.width - txW, bodyH}
	default:
		// Wide terminals give the lists room for whole names.
		leftW := clamp(m.width*2/5, 46, 72)
		const minCards = 5
		accH := clamp(m.accounts.wantHeight(), 5, bodyH-minCards)
		l.accounts = rect{0, y, leftW, accH}
		l.cards = rect{0, y + accH, leftW, bodyH - accH}
		if m.pc.focus == paneInsights {
			l.insights = rect{leftW, y, m.width - leftW, bodyH}
		} else {
			l.transactions = rect{leftW, y, m.width - leftW, bodyH}
		}
	}
	return l
}

// narrowLayout shows one pane at a time; the detail goes below the list
// (whose cursor row the list keeps on screen).
func (m *Model) narrowLayout(l *layout) {
	full := l.body
	switch m.pc.focus {
	case paneAccounts:
		l.accounts = full
	case paneCards:
		l.cards = full
	case paneTransactions:
		l.transactions = full
	case paneInsights:
		l.insights = full
	case paneDetail:
		top := full.h / 2
		l.transactions = rect{0, full.y, full.w, top}
		l.details = rect{0, full.y + top, full.w, full.h - top}
	}
}
