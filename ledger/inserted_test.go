package ledger

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// Rows inserted by a sync's windows and by its pending set, then changed,
// deleted (a pending row that settled) and through transfer matching, leave the
// days, the report's dirty months, the transfers to match and the
// full-text index as if each row had been added one by one.
func TestNoteInsertedKeepsWhatRowsFeed(t *testing.T) {
	st := openTest(t)
	seed(t, st)
	ctx := context.Background()
	st.now = func() time.Time { return time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC) }
	first := accountBatch{
		Settled: []truelayer.Transaction{
			mkTx("t1", "2026-09-30T23:00:00Z", "-3.20", "PRET A MANGER", "Pret A Manger", "PURCHASE"),
			mkTx("t2", "2026-10-02T00:00:00Z", "-45.67", "TESCO STORES", "Tesco", "PURCHASE"),
			mkTx("t3", "2026-10-02T09:00:00Z", "2410.00", "SALARY", "", "CREDIT"),
			mkTx("t4", "2026-11-01T00:00:00Z", "-0.0000001", "ROUNDING", "", "FEE_CHARGE"),
		},
		Pending:        []truelayer.Transaction{mkTx("p1", "2026-11-04T00:00:00Z", "-9.99", "NETFLIX.COM", "Netflix", "PURCHASE")},
		PendingFetched: true,
	}
	if _, _, err := st.commitAccount(ctx, "acc-1", first); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.commitAccount(ctx, "card-1", accountBatch{Settled: []truelayer.Transaction{
		mkTx("c1", "2026-10-02T10:00:00Z", "45.67", "PAYMENT RECEIVED", "", "CREDIT"),
	}, PendingFetched: true}); err != nil {
		t.Fatal(err)
	}
	wantTodo := []int64{1, 2, 3, 4, 5, 6}
	if todo := column[int64](t, st, "SELECT rid FROM transfer_todo ORDER BY rid"); !slices.Equal(todo, wantTodo) {
		t.Errorf("transfers to match %v, want every row %v", todo, wantTodo)
	}
	if dirty := column[string](t, st, "SELECT month FROM report_dirty ORDER BY month"); !slices.Equal(dirty, []string{"2026-09", "2026-10", "2026-11"}) {
		t.Errorf("report months to refresh %v, want those of the settled rows", dirty)
	}
	if _, err := st.MatchTransfers(ctx); err != nil {
		t.Fatal(err)
	}
	// The pending row settles; a settled row changes; a new one arrives.
	st.now = func() time.Time { return time.Date(2026, 11, 6, 12, 0, 0, 0, time.UTC) }
	second := accountBatch{
		Settled: []truelayer.Transaction{
			mkTx("t2", "2026-10-03T00:00:00Z", "-45.67", "TESCO STORES", "Tesco", "PURCHASE"),
			mkTx("t5", "2026-11-05T00:00:00Z", "-9.99", "NETFLIX.COM", "Netflix", "PURCHASE"),
		},
		Pending:        []truelayer.Transaction{mkTx("p2", "2026-11-06T00:00:00Z", "-1.50", "GREGGS", "Greggs", "PURCHASE")},
		PendingFetched: true,
	}
	if _, _, err := st.commitAccount(ctx, "acc-1", second); err != nil {
		t.Fatal(err)
	}
	if _, err := st.MatchTransfers(ctx); err != nil {
		t.Fatal(err)
	}
	days, want, err := daysAndRecount(st)
	if err != nil || !slices.Equal(days, want) {
		t.Errorf("days %q, recounted from the rows %q (%v)", days, want, err)
	}
	if err := st.Check(ctx); err != nil {
		t.Errorf("Check after the syncs: %v", err)
	}
	var found int
	if err := st.db.QueryRow("SELECT count(*) FROM tx_fts WHERE tx_fts MATCH 'greggs'").Scan(&found); err != nil || found != 1 {
		t.Errorf("the new pending row is found by text %d times (%v), want once", found, err)
	}
}

// column reads the one column of query's rows.
func column[T any](t *testing.T, st *Store, query string) []T {
	t.Helper()
	out, err := queryColumn[T](context.Background(), st.db, query)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Each row stored gets its own JSON, whether the bank sent the window
// oldest or newest first, and when some of its ids are stored already
// (outside the window: the bank moved a row's date), whose rows keep
// theirs.
func TestWindowRowsKeepTheirJSON(t *testing.T) {
	st := openTest(t)
	seed(t, st)
	ctx := context.Background()
	newestFirst := []truelayer.Transaction{
		mkTx("t3", "2026-10-20T00:00:00Z", "-3.00", "THIRD", "", "PURCHASE"),
		mkTx("t2", "2026-10-10T00:00:00Z", "-2.00", "SECOND", "", "PURCHASE"),
		mkTx("t1", "2026-10-01T00:00:00Z", "-1.00", "FIRST", "", "PURCHASE"),
	}
	if _, _, err := st.commitAccount(ctx, "acc-1", accountBatch{Settled: newestFirst}); err != nil {
		t.Fatal(err)
	}
	sg, err := st.openStage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sg.close()
	sg.window(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	if err := sg.Begin(); err != nil {
		t.Fatal(err)
	}
	for _, tx := range []truelayer.Transaction{
		mkTx("t4", "2026-11-01T00:00:00Z", "-4.00", "FOURTH", "", "PURCHASE"),
		mkTx("t2", "2026-11-02T00:00:00Z", "-2.00", "SECOND MOVED", "", "PURCHASE"),
		mkTx("t5", "2026-11-03T00:00:00Z", "-5.00", "FIFTH", "", "PURCHASE"),
	} {
		if err := sg.Add(tx); err != nil {
			t.Fatal(err)
		}
	}
	res, err := st.commitWindow(ctx, sg, nil, "acc-1", time.Time{}, 0)
	if err != nil || res.added != 2 {
		t.Fatalf("window: %+v, %v; want 2 rows added", res, err)
	}
	got := column[string](t, st, `SELECT t.tx_id || ' ' || json_extract(j.raw, '$.transaction_id') || ' ' || json_extract(j.raw, '$.description')
FROM transactions t JOIN transaction_json j ON j.rid = t.rid ORDER BY t.rid`)
	want := []string{"t1 t1 FIRST", "t2 t2 SECOND", "t3 t3 THIRD", "t4 t4 FOURTH", "t5 t5 FIFTH"}
	if !slices.Equal(got, want) {
		t.Errorf("rows and their JSON %q, want %q", got, want)
	}
}

// daysAndRecount are the stored per-day totals and the same recounted
// from the rows: equal unless a writer forgot noteInserted.
func daysAndRecount(st *Store) (days, recount []string, err error) {
	ctx := context.Background()
	days, err = queryColumn[string](ctx, st.db, `SELECT concat_ws(' ', account_rid, day, currency, pending, transfer, n, money_in, money_out, inexact)
FROM transaction_days ORDER BY account_rid, day, currency, pending, transfer`)
	if err != nil {
		return nil, nil, err
	}
	recount, err = queryColumn[string](ctx, st.db, `SELECT concat_ws(' ', account_rid, `+sqlDayOf("ts")+`, currency, pending, transfer_kind <> '', count(*),
	sum(max(amount_micro, 0)), sum(max(-amount_micro, 0)), sum(1 - amount_exact))
FROM transactions GROUP BY account_rid, `+sqlDayOf("ts")+`, currency, pending, transfer_kind <> ''
ORDER BY account_rid, `+sqlDayOf("ts")+`, currency, pending, transfer_kind <> ''`)
	return days, recount, err
}
