package ledger

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
	tt "github.com/banktui/banktui/truelayer/truelayertest"
)

// The demo sync (John at Northgate, Nova and Castle, their first sync) stores
// exactly what the banks hold, reports its progress phase by phase, and a
// second sync asks only the recent days and adds nothing.
func TestSyncMatchesTruth(t *testing.T) {
	t.Parallel()
	run := demoSync(t)
	e, north, nova, castle := newSyncedEnv(t)
	for _, c := range []string{north, nova, castle} {
		assertMatchesTruth(t, e.st, e.truth(c), time.Time{})
	}
	if run.report.Added() == 0 {
		t.Fatal("report counts no new transactions")
	}
	assertStoredJSON(t, e.st)

	// Connection metadata, history limits, standing orders and direct debits.
	conns, _ := e.st.Connections(context.Background())
	names := map[string]string{}
	for _, c := range conns {
		names[c.ID] = c.ProviderName
		if c.LastSync.IsZero() || c.SyncError != "" {
			t.Errorf("connection %s: last sync %v, error %q", c.ID, c.LastSync, c.SyncError)
		}
	}
	if names[north] != "Northgate Bank" || names[nova] != "Nova" || names[castle] != "Castle Bank" {
		t.Errorf("provider names %v", names)
	}
	views, _ := e.st.Accounts(context.Background())
	for _, v := range views {
		want := LimitEmpty // the demo history starts two years ago
		if v.ConnectionID == nova {
			want = LimitInvalidDateRange // Nova refuses more than two years
		}
		if v.HistoryLimit != want || v.SyncError != "" || v.LastSync.IsZero() {
			t.Errorf("%s (%s): limit %q, error %q", v.ID, v.ConnectionID, v.HistoryLimit, v.SyncError)
		}
	}
	nt := e.truth(north)
	sos, err := e.st.StandingOrders(context.Background(), nt.Accounts[0].ID)
	if err != nil || len(sos) != len(nt.Accounts[0].StandingOrders) || len(sos) == 0 {
		t.Errorf("standing orders: %d stored, truth %d, %v", len(sos), len(nt.Accounts[0].StandingOrders), err)
	}
	dds, err := e.st.DirectDebits(context.Background(), nt.Accounts[0].ID)
	if err != nil || len(dds) != len(nt.Accounts[0].DirectDebits) {
		t.Errorf("direct debits: %d stored, truth %d, %v", len(dds), len(nt.Accounts[0].DirectDebits), err)
	}

	// Progress: every phase of every connection, balances before transactions.
	seen := map[string][]string{}
	added := 0
	for _, ev := range run.events {
		added += ev.Added
		if ev.AccountID == "" {
			seen[ev.ConnectionID] = append(seen[ev.ConnectionID], ev.Phase)
		}
	}
	if added != run.report.Added() {
		t.Errorf("events add up to %d new transactions, the report says %d", added, run.report.Added())
	}
	for _, c := range []string{north, nova, castle} {
		want := []string{PhaseConnect, PhaseAccounts, PhaseBalances, PhaseTransactions, PhaseDone}
		if !slices.Equal(seen[c], want) {
			t.Errorf("%s phases %v, want %v", c, seen[c], want)
		}
	}

	if err := e.st.Check(context.Background()); err != nil {
		t.Fatal(err)
	}

	// A second sync fetches only the recent days and adds nothing.
	rep2 := mustSync(t, e.syncer(), north, nova, castle)
	if rep2.Added() != 0 {
		t.Errorf("second sync added %d", rep2.Added())
	}
	for _, c := range []string{north, nova, castle} {
		assertMatchesTruth(t, e.st, e.truth(c), time.Time{})
	}
	txCalls := 0
	for _, r := range e.srv.Requests() {
		if strings.HasSuffix(r.Path, "/transactions") {
			txCalls++
			from, err := time.Parse(time.DateOnly, r.Query.Get("from"))
			if err != nil || e.srv.Now().Sub(from) > 14*day {
				t.Errorf("incremental sync asked from %q", r.Query.Get("from"))
			}
		}
	}
	if txCalls != len(views) {
		t.Errorf("incremental sync made %d transaction calls for %d accounts and cards", txCalls, len(views))
	}
}

// assertStoredJSON reads every stored transaction with the bank's JSON: it
// decodes, and says what the columns say.
func assertStoredJSON(t *testing.T, st *Store) {
	t.Helper()
	all, err := st.Transactions(context.Background(), TxQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range all {
		if x.Raw.TransactionID != x.ID || !x.Raw.Amount.Equal(x.Amount) || !x.Raw.Timestamp.Time.Equal(x.Timestamp) {
			t.Fatalf("%s: stored JSON %+v differs from its columns %+v", x.ID, x.Raw, x)
		}
	}
}

// Per connection, no transaction call of the first sync starts before
// every balance answered.
func TestSyncBalancesFirst(t *testing.T) {
	t.Parallel()
	run := demoSync(t)
	lastBalance, firstTx := map[string]int{}, map[string]int{}
	for _, r := range run.requests {
		switch {
		case strings.HasSuffix(r.Path, "/balance"):
			lastBalance[r.Subject] = r.Seq
		case strings.Contains(r.Path, "/transactions") && firstTx[r.Subject] == 0:
			firstTx[r.Subject] = r.Seq
		}
	}
	if len(lastBalance) != len(run.conns) || len(firstTx) != len(run.conns) {
		t.Fatalf("balances asked on %d connections, transactions on %d, of %d", len(lastBalance), len(firstTx), len(run.conns))
	}
	for subject, last := range lastBalance {
		if first := firstTx[subject]; first < last {
			t.Errorf("connection %s: last balance request #%d, first transactions request #%d", subject, last, first)
		}
	}
}

func TestBalancesOnly(t *testing.T) {
	t.Parallel()
	e := newSyncEnv(t)
	north := e.connect("john", tt.ProviderNorthgate)
	rep, err := e.syncer().Balances(context.Background(), []string{north}, nil)
	if err != nil || len(rep.Errors()) > 0 {
		t.Fatalf("%v %v", err, rep.Errors())
	}
	for _, r := range e.srv.Requests() {
		if strings.Contains(r.Path, "/transactions") || strings.Contains(r.Path, "standing") || strings.Contains(r.Path, "direct") {
			t.Errorf("quick check requested %s", r.Path)
		}
	}
	views, _ := e.st.Accounts(context.Background())
	truth := e.truth(north)
	if len(views) != len(truth.Accounts)+len(truth.Cards) {
		t.Fatalf("%d views", len(views))
	}
	for _, v := range views {
		if !v.HasBalance {
			t.Errorf("%s has no balance", v.ID)
		}
	}
	if n, _ := e.st.CountTransactions(context.Background(), TxQuery{}); n != 0 {
		t.Errorf("quick check stored %d transactions", n)
	}
}

func TestSyncSCALimitedHistory(t *testing.T) {
	t.Parallel()
	e := newSyncEnv(t, tt.WithClock(func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }))
	castle := e.connect("john", tt.ProviderCastle)
	e.srv.AdvanceClock(10 * time.Minute) // the SCA window has closed
	rep := mustSync(t, e.syncer(), castle)
	for _, a := range rep.Connections[0].Accounts {
		if a.HistoryLimit != LimitSCAExceeded {
			t.Errorf("%s: limit %q", a.AccountID, a.HistoryLimit)
		}
	}
	views, _ := e.st.Accounts(context.Background())
	// Castle dates rows by day: the oldest reachable day is the first
	// midnight within 90 days.
	since := e.srv.Now().Add(-90 * day).Truncate(day).Add(day)
	for _, v := range views {
		if v.HistoryLimit != LimitSCAExceeded || v.HistoryFrom.After(since) {
			t.Errorf("%s: limit %q from %v", v.ID, v.HistoryLimit, v.HistoryFrom)
		}
	}
	assertMatchesTruth(t, e.st, e.truth(castle), since)
}

// Thirty days, a sync a day: pending rows settle under new ids and must
// never show twice.
func TestSyncThirtyDaysOfPendingSettling(t *testing.T) {
	t.Parallel()
	e := newSyncEnv(t, tt.WithClock(func() time.Time { return time.Date(2026, 11, 1, 18, 0, 0, 0, time.UTC) }))
	north := e.connect("john", tt.ProviderNorthgate)
	castle := e.connect("john", tt.ProviderCastle)
	y := e.syncer(WithStandingOrdersAndDirectDebits(false))
	sawPending, sawSettle := false, false
	for dayN := range 30 {
		mustSync(t, y, north, castle)
		assertMatchesTruth(t, e.st, e.truth(north), time.Time{})
		// Castle: the first sync ran inside the SCA window and got it
		// all; later ones only need the recent days.
		assertMatchesTruth(t, e.st, e.truth(castle), time.Time{})
		if t.Failed() {
			t.Fatalf("day %d", dayN)
		}
		n, _ := e.st.CountTransactions(context.Background(), TxQuery{Pending: PendingOnly})
		if n > 0 {
			sawPending = true
		}
		e.srv.AdvanceClock(24 * time.Hour)
	}
	if err := e.st.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	var links int
	e.st.db.QueryRow("SELECT count(*) FROM transactions WHERE pending_id <> ''").Scan(&links)
	sawSettle = links > 0
	if !sawPending || !sawSettle {
		t.Errorf("the test saw pending rows: %v, settled rows linked to them: %v", sawPending, sawSettle)
	}
}

func TestSyncStoreOpensAfterwards(t *testing.T) {
	t.Parallel()
	e, north, _, _ := newSyncedEnv(t)
	mustSync(t, e.syncer(), north)
	path := e.st.Path()
	e.st.Close()
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	assertMatchesTruth(t, st, e.truth(north), time.Time{})
	if filepath.Base(path) != "ledger.db" {
		t.Errorf("path %s", path)
	}
}

func TestRetryOlderHistoryAfterReauthentication(t *testing.T) {
	t.Parallel()
	e := newSyncEnv(t, tt.WithClock(func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }))
	castle := e.connect("john", tt.ProviderCastle)
	e.srv.AdvanceClock(10 * time.Minute)
	mustSync(t, e.syncer(), castle)
	// The user authenticates again (same connection id, fresh consent).
	e.connect("john", tt.ProviderCastle)
	if err := e.st.RetryOlderHistory(context.Background(), castle); err != nil {
		t.Fatal(err)
	}
	mustSync(t, e.syncer(), castle)
	assertMatchesTruth(t, e.st, e.truth(castle), time.Time{})
	views, _ := e.st.Accounts(context.Background())
	for _, v := range views {
		if v.HistoryLimit != LimitEmpty {
			t.Errorf("%s: limit %q after the retry", v.ID, v.HistoryLimit)
		}
	}
}

func TestForgetConnection(t *testing.T) {
	t.Parallel()
	e, north, nova, castle := newSyncedEnv(t)
	ctx := context.Background()
	if err := e.st.ForgetConnection(ctx, north); err != nil {
		t.Fatal(err)
	}
	views, _ := e.st.Accounts(ctx)
	for _, v := range views {
		if v.ConnectionID == north {
			t.Errorf("%s of %s survived", v.ID, v.ConnectionID)
		}
	}
	want := 0
	for _, c := range []string{nova, castle} {
		truth := e.truth(c)
		for _, ad := range append(slices.Clone(truth.Accounts), truth.Cards...) {
			want += len(ad.Transactions) + len(ad.Pending)
		}
	}
	if n, _ := e.st.CountTransactions(ctx, TxQuery{}); n != want {
		t.Errorf("%d transactions left, want Nova's and Castle's %d", n, want)
	}
	found, _ := e.st.Transactions(ctx, TxQuery{Text: "tesco", WithoutRaw: true})
	for _, x := range found {
		if x.ConnectionID == north {
			t.Fatal("text search finds a forgotten row")
		}
	}
	if err := e.st.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// A bank that ignores from and to and always sends its whole history: the
// sync filters locally, so windows still come back empty at the end of
// history and nothing is stored twice.
func TestSyncWhenTheBankIgnoresTheDateRange(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	var all []string
	for i := range 3 * 365 / 5 { // one row every five days for three years
		ts := now.Add(-time.Duration(i*5) * day).Format(time.RFC3339)
		all = append(all, fmt.Sprintf(`{"transaction_id":"tx-%d","timestamp":%q,"description":"ROW %d","amount":-1.5,"currency":"GBP"}`, i, ts, i))
	}
	txCalls := 0
	var mu sync.Mutex
	mux := http.NewServeMux()
	results := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"results":[%s],"status":"Succeeded"}`, body)
	}
	mux.HandleFunc("GET /data/v1/accounts", func(w http.ResponseWriter, r *http.Request) {
		results(w, `{"account_id":"a1","account_type":"TRANSACTION","display_name":"Current","currency":"GBP","account_number":{},"provider":{"provider_id":"ob-sloppy","display_name":"Sloppy Bank"}}`)
	})
	mux.HandleFunc("GET /data/v1/cards", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotImplemented)
		fmt.Fprint(w, `{"error":"endpoint_not_supported","error_description":"no cards"}`)
	})
	mux.HandleFunc("GET /data/v1/accounts/a1/balance", func(w http.ResponseWriter, r *http.Request) {
		results(w, `{"currency":"GBP","available":10,"current":10}`)
	})
	mux.HandleFunc("GET /data/v1/accounts/a1/transactions", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		txCalls++
		mu.Unlock()
		results(w, strings.Join(all, ","))
	})
	for _, p := range []string{"transactions/pending", "standing_orders", "direct_debits"} {
		mux.HandleFunc("GET /data/v1/accounts/a1/"+p, func(w http.ResponseWriter, r *http.Request) { results(w, "") })
	}
	srv := httptestServer(t, mux)
	st := openTest(t)
	clients := func(ctx context.Context, id string) (*truelayer.Client, error) {
		return truelayer.NewClient(nil, truelayer.WithBaseURL(srv), truelayer.WithRetry(truelayer.NoRetry()), attended), nil
	}
	y := NewSyncer(st, clients, WithClock(func() time.Time { return now }))
	mustSync(t, y, "sloppy")
	n, _ := st.CountTransactions(context.Background(), TxQuery{})
	if n != len(all) {
		t.Errorf("%d rows stored, the bank has %d", n, len(all))
	}
	if txCalls != 3 { // two windows with rows, the third empty
		t.Errorf("%d transaction calls, want 3", txCalls)
	}
	views, _ := st.Accounts(context.Background())
	if len(views) != 1 || views[0].HistoryLimit != LimitEmpty || views[0].ProviderName != "Sloppy Bank" {
		t.Errorf("views %+v", views)
	}
	mustSync(t, y, "sloppy")
	if n2, _ := st.CountTransactions(context.Background(), TxQuery{}); n2 != n {
		t.Errorf("second sync: %d rows, was %d", n2, n)
	}
}
