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
	Spent    truelayer.Amount // money out, as a positive amount
	Received truelayer.Amount // money in
	Net      truelayer.Amount // Received - Spent
}

// SpendingByCategory groups the settled transactions matching q by their
// category (CategoryName, as shown everywhere); biggest spending first.
// Transfers between the user's own accounts and card repayments are left
// out: they are neither spending nor income.
func (s *Store) SpendingByCategory(ctx context.Context, q TxQuery) ([]Bucket, error) {
	out, err := s.buckets(ctx, q, "t.category_name", nil)
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
	from, to, err := s.timeSpan(ctx, q)
	if err != nil {
		return nil, err
	}
	clock, args := localClock(q.Location, from, to)
	out, err := s.buckets(ctx, q, "strftime('%Y-%m', "+clock+", 'unixepoch')", args)
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

// buckets sums in integers (exact while every amount has at most six
// decimals) and falls back to decimal sums of the text otherwise.
// keyArgs are the arguments of keyExpr's placeholders.
func (s *Store) buckets(ctx context.Context, q TxQuery, keyExpr string, keyArgs []any) ([]Bucket, error) {
	if q.Pending == PendingBoth {
		q.Pending = PendingExclude
	}
	q.ExcludeTransfers = true
	where, whereArgs, err := s.txWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	args := append(slices.Clip(keyArgs), whereArgs...)
	rows, err := s.db.QueryContext(ctx, `
SELECT `+keyExpr+` AS k, t.currency, count(*),
       sum(CASE WHEN t.amount_micro < 0 THEN -t.amount_micro ELSE 0 END),
       sum(CASE WHEN t.amount_micro > 0 THEN t.amount_micro ELSE 0 END),
       min(t.amount_exact)
FROM transactions t`+where+`
GROUP BY k, t.currency`, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: spending: %w", err)
	}
	var out []Bucket
	inexact := false
	for rows.Next() {
		var b Bucket
		var spent, received int64
		var exact int
		if err := rows.Scan(&b.Key, &b.Currency, &b.Count, &spent, &received, &exact); err != nil {
			rows.Close()
			return nil, err
		}
		if exact == 0 {
			inexact = true
		}
		b.Spent = truelayer.AmountFromMinor(spent, microExp)
		b.Received = truelayer.AmountFromMinor(received, microExp)
		b.Net = b.Received.Sub(b.Spent)
		out = append(out, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if inexact {
		return s.bucketsFromText(ctx, where, args, keyExpr)
	}
	return out, nil
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
		if a.Sign() < 0 {
			b.Spent = b.Spent.Add(a.Neg())
		} else {
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
