package ledger

import (
	"context"
	"testing"
	"time"
)

// TestReportsCountWhatTheTotalsCount: the accounts of a logged-out
// connection, and those the bank no longer lists, leave the reports over
// every account as they leave balance's totals (AccountView.Counts); net
// worth today is the totals; naming such an account still reads its
// history.
func TestReportsCountWhatTheTotalsCount(t *testing.T) {
	t.Parallel()
	e, north, _, castle := newSyncedEnv(t)
	st, ctx := e.st, context.Background()
	st.now = demoClock
	if err := st.MarkDisconnected(ctx, north); err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.ExecContext(ctx, "UPDATE accounts SET gone = 1 WHERE connection_id = ? AND kind = ?", castle, KindAccount); err != nil {
		t.Fatal(err)
	}
	views, err := st.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	counted, left := map[string]bool{}, map[string]bool{}
	for _, v := range views {
		if v.Counts() {
			counted[v.ID] = true
		} else {
			left[v.ID] = true
		}
	}
	if len(counted) == 0 || len(left) < 3 {
		t.Fatalf("%d accounts count, %d do not: the test needs both", len(counted), len(left))
	}
	from, to := MonthsEnding(demoNow.AddDate(0, -1, 0), 1, time.UTC)
	q := TxQuery{From: from, To: to, Location: time.UTC}
	for _, dir := range []string{FlowSpending, FlowIncome} {
		rep, err := st.Flows(ctx, FlowQuery{TxQuery: q, Direction: dir, By: ByAccount})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range rep.Currencies {
			for _, it := range c.Items {
				if !counted[it.Key] {
					t.Errorf("%s of %s counted in the reports over every account", dir, it.Key)
				}
			}
		}
	}
	totals, err := st.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nw, err := st.NetWorth(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range nw.Accounts {
		if !counted[a.AccountID] {
			t.Errorf("net worth counts %s", a.AccountID)
		}
	}
	if len(totals) != len(nw.Totals) {
		t.Fatalf("totals %+v, net worth in %d currencies", totals, len(nw.Totals))
	}
	// Net worth to today, so its last point is now.
	nw, err = st.NetWorth(ctx, TxQuery{From: from, To: demoNow.AddDate(0, 0, 1), Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	for i, tot := range totals {
		if got := nw.Totals[i].Last(); nw.Totals[i].Currency != tot.Currency || !got.Equal(tot.Total) {
			t.Errorf("net worth today %s %s, balance's total %s %s", nw.Totals[i].Currency, got, tot.Currency, tot.Total)
		}
	}
	rec, err := st.Recurring(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rec.Payments {
		if !counted[p.AccountID] {
			t.Errorf("recurring payment %s of %s", p.Payee, p.AccountID)
		}
	}
	for id := range left {
		named := q
		named.AccountIDs = []string{id}
		cash, err := st.Cashflow(ctx, named)
		if err != nil {
			t.Fatal(err)
		}
		if len(cash.Currencies) == 0 || cash.Currencies[0].Spending.Add(cash.Currencies[0].Income).Sign() == 0 {
			t.Errorf("naming %s reads none of its history: %+v", id, cash.Currencies)
		}
	}
}

// TestReportsOverNoAccountThatCounts: every connection logged out, the
// reports over every account are empty, as the totals are.
func TestReportsOverNoAccountThatCounts(t *testing.T) {
	t.Parallel()
	st := reportRows(t)
	ctx := context.Background()
	if _, err := st.db.ExecContext(ctx, "UPDATE accounts SET gone = 1"); err != nil {
		t.Fatal(err)
	}
	rep, err := st.Flows(ctx, FlowQuery{TxQuery: november, Direction: FlowSpending, By: ByCategory})
	if err != nil || len(rep.Currencies) != 0 {
		t.Errorf("spending %+v, %v", rep.Currencies, err)
	}
	nw, err := st.NetWorth(ctx, november)
	if err != nil || len(nw.Accounts) != 0 || len(nw.Totals) != 0 {
		t.Errorf("net worth %+v, %v", nw, err)
	}
}
