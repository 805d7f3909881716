package ui

import (
	"context"
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
			views, err := storeSource{e.store}.history(ctx, a.ID, 0)
			if err != nil || len(views) == 0 {
				t.Fatalf("%s: %d rows, %v", a.ID, len(views), err)
			}
			rows := prepareRows(views, london)
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
			l := newTxList()
			l.setRows(a.ID, views, rows)
			for _, term := range []string{"category:groceries", "category:Groceries", `category:"shopping / groceries"`} {
				l.filter = parseFilter(term)
				l.refilter()
				if len(l.visible) != groceries {
					t.Errorf("%s %s: %d rows, %d groceries", a.ID, term, len(l.visible), groceries)
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
// (winter time again) it stays in October.
func TestMonthsInTheUsersZone(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	at := func(id, stamp string) ledger.TxView {
		ts, _ := truelayer.ParseTimestamp(stamp)
		return ledger.TxView{ID: id, Timestamp: ts.Time, Raw: truelayer.Transaction{Timestamp: ts}}
	}
	views := []ledger.TxView{
		at("last-of-oct", "2026-10-31T23:30:00Z"),
		at("first-of-oct", "2026-09-30T23:30:00Z"),
		at("last-of-sep", "2026-09-30T22:30:00Z"),
	}
	l := newTxList()
	l.setRows("acc", views, prepareRows(views, london))
	l.period = month{2026, time.October}
	l.refilter()
	var got []string
	for _, ri := range l.visible {
		got = append(got, l.views[l.rows[ri].view].ID+" "+l.rows[ri].date)
	}
	want := []string{"last-of-oct 2026-10-31", "first-of-oct 2026-10-01"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("October in London: %v, want %v", got, want)
	}
}
