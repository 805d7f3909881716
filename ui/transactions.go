package ui

import (
	"context"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/banktui/banktui/ledger"
)

// transactionsPane lists the transactions of the selected account or card,
// or of all of them: a window of the list read from its source around what
// is on screen (txList), the filter input, the sort, the month and the
// pending switch. Reads run in commands; a reply to anything but the
// latest request of its kind is dropped, and a newer request cancels the
// older one's read.
type transactionsPane struct {
	pc      *programContext
	source  txSource // nil: no store, nothing to list
	list    txList
	seq     uint64                // the latest new window asked for
	moreSeq [2]uint64             // the reads before and after the window in flight (0: none)
	cntSeq  uint64                // the latest counts asked for
	perSeq  uint64                // the latest count of the period alone
	cancel  [2]context.CancelFunc // the window's and the counts' reads in flight
	gen     uint64                // counts reads after a sync, so the detail re-reads its record
	syncSeq uint64                // the window read after a sync
	anchor  int                   // screen line the anchor of the window asked for should land on
	input   lineInput
	editing bool // the filter input has the keyboard
	stacked bool // the detail shows below the list (narrow terminal)
	w, h    int
	lastY   int // a second click on the selected row opens it
	// counts counts the window asked for (seq): started when its rows
	// arrive, so they come first, not sharing the machine with it.
	counts tea.Cmd
	// period is the last count of a period (periodKey), kept until the
	// store changes (reload: a sync, or another process's write):
	// a key that changes neither the scope nor the month recounts the
	// list's rows alone. periodAsked is the period of the counts in flight.
	period      periodCount
	periodAsked string
}

// openSelectionMsg asks the root to open the selected transaction (a second
// click on it).
type openSelectionMsg struct{}

func newTransactionsPane(pc *programContext, src txSource) transactionsPane {
	in := lineInput{prompt: "/", cursor: lipgloss.NewStyle().Reverse(true)}
	return transactionsPane{pc: pc, source: src, list: newTxList(pc.loc), input: in, lastY: -1}
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

// pageSize is how many rows one read brings: two screens, so a window
// holds the screen and a screen either side.
func (p *transactionsPane) pageSize() int { return max(40, 2*p.rowsOnScreen()) }

// setSize gives the pane its box; the cursor's row stays on screen (the
// detail opening below the list on a narrow terminal shrinks it).
func (p *transactionsPane) setSize(w, h int) {
	p.w, p.h = w, h
	p.list.scrollTo(p.rowsOnScreen())
}

// show lists scope (a new scope starts at the top of its list).
func (p *transactionsPane) show(scope txScope) tea.Cmd {
	l := &p.list
	if scope.id == l.scope.id && (l.loaded || l.loading) {
		return nil
	}
	l.scope = scope
	l.views, l.rows, l.cursor, l.offset, l.loaded = nil, nil, 0, 0, false
	if scope.id == "" {
		p.stop()
		return nil
	}
	return p.refetch(nil, 0)
}

// reload reads the list again after a sync, around the selected row.
func (p *transactionsPane) reload() tea.Cmd {
	if p.list.scope.id == "" {
		return nil
	}
	p.period.ok = false // the store changed: rows may have come or gone
	cmd := p.refetch(p.selected(), p.list.cursor-p.list.offset)
	p.syncSeq = p.seq
	return cmd
}

// pendingLoad is the load show asked for before the program ran (Run reads
// the accounts first): Init issues it.
func (p *transactionsPane) pendingLoad() tea.Cmd {
	if p.list.scope.id == "" || p.list.loaded {
		return nil
	}
	return p.refetch(nil, 0)
}

// names are the accounts' display names, for the account column.
func (p *transactionsPane) names() map[string]string {
	if !p.list.scope.multi {
		return nil
	}
	out := map[string]string{}
	for _, l := range [][]ledger.AccountView{p.pc.bank.accounts, p.pc.bank.cards} {
		for _, a := range l {
			out[a.ID] = a.DisplayName
		}
	}
	return out
}

// stop cancels the reads in flight and forgets their replies.
func (p *transactionsPane) stop() {
	for _, c := range p.cancel {
		if c != nil {
			c()
		}
	}
	p.seq, p.moreSeq, p.cntSeq, p.perSeq, p.counts = p.pc.nextSeq(), [2]uint64{}, p.pc.nextSeq(), 0, nil
}

// refetch reads a new window of the list (around anchor, which lands on
// screen line line, if it is still in the list), then its counts (paged
// starts them); the period's count only when it is not known.
func (p *transactionsPane) refetch(anchor *ledger.TxView, line int) tea.Cmd {
	p.stop()
	l := &p.list
	l.loading, l.counted, l.countedPeriodOnly = true, false, false
	if p.source == nil {
		return nil
	}
	q, possible := l.query()
	var ctx context.Context
	var known int
	ctx, p.cancel[0] = context.WithCancel(p.pc.ctx)
	cctx, cancel := context.WithCancel(p.pc.ctx)
	p.cancel[1] = cancel
	p.anchor = line
	cmds := []tea.Cmd{}
	if seq := p.seq; !possible {
		cmds = append(cmds, func() tea.Msg { return txPageMsg{seq: seq, kind: pageReset, anchor: -1, atStart: true, atEnd: true} })
	} else {
		cmds = append(cmds, resetCmd(ctx, seq, p.reader(q), anchor))
	}
	period := l.periodQuery()
	p.periodAsked, known = periodKey(period), -1
	if p.period.ok && p.period.key == p.periodAsked {
		known = p.period.n // a filter, sort or pending key: the period is as counted
		l.inPeriod, l.countedPeriodOnly = known, l.narrowed()
	} else if l.narrowed() && possible {
		// The period's count is quick; the filter's may take longer.
		p.perSeq = p.pc.nextSeq()
		cmds = append(cmds, periodCountCmd(cctx, p.perSeq, p.source, period))
	}
	p.counts = countsCmd(cctx, p.cntSeq, p.source, q, period, l.narrowed(), possible, known)
	return tea.Batch(cmds...)
}

func (p *transactionsPane) reader(q ledger.TxQuery) pageRead {
	return pageRead{src: p.source, q: q, n: p.pageSize(), names: p.names(), loc: p.pc.loc}
}

// more reads beyond an edge of the window when the cursor comes near it.
func (p *transactionsPane) more() tea.Cmd {
	l := &p.list
	if p.source == nil || !l.loaded || l.loading || len(l.views) == 0 {
		return nil
	}
	q, ok := l.query()
	if !ok {
		return nil
	}
	near := p.rowsOnScreen()
	var cmds []tea.Cmd
	if !l.atEnd && p.moreSeq[1] == 0 && l.cursor >= len(l.views)-1-near {
		p.moreSeq[1] = p.pc.nextSeq()
		cmds = append(cmds, extendCmd(p.pc.ctx, p.moreSeq[1], p.reader(q), pageAfter, &l.views[len(l.views)-1]))
	}
	if !l.atStart && p.moreSeq[0] == 0 && l.cursor <= near {
		p.moreSeq[0] = p.pc.nextSeq()
		cmds = append(cmds, extendCmd(p.pc.ctx, p.moreSeq[0], p.reader(q), pageBefore, &l.views[0]))
	}
	return tea.Batch(cmds...)
}

// Update handles the pane's reads, its keys (the root sends the list keys
// whatever has focus, the movement keys only when it does) and the mouse at
// coordinates relative to the pane.
func (p transactionsPane) Update(msg tea.Msg) (transactionsPane, tea.Cmd) {
	switch msg := msg.(type) {
	case txPageMsg:
		return p, p.paged(msg)
	case txCountsMsg:
		p.counted(msg)
	case tea.PasteMsg:
		if p.editing {
			p.input.update(msg)
			return p, p.applyFilter()
		}
	case tea.KeyPressMsg:
		if p.editing {
			return p, p.filterKey(msg)
		}
		return p, p.key(msg)
	case tea.MouseWheelMsg:
		return p, p.move(wheelDelta(msg))
	case tea.MouseClickMsg:
		return p, p.click(msg.X-1, msg.Y)
	}
	return p, nil
}

// paged installs a read of the list, unless a newer request overtook it.
func (p *transactionsPane) paged(msg txPageMsg) tea.Cmd {
	l := &p.list
	h := p.rowsOnScreen()
	switch {
	case msg.kind == pageReset || msg.kind == pageEnd:
		if msg.seq != p.seq {
			return nil // stale: the user moved on, or a newer read is running
		}
		counts := p.counts
		p.counts = nil
		if msg.err != nil {
			l.loading, l.err = false, msg.err.Error()
			return counts
		}
		at, line := 0, 0
		switch {
		case msg.kind == pageEnd:
			at, line = len(msg.views)-1, h-1
		case msg.anchor >= 0:
			at, line = msg.anchor, p.anchor
		}
		l.setWindow(msg, at, line, h)
		if msg.seq == p.syncSeq { // the records may have changed
			p.gen++
		}
		return tea.Batch(counts, p.more())
	default:
		side := 0
		if msg.kind == pageAfter {
			side = 1
		}
		if msg.seq != p.moreSeq[side] {
			return nil
		}
		p.moreSeq[side] = 0
		if msg.err != nil {
			l.err = msg.err.Error()
			return nil
		}
		l.extend(msg, 3*p.pageSize())
		l.scrollTo(h)
	}
	return p.more()
}

// counted installs the list's counts and totals.
func (p *transactionsPane) counted(msg txCountsMsg) {
	l := &p.list
	switch {
	case msg.err != nil:
		// The list stays usable; its counts are unknown.
	case msg.periodOnly && msg.seq == p.perSeq && !l.counted:
		l.inPeriod, l.countedPeriodOnly = msg.inPeriod, true
		p.period = periodCount{key: p.periodAsked, n: msg.inPeriod, ok: true}
	case !msg.periodOnly && msg.seq == p.cntSeq:
		l.shown, l.inPeriod, l.totals, l.counted = msg.shown, msg.inPeriod, msg.totals, true
		p.period = periodCount{key: p.periodAsked, n: msg.inPeriod, ok: true}
	}
}

func (p *transactionsPane) key(msg tea.KeyPressMsg) tea.Cmd {
	k := &p.pc.keys
	l := &p.list
	switch {
	case key.Matches(msg, k.Filter):
		p.editing = true
		p.input.SetValue(l.filter.raw)
		p.input.Focus()
	case key.Matches(msg, k.Sort):
		l.sortCol = (l.sortCol + 1) % sortColumns
		l.desc = l.sortCol == sortDate || l.sortCol == sortBalance // newest or largest first
		return p.refetch(p.selected(), l.cursor-l.offset)
	case key.Matches(msg, k.Reverse):
		return p.reverse()
	case key.Matches(msg, k.PrevMonth):
		return p.stepMonth(-1)
	case key.Matches(msg, k.NextMonth):
		return p.stepMonth(1)
	case key.Matches(msg, k.Pending):
		l.hidePending = !l.hidePending
		return p.refetch(p.selected(), l.cursor-l.offset)
	case key.Matches(msg, k.Back):
		return p.setFilter("")
	default:
		if d, ok := moveDelta(k, msg, p.rowsOnScreen()); ok {
			return p.move(d)
		}
	}
	return nil
}

// move moves the cursor by delta rows. The first and last rows (g, G) may
// lie beyond the window: they are read, then selected.
func (p *transactionsPane) move(delta int) tea.Cmd {
	l := &p.list
	h := p.rowsOnScreen()
	switch {
	case delta <= -1<<29 && !l.atStart && l.loaded:
		return p.refetch(nil, 0)
	case delta >= 1<<29 && !l.atEnd && l.loaded:
		return p.toEnd()
	}
	l.move(delta, h)
	return p.more()
}

// toEnd reads the last rows of the list and selects the last.
func (p *transactionsPane) toEnd() tea.Cmd {
	q, ok := p.list.query()
	if !ok || p.source == nil {
		return nil
	}
	c := p.cancel
	if c[0] != nil {
		c[0]()
	}
	p.seq, p.moreSeq = p.pc.nextSeq(), [2]uint64{}
	var ctx context.Context
	ctx, p.cancel[0] = context.WithCancel(p.pc.ctx)
	p.list.loading = true
	return endCmd(ctx, p.seq, p.reader(q))
}

// reverse flips the sort. The cursor stays on its transaction and the rows
// on screen stay on screen, in the other order, so the selection neither
// jumps to an edge nor leaves the screen.
func (p *transactionsPane) reverse() tea.Cmd {
	l := &p.list
	line := l.cursor - l.offset
	l.desc = !l.desc
	return p.refetch(p.selected(), p.rowsOnScreen()-1-line)
}

// stepMonth moves the month shown. From all history, either key enters the
// current month; stepping past the current month returns to all history.
func (p *transactionsPane) stepMonth(dir int) tea.Cmd {
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
	return p.refetch(p.selected(), l.cursor-l.offset)
}

// showInsight lists what an insights bar is made of: the filter (a
// category: or merchant term) over the month (zero: all history).
func (p *transactionsPane) showInsight(filter string, period month) tea.Cmd {
	p.list.period = period
	p.input.SetValue(filter)
	p.list.filter = parseFilter(filter)
	return p.refetch(nil, 0)
}

// filterKey edits the filter: enter keeps it, esc clears it, the arrows
// still move through what it lets through.
func (p *transactionsPane) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	h := p.rowsOnScreen()
	switch msg.String() {
	case "enter":
		p.editing = false
		p.input.Blur()
	case "esc":
		p.editing = false
		p.input.Blur()
		return p.setFilter("")
	case "up", "down", "pgup", "pgdown":
		delta := map[string]int{"up": -1, "down": 1, "pgup": -h, "pgdown": h}[msg.String()]
		return p.move(delta)
	default:
		p.input.update(msg)
		return p.applyFilter()
	}
	return nil
}

func (p *transactionsPane) applyFilter() tea.Cmd {
	if v := p.input.Value(); v != p.list.filter.raw {
		p.list.filter = parseFilter(v)
		return p.refetch(p.selected(), p.list.cursor-p.list.offset)
	}
	return nil
}

func (p *transactionsPane) setFilter(s string) tea.Cmd {
	p.input.SetValue(s)
	if s == p.list.filter.raw {
		return nil
	}
	p.list.filter = parseFilter(s)
	return p.refetch(p.selected(), p.list.cursor-p.list.offset)
}

// click selects the row at (x, y) inside the border; a click on the column
// header sorts, a second click on the selected row opens it.
func (p *transactionsPane) click(x, y int) tea.Cmd {
	row := y - 2 // below the border and the column header
	if row == -1 {
		return p.sortByClick(x)
	}
	l := &p.list
	h := p.rowsOnScreen()
	start := clamp(l.offset, 0, max(0, len(l.views)-h))
	if row >= 0 && row < h && start+row < len(l.views) {
		if l.cursor == start+row && y == p.lastY {
			p.lastY = -1
			return func() tea.Msg { return openSelectionMsg{} }
		}
		l.cursor, l.offset = start+row, start
	}
	p.lastY = y
	return p.more()
}

// sortByClick sorts by the column header clicked at x (inside the border);
// clicking the current sort column reverses it.
func (p *transactionsPane) sortByClick(x int) tea.Cmd {
	c := p.columns(p.w-2, p.h)
	type edge struct {
		end int // first cell after the column
		col sortColumn
	}
	pos := 13 + c.account
	if c.account > 0 {
		pos++
	}
	edges := []edge{{12, sortDate}}
	pos += c.label
	edges = append(edges, edge{pos, sortDescription})
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
	l := &p.list
	for _, e := range edges {
		if x >= e.end {
			continue
		}
		if l.sortCol == e.col {
			return p.reverse()
		}
		l.sortCol = e.col
		l.desc = e.col == sortDate || e.col == sortBalance
		return p.refetch(p.selected(), l.cursor-l.offset)
	}
	return nil
}
