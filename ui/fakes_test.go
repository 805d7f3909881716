package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/ledger/ledgertest"
	"github.com/banktui/banktui/truelayer"
)

// fixedNow is the clock of every model test: goldens must not depend on the day.
var fixedNow = time.Date(2026, 11, 28, 10, 30, 0, 0, time.UTC)

func fixedClock() time.Time { return fixedNow }

func amt(s string) truelayer.Amount { return truelayer.MustAmount(s) }

func amtp(s string) *truelayer.Amount { a := amt(s); return &a }

func fakeAccounts() []ledger.AccountView {
	asOf := fixedNow.Add(-49 * time.Minute)
	return []ledger.AccountView{
		{ConnectionID: "c1", ProviderID: "ob-northgate", ProviderName: "Northgate Bank", Kind: "account", ID: "acc-current",
			DisplayName: "Current Account", Type: "TRANSACTION", Currency: "GBP", Number: "12-34-56 12345678",
			Current: amt("1234.56"), Available: amt("1334.56"), HasBalance: true, BalanceAsOf: asOf},
		{ConnectionID: "c1", ProviderID: "ob-northgate", ProviderName: "Northgate Bank", Kind: "account", ID: "acc-savings",
			DisplayName: "Rainy Day Saver", Type: "SAVINGS", Currency: "GBP", Number: "12-34-56 87654321",
			Current: amt("10250"), Available: amt("10250"), HasBalance: true, BalanceAsOf: asOf},
		{ConnectionID: "c2", ProviderID: "ob-castle", ProviderName: "Castle Bank", Kind: "account", ID: "acc-castle",
			DisplayName: "Castle Everyday", Type: "TRANSACTION", Currency: "EUR", Number: "DE89370400440532013000",
			Current: amt("-42.10"), Available: amt("457.90"), HasBalance: true, BalanceAsOf: asOf,
			SyncError: ledger.SyncErrSCAExceeded},
		{ConnectionID: "c1", ProviderID: "ob-northgate", ProviderName: "Northgate Bank", Kind: "card", ID: "card-1",
			DisplayName: "Northgate Platinum", Type: "CREDIT", Currency: "GBP", CardNetwork: "VISA", PartialCardNumber: "4242",
			Current: amt("420.00"), Available: amt("2580.00"), CreditLimit: amtp("3000"), HasBalance: true, BalanceAsOf: asOf},
	}
}

func fakeTotals() []ledger.CurrencyTotal {
	return []ledger.CurrencyTotal{{Currency: "EUR", Total: amt("-42.10")}, {Currency: "GBP", Total: amt("11064.56")}}
}

var merchants = []string{"Tesco", "Pret A Manger", "TfL", "Amazon", "Spotify", "Shell", "Boots", ""}
var categories = []string{"PURCHASE", "BILL_PAYMENT", "TRANSFER", "DIRECT_DEBIT", "ATM", "CREDIT"}

// fakeTransactions builds n transactions newest first, one every 7 hours back
// from fixedNow, deterministic.
func fakeTransactions(accountID string, n int) []ledger.TxView {
	out := make([]ledger.TxView, n)
	bal := int64(123456)
	for i := 0; i < n; i++ {
		ts := fixedNow.Add(-time.Duration(i) * 7 * time.Hour).Add(-time.Hour)
		merchant := merchants[i%len(merchants)]
		minor := -int64((i*7919)%20000 + 99)
		if i%9 == 4 {
			minor = int64((i*104729)%300000 + 1000) // money in
		}
		a := truelayer.AmountFromMinor(minor, 2)
		rb := truelayer.AmountFromMinor(bal, 2)
		bal -= minor
		desc := fmt.Sprintf("CARD PAYMENT %s REF%05d", strings.ToUpper(merchant), i)
		if merchant == "" {
			desc = fmt.Sprintf("TRANSFER TO SAVINGS %05d", i)
		}
		cat := categories[i%len(categories)]
		out[i] = ledger.TxView{
			AccountID: accountID, ConnectionID: "c1", ID: fmt.Sprintf("tx-%06d", i),
			Pending: i < 2, Timestamp: ts, Description: desc, Merchant: merchant, Category: cat,
			Classification: []string{"Shopping", "Groceries"}, Amount: a, Currency: "GBP", RunningBalance: &rb,
			Raw: truelayer.Transaction{TransactionID: fmt.Sprintf("tx-%06d", i), Description: desc, Amount: a, Currency: "GBP",
				TransactionType: "DEBIT", TransactionCategory: cat, TransactionClassification: []string{"Shopping", "Groceries"},
				ProviderTransactionID: fmt.Sprintf("prov-%d", i), NormalisedProviderTransactionID: fmt.Sprintf("norm-%d", i),
				Meta: map[string]any{"provider_category": "POS", "provider_reference": fmt.Sprintf("REF%05d", i)}},
		}
	}
	return out
}

// numberedTransactions are fakeTransactions labelled "ROW 0000" (the newest)
// to "ROW n-1", so a test can tell which row is selected.
func numberedTransactions(accountID string, n int) []ledger.TxView {
	out := fakeTransactions(accountID, n)
	for i := range out {
		out[i].Merchant, out[i].Description = "", fmt.Sprintf("ROW %04d", i)
	}
	return out
}

// fakeStore is the ledger's store with scriptable accounts: the accounts,
// cards and totals are these fields; the transactions are txs, written into
// a real ledger (ledgertest.Write) at the first read, so pages, counts and
// totals are the store's own. Reads can be held back at a gate.
type fakeStore struct {
	mu       sync.Mutex
	accounts []ledger.AccountView
	totals   []ledger.CurrencyTotal
	txs      map[string][]ledger.TxView // newest first
	txErr    error                      // every list read fails
	recErr   error                      // every record read fails
	reads    map[string]int             // page reads per list (scopeKey)
	records  int                        // record reads
	gates    *gates
	dir      string        // where the real ledger is written
	real     *ledger.Store // txs, written at the first read
}

func newFakeStore(n int) *fakeStore {
	return &fakeStore{accounts: fakeAccounts(), totals: fakeTotals(),
		txs: map[string][]ledger.TxView{"acc-current": fakeTransactions("acc-current", n)}, reads: map[string]int{}, gates: &gates{}}
}

// ledger is the real store holding txs, written at the first call.
func (s *fakeStore) ledger() (*ledger.Store, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.real != nil {
		return s.real, nil
	}
	var all []ledger.TxView
	for _, txs := range s.txs {
		all = append(all, txs...)
	}
	path := filepath.Join(s.dir, "ledger.db")
	if err := ledgertest.Write(path, s.accounts, all); err != nil {
		return nil, err
	}
	st, err := ledger.Open(path)
	s.real = st
	return st, err
}

// scopeKey names the list a query reads: its one account, or "all".
func scopeKey(q ledger.TxQuery) string {
	if len(q.AccountIDs) == 1 {
		return q.AccountIDs[0]
	}
	return "all"
}

// Accounts reads, then waits at a gate if one is held: a held read returns
// what the store held when it was asked.
func (s *fakeStore) Accounts(ctx context.Context) ([]ledger.AccountView, error) {
	s.mu.Lock()
	out := append([]ledger.AccountView(nil), s.accounts...)
	s.mu.Unlock()
	s.gates.pass(ctx, "accounts", "")
	return out, nil
}

func (s *fakeStore) Totals(context.Context) ([]ledger.CurrencyTotal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.totals, nil
}

func (s *fakeStore) TransactionPage(ctx context.Context, q ledger.TxQuery) ([]ledger.TxView, error) {
	s.gates.pass(ctx, "page", scopeKey(q))
	s.mu.Lock()
	s.reads[scopeKey(q)]++
	err := s.txErr
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	st, err := s.ledger()
	if err != nil {
		return nil, err
	}
	return st.TransactionPage(ctx, q)
}

func (s *fakeStore) TransactionTotals(ctx context.Context, q ledger.TxQuery) ([]ledger.Bucket, error) {
	s.gates.pass(ctx, "totals", scopeKey(q))
	st, err := s.ledger()
	if err != nil {
		return nil, err
	}
	return st.TransactionTotals(ctx, q)
}

func (s *fakeStore) Transaction(ctx context.Context, accountID, id string, pending bool) (ledger.TxView, error) {
	s.gates.pass(ctx, "record", accountID)
	s.mu.Lock()
	s.records++
	err := s.recErr
	s.mu.Unlock()
	if err != nil {
		return ledger.TxView{}, err
	}
	st, err := s.ledger()
	if err != nil {
		return ledger.TxView{}, err
	}
	return st.Transaction(ctx, accountID, id, pending)
}

func (s *fakeStore) set(f func(s *fakeStore)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *fakeStore) count(f func(s *fakeStore) int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f(s)
}

// gatedStore puts gates in front of another store (the emulator's ledger).
type gatedStore struct {
	storeReader
	gates *gates
}

func (s gatedStore) TransactionPage(ctx context.Context, q ledger.TxQuery) ([]ledger.TxView, error) {
	s.gates.pass(ctx, "page", scopeKey(q))
	return s.storeReader.TransactionPage(ctx, q)
}

// gates hold back reads so a test can let a newer request overtake an
// older one. The harness counts a read waiting at a gate as settled.
type gates struct {
	mu      sync.Mutex
	held    []*gate
	waiting int
	wake    chan struct{}
}

type gate struct {
	kind, id string
	arrived  bool // a read is (or was) waiting here
	done     bool // released, or the read gave up
	open     chan struct{}
}

// hold makes the next read of kind for id wait until release is called:
// "accounts", "page" (rows of a list: id is its account, or "all"),
// "totals" (its counts) or "record" (one transaction with the bank's JSON,
// for the detail).
// release counts the read as running again at once, so a settle right
// after it waits for the read's reply.
func (g *gates) hold(kind, id string) (release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	gt := &gate{kind: kind, id: id, open: make(chan struct{})}
	g.held = append(g.held, gt)
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if !gt.done {
			gt.done = true
			if gt.arrived {
				g.waiting--
			}
			close(gt.open)
		}
	}
}

func (g *gates) pass(ctx context.Context, kind, id string) {
	if g == nil {
		return
	}
	g.mu.Lock()
	var gt *gate
	for _, h := range g.held {
		if !h.arrived && h.kind == kind && h.id == id {
			gt = h
			break
		}
	}
	if gt == nil || gt.done {
		g.mu.Unlock()
		return
	}
	gt.arrived = true
	g.waiting++
	g.mu.Unlock()
	g.woken() <- struct{}{}
	select {
	case <-gt.open:
	case <-ctx.Done():
		g.mu.Lock()
		if !gt.done {
			gt.done = true
			g.waiting--
		}
		g.mu.Unlock()
	}
}

func (g *gates) parked() int {
	if g == nil {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.waiting
}

func (g *gates) woken() chan struct{} {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.wake == nil {
		g.wake = make(chan struct{}, 64)
	}
	return g.wake
}

// fakeSyncer is the ledger's syncer with scripted runs: by default each
// phase succeeds at once.
type fakeSyncer struct {
	balances, sync func(ctx context.Context, ids []string, progress func(ledger.Event)) (*ledger.Report, error)
}

func (f *fakeSyncer) Balances(ctx context.Context, ids []string, progress func(ledger.Event)) (*ledger.Report, error) {
	if f.balances != nil {
		return f.balances(ctx, ids, progress)
	}
	return &ledger.Report{}, nil
}

func (f *fakeSyncer) Sync(ctx context.Context, ids []string, progress func(ledger.Event)) (*ledger.Report, error) {
	if f.sync != nil {
		return f.sync(ctx, ids, progress)
	}
	return &ledger.Report{}, nil
}

// fakeEnv is a model's world: the store, the syncer, the clock.
type fakeEnv struct {
	store  *fakeStore
	syncer *fakeSyncer // nil: offline
	opts   Options
	clock  *clock
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// offlineEnv: the fake accounts and n transactions of the current account,
// no syncer.
func offlineEnv(n int) *fakeEnv {
	c := &clock{now: fixedNow}
	return &fakeEnv{store: newFakeStore(n), clock: c, opts: Options{Now: c.Now}}
}

// onlineEnv adds a syncer whose runs succeed.
func onlineEnv(n int) *fakeEnv {
	e := offlineEnv(n)
	e.syncer = &fakeSyncer{}
	return e
}

// model builds the model on the env's fakes; the store's transactions are
// written into a ledger in t's temporary directory.
func (e *fakeEnv) model(t testing.TB) Model {
	e.store.dir = t.TempDir()
	t.Cleanup(func() {
		if e.store.real != nil {
			e.store.real.Close()
		}
	})
	d := deps{store: e.store}
	if e.syncer != nil {
		d.syncer = e.syncer
	}
	return newModel(context.Background(), e.opts, d)
}

// start launches the model at w×h and waits for its first reads and sync.
func (e *fakeEnv) start(t testing.TB, w, h int) *harness {
	t.Helper()
	hs := newHarness(t, e.model(t), e.store.gates)
	hs.env = e
	hs.deliver(sizeMsg(w, h))
	return hs.start()
}

// fakeHarness is offlineEnv started at w×h.
func fakeHarness(t testing.TB, w, h, n int) *harness { return offlineEnv(n).start(t, w, h) }

// onlineHarness is onlineEnv after a sync that ended two minutes ago.
func onlineHarness(t testing.TB, w, h, n int) *harness {
	t.Helper()
	return onlineEnv(n).startSynced(t, w, h)
}

// startSynced starts the model two minutes before fixedNow, so its first
// sync ends then.
func (e *fakeEnv) startSynced(t testing.TB, w, h int) *harness {
	t.Helper()
	e.clock.set(fixedNow.Add(-2 * time.Minute))
	hs := e.start(t, w, h)
	e.clock.set(fixedNow)
	return hs
}
