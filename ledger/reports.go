package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"

	"github.com/banktui/banktui/truelayer"
)

// Bucket is a group of transactions in one currency.
type Bucket struct {
	Key      string // category label, or month "2006-01"
	Currency string
	Count    int
	CountOut int              // rows of money out
	CountIn  int              // rows of money in
	Spent    truelayer.Amount // money out, as a positive amount
	Received truelayer.Amount // money in
	Net      truelayer.Amount // Received - Spent
}

// SpendingByCategory groups the settled transactions matching q by their
// category (CategoryName, as shown everywhere); biggest spending first.
// Transfers between the user's own accounts and card repayments are left
// out: they are neither spending nor income.
func (s *Store) SpendingByCategory(ctx context.Context, q TxQuery) ([]Bucket, error) {
	out, err := s.buckets(ctx, q, groupCategory)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if c := out[i].Spent.Cmp(out[j].Spent); c != 0 {
			return c > 0
		}
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Currency < out[j].Currency
	})
	return out, nil
}

// SpendingByMonth groups the settled transactions matching q by month in
// q.Location (UTC when nil), oldest first; transfers are left out as in
// SpendingByCategory.
func (s *Store) SpendingByMonth(ctx context.Context, q TxQuery) ([]Bucket, error) {
	out, err := s.buckets(ctx, q, groupMonth)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Currency < out[j].Currency
	})
	return out, nil
}

// grouping is what buckets groups by.
type grouping int

const (
	groupCategory grouping = iota // CategoryName
	groupPayee                    // payeeExpr
	groupAccount                  // the account's row id (the caller maps it)
	groupMonth                    // "2006-01" in the query's Location
)

// timeSpan is the span of stored times q can select (unix seconds): its
// From and To, or else the oldest and newest stored rows (the date index
// answers at once).
func (s *Store) timeSpan(ctx context.Context, q TxQuery) (from, to int64, err error) {
	var lo, hi sql.NullInt64
	if err := s.db.QueryRowContext(ctx, "SELECT min(ts), max(ts) FROM transactions").Scan(&lo, &hi); err != nil {
		return 0, 0, fmt.Errorf("ledger: %w", err)
	}
	from, to = lo.Int64, hi.Int64
	if !q.From.IsZero() {
		from = q.From.Unix() - secondsPerDay
	}
	if !q.To.IsZero() {
		to = q.To.Unix() + secondsPerDay
	}
	return from, to, nil
}

// buckets sums the settled rows of q that are not transfers by g, per
// currency: from the summary when it answers q (report_months.go), else
// from the rows, in integers (exact while every amount has at most six
// decimals), falling back to decimal sums of the text otherwise.
func (s *Store) buckets(ctx context.Context, q TxQuery, g grouping) ([]Bucket, error) {
	if q.Pending == PendingBoth {
		q.Pending = PendingExclude
	}
	q.ExcludeTransfers = true
	q, err := s.reportScope(ctx, q)
	if err != nil {
		return nil, err
	}
	if summaryQuery(q) {
		out, exact, err := s.summaryBuckets(ctx, q, g)
		if err != nil || exact {
			return out, err
		}
	}
	var keyExpr string
	var keyArgs []any
	switch g {
	case groupCategory:
		keyExpr = "t.category_name"
	case groupPayee:
		keyExpr = payeeExpr
	case groupAccount:
		keyExpr = "t.account_rid"
	case groupMonth:
		from, to, err := s.timeSpan(ctx, q)
		if err != nil {
			return nil, err
		}
		clock, args := localClock(q.Location, from, to)
		keyExpr, keyArgs = "strftime('%Y-%m', "+clock+", 'unixepoch')", args
	}
	where, whereArgs, err := s.txWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	args := append(slices.Clip(keyArgs), whereArgs...)
	out, inexact, err := s.scanBuckets(ctx, `
SELECT `+keyExpr+` AS k, t.currency, count(*), sum(t.amount_micro < 0), sum(t.amount_micro > 0),
       sum(CASE WHEN t.amount_micro < 0 THEN -t.amount_micro ELSE 0 END),
       sum(CASE WHEN t.amount_micro > 0 THEN t.amount_micro ELSE 0 END),
       sum(t.amount_exact = 0)
FROM transactions t`+where+`
GROUP BY k, t.currency`, args)
	if err != nil || !inexact {
		return out, err
	}
	return s.bucketsFromText(ctx, where, args, keyExpr)
}

// summaryBuckets is buckets from the summary; exact is false when a row
// of q has more than six decimals (then the caller sums the text).
func (s *Store) summaryBuckets(ctx context.Context, q TxQuery, g grouping) (out []Bucket, exact bool, err error) {
	if err := s.ensureReportMonths(ctx, q.Location); err != nil {
		return nil, false, err
	}
	where, args, err := s.summaryWhere(ctx, q, false)
	if err != nil {
		return nil, false, err
	}
	col := [...]string{groupCategory: "m.category_name", groupPayee: "m.payee", groupAccount: "m.account_rid", groupMonth: "m.month"}[g]
	out, inexact, err := s.scanBuckets(ctx, `
SELECT `+col+` AS k, m.currency, sum(m.n_rows), sum(m.n_out), sum(m.n_in), sum(m.spent), sum(m.received), sum(m.inexact)
FROM report_months m`+where+`
GROUP BY k, m.currency`, args)
	return out, !inexact, err
}

// scanBuckets runs a bucket query: key, currency, rows, rows out, rows in,
// spent and received in millionths, inexact rows.
func (s *Store) scanBuckets(ctx context.Context, query string, args []any) (out []Bucket, inexact bool, err error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, false, fmt.Errorf("ledger: spending: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b Bucket
		var spent, received, nInexact int64
		if err := rows.Scan(&b.Key, &b.Currency, &b.Count, &b.CountOut, &b.CountIn, &spent, &received, &nInexact); err != nil {
			return nil, false, fmt.Errorf("ledger: spending: %w", err)
		}
		inexact = inexact || nInexact > 0
		b.Spent = fromMicro(spent)
		b.Received = fromMicro(received)
		b.Net = b.Received.Sub(b.Spent)
		out = append(out, b)
	}
	return out, inexact, rows.Err()
}

func (s *Store) bucketsFromText(ctx context.Context, where string, args []any, keyExpr string) ([]Bucket, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+keyExpr+`, t.currency, t.amount
FROM transactions t`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: spending: %w", err)
	}
	defer rows.Close()
	type key struct{ k, cur string }
	m := map[key]*Bucket{}
	var order []key
	for rows.Next() {
		var k key
		var amount string
		if err := rows.Scan(&k.k, &k.cur, &amount); err != nil {
			return nil, err
		}
		b := m[k]
		if b == nil {
			b = &Bucket{Key: k.k, Currency: k.cur}
			m[k] = b
			order = append(order, k)
		}
		a := amountFromText(amount)
		b.Count++
		switch a.Sign() {
		case -1:
			b.CountOut++
			b.Spent = b.Spent.Add(a.Neg())
		case 1:
			b.CountIn++
			b.Received = b.Received.Add(a)
		}
	}
	out := make([]Bucket, 0, len(order))
	for _, k := range order {
		b := m[k]
		b.Net = b.Received.Sub(b.Spent)
		out = append(out, *b)
	}
	return out, rows.Err()
}
