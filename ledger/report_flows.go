package ledger

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// Flows are where the money went (spending) or came from (income) in a
// period, grouped by category, payee or account, per currency, each group
// beside what it was in the period before. Money out of a row is spending
// and money in is income; both sides of a matched transfer between the
// user's own accounts, and card repayments, are neither (TransferPairs).
// The TUI's insights pane and banktui report read the same FlowReport.

// Directions of FlowQuery.
const (
	FlowSpending = "spending" // money out
	FlowIncome   = "income"   // money in
)

// Groupings of FlowQuery.By.
const (
	ByCategory = "category" // CategoryName
	ByMerchant = "merchant" // the merchant, else the description
	ByAccount  = "account"  // the account or card
)

// FlowQuery asks for one flow report.
type FlowQuery struct {
	// TxQuery selects the rows: accounts, From and To (the period; both
	// needed for the period before), Location, and any filter.
	TxQuery
	Direction string // FlowSpending or FlowIncome
	By        string // ByCategory, ByMerchant or ByAccount
	// Top keeps the Top biggest groups of each currency and folds the rest
	// into one "other" item; 0 keeps every group.
	Top int
}

// FlowReport is a FlowQuery's answer.
type FlowReport struct {
	Direction string    `json:"direction"`
	By        string    `json:"by"`
	From      time.Time `json:"from"` // the period, To exclusive
	To        time.Time `json:"to"`
	// PreviousFrom and PreviousTo are the period before, as long (in
	// months when the period is whole months).
	PreviousFrom time.Time      `json:"previous_from"`
	PreviousTo   time.Time      `json:"previous_to"`
	Currencies   []FlowCurrency `json:"currencies"`
}

// FlowCurrency is a flow report in one currency.
type FlowCurrency struct {
	Currency string           `json:"currency"`
	Total    truelayer.Amount `json:"total"` // positive
	Count    int              `json:"count"`
	Previous truelayer.Amount `json:"previous_total"`
	Items    []FlowItem       `json:"items"`
}

// FlowItem is one group: biggest first, then any that were only in the
// period before (Amount 0), then "other".
type FlowItem struct {
	// Key is the category name, the payee (the merchant, else the
	// description without digits), or the account id; "" for other.
	Key string `json:"key"`
	// Label is what to show: the key, an account's display name, or
	// "Other (N)" (bank text: sanitise to show it).
	Label    string           `json:"label"`
	Amount   truelayer.Amount `json:"amount"` // positive
	Count    int              `json:"count"`
	Share    float64          `json:"share"` // of the currency's Total, 0 to 1
	Previous truelayer.Amount `json:"previous"`
	// Other: the groups beyond Top, folded.
	Other bool `json:"other,omitempty"`
}

// Change is Amount minus Previous.
func (i FlowItem) Change() truelayer.Amount { return i.Amount.Sub(i.Previous) }

// Flows answers q: its period's groups and the period before.
func (s *Store) Flows(ctx context.Context, q FlowQuery) (FlowReport, error) {
	if q.From.IsZero() || q.To.IsZero() {
		return FlowReport{}, fmt.Errorf("ledger: a flow report needs a period (From and To)")
	}
	group, ok := map[string]grouping{ByCategory: groupCategory, ByMerchant: groupPayee, ByAccount: groupAccount}[q.By]
	if !ok {
		return FlowReport{}, fmt.Errorf("ledger: no grouping %q (category, merchant or account)", q.By)
	}
	if q.Direction != FlowSpending && q.Direction != FlowIncome {
		return FlowReport{}, fmt.Errorf("ledger: no direction %q (spending or income)", q.Direction)
	}
	rep := FlowReport{Direction: q.Direction, By: q.By, From: q.From, To: q.To}
	rep.PreviousFrom, rep.PreviousTo = PreviousPeriod(q.From, q.To, q.Location)
	cur, err := s.buckets(ctx, q.TxQuery, group)
	if err != nil {
		return FlowReport{}, err
	}
	pq := q.TxQuery
	pq.From, pq.To = rep.PreviousFrom, rep.PreviousTo
	prev, err := s.buckets(ctx, pq, group)
	if err != nil {
		return FlowReport{}, err
	}
	var labels map[string]string
	if q.By == ByAccount {
		var ids map[string]string
		if ids, labels, err = s.accountNames(ctx); err != nil {
			return FlowReport{}, err
		}
		for _, bs := range [][]Bucket{cur, prev} {
			for i := range bs {
				bs[i].Key = ids[bs[i].Key]
			}
		}
	}
	rep.Currencies = flowCurrencies(cur, prev, q.Direction == FlowIncome, labels)
	for i := range rep.Currencies {
		rep.Currencies[i].Items = foldTop(rep.Currencies[i].Items, q.Top)
	}
	return rep, nil
}

// payeeExpr is who a row paid or was paid by: the merchant, else the
// description without its digits (the references and store numbers that
// make "NATIONWIDE BS 1234" and "NATIONWIDE BS 5678" two payees).
var payeeExpr = payeeSQL("t.")

// payeeSQL is payeeExpr on the columns of a table aliased prefix. The index
// transactions_payee is built on payeeSQL(""): changing it needs a
// migration (a query uses the index only when its expression is the same).
func payeeSQL(prefix string) string {
	desc := prefix + "description"
	for d := '0'; d <= '9'; d++ {
		desc = "replace(" + desc + ", '" + string(d) + "', '')"
	}
	desc = "trim(replace(replace(" + desc + ", '   ', ' '), '  ', ' '))"
	return "(CASE WHEN " + prefix + "merchant <> '' THEN " + prefix + "merchant ELSE " + desc + " END)"
}

// flowCurrencies turns the buckets of the period and the period before into
// items per currency, biggest first.
func flowCurrencies(cur, prev []Bucket, income bool, labels map[string]string) []FlowCurrency {
	side := func(b Bucket) (truelayer.Amount, int) {
		if income {
			return b.Received, b.CountIn
		}
		return b.Spent, b.CountOut
	}
	byCur := map[string]*FlowCurrency{}
	index := map[[2]string]int{}
	get := func(currency string) *FlowCurrency {
		c := byCur[currency]
		if c == nil {
			c = &FlowCurrency{Currency: currency}
			byCur[currency] = c
		}
		return c
	}
	for _, b := range cur {
		amount, n := side(b)
		if n == 0 {
			continue
		}
		c := get(b.Currency)
		c.Total, c.Count = c.Total.Add(amount), c.Count+n
		index[[2]string{b.Currency, b.Key}] = len(c.Items)
		c.Items = append(c.Items, FlowItem{Key: b.Key, Label: labelOf(b.Key, labels), Amount: amount, Count: n})
	}
	for _, b := range prev {
		amount, n := side(b)
		if n == 0 {
			continue
		}
		c := get(b.Currency)
		c.Previous = c.Previous.Add(amount)
		if i, ok := index[[2]string{b.Currency, b.Key}]; ok {
			c.Items[i].Previous = amount
			continue
		}
		c.Items = append(c.Items, FlowItem{Key: b.Key, Label: labelOf(b.Key, labels), Previous: amount})
	}
	out := make([]FlowCurrency, 0, len(byCur))
	for _, c := range byCur {
		for i := range c.Items {
			c.Items[i].Share = share(c.Items[i].Amount, c.Total)
		}
		sort.SliceStable(c.Items, func(i, j int) bool { return flowLess(c.Items[i], c.Items[j]) })
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}

func labelOf(key string, labels map[string]string) string {
	if l, ok := labels[key]; ok {
		return l
	}
	return key
}

// flowLess orders items biggest first, then by what they were before, then by key.
func flowLess(a, b FlowItem) bool {
	if c := a.Amount.Cmp(b.Amount); c != 0 {
		return c > 0
	}
	if c := a.Previous.Cmp(b.Previous); c != 0 {
		return c > 0
	}
	return a.Key < b.Key
}

// share is part/total as a fraction, 0 when total is 0.
func share(part, total truelayer.Amount) float64 {
	if total.Sign() == 0 {
		return 0
	}
	f, _ := part.Decimal().Div(total.Decimal()).Float64()
	return f
}

// foldTop keeps the first top items (sorted by flowLess) and folds the rest
// into one "Other (N)" item; top <= 0 keeps them all.
func foldTop(items []FlowItem, top int) []FlowItem {
	if top <= 0 || len(items) <= top+1 {
		return items
	}
	kept, rest := items[:top:top], items[top:]
	other := FlowItem{Other: true, Label: fmt.Sprintf("Other (%d)", len(rest))}
	total := truelayer.Amount{}
	for _, it := range items {
		total = total.Add(it.Amount)
	}
	for _, it := range rest {
		other.Amount = other.Amount.Add(it.Amount)
		other.Previous = other.Previous.Add(it.Previous)
		other.Count += it.Count
	}
	other.Share = share(other.Amount, total)
	return append(kept, other)
}

// accountNames maps account row ids (as ByAccount groups them) to account
// ids, and account ids to display names.
func (s *Store) accountNames(ctx context.Context) (ids, names map[string]string, err error) {
	rows, err := s.db.QueryContext(ctx, "SELECT rid, id, display_name FROM accounts")
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: accounts: %w", err)
	}
	defer rows.Close()
	ids, names = map[string]string{}, map[string]string{}
	for rows.Next() {
		var rid, id, name string
		if err := rows.Scan(&rid, &id, &name); err != nil {
			return nil, nil, err
		}
		ids[rid], names[id] = id, name
	}
	return ids, names, rows.Err()
}

// PreviousPeriod is the period just before [from, to): as many whole
// months when both are the first of a month in loc, else as long.
func PreviousPeriod(from, to time.Time, loc *time.Location) (time.Time, time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	f, t := from.In(loc), to.In(loc)
	if isMonthStart(f) && isMonthStart(t) {
		months := (t.Year()-f.Year())*12 + int(t.Month()-f.Month())
		return f.AddDate(0, -months, 0), from
	}
	return from.Add(-to.Sub(from)), from
}

func isMonthStart(t time.Time) bool {
	h, m, s := t.Clock()
	return t.Day() == 1 && h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0
}

// MonthsEnding is the period of n months ending with the month of t, in
// loc: from the first of the first month to the first of the month after.
func MonthsEnding(t time.Time, n int, loc *time.Location) (from, to time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	to = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, loc)
	return to.AddDate(0, -max(n, 1), 0), to
}
