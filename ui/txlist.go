package ui

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/banktui/banktui/ledger"
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

// ledgerSort is the store's name of the column's sort (ledger.PageSorts):
// the description column shows the merchant, else the description.
func (c sortColumn) ledgerSort() string {
	return [...]string{"date", "amount", "label", "category", "balance"}[c]
}

// txRow is a transaction prepared once, off the event loop, for rendering:
// sanitised display text; rendering then only formats the rows on screen.
type txRow struct {
	date            string
	label, category string // sanitised
	account         string // the account's name, sanitised (lists of several accounts)
	pending         bool
}

// prepareRows is called in the read command, never in Update. Dates are in
// loc, the user's time zone (ledger.TxView.LocalTime); a row without a
// readable date shows ledger.UnknownDate. names are the accounts' names,
// for the account column.
func prepareRows(views []ledger.TxView, names map[string]string, loc *time.Location) []txRow {
	rows := make([]txRow, len(views))
	for i := range views {
		v := &views[i]
		// A merchant of only spaces names nothing: the description does.
		label := strings.TrimSpace(ledger.Sanitize(v.Merchant))
		if label == "" {
			label = strings.TrimSpace(ledger.Sanitize(v.Description))
		}
		r := txRow{
			date:     ledger.UnknownDate,
			label:    label,
			category: v.CategoryName,
			account:  ledger.Sanitize(names[v.AccountID]),
			pending:  v.Pending,
		}
		if t, ok := v.LocalTime(loc); ok {
			r.date = t.Format(time.DateOnly)
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

// bounds are the month's first instant and the next month's in loc.
func (p month) bounds(loc *time.Location) (from, to time.Time) {
	from = time.Date(p.year, p.mon, 1, 0, 0, 0, 0, loc)
	return from, from.AddDate(0, 1, 0)
}

// txScope is whose transactions the pane lists: one account or card, or
// all of them (of one currency, when currencies differ).
type txScope struct {
	id         string   // the selected item: an account id, or an "all" entry's id
	accountIDs []string // nil: every account and card
	label      string   // "All accounts", "All GBP accounts"; "" for one account
	multi      bool     // rows of several accounts: they carry an account column
}

// txList is the state of the transactions pane's list: what it selects
// (scope, sort, month, pending switch, filter) and a window of it. The
// window holds the rows on screen and about a screen either side, read
// from the store by keyset pages (ledger.TransactionPage); moving near
// its edge reads the next rows, so nothing grows with the history. Counts
// and money in and out come from the store too.
type txList struct {
	loc         *time.Location // the user's time zone: months and dates are in it
	scope       txScope
	sortCol     sortColumn
	desc        bool
	period      month
	hidePending bool
	filter      txFilter

	views             []ledger.TxView // the window, in list order
	rows              []txRow         // views prepared, row i for view i
	atStart, atEnd    bool            // the window reaches the list's first / last row
	cursor            int             // index into the window
	offset            int             // first row on screen, index into the window
	loading, loaded   bool            // a new window is being read / one was read
	err               string
	shown, inPeriod   int             // rows the list holds; rows of the period
	totals            []ledger.Bucket // money in and out of the list, per currency
	counted           bool            // shown, inPeriod and totals are of the list shown
	countedPeriodOnly bool            // only inPeriod is known yet
}

func newTxList(loc *time.Location) txList { return txList{desc: true, loc: loc} }

// query is what the list selects, in its order; ok is false when nothing
// can match (pending rows only, with pending hidden).
func (l *txList) query() (q ledger.TxQuery, ok bool) {
	q = l.periodQuery()
	q.Sort, q.Desc, q.WithoutRaw = l.sortCol.ledgerSort(), l.desc, true
	f := &l.filter
	switch {
	case l.hidePending && f.pending == 1:
		return q, false
	case l.hidePending || f.pending == -1:
		q.Pending = ledger.PendingExclude
	case f.pending == 1:
		q.Pending = ledger.PendingOnly
	}
	q.Terms = ledger.TxTerms{Words: f.terms, NotWords: f.negated, Categories: f.category, Merchants: f.merchant}
	for _, a := range f.amounts {
		q.Terms.Amounts = append(q.Terms.Amounts, ledger.AmountCond{Op: a.op, Value: a.value})
	}
	return q, true
}

// periodQuery selects the period of the scope, with neither filter nor
// pending switch: the rows the title counts the list against.
func (l *txList) periodQuery() ledger.TxQuery {
	q := ledger.TxQuery{AccountIDs: l.scope.accountIDs, Location: l.loc}
	if !l.period.all() {
		q.From, q.To = l.period.bounds(l.loc)
	}
	return q
}

// narrowed reports whether the filter or the pending switch narrow the list.
func (l *txList) narrowed() bool { return l.hidePending || !l.filter.empty() }

// selected is the transaction under the cursor, or nil.
func (l *txList) selected() *ledger.TxView {
	if l.cursor < 0 || l.cursor >= len(l.views) {
		return nil
	}
	return &l.views[l.cursor]
}

// setWindow installs a new window with the cursor on row at (or the first
// row), which shows on screen line line.
func (l *txList) setWindow(msg txPageMsg, at, line, height int) {
	l.views, l.rows = msg.views, msg.rows
	l.atStart, l.atEnd = msg.atStart, msg.atEnd
	l.loading, l.loaded, l.err = false, true, ""
	l.cursor = clamp(at, 0, len(l.views)-1)
	l.offset = l.cursor - line
	l.scrollTo(height)
}

// extend adds rows read beyond an edge of the window, and forgets rows far
// from the screen on the other side so the window stays small.
func (l *txList) extend(msg txPageMsg, keep int) {
	if msg.kind == pageAfter {
		l.views, l.rows = append(l.views, msg.views...), append(l.rows, msg.rows...)
		l.atEnd = msg.atEnd
		if drop := min(len(l.views)-keep, l.offset-keep/4); drop > 0 {
			l.views, l.rows = l.views[drop:], l.rows[drop:]
			l.cursor, l.offset, l.atStart = l.cursor-drop, l.offset-drop, false
		}
		return
	}
	n := len(msg.views)
	l.views = append(append(make([]ledger.TxView, 0, n+len(l.views)), msg.views...), l.views...)
	l.rows = append(append(make([]txRow, 0, n+len(l.rows)), msg.rows...), l.rows...)
	l.cursor, l.offset, l.atStart = l.cursor+n, l.offset+n, msg.atStart
	if drop := min(len(l.views)-keep, len(l.views)-(l.offset+keep/4*3)); drop > 0 {
		l.views, l.rows = l.views[:len(l.views)-drop], l.rows[:len(l.rows)-drop]
		l.atEnd = false
	}
}

// move moves the cursor by delta rows within the window and keeps it on
// screen.
func (l *txList) move(delta, height int) {
	l.cursor = clamp(l.cursor+delta, 0, len(l.views)-1)
	l.scrollTo(height)
}

func (l *txList) scrollTo(height int) {
	if height < 1 {
		height = 1
	}
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+height {
		l.offset = l.cursor - height + 1
	}
	l.offset = clamp(l.offset, 0, max(0, len(l.views)-height))
}

func clamp(v, lo, hi int) int {
	if hi < lo {
		return lo
	}
	return max(lo, min(v, hi))
}

// countLabel counts what the title's period holds: "13" when every row of
// the month (or of all time) is shown, "5 of 13" when the filter or the
// pending switch hides some, "… of 13" while the store counts them.
func (l *txList) countLabel() string {
	switch {
	case l.counted && !l.narrowed():
		return ledger.FormatCount(l.inPeriod)
	case l.counted:
		return ledger.FormatCount(l.shown) + " of " + ledger.FormatCount(l.inPeriod)
	case l.countedPeriodOnly:
		return "… of " + ledger.FormatCount(l.inPeriod)
	}
	return "…"
}

// flows is the totals line: money in, money out and net of the list, per
// currency (ledger.FlowsLine: matched transfers are neither in nor out).
func (l *txList) flows(privacy bool) string {
	if !l.counted {
		return ""
	}
	return ledger.FlowsLine(l.totals, privacy)
}

// amountCmp is an amount term of the filter (amount:>50).
type amountCmp struct {
	op    string // "<", "<=", ">", ">=", "="
	value decimal.Decimal
}
