package ledger

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// CashflowReport is income against spending month by month, per currency
// (transfers between the user's own accounts and card repayments left out,
// as in Flows).
type CashflowReport struct {
	From       time.Time          `json:"from"` // the first of the first month
	To         time.Time          `json:"to"`   // the first of the month after the last
	Currencies []CashflowCurrency `json:"currencies"`
}

// CashflowCurrency is one currency's months, oldest first, every month of
// the period listed (a month without rows has zeros), and their sums.
type CashflowCurrency struct {
	Currency string           `json:"currency"`
	Months   []CashflowMonth  `json:"months"`
	Income   truelayer.Amount `json:"income"`
	Spending truelayer.Amount `json:"spending"`
	Net      truelayer.Amount `json:"net"`
}

// CashflowMonth is one month: money in, money out (positive) and the net.
type CashflowMonth struct {
	Month    string           `json:"month"` // "2026-11"
	Income   truelayer.Amount `json:"income"`
	Spending truelayer.Amount `json:"spending"`
	Net      truelayer.Amount `json:"net"`
}

// Cashflow answers for the months of q's period (From and To, whole months
// in q.Location; see MonthsEnding).
func (s *Store) Cashflow(ctx context.Context, q TxQuery) (CashflowReport, error) {
	if q.From.IsZero() || q.To.IsZero() {
		return CashflowReport{}, fmt.Errorf("ledger: a cashflow report needs a period (From and To)")
	}
	buckets, err := s.SpendingByMonth(ctx, q)
	if err != nil {
		return CashflowReport{}, err
	}
	rep := CashflowReport{From: q.From, To: q.To}
	months := monthKeys(q.From, q.To, q.Location)
	byCur := map[string]map[string]Bucket{}
	for _, b := range buckets {
		if byCur[b.Currency] == nil {
			byCur[b.Currency] = map[string]Bucket{}
		}
		byCur[b.Currency][b.Key] = b
	}
	for cur, got := range byCur {
		c := CashflowCurrency{Currency: cur}
		for _, key := range months {
			b := got[key]
			c.Months = append(c.Months, CashflowMonth{Month: key, Income: b.Received, Spending: b.Spent, Net: b.Received.Sub(b.Spent)})
			c.Income, c.Spending = c.Income.Add(b.Received), c.Spending.Add(b.Spent)
		}
		c.Net = c.Income.Sub(c.Spending)
		rep.Currencies = append(rep.Currencies, c)
	}
	sort.Slice(rep.Currencies, func(i, j int) bool { return rep.Currencies[i].Currency < rep.Currencies[j].Currency })
	return rep, nil
}

// monthKeys lists the months ("2006-01") that [from, to) touches in loc.
func monthKeys(from, to time.Time, loc *time.Location) []string {
	if loc == nil {
		loc = time.UTC
	}
	f := from.In(loc)
	m := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, loc)
	var out []string
	for m.Before(to) {
		out = append(out, m.Format("2006-01"))
		m = m.AddDate(0, 1, 0)
	}
	return out
}
