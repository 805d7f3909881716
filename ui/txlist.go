package ui

import (
	"sort"
	"strings"
	"time"

	"github.com/banktui/banktui/ledger"
	"github.com/shopspring/decimal"
)

// sortColumn is a column of the transactions pane that s cycles through.
type sortColumn int

const (
	sortDate sortColumn = iota
	sortAmount
	sortDescription
	sortCategory
	sortBalance
	sortColumns
)

func (c sortColumn) String() string {
	return [...]string{"date", "amount", "description", "category", "balance"}[c]
}

// txRow is a transaction prepared once, off the event loop, for filtering,
// sorting and rendering: sanitised display text, lower-cased search text and
// integer keys. Rendering then only formats the rows on screen.
type txRow struct {
	view                                 int // index into txList.views
	unix                                 int64
	year                                 int
	month                                time.Month
	date                                 string
	label, category                      string // sanitised
	search, categoryLower, merchantLower string
	amount                               decimal.Decimal
	micro                                int64
	microOK                              bool
	balMicro                             int64
	hasBal                               bool
	pending                              bool
}

// prepareRows is called in the load command, never in Update. Dates and
// months are in loc, the user's time zone (ledger.TxView.LocalTime); a row
// without a readable date shows ledger.UnknownDate and belongs to no month.
func prepareRows(views []ledger.TxView, loc *time.Location) []txRow {
	rows := make([]txRow, len(views))
	for i := range views {
		v := &views[i]
		label := v.Merchant
		if label == "" {
			label = v.Description
		}
		r := txRow{
			view:     i,
			unix:     v.Timestamp.Unix(),
			date:     ledger.UnknownDate,
			label:    ledger.Sanitize(label),
			category: v.CategoryName,
			pending:  v.Pending,
			amount:   v.Amount.Decimal(),
		}
		if t, ok := v.LocalTime(loc); ok {
			r.year, r.month, r.date = t.Year(), t.Month(), t.Format(time.DateOnly)
		}
		merchant := strings.ToLower(ledger.Sanitize(v.Merchant))
		desc := strings.ToLower(ledger.Sanitize(v.Description))
		r.merchantLower = merchant
		r.categoryLower = strings.ToLower(r.category)
		r.search = desc + "\x00" + merchant + "\x00" + r.categoryLower
		r.micro, r.microOK = toMicro(r.amount)
		if v.RunningBalance != nil {
			r.balMicro, _ = toMicro(v.RunningBalance.Decimal())
			r.hasBal = true
		}
		rows[i] = r
	}
	return rows
}

// month selects one calendar month; the zero value means all history.
type month struct {
	year int
	mon  time.Month
}

func (p month) all() bool { return p.year == 0 }

func (p month) String() string {
	if p.all() {
		return "all time"
	}
	return time.Date(p.year, p.mon, 1, 0, 0, 0, 0, time.UTC).Format("Jan 2006")
}

func (p month) add(n int) month {
	t := time.Date(p.year, p.mon+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	return month{t.Year(), t.Month()}
}

func (p month) after(q month) bool {
	return p.year > q.year || (p.year == q.year && p.mon > q.mon)
}

// txList is the state of the transactions pane's list: the rows of one
// account or card, their order, and which of them the filter, the month
// and the pending switch let through. It keeps the whole history in memory
// but the pane renders only the rows on screen, and it filters over an
// order computed once per sort, so a keystroke costs one pass over the rows.
type txList struct {
	accountID   string
	views       []ledger.TxView
	rows        []txRow
	order       []int32 // every row, in the current sort order
	visible     []int32 // rows passing filter, month and pending, in order
	inPeriod    int     // rows of the month shown (or all), before filter and pending
	cursor      int     // index into visible
	offset      int     // first visible row on screen
	sortCol     sortColumn
	desc        bool
	period      month
	hidePending bool
	filter      txFilter
	loading     bool
	loaded      bool
	partial     bool // only the newest rows so far
	err         string
}

func newTxList() txList { return txList{desc: true} }

// setRows installs freshly loaded rows, keeping the selected transaction if it is still there.
func (p *txList) setRows(accountID string, views []ledger.TxView, rows []txRow) {
	keep := p.selectedID()
	p.accountID, p.views, p.rows = accountID, views, rows
	p.loaded, p.loading, p.partial, p.err = true, false, false, ""
	p.resort()
	p.refilter()
	if keep != "" {
		p.selectID(keep)
	}
}

func (p *txList) selectedID() string {
	if v := p.selected(); v != nil {
		return v.ID
	}
	return ""
}

func (p *txList) selectID(id string) {
	for i, ri := range p.visible {
		if p.views[p.rows[ri].view].ID == id {
			p.cursor = i
			return
		}
	}
}

// selected is the transaction under the cursor, or nil.
func (p *txList) selected() *ledger.TxView {
	if p.cursor < 0 || p.cursor >= len(p.visible) {
		return nil
	}
	return &p.views[p.rows[p.visible[p.cursor]].view]
}

// resort computes the order of all rows for the sort column and direction.
func (p *txList) resort() {
	n := len(p.rows)
	if cap(p.order) >= n {
		p.order = p.order[:n]
	} else {
		p.order = make([]int32, n)
	}
	for i := range p.order {
		p.order[i] = int32(i)
	}
	rows := p.rows
	var less func(a, b *txRow) int
	switch p.sortCol {
	case sortAmount:
		less = func(a, b *txRow) int {
			if a.microOK && b.microOK {
				return cmpInt(a.micro, b.micro)
			}
			return a.amount.Cmp(b.amount)
		}
	case sortDescription:
		less = func(a, b *txRow) int { return strings.Compare(strings.ToLower(a.label), strings.ToLower(b.label)) }
	case sortCategory:
		less = func(a, b *txRow) int { return strings.Compare(a.categoryLower, b.categoryLower) }
	case sortBalance:
		less = func(a, b *txRow) int {
			if a.hasBal != b.hasBal {
				if a.hasBal {
					return 1
				}
				return -1
			}
			return cmpInt(a.balMicro, b.balMicro)
		}
	default:
		less = func(a, b *txRow) int { return cmpInt(a.unix, b.unix) }
	}
	desc := p.desc
	sort.SliceStable(p.order, func(i, j int) bool {
		a, b := &rows[p.order[i]], &rows[p.order[j]]
		c := less(a, b)
		if c == 0 { // ties: newest first, whatever the column
			c = cmpInt(a.unix, b.unix)
			if !desc {
				return c < 0
			}
			return c > 0
		}
		if desc {
			return c > 0
		}
		return c < 0
	})
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// refilter recomputes the visible rows from the sorted order; the cursor stays
// on the same transaction when it is still visible.
func (p *txList) refilter() {
	keep := int32(-1)
	if p.cursor >= 0 && p.cursor < len(p.visible) {
		keep = p.visible[p.cursor]
	}
	p.visible = p.visible[:0]
	p.inPeriod = 0
	f := &p.filter
	noFilter := f.empty()
	for _, ri := range p.order {
		r := &p.rows[ri]
		if !p.period.all() && (r.year != p.period.year || r.month != p.period.mon) {
			continue
		}
		p.inPeriod++
		if p.hidePending && r.pending {
			continue
		}
		if !noFilter && !f.match(r) {
			continue
		}
		p.visible = append(p.visible, ri)
	}
	p.cursor = 0
	if keep >= 0 {
		for i, ri := range p.visible {
			if ri == keep {
				p.cursor = i
				break
			}
		}
	}
	p.offset = min(p.offset, max(0, len(p.visible)-1))
}

// move moves the cursor by delta rows, clamped, and keeps it on screen.
func (p *txList) move(delta, height int) {
	p.cursor = clamp(p.cursor+delta, 0, len(p.visible)-1)
	p.scrollTo(height)
}

func (p *txList) scrollTo(height int) {
	if height < 1 {
		height = 1
	}
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+height {
		p.offset = p.cursor - height + 1
	}
	p.offset = clamp(p.offset, 0, max(0, len(p.visible)-height))
}

func clamp(v, lo, hi int) int {
	if hi < lo {
		return lo
	}
	return max(lo, min(v, hi))
}

// countLabel counts what the title's period holds: "13" when every row of
// the month (or of all time) is shown, "5 of 13" when the filter or the
// pending switch hides some; "+" while only the newest rows are read.
func (p *txList) countLabel() string {
	more := ""
	if p.partial {
		more = "+"
	}
	if len(p.visible) == p.inPeriod {
		return ledger.FormatCount(p.inPeriod) + more
	}
	return ledger.FormatCount(len(p.visible)) + " of " + ledger.FormatCount(p.inPeriod) + more
}

// sortBy sorts by col, newest or largest first for dates and balances; the
// cursor stays on its transaction.
func (p *txList) sortBy(col sortColumn, height int) {
	p.sortCol = col
	p.desc = col == sortDate || col == sortBalance
	p.resort()
	p.refilter()
	p.scrollTo(height)
}

// reverse flips the sort. The cursor stays on its transaction and the rows
// on screen stay on screen, in the other order, so the selection neither
// jumps to an edge nor leaves the screen.
func (p *txList) reverse(height int) {
	n := len(p.visible)
	shownEnd := min(n, p.offset+max(1, height))
	p.desc = !p.desc
	p.resort()
	p.refilter()
	p.offset = max(0, n-shownEnd)
	p.scrollTo(height)
}
