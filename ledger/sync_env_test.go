package ledger

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/banktui/banktui/truelayer"
	tt "github.com/banktui/banktui/truelayer/truelayertest"
)

// fastRetry keeps fault tests quick; eight attempts outlast every burst of
// faults the tests inject.
var fastRetry = truelayer.RetryPolicy{MaxAttempts: 8, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxTotal: 20 * time.Second}

// attended makes a client say the user is present (X-PSU-IP; the address
// banktui finds on its route to a loopback bank), as banktui's clients do in
// the TUI and on a terminal: the bank does not limit its calls.
var attended = truelayer.WithPSUIP("127.0.0.1")

// tokenKeeper stands in for auth.Manager: the first client of a connection
// uses the minted token; every later request for a client (the Syncer asks
// again after a 401) refreshes it, as the auth manager would. Its clients
// say the user is present (X-PSU-IP), as banktui's do in the TUI and on a
// terminal, unless psuIP is "" (a sync from cron).
type tokenKeeper struct {
	srv    *tt.Server
	auth   *truelayer.AuthClient
	psuIP  string
	apiURL string // the Data API base the clients use; "" = the emulator's

	mu           sync.Mutex
	tokens       map[string]*truelayer.Token
	users        map[string][2]string // connection -> username, provider
	calls        map[string]int
	refreshFirst map[string]bool
}

func newTokenKeeper(srv *tt.Server) *tokenKeeper {
	return &tokenKeeper{
		srv: srv,
		auth: truelayer.NewAuthClient(nil, truelayer.AuthConfig{
			ClientID: tt.DefaultClientID, ClientSecret: tt.DefaultClientSecret, AuthURL: srv.AuthURL(),
		}),
		tokens: map[string]*truelayer.Token{}, users: map[string][2]string{},
		calls: map[string]int{}, refreshFirst: map[string]bool{}, psuIP: "127.0.0.1",
	}
}

// scopes are the scopes a connection's token was granted (a ScopesFunc).
func (k *tokenKeeper) scopes(id string) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.tokens[id].GrantedScopes()
}

// mint connects username at provider with every scope; the connection's
// id is "username@provider".
func (k *tokenKeeper) mint(username, provider string) (string, error) {
	return k.mintWith(username, provider, truelayer.AvailableScopes)
}

// mintWith connects username at provider granting scopes.
func (k *tokenKeeper) mintWith(username, provider string, scopes []string) (string, error) {
	tok, err := k.srv.Connect(tt.DefaultClientID, username, provider, scopes)
	if err != nil {
		return "", fmt.Errorf("connect %s at %s: %w", username, provider, err)
	}
	id := username + "@" + provider
	k.mu.Lock()
	k.tokens[id], k.users[id] = tok, [2]string{username, provider}
	k.mu.Unlock()
	return id, nil
}

func (k *tokenKeeper) clients(ctx context.Context, id string) (*truelayer.Client, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	tok := k.tokens[id]
	if tok == nil {
		return nil, fmt.Errorf("no connection %q", id)
	}
	k.calls[id]++
	if k.calls[id] > 1 || k.refreshFirst[id] {
		fresh, err := k.auth.Refresh(ctx, tok.RefreshToken)
		if err != nil {
			return nil, err
		}
		k.tokens[id], tok = fresh, fresh
	}
	hc := &http.Client{Transport: &oauth2.Transport{Source: oauth2.StaticTokenSource(tok.OAuth2())}}
	api := k.apiURL
	if api == "" {
		api = k.srv.APIURL()
	}
	return truelayer.NewClient(hc, truelayer.WithBaseURL(api), truelayer.WithRetry(fastRetry), truelayer.WithPSUIP(k.psuIP)), nil
}

// truth is the emulator's data of a connection.
func (k *tokenKeeper) truth(conn string) *tt.BankData {
	k.mu.Lock()
	u := k.users[conn]
	k.mu.Unlock()
	return k.srv.Truth(u[0], u[1])
}

// syncEnv is an emulator, a store and a token keeper.
type syncEnv struct {
	t  testing.TB
	st *Store
	*tokenKeeper
}

func newSyncEnv(t testing.TB, opts ...tt.Option) *syncEnv {
	t.Helper()
	return newSyncEnvWith(t, openTest(t), opts...)
}

func newSyncEnvWith(t testing.TB, st *Store, opts ...tt.Option) *syncEnv {
	t.Helper()
	srv := tt.NewServer(opts...)
	t.Cleanup(srv.Close)
	return &syncEnv{t: t, st: st, tokenKeeper: newTokenKeeper(srv)}
}

// connect mints a connection for username at provider; its id is "username@provider".
func (e *syncEnv) connect(username, provider string) string {
	e.t.Helper()
	id, err := e.mint(username, provider)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *syncEnv) syncer(opts ...SyncOption) *Syncer {
	return NewSyncer(e.st, e.clients, append([]SyncOption{WithClock(e.srv.Now), WithGrantedScopes(e.scopes)}, opts...)...)
}

// demoNow is the emulator's clock in the tests that start from the demo sync.
var demoNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func demoClock() time.Time { return demoNow }

// demoProviders are John's banks in the demo sync.
var demoProviders = []string{tt.ProviderNorthgate, tt.ProviderNova, tt.ProviderCastle}

// demoSyncRun is John's first sync of Northgate, Nova and Castle on the
// emulator at demoNow, run once per test binary (demoSync): a first sync of
// three banks is the dearest step of these tests. Tests that start from a
// synced store work on a copy (newSyncedEnv); TestSyncMatchesTruth and
// TestSyncBalancesFirst check the first sync itself from what it recorded.
type demoSyncRun struct {
	dir      string // holds ledger.db, closed, its WAL checkpointed
	conns    []string
	report   *Report
	events   []Event
	requests []tt.Request // the emulator's log of the sync
}

var demoSyncOnce = sync.OnceValues(runDemoSync)

func runDemoSync() (*demoSyncRun, error) {
	dir, err := os.MkdirTemp("", "ledger-demo-sync-")
	if err != nil {
		return nil, err
	}
	testDataDirs = append(testDataDirs, dir)
	run := &demoSyncRun{dir: dir}
	srv := tt.NewServer(tt.WithClock(demoClock))
	defer srv.Close()
	keys := newTokenKeeper(srv)
	for _, p := range demoProviders {
		id, err := keys.mint("john", p)
		if err != nil {
			return run, err
		}
		run.conns = append(run.conns, id)
	}
	st, err := Open(filepath.Join(dir, "ledger.db"))
	if err != nil {
		return run, err
	}
	defer st.Close()
	record := func(ev Event) { run.events = append(run.events, ev) } // Sync serialises progress calls
	run.report, err = NewSyncer(st, keys.clients, WithClock(srv.Now), WithGrantedScopes(keys.scopes)).Sync(context.Background(), run.conns, record)
	if err != nil {
		return run, err
	}
	run.requests = srv.Requests()
	if _, err := st.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return run, err
	}
	return run, st.Close()
}

// demoSync returns the demo sync, failing the test if it failed.
func demoSync(t testing.TB) *demoSyncRun {
	t.Helper()
	run, err := demoSyncOnce()
	if err != nil {
		t.Fatalf("the demo sync: %v", err)
	}
	if errs := run.report.Errors(); len(errs) > 0 {
		t.Fatalf("the demo sync reported errors: %v", errs)
	}
	return run
}

// newSyncedEnv is a syncEnv as the demo sync left it: a copy of its store,
// and an emulator on its clock (opts add to that) where John has connected
// Northgate, Nova and Castle again. It returns their connection ids.
func newSyncedEnv(t testing.TB, opts ...tt.Option) (e *syncEnv, north, nova, castle string) {
	t.Helper()
	run := demoSync(t)
	path := filepath.Join(t.TempDir(), "ledger.db")
	copyFile(t, filepath.Join(run.dir, "ledger.db"), path)
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e = newSyncEnvWith(t, st, append([]tt.Option{tt.WithClock(demoClock)}, opts...)...)
	var ids []string
	for _, p := range demoProviders {
		ids = append(ids, e.connect("john", p))
	}
	if !slices.Equal(ids, run.conns) {
		t.Fatalf("connections %v, the demo sync's %v", ids, run.conns)
	}
	return e, ids[0], ids[1], ids[2]
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// testDataDirs hold what the test binary built once (sync.Once) for its
// tests and benchmarks; TestMain removes them at the end.
var testDataDirs []string

func removeTestData() {
	for _, dir := range testDataDirs {
		os.RemoveAll(dir)
	}
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
		assertSettledMatch(t, st, ad, since)
		var wantPend, gotPend []string
		for _, p := range ad.Pending {
			wantPend = append(wantPend, p.TransactionID)
		}
		for _, p := range storedAmounts(t, st, ad.ID, true) {
			gotPend = append(gotPend, p.id)
		}
		slices.Sort(wantPend)
		slices.Sort(gotPend)
		if !slices.Equal(gotPend, wantPend) {
			t.Errorf("%s: pending %v, truth %v", ad.ID, gotPend, wantPend)
		}
	}
}

// assertSettledMatch checks an account's settled rows against the bank's,
// by id and amount.
func assertSettledMatch(t testing.TB, st *Store, ad tt.AccountData, since time.Time) {
	t.Helper()
	stored := storedAmounts(t, st, ad.ID, false)
	got := map[string]truelayer.Amount{}
	var gotSum truelayer.Amount
	for _, s := range stored {
		if _, dup := got[s.id]; dup {
			t.Errorf("%s: transaction %s stored twice", ad.ID, s.id)
		}
		got[s.id] = s.amount
		gotSum = gotSum.Add(s.amount)
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
}

type storedAmount struct {
	id     string
	amount truelayer.Amount
}

// storedAmounts reads an account's settled or pending rows straight from
// the table, ids and amounts only: the truth checks compare nothing else,
// and they run after every sync of the thirty-day test. Store.Transactions
// has tests of its own.
func storedAmounts(t testing.TB, st *Store, accountID string, pending bool) []storedAmount {
	t.Helper()
	rows, err := st.db.Query(`SELECT t.tx_id, t.amount FROM transactions t JOIN accounts a ON a.rid = t.account_rid
WHERE a.id = ? AND t.pending = ?`, accountID, boolInt(pending))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedAmount
	for rows.Next() {
		var s storedAmount
		var amount string
		if err := rows.Scan(&s.id, &amount); err != nil {
			t.Fatal(err)
		}
		s.amount = amountFromText(amount)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
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

// httptestServer serves h on 127.0.0.1 and returns its base URL.
func httptestServer(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
