package ui

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

// The transactions pane shows, for every row of the demo bank, the category
// the CLI and the exports show (ledger.CategoryName of what the bank sent)
// and its date in the user's zone; its category: filter takes the name
// shown, at any level.
func TestPaneShowsTheSharedCategoryAndLocalDate(t *testing.T) {
	e := newEmulatorLedger(t)
	ctx := context.Background()
	var ids []string
	for _, c := range e.conns {
		ids = append(ids, c.ConnectionID)
	}
	if _, err := e.syncer.Sync(ctx, ids, nil); err != nil {
		t.Fatal(err)
	}
	london, _ := time.LoadLocation("Europe/London")
	allGroceries := 0
	for _, c := range []struct{ conn, provider string }{{"conn-northgate", "ob-northgate"}, {"conn-castle", "ob-castle"}} {
		truth := e.srv.Truth("john", c.provider)
		for _, a := range append(truth.Accounts, truth.Cards...) {
			bank := map[string]truelayer.Transaction{}
			for _, x := range append(append([]truelayer.Transaction{}, a.Transactions...), a.Pending...) {
				bank[x.TransactionID] = x
			}
			l := newTxList(london)
			l.scope = txScope{id: a.ID, accountIDs: []string{a.ID}}
			q, _ := l.query()
			q.Limit = 1 << 20
			views, err := storeSource{e.store}.page(ctx, q)
			if err != nil || len(views) == 0 {
				t.Fatalf("%s: %d rows, %v", a.ID, len(views), err)
			}
			rows := prepareRows(views, nil, london)
			groceries := 0
			for i, r := range rows {
				x := bank[views[i].ID]
				if want := ledger.CategoryName(x.TransactionCategory, x.TransactionClassification); r.category != want {
					t.Errorf("%s: the pane shows %q, the CLI %q", views[i].ID, r.category, want)
				}
				if ledger.CategoryMatches(r.category, "groceries") {
					groceries++
				}
				// Castle sends days without a time: they keep their day.
				want := x.Timestamp.Time.In(london).Format(time.DateOnly)
				if c.provider == "ob-castle" {
					want = x.Timestamp.Time.Format(time.DateOnly)
				}
				if r.date != want {
					t.Errorf("%s (%s): dated %s, want %s", views[i].ID, x.Timestamp.Raw, r.date, want)
				}
			}
			allGroceries += groceries
			for _, term := range []string{"category:groceries", "category:Groceries", `category:"shopping / groceries"`} {
				l.filter = parseFilter(term)
				q, _ := l.query()
				sums, err := e.store.TransactionTotals(ctx, q)
				if n := countOf(sums); err != nil || n != groceries {
					t.Errorf("%s %s: %d rows (%v), %d groceries", a.ID, term, n, err, groceries)
				}
			}
		}
	}
	if allGroceries == 0 {
		t.Error("the demo bank buys no groceries: the filter was not tried")
	}
}

// A row at 23:30 UTC on 30 September is in October in London (summer
// time), and the month steps put it there; at 23:30 UTC on 31 October
// (winter time again) it stays in October. A row dated by its day alone
// is in the month of that day. The list and its count agree.
func TestMonthsInTheUsersZone(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	at := func(id, stamp string) ledger.TxView {
		ts, _ := time.Parse(time.RFC3339, stamp)
		return ledger.TxView{AccountID: "acc-current", ID: id, Timestamp: ts, Currency: "GBP", Amount: truelayer.MustAmount("-1")}
	}
	views := []ledger.TxView{
		at("first-of-nov", "2026-11-01T00:00:00Z"), // a day
		at("last-of-oct", "2026-10-31T23:30:00Z"),
		at("day-oct-31", "2026-10-31T00:00:00Z"), // a day
		at("first-of-oct", "2026-09-30T23:30:00Z"),
		at("last-of-sep", "2026-09-30T22:30:00Z"),
		at("day-oct-1", "2026-10-01T00:00:00Z"), // a day
		at("day-sep-30", "2026-09-30T00:00:00Z"),
	}
	st := writeStore(t, views)
	l := newTxList(london)
	l.scope = txScope{id: "acc-current", accountIDs: []string{"acc-current"}}
	l.period = month{2026, time.October}
	q, _ := l.query()
	q.Limit = 100
	page, err := st.TransactionPage(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, r := range prepareRows(page, nil, london) {
		got = append(got, page[i].ID+" "+r.date)
	}
	// Newest first by the stored instant: a day counts from its midnight UTC.
	want := []string{"last-of-oct 2026-10-31", "day-oct-31 2026-10-31", "day-oct-1 2026-10-01", "first-of-oct 2026-10-01"}
	if !slices.Equal(got, want) {
		t.Errorf("October in London: %v, want %v", got, want)
	}
	sums, err := st.TransactionTotals(context.Background(), l.periodQuery())
	if n := countOf(sums); err != nil || n != len(want) {
		t.Errorf("October in London counts %d rows (%v), lists %d", n, err, len(want))
	}
}
