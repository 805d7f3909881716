package ledger

import (
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// The books are what an export knows before it writes a row: for each
// exported account its opening balance, the points where the bank said
// what its balance was, the adjustments where that disagrees with the
// transactions, and every account and commodity the file will use. They
// come from one narrow pass over the stored rows (columns, no JSON), so
// their size grows with the days of history, not the rows.
//
// Balances are the bank's settled balance ("current"): TrueLayer's current
// balance counts settled transactions only (the demo bank's truth says so;
// "available" adds the pending ones). So an account's journal account holds
// its settled rows, pending rows go to a sibling (pendingSuffix) that is
// never asserted, and a card's figures, the amount owed, are negated.

// maxDay is the end of an export without --to.
const maxDay = 1<<31 - 1

type books struct {
	balanced   bool // opening entries and assertions (not a filtered list)
	start, end int  // first and last local day of the export
	accounts   []*accountBook
	byRID      map[int64]*accountBook
	// transitOpening is TransitAccount's balance at start, per commodity:
	// transfers whose other side is before the export.
	transitOpening map[string]truelayer.Amount
	usesTransit    bool
	others         []string // non-exported accounts booked against
	categories     []string // category accounts (CategoryAccount), sorted
	events         []bookEvent
}

// accountBook is one exported account.
type accountBook struct {
	view        AccountView
	rid         int64
	name        string // journal account
	commodity   string // its currency (Commodity)
	commodities map[string]bool
	pendingCur  map[string]bool // commodities of its pending rows
	days        []dayTotal
	first, last int64 // stored times of its first and last dated settled rows
	points      []knownPoint
	inflight    [][2]int // [from, to) days whose assertions are not written
	opening     truelayer.Amount
	hasOpening  bool
	openingFrom string // what the opening was derived from
	closing     truelayer.Amount
	latest      *snapshot // the newest balance snapshot
}

// dayTotal is an account's settled rows on one local day.
type dayTotal struct {
	day      int
	micro    int64            // the sum, in millionths, of the exact amounts
	rest     truelayer.Amount // the sum of the others
	lastTS   int64            // the latest timed row
	dateOnly bool             // a row dated without a time
	close    truelayer.Amount // the bank's running balance at the end of the day
	hasClose bool
}

func (d *dayTotal) sum() truelayer.Amount { return fromMicro(d.micro).Add(d.rest) }

// knownPoint is the bank's balance at the end of a day.
type knownPoint struct {
	day   int
	value truelayer.Amount
	what  string
}

// bookEvent is what the journals write at the end of a day for an
// account: an adjustment (when not zero) and an assertion.
type bookEvent struct {
	day      int
	acct     *accountBook
	value    truelayer.Amount // the bank's balance
	adjust   truelayer.Amount // value minus what the file adds up to
	computed truelayer.Amount
	what     string
}

// snapshot is a stored balance.
type snapshot struct {
	at             time.Time // the bank's update_timestamp, else when fetched
	day            int       // at's local day
	what           string    // how a comment names it
	current, avail truelayer.Amount
	commodity      string
	fetchedAt      time.Time
}

// planBooks reads what the writers need before the rows. A transfer whose
// sides are days apart is one transaction on the first side's day: the
// other account's assertions are not written while the money is on its way
// (beancount has no posting dates, and ledger-cli checks assertions in the
// file's order whatever a posting's date).
func (e *exportRun) planBooks() (*books, error) {
	b := &books{balanced: !e.report.Filtered, byRID: map[int64]*accountBook{}, transitOpening: map[string]truelayer.Amount{}, end: maxDay}
	for _, v := range e.views {
		a := &accountBook{view: v, rid: e.rids[v.ID], name: e.names[v.ID], commodity: currencyCode(v.Currency),
			commodities: map[string]bool{}, pendingCur: map[string]bool{}}
		a.commodities[a.commodity] = true
		b.accounts = append(b.accounts, a)
		b.byRID[a.rid] = a
	}
	if !e.q.To.IsZero() {
		b.end = dayOf(e.q.To, e.loc) - 1
	}
	first, err := e.scanDeclarations(b)
	if err != nil {
		return nil, err
	}
	if err := e.scanHistory(b); err != nil {
		return nil, err
	}
	switch {
	case !e.q.From.IsZero():
		b.start = dayOf(e.q.From, e.loc)
	case first < maxDay:
		b.start = first
	default:
		b.start = dayOf(e.now, e.loc)
	}
	if err := e.loadSnapshots(b); err != nil {
		return nil, err
	}
	if err := e.scanTransfers(b); err != nil {
		return nil, err
	}
	if b.balanced {
		for _, a := range b.accounts {
			b.plan(a)
		}
		sort.SliceStable(b.events, func(i, j int) bool { return b.events[i].day < b.events[j].day })
	}
	return b, nil
}

// loadSnapshots reads every stored balance of the exported accounts.
func (e *exportRun) loadSnapshots(b *books) error {
	rows, err := e.conn.QueryContext(e.ctx, `SELECT account_rid, fetched_at, currency, current, available,
       coalesce(json_extract(raw, '$.update_timestamp'), '')
FROM balances ORDER BY account_rid, fetched_at, id`)
	if err != nil {
		return fmt.Errorf("ledger: export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			rid, fetched         int64
			currency, cur, avail string
			stamp                sql.RawBytes
		)
		if err := rows.Scan(&rid, &fetched, &currency, &cur, &avail, &stamp); err != nil {
			return fmt.Errorf("ledger: export: %w", err)
		}
		a := b.byRID[rid]
		if a == nil {
			continue
		}
		s := &snapshot{fetchedAt: time.UnixMilli(fetched), commodity: currencyCode(currency),
			current: amountFromText(cur), avail: amountFromText(avail)}
		s.at = s.fetchedAt
		if t, ok := truelayer.ParseTimestamp(string(stamp)); ok && t.Time.Year() >= minPlausibleYear {
			s.at = t.Time
		}
		if a.view.Kind == KindCard {
			s.current = s.current.Neg()
		}
		s.day, s.what = dayOf(s.at, e.loc), "balance fetched "+s.at.In(e.loc).Format("2006-01-02 15:04")
		a.latest = s
		if b.balanced && s.commodity == a.commodity {
			a.addSnapshot(s)
		}
	}
	return rows.Err()
}

// addSnapshot makes a snapshot a known point when it is the balance at the
// end of its day: no stored row of that day after it, none dated without a
// time (such a row may have been booked after it). The latest of a day
// wins; it replaces the day's running balance.
func (a *accountBook) addSnapshot(s *snapshot) {
	day := s.day
	i, found := slices.BinarySearchFunc(a.days, day, func(d dayTotal, day int) int { return d.day - day })
	if found && (a.days[i].dateOnly || a.days[i].lastTS > s.at.Unix()) {
		return
	}
	p := knownPoint{day: day, value: s.current, what: s.what}
	if n := len(a.points); n > 0 && a.points[n-1].day == day {
		a.points[n-1] = p
		return
	}
	a.points = append(a.points, p)
}

// plan derives the opening, the assertions and the adjustments of one
// account in the export's period.
func (b *books) plan(a *accountBook) {
	a.mergeRunningBalances()
	if s := a.latest; len(a.points) == 0 && s != nil && s.commodity == a.commodity {
		// No balance the bank stated is known to end a day (its rows come
		// without running balances, and on the latest balance's day without
		// a time): the latest balance closes the last day of history.
		day := s.day
		if n := len(a.days); n > 0 {
			day = max(day, a.days[n-1].day)
		}
		a.points = []knownPoint{{day: day, value: s.current, what: s.what}}
	}
	prefix := make([]truelayer.Amount, len(a.days)+1)
	for i := range a.days {
		prefix[i+1] = prefix[i].Add(a.days[i].sum())
	}
	// sum of the days in [from, to]
	sum := func(from, to int) truelayer.Amount {
		i, _ := slices.BinarySearchFunc(a.days, from, func(d dayTotal, day int) int { return d.day - day })
		j, _ := slices.BinarySearchFunc(a.days, to+1, func(d dayTotal, day int) int { return d.day - day })
		if j <= i {
			return truelayer.Amount{}
		}
		return prefix[j].Sub(prefix[i])
	}
	k := slices.IndexFunc(a.points, func(p knownPoint) bool { return p.day >= b.start })
	switch {
	case k >= 0:
		p := a.points[k]
		a.opening, a.hasOpening = p.value.Sub(sum(b.start, p.day)), true
		a.openingFrom = p.what + " on " + dayDate(p.day)
	case len(a.points) > 0:
		p := a.points[len(a.points)-1]
		a.opening, a.hasOpening = p.value.Add(sum(p.day+1, b.start-1)), true
		a.openingFrom = p.what + " on " + dayDate(p.day)
	}
	balance, at := a.opening, b.start
	for _, p := range a.points {
		if p.day < b.start || p.day > b.end || a.inFlight(p.day) {
			continue
		}
		balance = balance.Add(sum(at, p.day))
		at = p.day + 1
		ev := bookEvent{day: p.day, acct: a, value: p.value, computed: balance, adjust: p.value.Sub(balance), what: p.what}
		balance = p.value
		b.events = append(b.events, ev)
	}
	a.closing = balance.Add(sum(at, min(b.end, maxDay-1)))
}

// mergeRunningBalances adds the days' running balances to the known points
// (a snapshot of the same day stays).
func (a *accountBook) mergeRunningBalances() {
	snaps := a.points
	a.points = nil
	for _, d := range a.days {
		if d.hasClose {
			a.points = append(a.points, knownPoint{day: d.day, value: d.close, what: "running balance"})
		}
	}
	for _, s := range snaps {
		i, found := slices.BinarySearchFunc(a.points, s.day, func(p knownPoint, day int) int { return p.day - day })
		if found {
			a.points[i] = s
		} else {
			a.points = slices.Insert(a.points, i, s)
		}
	}
}

func (a *accountBook) inFlight(day int) bool {
	return slices.ContainsFunc(a.inflight, func(r [2]int) bool { return day >= r[0] && day < r[1] })
}

// scanTransfers reads the selected rows that are one side of a transfer:
// which non-exported accounts the file books against, the money in
// transit when the export starts, and the days an account's balance in
// the file runs ahead of or behind the bank's.
func (e *exportRun) scanTransfers(b *books) error {
	where, args, err := e.s.txWhere(e.ctx, e.q)
	if err != nil {
		return err
	}
	selected := where + " AND t.transfer_rid IS NOT NULL"
	if where == "" {
		selected = " WHERE t.transfer_rid IS NOT NULL"
	}
	rows, err := e.conn.QueryContext(e.ctx, `SELECT t.rid, t.account_rid, t.ts, t.amount, t.currency,
       c.rid, c.account_rid, c.ts, c.pending, c.rid IN (SELECT t.rid FROM transactions t`+selected+`)
FROM transactions t JOIN transactions c ON c.rid = t.transfer_rid`+selected, append(append([]any{}, args...), args...)...)
	if err != nil {
		return fmt.Errorf("ledger: export: %w", err)
	}
	defer rows.Close()
	clock := newDayClock(e.loc)
	others := map[string]bool{}
	for rows.Next() {
		var r exportRow
		var amount, currency string
		if err := rows.Scan(&r.rid, &r.accountRID, &r.ts, &amount, &currency, &r.other.rid, &r.other.accountRID,
			&r.other.ts, &r.other.pending, &r.other.selected); err != nil {
			return fmt.Errorf("ledger: export: %w", err)
		}
		r.day, r.dated = clock.day(r.ts)
		r.other.day, r.other.dated = clock.day(r.other.ts)
		if !r.dated {
			continue
		}
		switch e.otherSide(&r) {
		case sideInFile:
			if a := b.byRID[r.accountRID]; r.otherFirst() && r.day != r.other.day && a != nil {
				a.inflight = append(a.inflight, [2]int{min(r.day, r.other.day), max(r.day, r.other.day)})
			}
		case sideTransit:
			b.usesTransit = true
			if !r.other.pending && r.other.dated && r.other.day < b.start {
				cur := currencyCode(currency)
				b.transitOpening[cur] = b.transitOpening[cur].Add(amountFromText(amount))
			}
		case sideOtherAccount:
			if v, ok := e.view(r.other.accountRID); ok {
				others[e.names[v.ID]] = true
			}
		}
	}
	for name := range others {
		b.others = append(b.others, name)
	}
	slices.Sort(b.others)
	return rows.Err()
}

// Where a transfer's other side is booked.
const (
	sideInFile       = iota // written with this row, as one transaction
	sideTransit             // TransitAccount: the other side is outside the period, or pending
	sideOtherAccount        // the other account's own name: it is not exported
)

// otherSide says where the other side of a selected, dated transfer row
// is booked.
func (e *exportRun) otherSide(r *exportRow) int {
	switch {
	case r.other.selected && r.other.dated:
		return sideInFile
	case !e.exported(r.other.accountRID) || e.report.Filtered:
		return sideOtherAccount
	}
	return sideTransit
}

// describe is what a known point says in a comment.
func (ev bookEvent) describe() string {
	return strings.TrimSpace(ev.what)
}
