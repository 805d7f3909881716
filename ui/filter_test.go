package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/ledger/ledgertest"
	"github.com/banktui/banktui/truelayer"
)

// filterStore is a ledger holding the rows, one per transaction, in the
// current account: the filter language is read by parseFilter and matched
// by the store, as in the pane.
func filterStore(t testing.TB, rows ...ledger.TxView) *ledger.Store {
	t.Helper()
	for i := range rows {
		rows[i].AccountID, rows[i].ID, rows[i].Currency = "acc-current", fmt.Sprint("t", i), "GBP"
		rows[i].Timestamp = fixedNow.Add(-time.Duration(i) * time.Hour)
	}
	return writeStore(t, rows)
}

// writeStore is a ledger holding the fake accounts and rows, closed at
// the end of the test.
func writeStore(t testing.TB, rows []ledger.TxView) *ledger.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.db")
	if err := ledgertest.Write(path, fakeAccounts(), rows); err != nil {
		t.Fatal(err)
	}
	st, err := ledger.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// matching is which rows the filter lets through, by index.
func matching(t *testing.T, st *ledger.Store, filter string, n int) []bool {
	t.Helper()
	l := txList{loc: time.UTC, scope: txScope{id: "acc-current", accountIDs: []string{"acc-current"}}, filter: parseFilter(filter)}
	q, ok := l.query()
	got := make([]bool, n)
	if !ok {
		return got
	}
	q.Limit = 100
	views, err := st.TransactionPage(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range views {
		var i int
		fmt.Sscanf(v.ID, "t%d", &i)
		got[i] = true
	}
	return got
}

func tx(desc, merchant, category, amount string, pending bool, class ...string) ledger.TxView {
	return ledger.TxView{Description: desc, Merchant: merchant, Category: category, Classification: class,
		Amount: truelayer.MustAmount(amount), Pending: pending}
}

func TestFilterMatch(t *testing.T) {
	st := filterStore(t,
		tx("CARD PAYMENT TESCO", "Tesco", "PURCHASE", "-12.50", false, "Shopping", "Groceries"),
		tx("ACME LTD SALARY", "", "CREDIT", "2500.00", false),
		tx("RENT NOVEMBER", "Landlord Ltd", "STANDING_ORDER", "-1200", true))
	tests := []struct {
		filter string
		want   []bool // tesco, salary, rent
	}{
		{"", []bool{true, true, true}},
		{"tesco", []bool{true, false, false}},
		{"TESCO payment", []bool{true, false, false}},
		{"groceries", []bool{true, false, false}},    // the category, as shown
		{"standing ord", []bool{false, false, true}}, // a phrase of it
		{"amount:>50", []bool{false, true, false}},
		{"amount:<-100", []bool{false, false, true}},
		{"amount:>=-12.5", []bool{true, true, false}},
		{"amount:<=-12.50", []bool{true, false, true}},
		{"amount:-12.5", []bool{true, false, false}},
		{"amount:>£1,000", []bool{false, true, false}},
		{"category:credit", []bool{false, true, false}},
		{"category:standing", []bool{false, false, true}},
		// The category shown ("Shopping / Groceries"), at any level, any case.
		{"category:groceries", []bool{true, false, false}},
		{"category:SHOPPING", []bool{true, false, false}},
		{`category:"Shopping / Groceries"`, []bool{true, false, false}},
		{"category:shopping/groceries", []bool{true, false, false}},
		{"category:purchase", []bool{false, false, false}}, // the bank's code, not what is shown
		{"merchant:land", []bool{false, false, true}},
		{"pending", []bool{false, false, true}},
		{"settled", []bool{true, true, false}},
		{"!pending", []bool{true, true, false}},
		{"!tesco", []bool{false, true, true}},
		{`"rent november"`, []bool{false, false, true}},
		{"ltd amount:<0", []bool{false, false, true}},
		{"amount:>x", []bool{true, true, true}}, // unreadable term ignored, reported
	}
	for _, tt := range tests {
		if got := matching(t, st, tt.filter, 3); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("filter %q: got %v, want %v", tt.filter, got, tt.want)
		}
	}
}

func TestFilterProblems(t *testing.T) {
	f := parseFilter("amount:> amount:abc tesco")
	if len(f.problems) != 2 {
		t.Fatalf("problems = %v, want 2", f.problems)
	}
	if len(f.terms) != 1 || f.terms[0] != "tesco" {
		t.Errorf("terms = %v", f.terms)
	}
}

func TestFilterExactDecimals(t *testing.T) {
	// 0.1 + 0.2 style pitfalls must not exist: comparisons are exact.
	st := filterStore(t, tx("x", "", "", "0.30", false), tx("y", "", "", "0.0000001", false)) // below a millionth
	for filter, want := range map[string][]bool{
		"amount:0.3":       {true, false},
		"amount:>0":        {true, true},
		"amount:<0.000001": {false, true},
	} {
		if got := matching(t, st, filter, 2); !reflect.DeepEqual(got, want) {
			t.Errorf("filter %q: got %v, want %v", filter, got, want)
		}
	}
}

// A filter's rows come first: its count and totals start when they are on
// screen ("…" in the title meanwhile), and the next keystroke stops a count
// still running.
func TestFilterCountsFollowTheRows(t *testing.T) {
	e := offlineEnv(200)
	h := e.start(t, 120, 30)
	flows := func() int { return e.store.count(func(s *fakeStore) int { return s.flows }) }
	h.press("/").typeText("tes")
	before := flows()
	releaseRows := e.store.gates.hold("page", "acc-current")
	h.typeText("c")
	if n := flows(); n != before {
		t.Fatalf("%d counts started before the filter's rows arrived", n-before)
	}
	releaseCount := e.store.gates.hold("flows", "acc-current")
	defer releaseCount()
	releaseRows()
	h.settle()
	if s := h.screen(); !strings.Contains(s, "· … of 200 ·") || len(txLines(s)) == 0 || flows() != before+1 {
		t.Fatalf("the rows are not on screen with their count still coming (%d counts):\n%s", flows()-before, s)
	}
	h.typeText("o") // the held count of "tesc" is stopped, "tesco" counted
	tesco := countWhere(200, func(v ledger.TxView) bool { return v.Merchant == "Tesco" })
	if s := h.screen(); !strings.Contains(s, "· "+ledger.FormatCount(tesco)+" of 200 ·") {
		t.Errorf("tesco is not counted:\n%s", s)
	}
	if n := e.store.count(func(s *fakeStore) int { return s.stopped }); n != 1 {
		t.Errorf("%d counts stopped by the next key, want 1", n)
	}
}

// The period's count ("of 200") is read once: filter, sort and pending
// keys keep it; another month and a sync count again.
func TestPeriodCountedOnceWhileFiltering(t *testing.T) {
	e := onlineEnv(200)
	h := e.startSynced(t, 120, 30).press("3")
	periods := func() int { return e.store.count(func(s *fakeStore) int { return s.periods }) }
	n := periods()
	h.press("/").typeText("tesco").press("enter", "s", "p")
	tesco := countWhere(200, func(v ledger.TxView) bool { return v.Merchant == "Tesco" && !v.Pending })
	if s := h.screen(); periods() != n || !strings.Contains(s, "· "+ledger.FormatCount(tesco)+" of 200 ·") {
		t.Errorf("the period was counted %d times more while filtering:\n%s", periods()-n, s)
	}
	h.press("[")
	if periods() == n {
		t.Error("another month was not counted")
	}
	n = periods()
	h.press("]")
	if periods() == n {
		t.Error("all time again was not counted")
	}
	n = periods()
	h.press("R")
	if periods() == n || !strings.Contains(h.screen(), " of 200 · all time") {
		t.Errorf("after a sync the period was not counted again:\n%s", h.screen())
	}
}
