package ledger

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/shopspring/decimal"

	"github.com/banktui/banktui/truelayer"
)

// Recurring payments are the standing orders and direct debits the bank
// lists, and the payments banktui finds recurring in the history: money out
// to the same payee from the same account, at a regular interval (weekly,
// fortnightly, monthly or quarterly: three quarters of the gaps within a
// few days of it), of a similar amount (three quarters within half again
// of the usual one), at least three times in the 13 months before the end
// of the period, and not overdue by more than a few days. A bank record
// and the series of its payments are one entry. Payments to the user's own
// accounts and card repayments are listed, marked Transfer, but are not a
// cost.

// Sources of RecurringPayment.
const (
	SourceStandingOrder = "standing_order"
	SourceDirectDebit   = "direct_debit"
	SourceDetected      = "detected"
)

// SourceName is how the TUI and the command line name where a recurring
// payment comes from: "standing order", "direct debit" or "detected".
func (p RecurringPayment) SourceName() string {
	switch p.Source {
	case SourceStandingOrder:
		return "standing order"
	case SourceDirectDebit:
		return "direct debit"
	}
	return p.Source
}

// RecurringReport lists the recurring payments as of a day.
type RecurringReport struct {
	AsOf     string             `json:"as_of"` // "2026-11-28"
	Payments []RecurringPayment `json:"payments"`
	// Monthly is the monthly cost per currency, transfers left out.
	Monthly []CurrencyAmount `json:"monthly"`
}

// CurrencyAmount is an amount in one currency.
type CurrencyAmount struct {
	Currency string           `json:"currency"`
	Amount   truelayer.Amount `json:"amount"`
}

// RecurringPayment is one recurring payment.
type RecurringPayment struct {
	Source    string `json:"source"` // SourceStandingOrder, SourceDirectDebit or SourceDetected
	AccountID string `json:"account_id"`
	Payee     string `json:"payee"`              // bank text
	Category  string `json:"category,omitempty"` // of its latest payment
	Currency  string `json:"currency"`
	// Amount is the next payment's when the bank says, else the latest's; positive.
	Amount truelayer.Amount `json:"amount"`
	// Interval is "weekly", "fortnightly", "monthly", "quarterly",
	// "yearly", "daily", or the bank's own words for a standing order.
	Interval    string           `json:"interval"`
	Last        string           `json:"last,omitempty"` // day of the latest payment seen
	Next        string           `json:"next,omitempty"` // expected day of the next
	MonthlyCost truelayer.Amount `json:"monthly_cost"`
	Count       int              `json:"count"` // payments seen in the window
	Transfer    bool             `json:"transfer,omitempty"`
}

// recurringMonths is how far back detection looks from the end of the period.
const recurringMonths = 13

// Recurring answers for q's accounts (all when empty), as of the end of q's
// period (To) or now, whichever is earlier.
func (s *Store) Recurring(ctx context.Context, q TxQuery) (RecurringReport, error) {
	q, err := s.reportScope(ctx, q)
	if err != nil {
		return RecurringReport{}, err
	}
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	asOf := s.now().In(loc)
	if !q.To.IsZero() && q.To.Before(asOf) {
		asOf = q.To.In(loc)
	}
	rep := RecurringReport{AsOf: asOf.Format(time.DateOnly)}
	dq := TxQuery{AccountIDs: q.AccountIDs, Location: loc, From: asOf.AddDate(0, -recurringMonths, 0), To: asOf}
	series, err := s.paymentSeries(ctx, dq)
	if err != nil {
		return RecurringReport{}, err
	}
	var detected []RecurringPayment
	for _, sr := range series {
		if p, ok := sr.recurring(asOf); ok {
			detected = append(detected, p)
		}
	}
	banked, err := s.bankRecurring(ctx, q.AccountIDs, loc, rep.AsOf)
	if err != nil {
		return RecurringReport{}, err
	}
	rep.Payments = mergeRecurring(banked, detected)
	sort.SliceStable(rep.Payments, func(i, j int) bool {
		a, b := rep.Payments[i], rep.Payments[j]
		if a.Next != b.Next {
			return a.Next < b.Next
		}
		return a.Payee < b.Payee
	})
	monthly := map[string]truelayer.Amount{}
	for _, p := range rep.Payments {
		if !p.Transfer {
			monthly[p.Currency] = monthly[p.Currency].Add(p.MonthlyCost)
		}
	}
	for cur, a := range monthly {
		rep.Monthly = append(rep.Monthly, CurrencyAmount{Currency: cur, Amount: a})
	}
	sort.Slice(rep.Monthly, func(i, j int) bool { return rep.Monthly[i].Currency < rep.Monthly[j].Currency })
	return rep, nil
}

// paymentSeries is the money out of one account to one payee in a window.
type paymentSeries struct {
	accountID, payee, currency, category string
	transfer                             bool
	times                                []time.Time // local days, oldest first
	micros                               []int64
}

// maxSeriesPayments: a payee paid more often than weekly is everyday
// spending (a supermarket, a coffee shop), not a recurring payment.
const maxSeriesPayments = 5 * recurringMonths

// paymentSeries reads the money out per account and payee in q's period
// (Pending and transfers as they are), for the payees paid in three months
// or more and at most maxSeriesPayments times: the summary names them,
// the payee index reads their payments.
func (s *Store) paymentSeries(ctx context.Context, q TxQuery) ([]paymentSeries, error) {
	wanted, payees, err := s.seriesCandidates(ctx, q)
	if err != nil || len(payees) == 0 {
		return nil, err
	}
	from, fromArgs := tsBound(">=", q.From, q.Location)
	to, toArgs := tsBound("<", q.To, q.Location)
	rows, err := s.db.QueryContext(ctx, `
SELECT t.account_rid, a.id, `+payeeExpr+`, t.currency, t.transfer_kind <> '', t.ts, t.amount_micro, t.category_name
FROM transactions t JOIN accounts a ON a.rid = t.account_rid
WHERE `+payeeExpr+` IN (`+placeholders(len(payees))+`) AND t.pending = 0 AND t.amount_micro < 0 AND `+from+` AND `+to+`
ORDER BY t.ts, t.rid`, append(append(payees, fromArgs...), toArgs...)...)
	if err != nil {
		return nil, fmt.Errorf("ledger: recurring: %w", err)
	}
	defer rows.Close()
	var out []paymentSeries
	for rows.Next() {
		var k seriesKey
		var id, category string
		var transfer bool
		var ts, micro int64
		if err := rows.Scan(&k.rid, &id, &k.payee, &k.currency, &transfer, &ts, &micro, &category); err != nil {
			return nil, fmt.Errorf("ledger: recurring: %w", err)
		}
		i, ok := wanted[k]
		if !ok {
			continue // that payee, but another account or currency
		}
		if i < 0 {
			i = len(out)
			wanted[k] = i
			out = append(out, paymentSeries{accountID: id, payee: k.payee, currency: k.currency})
		}
		sr := &out[i]
		v := TxView{Timestamp: time.Unix(ts, 0).UTC(), DateOnly: isDay(ts)}
		t, _ := v.LocalTime(q.Location)
		sr.times = append(sr.times, time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location()))
		sr.micros = append(sr.micros, -micro)
		sr.transfer = sr.transfer || transfer
		sr.category = category // the latest
	}
	return out, rows.Err()
}

// seriesKey names a series: account row, payee, currency.
type seriesKey struct {
	rid             int64
	payee, currency string
}

// seriesCandidates names the series worth reading, from the summary (each
// mapped to -1: not read yet), and their payees.
func (s *Store) seriesCandidates(ctx context.Context, q TxQuery) (map[seriesKey]int, []any, error) {
	if err := s.ensureReportMonths(ctx, q.Location); err != nil {
		return nil, nil, err
	}
	mq := q
	mq.From, _ = MonthsEnding(q.From, 1, q.Location)
	_, mq.To = MonthsEnding(q.To, 1, q.Location)
	where, args, err := s.summaryWhere(ctx, mq, true)
	if err != nil {
		return nil, nil, err
	}
	if where == "" {
		where = " WHERE m.n_out > 0"
	} else {
		where += " AND m.n_out > 0"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT m.account_rid, m.payee, m.currency FROM report_months m`+where+`
GROUP BY m.account_rid, m.payee, m.currency HAVING count(DISTINCT m.month) >= 3 AND sum(m.n_out) <= ?`,
		append(args, maxSeriesPayments)...)
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: recurring: %w", err)
	}
	defer rows.Close()
	wanted := map[seriesKey]int{}
	var payees []any
	seen := map[string]bool{}
	for rows.Next() {
		var k seriesKey
		if err := rows.Scan(&k.rid, &k.payee, &k.currency); err != nil {
			return nil, nil, fmt.Errorf("ledger: recurring: %w", err)
		}
		wanted[k] = -1
		if !seen[k.payee] {
			seen[k.payee] = true
			payees = append(payees, k.payee)
		}
	}
	return wanted, payees, rows.Err()
}

// cadence is a regular interval: a number of months or of days.
type cadence struct {
	name         string
	months, days int
	slack        int // days a gap may differ by (months differ in length, payments move off weekends)
}

var cadences = []cadence{
	{name: "weekly", days: 7, slack: 1},
	{name: "fortnightly", days: 14, slack: 2},
	{name: "monthly", months: 1, slack: 5},
	{name: "quarterly", months: 3, slack: 10},
}

// nextOn is the first day k steps of c from t, for k = first, first+1,
// ..., that is not before day (YYYY-MM-DD): a payment due on a day gone
// by without it is expected a step later (council tax skips February and
// March; a subscription's payment stays pending for days). Steps count
// from t, so the day of the month does not drift after a short month.
func (c cadence) nextOn(t time.Time, first int, day string) string {
	for k := first; ; k++ {
		next := t.AddDate(0, k*c.months, k*c.days).Format(time.DateOnly)
		if next >= day || c.months == 0 && c.days == 0 {
			return next
		}
	}
}

// length is the cadence in days, roughly.
func (c cadence) length() int {
	if c.months > 0 {
		return c.months * 30
	}
	return c.days
}

// monthlyCost is what a payment of a every interval costs a month.
func (c cadence) monthlyCost(a truelayer.Amount, currency string) truelayer.Amount {
	d := a.Decimal()
	switch {
	case c.months > 0:
		d = d.Div(decimal.NewFromInt(int64(c.months)))
	case c.days == 1:
		d = d.Mul(decimal.NewFromInt(365)).Div(decimal.NewFromInt(12))
	default: // weeks: 52 a year
		d = d.Mul(decimal.NewFromInt(364)).Div(decimal.NewFromInt(int64(12 * c.days)))
	}
	return truelayer.AmountFromDecimal(d.Round(minorDigits(currency)))
}

// recurring reports whether the series is regular, and as what.
func (sr paymentSeries) recurring(asOf time.Time) (RecurringPayment, bool) {
	n := len(sr.times)
	if n < 3 {
		return RecurringPayment{}, false
	}
	gaps := make([]int, n-1)
	for i := 1; i < n; i++ {
		gaps[i-1] = int(sr.times[i].Sub(sr.times[i-1]).Hours()/24 + 0.5)
	}
	med := medianInt(gaps)
	var c cadence
	found := false
	for _, cd := range cadences {
		if abs(med-cd.length()) <= cd.slack {
			c, found = cd, true
			break
		}
	}
	if !found || !mostly(gaps, func(g int) bool { return abs(g-c.length()) <= c.slack }) {
		return RecurringPayment{}, false
	}
	usual := medianInt64(sr.micros)
	if !mostly(sr.micros, func(m int64) bool { return m*2 <= usual*3 && m*3 >= usual*2 }) {
		return RecurringPayment{}, false
	}
	last := sr.times[n-1]
	if overdue := asOf.Sub(last).Hours()/24 - float64(c.length()); overdue > float64(c.length()/2+c.slack) {
		return RecurringPayment{}, false // stopped
	}
	amount := fromMicro(sr.micros[n-1])
	return RecurringPayment{
		Source: SourceDetected, AccountID: sr.accountID, Payee: sr.payee, Category: sr.category,
		Currency: sr.currency, Amount: amount, Interval: c.name,
		Last: last.Format(time.DateOnly), Next: c.nextOn(last, 1, asOf.Format(time.DateOnly)),
		MonthlyCost: c.monthlyCost(amount, sr.currency), Count: n, Transfer: sr.transfer,
	}, true
}

// mostly reports whether three quarters of xs satisfy ok.
func mostly[T any](xs []T, ok func(T) bool) bool {
	n := 0
	for _, x := range xs {
		if ok(x) {
			n++
		}
	}
	return n*4 >= len(xs)*3
}

func medianInt(xs []int) int {
	s := append([]int(nil), xs...)
	sort.Ints(s)
	return s[len(s)/2]
}

func medianInt64(xs []int64) int64 {
	s := append([]int64(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// payeeKey folds a payee for matching bank records with detected series:
// letters and digits, lower case.
func payeeKey(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// mergeRecurring joins each bank record with the detected series of the
// same account whose payee names it (one contains the other), taking the
// series' interval, dates and transfer mark where the bank gives none; the
// series left over are listed as detected.
func mergeRecurring(banked, detected []RecurringPayment) []RecurringPayment {
	used := make([]bool, len(detected))
	out := make([]RecurringPayment, 0, len(banked)+len(detected))
	for _, b := range banked {
		bk := payeeKey(b.Payee)
		for i, d := range detected {
			dk := payeeKey(d.Payee)
			if used[i] || d.AccountID != b.AccountID || bk == "" || dk == "" || !(strings.Contains(dk, bk) || strings.Contains(bk, dk)) {
				continue
			}
			used[i] = true
			b.Count, b.Transfer, b.Last = d.Count, b.Transfer || d.Transfer, d.Last
			if b.Category == "" {
				b.Category = d.Category
			}
			if b.Source == SourceDirectDebit { // a mandate says nothing of when
				b.Interval, b.Next, b.MonthlyCost = d.Interval, d.Next, d.MonthlyCost
				b.Amount = d.Amount
			}
			break
		}
		out = append(out, b)
	}
	for i, d := range detected {
		if !used[i] {
			out = append(out, d)
		}
	}
	return out
}
