package ledger

import (
	"context"
	"sort"
	"strings"
)

// FlowTotals is the totals line of a list of transactions (the TUI's and
// `banktui transactions`'), per currency sorted by currency: Count is every
// row q selects; Received, Spent and Net leave out the matched transfers
// between the user's own accounts and card repayments, as the reports do
// (TxQuery.ExcludeTransfers): money moving between your accounts is
// neither money in nor money out. Both come from the stored per-day totals
// when q selects by accounts, dates and pending state alone.
func (s *Store) FlowTotals(ctx context.Context, q TxQuery) ([]Bucket, error) {
	q.ExcludeTransfers = false
	q.Sort, q.Limit, q.Offset, q.After = "", 0, 0, nil
	byCurrency := func(out []Bucket) []Bucket {
		sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
		return out
	}
	if onlyDates(q) { // the days, in one pass
		out, exact, err := s.totalsByDay(ctx, q, true)
		if err != nil || exact {
			return byCurrency(out), err
		}
	}
	// The rows, read once.
	out, inexact, _, _, err := s.sumRows(ctx, q, "", nil, notTransfer)
	if err != nil || !inexact {
		return byCurrency(out), err
	}
	// An amount of more than six decimals: from the text.
	all, err := s.TransactionTotals(ctx, q)
	if err != nil {
		return nil, err
	}
	q.ExcludeTransfers = true
	flows, err := s.TransactionTotals(ctx, q)
	if err != nil {
		return nil, err
	}
	money := make(map[string]Bucket, len(flows))
	for _, b := range flows {
		money[b.Currency] = b
	}
	out = make([]Bucket, len(all))
	for i, b := range all {
		m := money[b.Currency]
		out[i] = Bucket{Currency: b.Currency, Count: b.Count, Received: m.Received, Spent: m.Spent, Net: m.Received.Sub(m.Spent)}
	}
	return out, nil
}

// FlowsLine is the totals line's text: "in +£1,200.00 · out -£950.10 ·
// net +£249.90", one part per currency joined by " | "; masked hides the
// amounts (privacy mode), keeping the shape.
func FlowsLine(totals []Bucket, masked bool) string {
	money := func(a Amount, currency string) string {
		if masked {
			return MaskedMoney(currency)
		}
		return FormatSignedMoney(a, currency)
	}
	parts := make([]string, 0, len(totals))
	for _, b := range totals {
		parts = append(parts, "in "+money(b.Received, b.Currency)+" · out "+money(b.Spent.Neg(), b.Currency)+
			" · net "+money(b.Net, b.Currency))
	}
	return strings.Join(parts, " | ")
}
