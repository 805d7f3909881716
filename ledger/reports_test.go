package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/banktui/banktui/truelayer"
)

// reportRows: October and November 2026 in the transfer env: spending,
// income, a transfer to savings and a card repayment (both matched), and
// euros.
func reportRows(t *testing.T) *Store {
	t.Helper()
	st := transferEnv(t)
	groc := []string{"Shopping", "Groceries"}
	coffee := []string{"Food & Dining", "Coffee shops"}
	mk := func(id, at, amount, desc, merchant, cat string, class ...string) truelayer.Transaction {
		return mkTx(id, at, amount, desc, merchant, cat, class...)
	}
	commitAndMatch(t, st, map[string][]truelayer.Transaction{
		"cur": {
			mk("o1", "2026-10-03T10:00:00Z", "-40.00", "TESCO 1", "Tesco", "PURCHASE", groc...),
			mk("o2", "2026-10-05T10:00:00Z", "-3.00", "PRET 77", "", "PURCHASE", coffee...),
			mk("n1", "2026-11-02T10:00:00Z", "-60.00", "TESCO 2", "Tesco", "PURCHASE", groc...),
			mk("n2", "2026-11-04T10:00:00Z", "-20.00", "LIDL 9", "Lidl", "PURCHASE", groc...),
			mk("n3", "2026-11-06T10:00:00Z", "-5.00", "PRET 81", "", "PURCHASE", coffee...),
			mk("n4", "2026-11-07T10:00:00Z", "-1.50", "PRET 82", "", "PURCHASE", coffee...),
			mk("n5", "2026-11-10T09:00:00Z", "-900.00", "HARLOW RENT", "Harlow Lettings", "STANDING_ORDER", "Home", "Rent"),
			mk("n6", "2026-11-25T06:00:00Z", "2500.00", "ACME SALARY", "", "CREDIT", "Income", "Salary"),
			mk("n7", "2026-11-26T07:00:00Z", "-300.00", "TO HOLIDAY POT", "", "TRANSFER", "Transfer"),
			mk("n8", "2026-11-24T05:00:00Z", "-120.00", "VISA PAYMENT", "", "DIRECT_DEBIT", "Bills and Utilities", "Credit card payment"),
		},
		"sav":  {mk("s1", "2026-11-26T07:01:00Z", "300.00", "FROM EVERYDAY", "", "TRANSFER", "Transfer")},
		"card": {mk("c1", "2026-11-24T10:00:00Z", "120.00", "PAYMENT RECEIVED", "", "CREDIT", "Bills and Utilities", "Credit card payment")},
		"eur":  {txAt("e1", "2026-11-12T12:00:00Z", "-30.00", "EUR", "CAFE DE FLORE", "PURCHASE", coffee...)},
	}, nil)
	return st
}

var (
	october  = TxQuery{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	november = TxQuery{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
)

// flowLine is an item as "label amount (count) share% was previous".
func flowLines(c FlowCurrency) []string {
	var out []string
	for _, it := range c.Items {
		out = append(out, fmt.Sprintf("%s %s (%d) %.1f%% was %s", it.Label, it.Amount.StringFixed(2), it.Count, 100*it.Share, it.Previous.StringFixed(2)))
	}
	return out
}

func TestFlowsSpendingIncomeAndTransfersLeftOut(t *testing.T) {
	st := reportRows(t)
	ctx := context.Background()
	rep, err := st.Flows(ctx, FlowQuery{TxQuery: november, Direction: FlowSpending, By: ByCategory})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Currencies) != 2 || rep.Currencies[0].Currency != "EUR" || rep.Currencies[1].Currency != "GBP" {
		t.Fatalf("currencies %+v", rep.Currencies)
	}
	gbp := rep.Currencies[1]
	// 60 + 20 + 5 + 1.50 + 900; the transfer to savings and the card
	// repayment are neither spending nor income.
	if !gbp.Total.Equal(amt("986.50")) || gbp.Count != 5 || !gbp.Previous.Equal(amt("43")) {
		t.Errorf("GBP total %s (%d rows), previous %s", gbp.Total, gbp.Count, gbp.Previous)
	}
	want := []string{
		"Home / Rent 900.00 (1) 91.2% was 0.00",
		"Shopping / Groceries 80.00 (2) 8.1% was 40.00",
		"Food & Dining / Coffee shops 6.50 (2) 0.7% was 3.00",
	}
	if got := flowLines(gbp); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("GBP by category:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !rep.PreviousFrom.Equal(october.From) || !rep.PreviousTo.Equal(october.To) {
		t.Errorf("previous period %s to %s", rep.PreviousFrom, rep.PreviousTo)
	}
	if eur := rep.Currencies[0]; !eur.Total.Equal(amt("30")) || len(eur.Items) != 1 {
		t.Errorf("EUR %+v", eur)
	}

	// Top 1 folds the rest; by merchant the payee is the merchant, else the
	// description without its digits.
	rep, err = st.Flows(ctx, FlowQuery{TxQuery: november, Direction: FlowSpending, By: ByMerchant, Top: 1})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"Harlow Lettings 900.00 (1) 91.2% was 0.00", "Other (3) 86.50 (4) 8.8% was 43.00"}
	if got := flowLines(rep.Currencies[1]); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("GBP by merchant, top 1:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	rep, err = st.Flows(ctx, FlowQuery{TxQuery: november, Direction: FlowSpending, By: ByMerchant})
	if err != nil {
		t.Fatal(err)
	}
	if items := rep.Currencies[1].Items; items[3].Key != "PRET" || items[3].Count != 2 || !items[3].Previous.Equal(amt("3")) {
		t.Errorf("coffee at PRET: %+v", items)
	}

	// Income by account: the salary only.
	rep, err = st.Flows(ctx, FlowQuery{TxQuery: november, Direction: FlowIncome, By: ByAccount})
	if err != nil {
		t.Fatal(err)
	}
	if got := flowLines(rep.Currencies[0]); len(rep.Currencies) != 1 || strings.Join(got, "|") != "Everyday 2500.00 (1) 100.0% was 0.00" {
		t.Errorf("income by account: %+v", rep.Currencies)
	}
	if _, err := st.Flows(ctx, FlowQuery{TxQuery: november, Direction: FlowSpending, By: "payee"}); err == nil {
		t.Error("an unknown grouping is accepted")
	}
}

func TestCashflowListsEveryMonth(t *testing.T) {
	st := reportRows(t)
	q := CashflowPeriod(TxQuery{To: november.To, AccountIDs: []string{"cur", "sav", "card"}})
	rep, err := st.Cashflow(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Currencies) != 1 || len(rep.Currencies[0].Months) != CashflowMonths {
		t.Fatalf("%+v", rep)
	}
	c := rep.Currencies[0]
	if m := c.Months[0]; m.Month != "2025-12" || !m.Income.IsZero() || !m.Spending.IsZero() {
		t.Errorf("first month %+v", m)
	}
	last := c.Months[11]
	if last.Month != "2026-11" || !last.Income.Equal(amt("2500")) || !last.Spending.Equal(amt("986.50")) || !last.Net.Equal(amt("1513.50")) {
		t.Errorf("November %+v", last)
	}
	if !c.Spending.Equal(amt("1029.50")) || !c.Net.Equal(amt("1470.50")) {
		t.Errorf("year: spent %s, net %s", c.Spending, c.Net)
	}
}

// TestSummaryFollowsWritesAndZones: a report after a write sees it, and a
// report in another zone puts a late-evening row in its local month.
func TestSummaryFollowsWritesAndZones(t *testing.T) {
	st := reportRows(t)
	ctx := context.Background()
	total := func(q TxQuery) string {
		t.Helper()
		rep, err := st.Flows(ctx, FlowQuery{TxQuery: q, Direction: FlowSpending, By: ByCategory})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range rep.Currencies {
			if c.Currency == "GBP" {
				return c.Total.StringFixed(2)
			}
		}
		return "0.00"
	}
	if got := total(october); got != "43.00" {
		t.Fatalf("October %s", got)
	}
	// 23:30 UTC on 31 October is November in Athens (UTC+2).
	late := mkTx("late", "2026-10-31T23:30:00Z", "-7.00", "CORNER SHOP", "", "PURCHASE")
	if _, _, err := st.commitAccount(ctx, "cur", accountBatch{Settled: []truelayer.Transaction{late}}); err != nil {
		t.Fatal(err)
	}
	if got := total(october); got != "50.00" {
		t.Errorf("October after a new row: %s, want 50.00", got)
	}
	athens, err := time.LoadLocation("Europe/Athens")
	if err != nil {
		t.Fatal(err)
	}
	nov := TxQuery{Location: athens, From: time.Date(2026, 11, 1, 0, 0, 0, 0, athens), To: time.Date(2026, 12, 1, 0, 0, 0, 0, athens)}
	if got := total(nov); got != "993.50" {
		t.Errorf("November in Athens: %s, want 993.50", got)
	}
	if got := total(october); got != "50.00" {
		t.Errorf("October in UTC again: %s", got)
	}
	// A changed amount and a deleted row.
	if _, err := st.db.ExecContext(ctx, "UPDATE transactions SET amount = '-10.00', amount_micro = -10000000 WHERE tx_id = 'late'"); err != nil {
		t.Fatal(err)
	}
	if got := total(october); got != "53.00" {
		t.Errorf("October after a change: %s", got)
	}
	if _, err := st.db.ExecContext(ctx, "DELETE FROM transactions WHERE tx_id = 'o1'"); err != nil {
		t.Fatal(err)
	}
	if got := total(october); got != "13.00" {
		t.Errorf("October after a delete: %s", got)
	}
}

// TestSummaryAnswersAsTheRowsDo: on the demo bank, every month's spending
// and income by category, payee and account read from the summary equal
// the sums of the rows (a query the summary cannot answer: an amount bound
// that lets every row through).
func TestSummaryAnswersAsTheRowsDo(t *testing.T) {
	t.Parallel()
	e, _, _, _ := newSyncedEnv(t)
	ctx := context.Background()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	everything := decimal.New(-1, 12)
	for m := 0; m < 14; m++ {
		from, to := MonthsEnding(demoNow.AddDate(0, -m, 0), 1, london)
		for _, g := range []grouping{groupCategory, groupPayee, groupAccount, groupMonth} {
			q := TxQuery{From: from, To: to, Location: london}
			fast, err := e.st.buckets(ctx, q, g)
			if err != nil {
				t.Fatal(err)
			}
			q.MinAmount = &everything
			if summaryQuery(q) {
				t.Fatal("the rows' query is answered by the summary")
			}
			slow, err := e.st.buckets(ctx, q, g)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := bucketText(fast), bucketText(slow); a != b || len(fast) == 0 {
				t.Errorf("%s, grouping %d:\nsummary %s\nrows    %s", from.Format("2006-01"), g, a, b)
			}
		}
	}
}

func bucketText(bs []Bucket) string {
	m := map[string]string{}
	for _, b := range bs {
		m[b.Key+"|"+b.Currency] = fmt.Sprintf("%d/%d/%d %s %s", b.Count, b.CountOut, b.CountIn, b.Spent.StringFixed(2), b.Received.StringFixed(2))
	}
	out, _ := json.Marshal(m)
	return string(out)
}

func TestNetWorthWalksBackFromTheLatestBalance(t *testing.T) {
	st := reportRows(t)
	ctx := context.Background()
	st.now = func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }
	for id, cur := range map[string]string{"cur": "1500.00", "sav": "5300.00", "card": "80.00"} {
		if err := st.saveBalance(ctx, id, balanceRecord{Currency: "GBP", Current: amt(cur), Available: amt(cur), Raw: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	// A row after the balance was fetched counts from it on.
	after := mkTx("later", "2026-11-28T15:00:00Z", "-10.00", "LATE COFFEE", "", "PURCHASE")
	if _, _, err := st.commitAccount(ctx, "cur", accountBatch{Settled: []truelayer.Transaction{after}}); err != nil {
		t.Fatal(err)
	}
	rep, err := st.NetWorth(ctx, november)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Step != StepDay || len(rep.Accounts) != 3 || len(rep.Totals) != 1 {
		t.Fatalf("%s, %d accounts (the EUR one has no balance), %d totals", rep.Step, len(rep.Accounts), len(rep.Totals))
	}
	points := func(s BalanceSeries) map[string]string {
		m := map[string]string{}
		for _, p := range s.Points {
			m[p.Date] = p.Balance.StringFixed(2)
		}
		return m
	}
	cur, sav, card := points(rep.Accounts[0]), points(rep.Accounts[1]), points(rep.Accounts[2])
	// Current: 1500 when fetched and 10 more went later today; 300 went to
	// savings on the 26th, the salary came on the 25th, and so back.
	for day, want := range map[string]string{"2026-11-28": "1490.00", "2026-11-27": "1500.00", "2026-11-25": "1800.00", "2026-11-24": "-700.00", "2026-11-01": "406.50"} {
		if cur[day] != want {
			t.Errorf("current on %s: %s, want %s", day, cur[day], want)
		}
	}
	if len(rep.Accounts[0].Points) != 28 || rep.Accounts[0].Points[0].Date != "2026-11-01" {
		t.Errorf("points %d from %s: one per day to today", len(rep.Accounts[0].Points), rep.Accounts[0].Points[0].Date)
	}
	// Before an account's oldest stored row nothing is known of it.
	if len(sav) != 3 || sav["2026-11-26"] != "5300.00" {
		t.Errorf("savings %v", sav)
	}
	// The card owes 80: -80.
	if len(card) != 5 || card["2026-11-24"] != "-80.00" {
		t.Errorf("card %v", card)
	}
	total := points(rep.Totals[0])
	if total["2026-11-28"] != "6710.00" || total["2026-11-24"] != "-780.00" || total["2026-11-23"] != "-580.00" {
		t.Errorf("net worth %v", total)
	}
	// A year steps by month, from the month of each account's oldest row.
	year := TxQuery{From: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), To: november.To}
	rep, err = st.NetWorth(ctx, year)
	if err != nil {
		t.Fatal(err)
	}
	if got := points(rep.Accounts[0]); rep.Step != StepMonth || len(got) != 2 || got["2026-10"] != "406.50" || got["2026-11"] != "1490.00" {
		t.Errorf("by month (%s): %v", rep.Step, got)
	}
}

func TestRecurringPayments(t *testing.T) {
	st := transferEnv(t)
	ctx := context.Background()
	st.now = func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }
	var rows []truelayer.Transaction
	for i := range 8 {
		month := time.Date(2026, time.Month(4+i), 1, 0, 0, 0, 0, time.UTC)
		day := func(d int, h int) string {
			return month.AddDate(0, 0, d-1).Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
		}
		rows = append(rows,
			mkTx(fmt.Sprintf("nf%d", i), day(14, 3), "-10.99", "NETFLIX.COM", "Netflix", "PURCHASE", "Entertainment"),
			mkTx(fmt.Sprintf("en%d", i), day(12, 5), []string{"-96.00", "-96.00", "-96.00", "-96.00", "-96.00", "-96.00", "-96.00", "-138.00"}[i], "OCTOPUS ENERGY A-1", "", "DIRECT_DEBIT", "Bills and Utilities", "Utilities"),
			mkTx(fmt.Sprintf("ts%d", i), day(2+3*i, 12), fmt.Sprintf("-%d.00", 5+13*i), "TESCO 1", "Tesco", "PURCHASE", "Shopping", "Groceries"),
			mkTx(fmt.Sprintf("gy%d", i), day(5, 5), "-24.99", "PUREGYM", "PureGym", "DIRECT_DEBIT", "Health"),
		)
	}
	// Weekly, and a gym cancelled in August.
	for i := range 10 {
		rows = append(rows, mkTx(fmt.Sprintf("wk%d", i), time.Date(2026, 9, 21, 8, 0, 0, 0, time.UTC).AddDate(0, 0, 7*i).Format(time.RFC3339), "-4.00", "CLEANER", "Sparkle", "PURCHASE"))
	}
	rows = keep(rows, func(x truelayer.Transaction) bool {
		return !(strings.HasPrefix(x.TransactionID, "gy") && x.Timestamp.Time.Month() > time.August)
	})
	if _, _, err := st.commitAccount(ctx, "cur", accountBatch{Settled: rows}); err != nil {
		t.Fatal(err)
	}
	next, prev := amt("950"), amt("950")
	so, _ := json.Marshal(truelayer.StandingOrder{Frequency: "IntrvlMnthDay:01:01", Status: "Active", Currency: "GBP",
		Payee: "HARLOW LETTINGS", NextPaymentDate: truelayer.NewTimestamp(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)),
		NextPaymentAmount: &next, PreviousPaymentAmount: &prev})
	dd, _ := json.Marshal(truelayer.DirectDebit{Name: "OCTOPUS ENERGY", Status: "Active", Currency: "GBP", PreviousPaymentAmount: &prev})
	gone, _ := json.Marshal(truelayer.DirectDebit{Name: "OLD INSURER", Status: "Inactive", Currency: "GBP"})
	if err := st.write(ctx, func(tx *sql.Tx) error {
		if err := replaceRawList(ctx, tx, "standing_orders", 1, [][]byte{so}); err != nil {
			return err
		}
		return replaceRawList(ctx, tx, "direct_debits", 1, [][]byte{dd, gone})
	}); err != nil {
		t.Fatal(err)
	}
	rep, err := st.Recurring(ctx, TxQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range rep.Payments {
		got = append(got, fmt.Sprintf("%s %s %s %s last %s next %s monthly %s (%d)", p.Source, p.Payee, p.Amount.StringFixed(2), p.Interval, p.Last, p.Next, p.MonthlyCost.StringFixed(2), p.Count))
	}
	want := []string{
		"detected Sparkle 4.00 weekly last 2026-11-23 next 2026-11-30 monthly 17.33 (10)",
		"standing_order HARLOW LETTINGS 950.00 monthly last  next 2026-12-01 monthly 950.00 (0)",
		"direct_debit OCTOPUS ENERGY 138.00 monthly last 2026-11-12 next 2026-12-12 monthly 138.00 (8)",
		"detected Netflix 10.99 monthly last 2026-11-14 next 2026-12-14 monthly 10.99 (8)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("recurring:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(rep.Monthly) != 1 || !rep.Monthly[0].Amount.Equal(amt("1116.32")) {
		t.Errorf("monthly %+v", rep.Monthly)
	}
}

func keep[T any](xs []T, ok func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if ok(x) {
			out = append(out, x)
		}
	}
	return out
}

func TestPreviousPeriodAndMonths(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	from, to := MonthsEnding(time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC), 12, london) // 1 April in London
	if from.Format(time.RFC3339) != "2025-05-01T00:00:00+01:00" || to.Format(time.RFC3339) != "2026-05-01T00:00:00+01:00" {
		t.Errorf("12 months ending April 2026 in London: %s to %s", from, to)
	}
	pf, pt := PreviousPeriod(from, to, london)
	if pf.Format(time.RFC3339) != "2024-05-01T00:00:00+01:00" || !pt.Equal(from) {
		t.Errorf("the year before: %s to %s", pf, pt)
	}
	a, b := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC)
	if pf, pt := PreviousPeriod(a, b, time.UTC); !pf.Equal(time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)) || !pt.Equal(a) {
		t.Errorf("ten days before: %s to %s", pf, pt)
	}
}

// TestFlowTotalsAgreeWithTheRows: FlowTotals counts every row and sums the
// money of all but matched transfers, from the per-day totals (whole and
// part days, one pass) or from the rows a filter matches.
func TestFlowTotalsAgreeWithTheRows(t *testing.T) {
	st := reportRows(t)
	ctx := context.Background()
	at := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
	london, _ := time.LoadLocation("Europe/London")
	cases := map[string]TxQuery{
		"all":           {},
		"november":      november,
		"part days":     {From: at(2, 12), To: at(26, 7)},
		"within a day":  {From: at(26, 6), To: at(26, 8)},
		"one account":   {AccountIDs: []string{"cur"}, From: at(20, 0), Location: london},
		"settled":       {Pending: PendingExclude, To: at(25, 0)},
		"filtered":      {Terms: TxTerms{Words: []string{"pay"}}},
		"filtered days": {Terms: TxTerms{Words: []string{"tesco"}}, From: at(1, 0)},
	}
	for name, q := range cases {
		got, err := st.FlowTotals(ctx, q)
		if err != nil {
			t.Fatal(name, err)
		}
		views, err := st.Transactions(ctx, q)
		if err != nil {
			t.Fatal(name, err)
		}
		want := map[string]*Bucket{}
		for _, v := range views {
			b := want[v.Currency]
			if b == nil {
				b = &Bucket{Currency: v.Currency}
				want[v.Currency] = b
			}
			b.Count++
			if v.TransferKind != "" {
				continue
			}
			if v.Amount.Sign() > 0 {
				b.Received = b.Received.Add(v.Amount)
			} else {
				b.Spent = b.Spent.Sub(v.Amount)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d currencies, want %d", name, len(got), len(want))
		}
		for _, b := range got {
			w := want[b.Currency]
			if w == nil || b.Count != w.Count || !b.Received.Equal(w.Received) || !b.Spent.Equal(w.Spent) || !b.Net.Equal(w.Received.Sub(w.Spent)) {
				t.Errorf("%s %s: %d in %s out %s net %s, want %+v", name, b.Currency, b.Count, b.Received, b.Spent, b.Net, w)
			}
		}
	}
}
