package ledger

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/banktui/banktui/truelayer"
	tt "github.com/banktui/banktui/truelayer/truelayertest"
)

// syncEnv is an emulator, a store, and a token keeper standing in for
// auth.Manager: the first client of a connection uses the minted token;
// every later request for a client (the Syncer asks again after a 401)
// refreshes it, as the auth manager would.
type syncEnv struct {
	t    testing.TB
	srv  *tt.Server
	st   *Store
	auth *truelayer.AuthClient

	mu           sync.Mutex
	tokens       map[string]*truelayer.Token
	users        map[string][2]string // connection -> username, provider
	calls        map[string]int
	refreshFirst map[string]bool
}

// fastRetry keeps fault tests quick; eight attempts outlast every burst of
// faults the tests inject.
var fastRetry = truelayer.RetryPolicy{MaxAttempts: 8, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxTotal: 20 * time.Second}

func newSyncEnv(t testing.TB, opts ...tt.Option) *syncEnv {
	t.Helper()
	srv := tt.NewServer(opts...)
	t.Cleanup(srv.Close)
	return &syncEnv{
		t: t, srv: srv, st: openTest(t),
		auth: truelayer.NewAuthClient(nil, truelayer.AuthConfig{
			ClientID: tt.DefaultClientID, ClientSecret: tt.DefaultClientSecret, AuthURL: srv.AuthURL(),
		}),
		tokens: map[string]*truelayer.Token{}, users: map[string][2]string{},
		calls: map[string]int{}, refreshFirst: map[string]bool{},
	}
}

// connect mints a connection for username at provider; its id is "username@provider".
func (e *syncEnv) connect(username, provider string) string {
	e.t.Helper()
	tok, err := e.srv.Connect(tt.DefaultClientID, username, provider, truelayer.AvailableScopes)
	if err != nil {
		e.t.Fatalf("connect %s at %s: %v", username, provider, err)
	}
	id := username + "@" + provider
	e.mu.Lock()
	e.tokens[id], e.users[id] = tok, [2]string{username, provider}
	e.mu.Unlock()
	return id
}

func (e *syncEnv) clients(ctx context.Context, id string) (*truelayer.Client, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	tok := e.tokens[id]
	if tok == nil {
		return nil, fmt.Errorf("no connection %q", id)
	}
	e.calls[id]++
	if e.calls[id] > 1 || e.refreshFirst[id] {
		fresh, err := e.auth.Refresh(ctx, tok.RefreshToken)
		if err != nil {
			return nil, err
		}
		e.tokens[id], tok = fresh, fresh
	}
	hc := &http.Client{Transport: &oauth2.Transport{Source: oauth2.StaticTokenSource(tok.OAuth2())}}
	return truelayer.NewClient(hc, truelayer.WithBaseURL(e.srv.APIURL()), truelayer.WithRetry(fastRetry)), nil
}

func (e *syncEnv) syncer(opts ...SyncOption) *Syncer {
	return NewSyncer(e.st, e.clients, append([]SyncOption{WithClock(e.srv.Now)}, opts...)...)
}

func (e *syncEnv) truth(conn string) *tt.BankData {
	u := e.users[conn]
	return e.srv.Truth(u[0], u[1])
}

func mustSync(t testing.TB, y *Syncer, conns ...string) *Report {
	t.Helper()
	rep, err := y.Sync(context.Background(), conns, nil)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if errs := rep.Errors(); len(errs) > 0 {
		t.Fatalf("Sync reported errors: %v", errs)
	}
	return rep
}

// assertMatchesTruth checks that the store holds exactly the bank's
// accounts, cards, latest balances, settled transactions (from since on,
// zero = all) and pending transactions: no duplicates, no gaps, exact sums.
func assertMatchesTruth(t testing.TB, st *Store, truth *tt.BankData, since time.Time) {
	t.Helper()
	ctx := context.Background()
	views, err := st.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]AccountView{}
	for _, v := range views {
		byID[v.ID] = v
	}
	for _, ad := range append(slices.Clone(truth.Accounts), truth.Cards...) {
		v, ok := byID[ad.ID]
		if !ok {
			t.Errorf("%s: not stored", ad.ID)
			continue
		}
		wantCur := ad.Balance.Current
		if ad.IsCard {
			wantCur = ad.CardBalance.Current
		}
		if !v.HasBalance || !v.Current.Equal(wantCur) {
			t.Errorf("%s: balance %v, truth %v", ad.ID, v.Current, wantCur)
		}
		stored, err := st.Transactions(ctx, TxQuery{AccountIDs: []string{ad.ID}, Pending: PendingExclude})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]truelayer.Amount{}
		var gotSum truelayer.Amount
		for _, s := range stored {
			if _, dup := got[s.ID]; dup {
				t.Errorf("%s: transaction %s stored twice", ad.ID, s.ID)
			}
			got[s.ID] = s.Amount
			gotSum = gotSum.Add(s.Amount)
		}
		var wantSum truelayer.Amount
		want := 0
		for _, w := range ad.Transactions {
			if !since.IsZero() && w.Timestamp.Time.Before(since) {
				continue
			}
			want++
			wantSum = wantSum.Add(w.Amount)
			a, ok := got[w.TransactionID]
			if !ok {
				t.Errorf("%s: missing transaction %s of %s", ad.ID, w.TransactionID, w.Timestamp.Raw)
				continue
			}
			if !a.Equal(w.Amount) {
				t.Errorf("%s: %s amount %v, truth %v", ad.ID, w.TransactionID, a, w.Amount)
			}
		}
		if len(stored) != want || !gotSum.Equal(wantSum) {
			t.Errorf("%s: %d settled summing %v; truth %d summing %v", ad.ID, len(stored), gotSum, want, wantSum)
		}
		pend, err := st.Transactions(ctx, TxQuery{AccountIDs: []string{ad.ID}, Pending: PendingOnly})
		if err != nil {
			t.Fatal(err)
		}
		var wantPend []string
		for _, p := range ad.Pending {
			wantPend = append(wantPend, p.TransactionID)
		}
		gotPend := ids(pend)
		slices.Sort(wantPend)
		slices.Sort(gotPend)
		if !slices.Equal(gotPend, wantPend) {
			t.Errorf("%s: pending %v, truth %v", ad.ID, gotPend, wantPend)
		}
	}
}

func TestSyncMatchesTruth(t *testing.T) {
	e := newSyncEnv(t)
	north := e.connect("john", tt.ProviderNorthgate)
	nova := e.connect("john", tt.ProviderNova)
	castle := e.connect("john", tt.ProviderCastle)
	y := e.syncer()

	var events []Event
	var evMu sync.Mutex
	rep, err := y.Sync(context.Background(), []string{north, nova, castle}, func(ev Event) {
		evMu.Lock()
		events = append(events, ev)
		evMu.Unlock()
	})
	if err != nil || len(rep.Errors()) > 0 {
		t.Fatalf("Sync: %v %v", err, rep.Errors())
	}
	for _, c := range []string{north, nova, castle} {
		assertMatchesTruth(t, e.st, e.truth(c), time.Time{})
	}
	if rep.Added() == 0 {
		t.Fatal("report counts no new transactions")
	}

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
	for _, ev := range events {
		added += ev.Added
		if ev.AccountID == "" {
			seen[ev.ConnectionID] = append(seen[ev.ConnectionID], ev.Phase)
		}
	}
	if added != rep.Added() {
		t.Errorf("events add up to %d new transactions, the report says %d", added, rep.Added())
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
	e.srv.ResetLog()
	rep2 := mustSync(t, y, north, nova, castle)
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

func TestSyncBalancesFirst(t *testing.T) {
	e := newSyncEnv(t)
	north := e.connect("john", tt.ProviderNorthgate)
	mustSync(t, e.syncer(), north)
	// Per connection: no transaction call starts before every balance answered.
	lastBalance, firstTx := 0, 0
	for _, r := range e.srv.Requests() {
		switch {
		case strings.HasSuffix(r.Path, "/balance"):
			lastBalance = r.Seq
		case strings.Contains(r.Path, "/transactions") && firstTx == 0:
			firstTx = r.Seq
		}
	}
	if lastBalance == 0 || firstTx == 0 || firstTx < lastBalance {
		t.Errorf("last balance request #%d, first transactions request #%d", lastBalance, firstTx)
	}
}

func TestBalancesOnly(t *testing.T) {
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

func TestSyncWithFaults(t *testing.T) {
	cases := []struct {
		name  string
		fault tt.Fault
	}{
		{"429 storm", tt.Fault{Endpoint: "/data/v1/**", Kind: tt.Status, Status: 429, Count: 7}},
		{"429 with Retry-After", tt.Fault{Endpoint: "/data/v1/accounts/*/transactions", Kind: tt.Status, Status: 429, RetryAfter: time.Second, Count: 1}},
		{"503", tt.Fault{Endpoint: "/data/v1/**", Kind: tt.Status, Status: 503, Count: 7}},
		{"connection reset", tt.Fault{Endpoint: "/data/v1/accounts/*/transactions", Kind: tt.Reset, Count: 3}},
		{"truncated body", tt.Fault{Endpoint: "/data/v1/cards/*/transactions", Kind: tt.Truncated, Count: 2}},
		{"401 mid-sync", tt.Fault{Endpoint: "/data/v1/accounts/*/transactions", Kind: tt.Unauthorized, Count: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newSyncEnv(t)
			north := e.connect("john", tt.ProviderNorthgate)
			nova := e.connect("john", tt.ProviderNova)
			e.srv.Inject(c.fault)
			mustSync(t, e.syncer(), north, nova)
			faulted := 0
			for _, r := range e.srv.Requests() {
				if r.Fault != 0 {
					faulted++
				}
			}
			if faulted == 0 {
				t.Fatal("the fault never fired")
			}
			assertMatchesTruth(t, e.st, e.truth(north), time.Time{})
			assertMatchesTruth(t, e.st, e.truth(nova), time.Time{})
		})
	}
}

func TestSyncInvalidGrantOnOneConnection(t *testing.T) {
	e := newSyncEnv(t)
	north := e.connect("john", tt.ProviderNorthgate)
	castle := e.connect("john", tt.ProviderCastle)
	mustSync(t, e.syncer(), castle) // castle has history before its consent goes

	// Castle's refresh token is refused from now on; Northgate's token is fresh.
	e.refreshFirst[castle] = true
	e.srv.Inject(tt.Fault{Kind: tt.InvalidGrant})
	rep, err := e.syncer().Sync(context.Background(), []string{north, castle}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Connections {
		switch c.ConnectionID {
		case north:
			if c.Err != nil {
				t.Errorf("northgate failed: %v", c.Err)
			}
		case castle:
			if !errors.Is(c.Err, truelayer.ErrConsentNeeded) {
				t.Errorf("castle error %v, want consent needed", c.Err)
			}
		}
	}
	assertMatchesTruth(t, e.st, e.truth(north), time.Time{})
	conns, _ := e.st.Connections(context.Background())
	for _, c := range conns {
		want := ""
		if c.ID == castle {
			want = SyncErrConsentExpired
		}
		if c.SyncError != want {
			t.Errorf("%s: sync error %q, want %q", c.ID, c.SyncError, want)
		}
	}
	views, _ := e.st.Accounts(context.Background())
	for _, v := range views {
		if v.ConnectionID == castle && v.SyncError != SyncErrConsentExpired {
			t.Errorf("castle account %s: %q", v.ID, v.SyncError)
		}
	}
	// Castle's history is still there, offline.
	n, _ := e.st.CountTransactions(context.Background(), TxQuery{AccountIDs: []string{e.truth(castle).Accounts[0].ID}})
	if n == 0 {
		t.Error("castle history lost")
	}
}

func TestSyncSCALimitedHistory(t *testing.T) {
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

func TestSyncCancelledKeepsConsistentState(t *testing.T) {
	e := newSyncEnv(t)
	north := e.connect("john", tt.ProviderNorthgate)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel as soon as the first account has committed.
	_, err := e.syncer().Sync(ctx, []string{north}, func(ev Event) {
		if ev.Phase == PhaseDone && ev.AccountID != "" {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync after cancel: %v", err)
	}
	assertConsistent(t, e.st, e.truth(north))
	// The next sync completes the rest.
	mustSync(t, e.syncer(), north)
	assertMatchesTruth(t, e.st, e.truth(north), time.Time{})
}

// assertConsistent: every account either has its whole history with its
// sync state, or no transactions and no sync state.
func assertConsistent(t testing.TB, st *Store, truth *tt.BankData) {
	t.Helper()
	if err := st.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	synced := 0
	for _, ad := range append(slices.Clone(truth.Accounts), truth.Cards...) {
		ss, err := st.syncState(context.Background(), ad.ID)
		if err != nil {
			continue // not even listed yet
		}
		n, _ := st.CountTransactions(context.Background(), TxQuery{AccountIDs: []string{ad.ID}, Pending: PendingExclude})
		if ss.OldestDay.IsZero() {
			if n != 0 {
				t.Errorf("%s: %d transactions without sync state", ad.ID, n)
			}
			continue
		}
		synced++
		if n != len(ad.Transactions) {
			t.Errorf("%s: sync state says synced, %d of %d transactions", ad.ID, n, len(ad.Transactions))
		}
	}
	t.Logf("%d accounts synced before the interruption", synced)
}

func TestSyncConcurrencyBounds(t *testing.T) {
	e := newSyncEnv(t)
	north := e.connect("john", tt.ProviderNorthgate)
	// Slow responses make requests overlap.
	e.srv.Inject(tt.Fault{Kind: tt.Latency, Latency: 20 * time.Millisecond})
	mustSync(t, e.syncer(), north)
	if p := e.srv.PeakConcurrency(); p > 4 || p < 2 {
		t.Errorf("one connection: peak %d requests in flight, want 2..4", p)
	}

	e2 := newSyncEnv(t)
	var conns []string
	for _, u := range []string{"john", "john2", "john3"} {
		conns = append(conns, e2.connect(u, tt.ProviderNorthgate))
	}
	e2.srv.Inject(tt.Fault{Kind: tt.Latency, Latency: 20 * time.Millisecond})
	mustSync(t, e2.syncer(WithConcurrency(6)), conns...)
	if p := e2.srv.PeakConcurrency(); p > 6 || p < 5 {
		t.Errorf("three connections, overall bound 6: peak %d", p)
	}
}

func TestSyncPerAccountErrorsDoNotStopOthers(t *testing.T) {
	e := newSyncEnv(t)
	north := e.connect("john", tt.ProviderNorthgate)
	nova := e.connect("john", tt.ProviderNova)
	truth := e.truth(north)
	card := truth.Cards[0].ID
	// The card's transactions fail for good (a 500 is not retried).
	e.srv.Inject(tt.Fault{Endpoint: "/data/v1/cards/" + card + "/transactions", Kind: tt.Status, Status: 500})
	rep, err := e.syncer().Sync(context.Background(), []string{north, nova}, nil)
	if err != nil {
		t.Fatal(err)
	}
	errs := rep.Errors()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), card) {
		t.Fatalf("errors %v, want one for the card", errs)
	}
	views, _ := e.st.Accounts(context.Background())
	for _, v := range views {
		if (v.ID == card) != (v.SyncError != "") {
			t.Errorf("%s: sync error %q", v.ID, v.SyncError)
		}
	}
	assertMatchesTruth(t, e.st, e.truth(nova), time.Time{})
	e.srv.ClearFaults()
	mustSync(t, e.syncer(), north, nova)
	assertMatchesTruth(t, e.st, truth, time.Time{})
}

func TestSyncStoreOpensAfterwards(t *testing.T) {
	e := newSyncEnv(t)
	north := e.connect("john", tt.ProviderNorthgate)
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
	e := newSyncEnv(t)
	north := e.connect("john", tt.ProviderNorthgate)
	nova := e.connect("john", tt.ProviderNova)
	mustSync(t, e.syncer(), north, nova)
	ctx := context.Background()
	if err := e.st.ForgetConnection(ctx, north); err != nil {
		t.Fatal(err)
	}
	views, _ := e.st.Accounts(ctx)
	for _, v := range views {
		if v.ConnectionID != nova {
			t.Errorf("%s of %s survived", v.ID, v.ConnectionID)
		}
	}
	n, _ := e.st.CountTransactions(ctx, TxQuery{})
	want := len(e.truth(nova).Accounts[0].Transactions) + len(e.truth(nova).Accounts[0].Pending)
	if n != want {
		t.Errorf("%d transactions left, want Nova's %d", n, want)
	}
	if got, _ := e.st.Transactions(ctx, TxQuery{Text: "tesco"}); len(got) > 0 && got[0].ConnectionID != nova {
		t.Error("text search finds a forgotten row")
	}
	if err := e.st.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSyncDiskFullKeepsPreviousState(t *testing.T) {
	e := newSyncEnv(t)
	north := e.connect("john", tt.ProviderNorthgate)
	path := filepath.Join(t.TempDir(), "small.db")
	st, err := open(path, openConfig{maxPageCount: 80}) // ~320 KiB: accounts fit, history does not
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := NewSyncer(st, e.clients, WithClock(e.srv.Now)).Sync(context.Background(), []string{north}, nil)
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("Sync on a full disk: %v", err)
	}
	if len(rep.Errors()) == 0 {
		t.Error("the report shows no failed account")
	}
	assertConsistent(t, st, e.truth(north))
}

// A bank that ignores from and to and always sends its whole history: the
// sync filters locally, so windows still come back empty at the end of
// history and nothing is stored twice.
func TestSyncWhenTheBankIgnoresTheDateRange(t *testing.T) {
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
		return truelayer.NewClient(nil, truelayer.WithBaseURL(srv), truelayer.WithRetry(truelayer.NoRetry())), nil
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

func TestOfflineSyncKeepsTheStore(t *testing.T) {
	e := newSyncEnv(t)
	north := e.connect("john", tt.ProviderNorthgate)
	mustSync(t, e.syncer(), north)
	truth := e.truth(north)
	e.srv.Close() // the network is gone
	rep, err := e.syncer().Sync(context.Background(), []string{north}, nil)
	if err != nil {
		t.Fatalf("an unreachable bank is not a store failure: %v", err)
	}
	if rep.Connections[0].Err == nil {
		t.Fatal("no connection error reported")
	}
	conns, _ := e.st.Connections(context.Background())
	if len(conns) != 1 || conns[0].SyncError == "" || conns[0].LastSync.IsZero() {
		t.Errorf("connection %+v", conns)
	}
	assertMatchesTruth(t, e.st, truth, time.Time{})
}

// httptestServer serves h on 127.0.0.1 and returns its base URL.
func httptestServer(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// The consent ends between syncs: data calls answer access_denied. The
// connection and its accounts say "consent expired"; the history stays.
func TestSyncConsentExpiredOnDataCalls(t *testing.T) {
	e := newSyncEnv(t, tt.WithClock(func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }),
		tt.WithConsentLifetime(2*time.Hour), tt.WithAccessTokenLifetime(24*time.Hour))
	north := e.connect("john", tt.ProviderNorthgate)
	mustSync(t, e.syncer(), north)
	before, _ := e.st.CountTransactions(context.Background(), TxQuery{})
	e.srv.AdvanceClock(3 * time.Hour)
	e.mu.Lock()
	clear(e.calls) // the still unexpired access token goes straight to the data calls
	e.mu.Unlock()
	nova2 := e.connect("john", tt.ProviderNova) // a fresh consent at another bank
	rep, err := e.syncer().Sync(context.Background(), []string{north, nova2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Connections {
		if (c.ConnectionID == north) != errors.Is(c.Err, truelayer.ErrConsentNeeded) {
			t.Errorf("%s: %v", c.ConnectionID, c.Err)
		}
	}
	views, _ := e.st.Accounts(context.Background())
	for _, v := range views {
		if (v.ConnectionID == north) != (v.SyncError == SyncErrConsentExpired) {
			t.Errorf("%s of %s: %q", v.ID, v.ConnectionID, v.SyncError)
		}
	}
	after, _ := e.st.CountTransactions(context.Background(), TxQuery{AccountIDs: []string{e.truth(north).Accounts[0].ID, e.truth(north).Accounts[1].ID, e.truth(north).Cards[0].ID}})
	if after != before {
		t.Errorf("northgate rows %d, were %d", after, before)
	}
	assertMatchesTruth(t, e.st, e.truth(nova2), time.Time{})
}

func TestSyncNotSupportedIsNotAFailure(t *testing.T) {
	e := newSyncEnv(t)
	north := e.connect("john", tt.ProviderNorthgate)
	nova := e.connect("john", tt.ProviderNova) // cards, standing orders, direct debits: 501
	e.srv.Inject(tt.Fault{Endpoint: "/data/v1/cards/*/transactions", Kind: tt.Status, Status: 501, Code: "endpoint_not_supported"})
	e.srv.Inject(tt.Fault{Endpoint: "/data/v1/cards/*/balance", Kind: tt.Status, Status: 501, Code: "endpoint_not_supported"})
	mustSync(t, e.syncer(), north, nova)
	views, _ := e.st.Accounts(context.Background())
	for _, v := range views {
		switch {
		case v.Kind == KindCard:
			if v.SyncError != SyncErrNotSupported || v.HasBalance {
				t.Errorf("card %s: error %q, balance %v", v.ID, v.SyncError, v.HasBalance)
			}
		case v.SyncError != "" || !v.HasBalance:
			t.Errorf("%s: error %q, balance %v", v.ID, v.SyncError, v.HasBalance)
		}
	}
	assertMatchesTruth(t, e.st, e.truth(nova), time.Time{})
	if sos, _ := e.st.StandingOrders(context.Background(), e.truth(nova).Accounts[0].ID); len(sos) != 0 {
		t.Errorf("nova standing orders %v", sos)
	}
}
