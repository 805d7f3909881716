package ledger

import (
	"context"
	"fmt"
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
// first classification label, or their transaction_category when the bank
// sent none; biggest spending first.
func (s *Store) SpendingByCategory(ctx context.Context, q TxQuery) ([]Bucket, error) {
	key := "CASE WHEN t.classification <> '' THEN substr(t.classification || '" + classSep + "', 1, instr(t.classification || '" + classSep + "', '" + classSep + "') - 1) WHEN t.category <> '' THEN t.category ELSE 'UNCATEGORISED' END"
	out, err := s.buckets(ctx, q, key)
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

// SpendingByMonth groups the settled transactions matching q by UTC month, oldest first.
func (s *Store) SpendingByMonth(ctx context.Context, q TxQuery) ([]Bucket, error) {
	out, err := s.buckets(ctx, q, "strftime('%Y-%m', t.ts, 'unixepoch')")
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

// buckets sums in integers (exact while every amount has at most six
// decimals) and falls back to decimal sums of the text otherwise.
func (s *Store) buckets(ctx context.Context, q TxQuery, keyExpr string) ([]Bucket, error) {
	if q.Pending == PendingBoth {
		q.Pending = PendingExclude
	}
	return s.sumWhere(ctx, q, keyExpr)
}

// sumWhere groups the transactions q selects (pending ones included
// unless q says) by keyExpr and currency.
func (s *Store) sumWhere(ctx context.Context, q TxQuery, keyExpr string) ([]Bucket, error) {
	where, args, plan, err := s.txWherePlanned(ctx, q)
	if err != nil {
		return nil, err
	}
	table := "transactions t"
	if plan.match != "" {
		table += " NOT INDEXED" // the text's matches, by row id
	}
	rows, err := s.db.QueryContext(ctx, `
SELECT `+keyExpr+` AS k, t.currency, count(*),
       sum(CASE WHEN t.amount_micro < 0 THEN -t.amount_micro ELSE 0 END),
       sum(CASE WHEN t.amount_micro > 0 THEN t.amount_micro ELSE 0 END),
       min(t.amount_exact)
FROM `+table+where+`
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
		b.Spent = amountFromMicro(spent)
		b.Received = amountFromMicro(received)
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
