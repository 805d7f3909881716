package ledger

import (
	"database/sql"
	"fmt"
	"slices"

	"github.com/banktui/banktui/truelayer"
)

// The books' two reads before an export writes: what the file will
// declare (one DISTINCT over the selected rows), and each exported
// account's settled history summed by local day, with the bank's running
// balance at each day's end (a narrow scan: integers, and text only where
// an amount has more decimals than the integer columns keep).

// scanDeclarations reads the accounts' commodities, the category accounts
// and the first day of the rows the export selects.
func (e *exportRun) scanDeclarations(b *books) (first int, err error) {
	where, args, err := e.s.txWhere(e.ctx, e.q)
	if err != nil {
		return 0, err
	}
	rows, err := e.conn.QueryContext(e.ctx, `SELECT DISTINCT t.account_rid, t.pending, t.currency, t.category_name,
       CASE WHEN t.amount_exact THEN t.amount_micro > 0 ELSE t.amount NOT LIKE '-%' END, t.transfer_rid IS NOT NULL
FROM transactions t`+where, args...)
	if err != nil {
		return 0, fmt.Errorf("ledger: export: %w", err)
	}
	defer rows.Close()
	cats := map[string]bool{}
	for rows.Next() {
		var (
			rid                       int64
			pending, positive, paired bool
			currency, category        string
		)
		if err := rows.Scan(&rid, &pending, &currency, &category, &positive, &paired); err != nil {
			return 0, fmt.Errorf("ledger: export: %w", err)
		}
		if a := b.byRID[rid]; a != nil {
			if pending {
				a.pendingCur[currencyCode(currency)] = true
			} else {
				a.commodities[currencyCode(currency)] = true
			}
		}
		if !paired {
			cats[categoryAccount(category, positive)] = true
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("ledger: export: %w", err)
	}
	b.categories = sortedKeys(cats)
	return e.firstDay()
}

// firstDay is the local day of the first dated row the export selects
// (maxDay if none): the first row by time of each kind, timed and dated
// without a time (in a zone behind UTC a timed row can fall on the day
// before a dated row stored before it).
func (e *exportRun) firstDay() (int, error) {
	where, args, err := e.s.txWhere(e.ctx, e.q)
	if err != nil {
		return 0, err
	}
	clock := newDayClock(e.loc)
	first := maxDay
	for _, kind := range []string{"<> 0", "= 0"} {
		cond := " WHERE"
		if where != "" {
			cond = where + " AND"
		}
		var ts sql.NullInt64
		err := e.conn.QueryRowContext(e.ctx, "SELECT min(t.ts) FROM transactions t"+cond+
			fmt.Sprintf(" t.ts >= %d AND t.ts <> 0 AND t.ts %% %d %s", minPlausibleTS, secondsPerDay, kind), args...).Scan(&ts)
		if err != nil {
			return 0, fmt.Errorf("ledger: export: %w", err)
		}
		if d, ok := clock.day(ts.Int64); ts.Valid && ok {
			first = min(first, d)
		}
	}
	return first, nil
}

// scanHistory sums each exported account's settled rows by local day: in
// a balanced export their whole history (the opening and the assertions
// need the days around the period), in a filtered one nothing.
func (e *exportRun) scanHistory(b *books) error {
	if !b.balanced || len(b.accounts) == 0 {
		return nil
	}
	q := TxQuery{AccountIDs: e.q.AccountIDs, Location: e.loc, Pending: PendingExclude}
	where, args, err := e.s.txWhere(e.ctx, q)
	if err != nil {
		return err
	}
	rows, err := e.conn.QueryContext(e.ctx, `SELECT t.account_rid, t.ts,
       CASE WHEN t.amount_exact THEN t.amount_micro END, CASE WHEN t.amount_exact THEN NULL ELSE t.amount END,
       t.running_micro, CASE WHEN t.running_balance GLOB '*.???????*' THEN t.running_balance END,
       CASE WHEN t.currency = a.currency THEN NULL ELSE t.currency END
FROM transactions t JOIN accounts a ON a.rid = t.account_rid`+where+" ORDER BY t.account_rid, t.ts, t.rid", args...)
	if err != nil {
		return fmt.Errorf("ledger: export: %w", err)
	}
	defer rows.Close()
	clock := newDayClock(e.loc)
	var (
		day     closeFinder
		current *accountBook
	)
	for rows.Next() {
		var (
			rid, ts                int64
			r                      closeRow
			micro, running         sql.NullInt64
			text, runText, foreign sql.NullString
		)
		if err := rows.Scan(&rid, &ts, &micro, &text, &running, &runText, &foreign); err != nil {
			return fmt.Errorf("ledger: export: %w", err)
		}
		a := b.byRID[rid]
		if a == nil {
			continue
		}
		if a != current {
			day.finish(current)
			current.settleDays()
			current = a
		}
		d, dated := clock.day(ts)
		if !dated {
			continue
		}
		r.micro, r.text = micro.Int64, text.String
		r.hasBalance, r.balMicro, r.balText = running.Valid, running.Int64, runText.String
		own := !foreign.Valid || currencyCode(foreign.String) == a.commodity
		day.add(a, d, ts, r, own)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ledger: export: %w", err)
	}
	day.finish(current)
	current.settleDays()
	return nil
}

// settleDays puts an account's days in order. The scan reads rows by
// time, and in a zone behind UTC a row dated without a time (stored at
// midnight UTC) comes before the evening of the day before: a day can
// appear twice, and the last row of a day is not its last in the bank's
// order when a row of an earlier day follows it. Such days have no known
// close; the two runs of a day are summed.
func (a *accountBook) settleDays() {
	if a == nil {
		return
	}
	next, sorted := maxDay, true
	for i := len(a.days) - 1; i >= 0; i-- {
		d := &a.days[i]
		if d.day >= next {
			d.hasClose = false
		}
		sorted = sorted && d.day < next
		next = min(next, d.day)
	}
	if sorted {
		return
	}
	slices.SortStableFunc(a.days, func(x, y dayTotal) int { return x.day - y.day })
	out := a.days[:1]
	for _, d := range a.days[1:] {
		last := &out[len(out)-1]
		if d.day != last.day {
			out = append(out, d)
			continue
		}
		last.micro += d.micro
		last.rest = last.rest.Add(d.rest)
		last.lastTS = max(last.lastTS, d.lastTS)
		last.dateOnly = last.dateOnly || d.dateOnly
		last.hasClose = false
	}
	a.days = out
}

// closeFinder gathers one account's day and finds the bank's balance at
// its end: the last row's running balance when the rows have distinct
// times, else (rows dated without a time, or at the same second, come in
// no known order) the running balance no other row of the day starts
// from, or the last row's when that is ambiguous too. A day with a row
// lacking a running balance, or in another currency, has none.
type closeFinder struct {
	d         dayTotal
	open      bool
	known     bool
	card      bool
	ambiguous bool
	lastTS    int64
	rows      []closeRow
}

// closeRow is a row's amount and running balance, in millionths, or as
// text when they have more decimals (a balance written with an exponent,
// which no bank sends, is taken from its millionths).
type closeRow struct {
	micro      int64
	text       string // the amount, when not in micro
	hasBalance bool
	balMicro   int64
	balText    string // the running balance, when not in balMicro
}

func (r closeRow) amount() truelayer.Amount {
	if r.text != "" {
		return amountFromText(r.text)
	}
	return fromMicro(r.micro)
}

func (f *closeFinder) add(a *accountBook, day int, ts int64, r closeRow, own bool) {
	if f.open && f.d.day != day {
		f.finish(a)
	}
	if !f.open {
		f.d, f.open, f.known, f.card, f.ambiguous, f.lastTS = dayTotal{day: day}, true, true, a.view.Kind == KindCard, false, -1
		f.rows = f.rows[:0]
		if a.first == 0 {
			a.first = ts
		}
	}
	a.last = ts
	if !own {
		f.known = false
		return
	}
	if r.text == "" {
		f.d.micro += r.micro
	} else {
		f.d.rest = f.d.rest.Add(amountFromText(r.text))
	}
	if isDay(ts) {
		f.d.dateOnly, f.ambiguous = true, true
	} else {
		f.d.lastTS = max(f.d.lastTS, ts)
	}
	if ts == f.lastTS {
		f.ambiguous = true
	}
	f.lastTS = ts
	if !r.hasBalance {
		f.known = false
		return
	}
	f.rows = append(f.rows, r)
}

// finish closes the open day into a.
func (f *closeFinder) finish(a *accountBook) {
	if !f.open || a == nil {
		f.open = false
		return
	}
	f.open = false
	if f.known && len(f.rows) > 0 {
		f.d.close, f.d.hasClose = f.balance(f.rows[len(f.rows)-1]), true
		if f.ambiguous {
			after := make([]truelayer.Amount, len(f.rows))
			before := make([]truelayer.Amount, len(f.rows))
			for i, r := range f.rows {
				after[i] = f.balance(r)
				before[i] = after[i].Sub(r.amount())
			}
			if last, ok := unstarted(after, before); ok {
				f.d.close = last
			}
		}
	}
	a.days = append(a.days, f.d)
}

// balance is a row's running balance as an asset's balance.
func (f *closeFinder) balance(r closeRow) truelayer.Amount {
	b := fromMicro(r.balMicro)
	if r.balText != "" {
		b = amountFromText(r.balText)
	}
	if f.card {
		return b.Neg()
	}
	return b
}

// unstarted is the one balance after a row that no row starts from.
func unstarted(after, before []truelayer.Amount) (truelayer.Amount, bool) {
	used := make([]bool, len(before))
	var found []truelayer.Amount
next:
	for _, x := range after {
		for i, y := range before {
			if !used[i] && x.Equal(y) {
				used[i] = true
				continue next
			}
		}
		found = append(found, x)
	}
	if len(found) != 1 {
		return truelayer.Amount{}, false
	}
	return found[0], true
}
