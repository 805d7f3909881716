package ledger

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// TransactionTotals sums what q selects, pending rows included unless q
// leaves them out, per currency (Key ""), sorted by currency: how many,
// money in, money out and the net. Sort, Limit, Offset and After do not
// matter. Selected by accounts, dates and pending state alone, it adds up
// the stored per-day totals, so its cost grows with the days, not the
// rows; any other filter sums the rows it matches.
func (s *Store) TransactionTotals(ctx context.Context, q TxQuery) ([]Bucket, error) {
	q.Sort, q.Limit, q.Offset, q.After = "", 0, 0, nil
	var out []Bucket
	var err error
	if onlyDates(q) {
		out, err = s.totalsByDay(ctx, q)
	} else {
		out, err = s.sumWhere(ctx, q, "''")
	}
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out, nil
}

// onlyDates reports whether q selects by accounts, dates and pending state alone.
func onlyDates(q TxQuery) bool {
	return q.Text == "" && q.Category == "" && q.Merchant == "" && q.MinAmount == nil && q.MaxAmount == nil && q.Terms.empty()
}

const daySeconds = 86400

// totalsByDay sums the whole days of q's range from transaction_days, and
// the rows of the part-days at its ends.
func (s *Store) totalsByDay(ctx context.Context, q TxQuery) ([]Bucket, error) {
	var rids []int64
	if len(q.AccountIDs) > 0 {
		var err error
		if rids, err = s.accountRIDs(ctx, q.AccountIDs); err != nil {
			return nil, err
		}
		if len(rids) == 0 {
			return nil, nil
		}
	}
	const noDay = int64(1) << 50
	firstDay, endDay := -noDay, noDay // whole days [firstDay, endDay)
	var edges []TxQuery
	if !q.From.IsZero() {
		from := q.From.Unix()
		firstDay = ceilDiv(from, daySeconds)
		if from%daySeconds != 0 {
			e := q
			e.To = time.Unix(firstDay*daySeconds, 0)
			if !q.To.IsZero() && q.To.Before(e.To) {
				e.To = q.To
			}
			edges = append(edges, e)
		}
	}
	if !q.To.IsZero() {
		to := q.To.Unix()
		endDay = floorDiv(to, daySeconds)
		if to%daySeconds != 0 && endDay >= firstDay {
			e := q
			e.From = time.Unix(endDay*daySeconds, 0)
			edges = append(edges, e)
		}
	}
	total := map[string]*Bucket{}
	if endDay > firstDay {
		exact, err := s.sumDays(ctx, rids, firstDay, endDay, q.Pending, total)
		if err != nil {
			return nil, err
		}
		if !exact { // an amount with more than six decimals: sum the text
			return s.sumWhere(ctx, q, "''")
		}
	}
	for _, e := range edges {
		part, err := s.sumWhere(ctx, e, "''")
		if err != nil {
			return nil, err
		}
		for _, b := range part {
			addBucket(total, b)
		}
	}
	out := make([]Bucket, 0, len(total))
	for _, b := range total {
		b.Net = b.Received.Sub(b.Spent)
		out = append(out, *b)
	}
	return out, nil
}

// sumDays adds the stored totals of days [first, end) into total; exact is
// false when one of them holds an amount with more than six decimals.
func (s *Store) sumDays(ctx context.Context, rids []int64, first, end int64, pending int, total map[string]*Bucket) (exact bool, err error) {
	where := " WHERE day >= ? AND day < ?"
	args := []any{first, end}
	if len(rids) > 0 {
		where += " AND account_rid IN (" + placeholders(len(rids)) + ")"
		for _, r := range rids {
			args = append(args, r)
		}
	}
	switch {
	case pending > 0:
		where += " AND pending = 1"
	case pending < 0:
		where += " AND pending = 0"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT currency, sum(n), sum(money_in), sum(money_out), sum(inexact)
FROM transaction_days`+where+" GROUP BY currency", args...)
	if err != nil {
		return false, fmt.Errorf("ledger: totals: %w", err)
	}
	defer rows.Close()
	exact = true
	for rows.Next() {
		var b Bucket
		var in, out, inexact int64
		if err := rows.Scan(&b.Currency, &b.Count, &in, &out, &inexact); err != nil {
			return false, err
		}
		if inexact > 0 {
			exact = false
		}
		b.Received = amountFromMicro(in)
		b.Spent = amountFromMicro(out)
		addBucket(total, b)
	}
	return exact, rows.Err()
}

func addBucket(total map[string]*Bucket, b Bucket) {
	t := total[b.Currency]
	if t == nil {
		t = &Bucket{Currency: b.Currency}
		total[b.Currency] = t
	}
	t.Count += b.Count
	t.Spent = t.Spent.Add(b.Spent)
	t.Received = t.Received.Add(b.Received)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }
