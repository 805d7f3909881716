package ledger

import (
	"fmt"
	"slices"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// The journals (ledger/hledger and beancount) are double-entry books of the
// exported accounts, written by one walk in two syntaxes:
//
//   - every account, commodity and category account is declared first, so
//     strict checks (hledger check -s, bean-check) pass;
//   - one opening entry, on the first day, gives each account the bank's
//     balance before it (from the first balance the bank stated in or after
//     the period, running balance or stored snapshot, minus the rows before
//     it; with --from, that is the history before --from), against
//     OpeningAccount;
//   - each row is a transaction between its account and its category
//     (CategoryAccount); pending rows (--include-pending) are booked to a
//     sibling account (pendingSuffix), since the bank's balance leaves them
//     out;
//   - a matched transfer or card repayment is one transaction between the
//     two accounts, written at the side that comes first; when the other
//     side is not exported it is booked to that account by name, and when
//     it lies outside the period (or is pending and not exported) to
//     TransitAccount, whose opening holds what was on its way when the
//     period starts; while a transfer's sides are days apart, the other
//     account's balances are not asserted;
//   - at the end of every day the bank stated a balance (its running
//     balance, or a stored snapshot taken after the day's last row) the
//     journal asserts it; where the file would disagree (a row the bank
//     counted but banktui lacks, say) a balance adjustment against
//     UnreconciledAccount comes first, with a comment saying by how much;
//     an account with no such day closes its history at its latest
//     balance;
//   - transactions run in date order (ledger-cli checks assertions in the
//     file's order), whatever the zone.
//
// A filtered export (text, category, merchant, amount, no transfers) is a
// list: no opening entry, no assertions.

// journalDialect is the syntax of one journal format.
type journalDialect interface {
	declare(e *exportRun, b *books)
	transaction(e *exportRun, t *journalTx)
	// balances asserts, for the end of day, each event's balance.
	balances(e *exportRun, day int, evs []bookEvent)
	leftOut(e *exportRun, r *exportRow)
}

type journalTx struct {
	date     string
	day      int
	pending  bool
	payee    string // bank text, made safe by the dialect
	note     string
	meta     [][2]string // key, value (bank text)
	comment  string      // written as is
	postings []journalPosting
}

type journalPosting struct {
	account  string
	amount   truelayer.Amount
	currency string // the bank's, for PlainAmount's decimals
	day      int    // its own date, when not the transaction's (hledger, ledger-cli)
	dated    bool
	comment  string
}

// writeJournal is the walk described above.
func writeJournal(e *exportRun, d journalDialect) error {
	b, err := e.planBooks()
	if err != nil {
		return err
	}
	d.declare(e, b)
	if t := openingTx(b); t != nil {
		d.transaction(e, t)
	}
	w := &journalWalk{e: e, d: d, b: b, cats: categoryCache{}}
	err = e.eachRow(e.q, withOther, func(r *exportRow) error {
		if !r.dated {
			e.report.Undated++
			r.stamp = e.stampOf(r.rid)
			d.leftOut(e, r)
			return nil
		}
		// A row dated without a time is stored at midnight UTC: in a zone
		// behind UTC the evening of the day before comes after it. It waits
		// for a timed row of its own day or the next day's first row
		// without a time (after which no row of the day before can come),
		// so the file runs in date order (ledger-cli checks assertions in
		// the file's order) and at most two days' such rows wait.
		if isDay(r.ts) {
			w.release(r.day - 1)
			w.held = append(w.held, *r)
			return nil
		}
		w.release(r.day)
		w.write(r)
		return nil
	})
	w.release(maxDay)
	w.flush(maxDay)
	return err
}

// journalWalk writes the rows and, at the end of each day, its balance
// adjustments and assertions.
type journalWalk struct {
	e     *exportRun
	d     journalDialect
	b     *books
	next  int // the first event not written
	cats  categoryCache
	dates dateCache
	held  []exportRow // rows dated without a time, waiting for their day
}

// flush writes the events of the days up to through.
func (w *journalWalk) flush(through int) {
	evs := w.b.events
	for w.next < len(evs) && evs[w.next].day <= through {
		day, end := evs[w.next].day, w.next
		for end < len(evs) && evs[end].day == day {
			end++
		}
		for _, ev := range evs[w.next:end] {
			if !ev.adjust.IsZero() {
				w.e.report.Adjustments++
				w.d.transaction(w.e, adjustmentTx(ev))
			}
		}
		w.d.balances(w.e, day, evs[w.next:end])
		w.next = end
	}
}

// release writes the held rows of the days up to day.
func (w *journalWalk) release(day int) {
	i := 0
	for ; i < len(w.held) && w.held[i].day <= day; i++ {
		w.write(&w.held[i])
	}
	w.held = append(w.held[:0], w.held[i:]...)
}

// write writes a dated row after the events of the days before it: its
// transaction, or nothing when it is the second side of a transfer
// written with the first.
func (w *journalWalk) write(r *exportRow) {
	e := w.e
	e.report.Transactions++
	w.flush(r.day - 1)
	side := -1
	if r.paired {
		side = e.otherSide(r)
		if side == sideInFile && r.otherFirst() {
			return // written with the other side
		}
	}
	w.d.transaction(e, e.rowTx(r, side, w.cats, w.dates.of(r.day)))
}

// rowTx is the transaction of a row, and of its other side when that is a
// transfer written with it.
func (e *exportRun) rowTx(r *exportRow, side int, cats categoryCache, date string) *journalTx {
	payee := r.Merchant
	if payee == "" {
		payee = r.Description
	}
	t := &journalTx{date: date, day: r.day, pending: r.Pending, payee: payee, note: r.Description,
		meta: [][2]string{{"transaction_id", r.ID}, {"category", r.CategoryName}}}
	amount := r.amount()
	t.postings = []journalPosting{{account: e.postingAccount(r.accountRID, r.Pending), amount: amount, currency: r.Currency}}
	other := journalPosting{amount: amount.Neg(), currency: r.Currency}
	switch side {
	case -1:
		other.account = cats.account(r)
		t.postings = append(t.postings, other)
		return t
	case sideInFile:
		e.report.Transfers++
		other.account = e.postingAccount(r.other.accountRID, r.other.pending)
	case sideOtherAccount:
		other.account = e.postingAccount(r.other.accountRID, false)
	case sideTransit:
		other.account = TransitAccount
		other.comment = "the other side is outside the export"
	}
	if side != sideTransit && r.other.dated && r.other.day != r.day {
		other.day, other.dated = r.other.day, true
	}
	t.meta = append(t.meta, [2]string{"transfer", r.TransferKind}, [2]string{"counterpart_id", r.other.id})
	t.postings = append(t.postings, other)
	return t
}

// postingAccount is the journal account of an account's settled or
// pending rows.
func (e *exportRun) postingAccount(rid int64, pending bool) string {
	v, _ := e.view(rid)
	name := e.names[v.ID]
	if pending {
		name += pendingSuffix
	}
	return name
}

// openingTx is the opening entry: each account's balance before the
// first day, and what was in transit then.
func openingTx(b *books) *journalTx {
	if !b.balanced {
		return nil
	}
	t := &journalTx{date: dayDate(b.start), day: b.start, payee: "Opening balances",
		comment: "the bank's balances before " + dayDate(b.start)}
	totals := map[string]truelayer.Amount{}
	var order []string
	add := func(account string, amount truelayer.Amount, commodity, currency, comment string) {
		t.postings = append(t.postings, journalPosting{account: account, amount: amount, currency: currency, comment: comment})
		if _, ok := totals[commodity]; !ok {
			order = append(order, commodity)
		}
		totals[commodity] = totals[commodity].Add(amount)
	}
	for _, a := range b.accounts {
		if a.hasOpening {
			add(a.name, a.opening, a.commodity, a.view.Currency, "from the "+a.openingFrom)
		}
	}
	for _, cur := range sortedKeys(b.transitOpening) {
		add(TransitAccount, b.transitOpening[cur], cur, cur, "transfers on their way")
	}
	if len(t.postings) == 0 {
		return nil
	}
	for _, cur := range order {
		t.postings = append(t.postings, journalPosting{account: OpeningAccount, amount: totals[cur].Neg(), currency: cur})
	}
	return t
}

// adjustmentTx books the difference between the bank's balance and the
// file's before asserting it.
func adjustmentTx(ev bookEvent) *journalTx {
	a := ev.acct
	return &journalTx{date: dayDate(ev.day), day: ev.day, payee: "Balance adjustment",
		comment: fmt.Sprintf("the bank's balance (%s) is %s, the transactions add up to %s",
			ev.describe(), PlainAmount(ev.value, a.view.Currency), PlainAmount(ev.computed, a.view.Currency)),
		postings: []journalPosting{
			{account: a.name, amount: ev.adjust, currency: a.view.Currency},
			{account: UnreconciledAccount, amount: ev.adjust.Neg(), currency: a.view.Currency},
		}}
}

// writePosting writes a posting's account and amount, indented, without
// the line's end (each dialect adds its own comments or metadata).
func (e *exportRun) writePosting(indent string, p journalPosting, commodity string) {
	w := e.w
	w.WriteString(indent)
	w.WriteString(p.account)
	w.WriteString("  ")
	w.WriteString(PlainAmount(p.amount, p.currency))
	w.WriteByte(' ')
	w.WriteString(commodity)
}

// categoryCache remembers CategoryAccount by category and direction: a
// handful of names for any number of rows.
type categoryCache map[[2]string]string

func (c categoryCache) account(r *exportRow) string {
	in := r.amount().Sign() > 0
	key := [2]string{r.CategoryName, ""}
	if in {
		key[1] = "in"
	}
	name, ok := c[key]
	if !ok {
		name = categoryAccount(r.CategoryName, in)
		c[key] = name
	}
	return name
}

// dateCache formats the last day asked for once.
type dateCache struct {
	day  int
	text string
}

func (c *dateCache) of(day int) string {
	if c.text == "" || c.day != day {
		c.day, c.text = day, dayDate(day)
	}
	return c.text
}

// commodities is every commodity the file uses, sorted.
func (b *books) commodities() []string {
	set := map[string]bool{}
	for _, a := range b.accounts {
		for c := range a.commodities {
			set[c] = true
		}
		for c := range a.pendingCur {
			set[c] = true
		}
	}
	for c := range b.transitOpening {
		set[c] = true
	}
	return sortedKeys(set)
}

// adjusts reports whether the books adjust any balance.
func (b *books) adjusts() bool {
	for _, ev := range b.events {
		if !ev.adjust.IsZero() {
			return true
		}
	}
	return false
}

// header is the comment that opens a journal.
func (e *exportRun) header(comment string) {
	e.printf("%s banktui export, %s\n", comment, e.now.Format(time.RFC3339))
	if e.report.Filtered {
		e.printf("%s a filtered list: no opening balances, no balance assertions\n", comment)
	}
}

// sortedKeys are a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// stampOf is the bank's timestamp text of a row (for the rare row whose
// date is unreadable).
func (e *exportRun) stampOf(rid int64) string {
	var stamp string
	_ = e.conn.QueryRowContext(e.ctx, "SELECT coalesce(json_extract(raw, '$.timestamp'), '') FROM transaction_json WHERE rid = ?", rid).Scan(&stamp)
	return stamp
}
