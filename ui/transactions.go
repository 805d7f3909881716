package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/banktui/banktui/ledger"
)

// transactionsPane lists the transactions of the selected account or card:
// it reads them through its source, keeps prepared rows per account so moving
// between accounts does not re-read a long history, and owns the filter
// input, the sort, the month and the pending switch.
type transactionsPane struct {
	pc      *programContext
	source  txSource // nil: no store, nothing to list
	list    txList
	cache   map[string]cachedTx
	seq     uint64 // the latest load; older replies are dropped
	gen     uint64 // counts loads installed, so the detail re-reads its record
	input   lineInput
	editing bool // the filter input has the keyboard
	stacked bool // the detail shows below the list (narrow terminal)
	w, h    int
	lastY   int // a second click on the selected row opens it
}

// cachedTx is an account's prepared rows; a finished sync clears them all.
type cachedTx struct {
	views []ledger.TxView
	rows  []txRow
}

// openSelectionMsg asks the root to open the selected transaction (a second
// click on it).
type openSelectionMsg struct{}

func newTransactionsPane(pc *programContext, src txSource) transactionsPane {
	in := lineInput{prompt: "/", cursor: lipgloss.NewStyle().Reverse(true)}
	return transactionsPane{pc: pc, source: src, list: newTxList(), cache: map[string]cachedTx{}, input: in, lastY: -1}
}

// selected is the transaction under the cursor, or nil.
func (p *transactionsPane) selected() *ledger.TxView { return p.list.selected() }

// filtered reports whether a filter narrows the list (shown or being typed).
func (p *transactionsPane) filtered() bool { return p.editing || !p.list.filter.empty() }

// rowsOnScreen is how many transaction rows fit.
func (p *transactionsPane) rowsOnScreen() int {
	rows := p.h - 3 // borders and column header
	if p.filtered() {
		rows-- // the filter line
	}
	return max(1, rows)
}

// setSize gives the pane its box; the cursor's row stays on screen (the
// detail opening below the list on a narrow terminal shrinks it).
func (p *transactionsPane) setSize(w, h int) {
	p.w, p.h = w, h
	p.list.scrollTo(p.rowsOnScreen())
}

// show lists account id: from the cache when possible, else by loading it.
func (p *transactionsPane) show(id string) tea.Cmd {
	l := &p.list
	if id == l.accountID && (l.loaded || l.loading) {
		return nil
	}
	if id == "" {
		*l = txList{sortCol: l.sortCol, desc: l.desc, period: l.period, hidePending: l.hidePending, filter: l.filter}
		return nil
	}
	l.cursor, l.offset = 0, 0
	l.visible = l.visible[:0]
	p.seq = p.pc.nextSeq() // a load still running for another account is now stale
	if c, ok := p.cache[id]; ok {
		l.setRows(id, c.views, c.rows)
		l.scrollTo(p.rowsOnScreen())
		return nil
	}
	l.accountID = id
	l.views, l.rows, l.order, l.visible = nil, nil, nil, nil
	l.loading, l.loaded, l.err = true, false, ""
	return loadTxCmd(p.pc.ctx, p.seq, p.source, id, firstWindow, p.pc.loc)
}

// reload reads the shown account again after a sync; new rows may have
// landed in any account, so the cache is forgotten.
func (p *transactionsPane) reload() tea.Cmd {
	clear(p.cache)
	if p.list.accountID == "" {
		return nil
	}
	p.seq = p.pc.nextSeq()
	p.list.loading = true
	return loadTxCmd(p.pc.ctx, p.seq, p.source, p.list.accountID, 0, p.pc.loc)
}

// pendingLoad is the load show started before the program ran (Run reads
// the accounts first): Init issues it.
func (p *transactionsPane) pendingLoad() tea.Cmd {
	if p.list.accountID == "" || p.list.loaded {
		return nil
	}
	return loadTxCmd(p.pc.ctx, p.seq, p.source, p.list.accountID, firstWindow, p.pc.loc)
}

// Update handles the pane's loads, its keys (the root sends the list keys
// whatever has focus, the movement keys only when it does) and the mouse at
// coordinates relative to the pane.
func (p transactionsPane) Update(msg tea.Msg) (transactionsPane, tea.Cmd) {
	switch msg := msg.(type) {
	case txLoadedMsg:
		return p.loaded(msg)
	case tea.PasteMsg:
		if p.editing {
			p.input.update(msg)
			p.applyFilter()
		}
	case tea.KeyPressMsg:
		if p.editing {
			p.filterKey(msg)
			return p, nil
		}
		p.key(msg)
	case tea.MouseWheelMsg:
		p.list.move(wheelDelta(msg), p.rowsOnScreen())
	case tea.MouseClickMsg:
		return p, p.click(msg.X-1, msg.Y)
	}
	return p, nil
}

func (p transactionsPane) loaded(msg txLoadedMsg) (transactionsPane, tea.Cmd) {
	if msg.seq != p.seq {
		return p, nil // stale: the user moved on, or a newer load is running
	}
	if msg.err != nil {
		p.list.loading = false
		p.list.err = msg.err.Error()
		return p, nil
	}
	p.list.setRows(msg.accountID, msg.views, msg.rows)
	p.list.scrollTo(p.rowsOnScreen())
	p.gen++
	if msg.partial {
		// Show the newest rows now; read the whole history behind them.
		p.list.loading, p.list.partial = true, true
		return p, loadTxCmd(p.pc.ctx, msg.seq, p.source, msg.accountID, 0, p.pc.loc)
	}
	p.cache[msg.accountID] = cachedTx{views: msg.views, rows: msg.rows}
	return p, nil
}

func (p *transactionsPane) key(msg tea.KeyPressMsg) {
	k := &p.pc.keys
	l := &p.list
	h := p.rowsOnScreen()
	switch {
	case key.Matches(msg, k.Filter):
		p.editing = true
		p.input.SetValue(l.filter.raw)
		p.input.Focus()
	case key.Matches(msg, k.Sort):
		l.sortBy((l.sortCol+1)%sortColumns, h)
	case key.Matches(msg, k.Reverse):
		l.reverse(h)
	case key.Matches(msg, k.PrevMonth):
		p.stepMonth(-1)
	case key.Matches(msg, k.NextMonth):
		p.stepMonth(1)
	case key.Matches(msg, k.Pending):
		l.hidePending = !l.hidePending
		l.refilter()
		l.scrollTo(h)
	case key.Matches(msg, k.Back):
		p.setFilter("")
	default:
		if d, ok := moveDelta(k, msg, h); ok {
			l.move(d, h)
		}
	}
}

// stepMonth moves the month shown. From all history, either key enters the
// current month; stepping past the current month returns to all history.
func (p *transactionsPane) stepMonth(dir int) {
	now := p.pc.now()
	cur := month{now.Year(), now.Month()}
	l := &p.list
	switch next := l.period.add(dir); {
	case l.period.all():
		l.period = cur
	case next.after(cur):
		l.period = month{}
	default:
		l.period = next
	}
	l.refilter()
	l.scrollTo(p.rowsOnScreen())
}

// showInsight lists what an insights bar is made of: the filter (a
// category: or merchant term) over the month (zero: all history).
func (p *transactionsPane) showInsight(filter string, period month) {
	p.list.period = period
	p.setFilter(filter)
}

// filterKey edits the filter: enter keeps it, esc clears it, the arrows
// still move through what it lets through.
func (p *transactionsPane) filterKey(msg tea.KeyPressMsg) {
	h := p.rowsOnScreen()
	switch msg.String() {
	case "enter":
		p.editing = false
		p.input.Blur()
	case "esc":
		p.editing = false
		p.input.Blur()
		p.setFilter("")
	case "up", "down", "pgup", "pgdown":
		delta := map[string]int{"up": -1, "down": 1, "pgup": -h, "pgdown": h}[msg.String()]
		p.list.move(delta, h)
	default:
		p.input.update(msg)
		p.applyFilter()
	}
}

func (p *transactionsPane) applyFilter() {
	if v := p.input.Value(); v != p.list.filter.raw {
		p.list.filter = parseFilter(v)
		p.list.refilter()
		p.list.scrollTo(p.rowsOnScreen())
	}
}

func (p *transactionsPane) setFilter(s string) {
	p.input.SetValue(s)
	p.list.filter = parseFilter(s)
	p.list.refilter()
	p.list.scrollTo(p.rowsOnScreen())
}

// click selects the row at (x, y) inside the border; a click on the column
// header sorts, a second click on the selected row opens it.
func (p *transactionsPane) click(x, y int) tea.Cmd {
	row := y - 2 // below the border and the column header
	if row == -1 {
		p.sortByClick(x)
		return nil
	}
	l := &p.list
	h := p.rowsOnScreen()
	start := clamp(l.offset, 0, max(0, len(l.visible)-h))
	if row >= 0 && row < h && start+row < len(l.visible) {
		if l.cursor == start+row && y == p.lastY {
			p.lastY = -1
			return func() tea.Msg { return openSelectionMsg{} }
		}
		l.cursor, l.offset = start+row, start
	}
	p.lastY = y
	return nil
}

// sortByClick sorts by the column header clicked at x (inside the border);
// clicking the current sort column reverses it.
func (p *transactionsPane) sortByClick(x int) {
	c := txColumnsFor(p.w - 2)
	type edge struct {
		end int // first cell after the column
		col sortColumn
	}
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
		if p.list.sortCol == e.col {
			p.list.reverse(p.rowsOnScreen())
		} else {
			p.list.sortBy(e.col, p.rowsOnScreen())
		}
		return
	}
}
