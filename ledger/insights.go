package ledger

import (
	"context"
	"time"
)

// Insights is everything the TUI's insights pane shows for a period and a
// selection of accounts. Each part is the report banktui report prints for
// the same period and accounts (InsightsParts), so the two never disagree.
type Insights struct {
	Spending  FlowReport      `json:"spending"`  // by category, InsightsTop and other
	Merchants FlowReport      `json:"merchants"` // by merchant, InsightsTop and other
	Cashflow  CashflowReport  `json:"cashflow"`  // the CashflowMonths months ending with the period
	NetWorth  NetWorthReport  `json:"networth"`
	Recurring RecurringReport `json:"recurring"`
}

// InsightsTop is how many categories and merchants the insights show
// before folding the rest into "other".
const InsightsTop = 8

// CashflowMonths is how many months income against spending covers.
const CashflowMonths = 12

// CashflowPeriod is the CashflowMonths months ending with the last month
// of q's period (To exclusive), in q.Location.
func CashflowPeriod(q TxQuery) TxQuery {
	q.From, q.To = MonthsEnding(q.To.Add(-time.Nanosecond), CashflowMonths, q.Location)
	return q
}

// Insights reads the insights of q's period (From and To needed) and
// accounts (all when empty).
func (s *Store) Insights(ctx context.Context, q TxQuery) (Insights, error) {
	var in Insights
	var err error
	if in.Spending, err = s.Flows(ctx, FlowQuery{TxQuery: q, Direction: FlowSpending, By: ByCategory, Top: InsightsTop}); err != nil {
		return Insights{}, err
	}
	if in.Merchants, err = s.Flows(ctx, FlowQuery{TxQuery: q, Direction: FlowSpending, By: ByMerchant, Top: InsightsTop}); err != nil {
		return Insights{}, err
	}
	if in.Cashflow, err = s.Cashflow(ctx, CashflowPeriod(q)); err != nil {
		return Insights{}, err
	}
	if in.NetWorth, err = s.NetWorth(ctx, q); err != nil {
		return Insights{}, err
	}
	if in.Recurring, err = s.Recurring(ctx, q); err != nil {
		return Insights{}, err
	}
	return in, nil
}
