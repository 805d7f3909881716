package ui

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
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
		var class []string
		if cat == "PURCHASE" {
			class = []string{"Shopping", "Groceries"}
		}
		out[i] = ledger.TxView{
			AccountID: accountID, ConnectionID: "c1", ID: fmt.Sprintf("tx-%06d", i),
			Pending: i < 2, Timestamp: ts, Description: desc, Merchant: merchant, Category: cat,
			Classification: class, CategoryName: ledger.CategoryName(cat, class), Amount: a, Currency: "GBP", RunningBalance: &rb,
			Raw: truelayer.Transaction{TransactionID: fmt.Sprintf("tx-%06d", i), Description: desc, Amount: a, Currency: "GBP",
				TransactionType: "DEBIT", TransactionCategory: cat, TransactionClassification: class,
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
	periods  int                        // counts of a period (TransactionTotals)
	flows    int                        // counts-and-totals reads (FlowTotals)
	stopped  int                        // of which ended by their context
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
	for _, id := range slices.Sorted(maps.Keys(s.txs)) { // stored in one order: ties sort alike every run
		all = append(all, s.txs[id]...)
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
	s.set(func(s *fakeStore) { s.periods++ })
	s.gates.pass(ctx, "totals", scopeKey(q))
	st, err := s.ledger()
	if err != nil {
		return nil, err
	}
	return st.TransactionTotals(ctx, q)
}

func (s *fakeStore) FlowTotals(ctx context.Context, q ledger.TxQuery) ([]ledger.Bucket, error) {
	s.set(func(s *fakeStore) { s.flows++ })
	s.gates.pass(ctx, "flows", scopeKey(q))
	st, err := s.ledger()
	if err != nil {
		return nil, err
	}
	out, err := st.FlowTotals(ctx, q)
	if ctx.Err() != nil {
		s.set(func(s *fakeStore) { s.stopped++ })
	}
	return out, err
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
	return &fakeEnv{store: newFakeStore(n), clock: c, opts: Options{Now: c.Now, Location: time.UTC}}
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

// Insights is the fake store's reports for q's period: fixed figures that
// vary with the period's last month, so stepping shows new bars. The
// figures' correctness is the ledger's (ledger/reports_test.go); here
// they test how the pane draws them. A read waits at the "insights" gate
// of the period's first month ("2026-11").
func (s *fakeStore) Insights(ctx context.Context, q ledger.TxQuery) (ledger.Insights, error) {
	s.gates.pass(ctx, "insights", q.From.Format("2006-01"))
	return fakeInsights(q), nil
}

func (s gatedStore) Insights(ctx context.Context, q ledger.TxQuery) (ledger.Insights, error) {
	s.gates.pass(ctx, "insights", q.From.Format("2006-01"))
	return s.storeReader.(insightsReader).Insights(ctx, q)
}

func fakeInsights(q ledger.TxQuery) ledger.Insights {
	last := q.To.AddDate(0, 0, -1)
	k := int64(last.Month())
	flow := func(names []string, minor []int64, prev []int64) ledger.FlowReport {
		c := ledger.FlowCurrency{Currency: "GBP"}
		var total, ptotal int64
		for i := range names {
			total += minor[i] * k / 11
			ptotal += prev[i]
		}
		for i, n := range names {
			a := minor[i] * k / 11
			c.Items = append(c.Items, ledger.FlowItem{Key: n, Label: n, Amount: truelayer.AmountFromMinor(a, 2), Count: i + 1,
				Share: float64(a) / float64(total), Previous: truelayer.AmountFromMinor(prev[i], 2)})
		}
		c.Items[len(c.Items)-1].Key, c.Items[len(c.Items)-1].Other = "", true
		c.Total, c.Previous, c.Count = truelayer.AmountFromMinor(total, 2), truelayer.AmountFromMinor(ptotal, 2), 15
		pf, pt := ledger.PreviousPeriod(q.From, q.To, q.Location)
		return ledger.FlowReport{Direction: ledger.FlowSpending, From: q.From, To: q.To, PreviousFrom: pf, PreviousTo: pt, Currencies: []ledger.FlowCurrency{c}}
	}
	in := ledger.Insights{
		Spending: flow([]string{"Home / Rent", "Shopping / Groceries", "Auto & Transport / Public transport", "Food & Dining / Coffee shops", "Other (3)"},
			[]int64{90000, 31245, 12010, 4560, 3000}, []int64{90000, 35012, 9020, 4790, 2500}),
		Merchants: flow([]string{"HARLOW LETTINGS LTD", "Tesco", "Transport for London", "Pret A Manger", "Other (9)"},
			[]int64{90000, 20110, 12010, 3120, 17575}, []int64{90000, 24000, 9020, 3000, 15302}),
	}
	in.Merchants.By, in.Spending.By = ledger.ByMerchant, ledger.ByCategory
	cf := ledger.CashflowCurrency{Currency: "GBP"}
	first := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC)
	for i := range 12 {
		m := first.AddDate(0, i-11, 0)
		inc, out := int64(285000+i*1000), int64(200000+(i*37%11)*9000)
		cf.Months = append(cf.Months, ledger.CashflowMonth{Month: m.Format("2006-01"), Income: truelayer.AmountFromMinor(inc, 2),
			Spending: truelayer.AmountFromMinor(out, 2), Net: truelayer.AmountFromMinor(inc-out, 2)})
		cf.Income, cf.Spending = cf.Income.Add(truelayer.AmountFromMinor(inc, 2)), cf.Spending.Add(truelayer.AmountFromMinor(out, 2))
	}
	cf.Net = cf.Income.Sub(cf.Spending)
	in.Cashflow = ledger.CashflowReport{Currencies: []ledger.CashflowCurrency{cf}}
	total := ledger.BalanceSeries{Currency: "GBP"}
	acct := ledger.BalanceSeries{AccountID: "acc-current", Name: "Current Account", Kind: ledger.KindAccount, Currency: "GBP"}
	for d := q.From; d.Before(q.To); d = d.AddDate(0, 0, 1) {
		v := int64(120000 + (d.Day()*7919%23)*1500 - d.Day()*2000)
		if d.Day() >= 25 {
			v += 285000
		}
		p := ledger.BalancePoint{Date: d.Format(time.DateOnly), Balance: truelayer.AmountFromMinor(v, 2)}
		acct.Points = append(acct.Points, p)
		p.Balance = p.Balance.Add(amt("10250"))
		total.Points = append(total.Points, p)
	}
	in.NetWorth = ledger.NetWorthReport{Step: ledger.StepDay, Totals: []ledger.BalanceSeries{total}, Accounts: []ledger.BalanceSeries{acct}}
	next := func(day int) string {
		return time.Date(last.Year(), last.Month()+1, day, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	in.Recurring = ledger.RecurringReport{Payments: []ledger.RecurringPayment{
		{Source: ledger.SourceStandingOrder, Payee: "HARLOW LETTINGS LTD", Currency: "GBP", Amount: amt("900"), Interval: "monthly", Next: next(1), MonthlyCost: amt("900")},
		{Source: ledger.SourceDirectDebit, Payee: "OCTOPUS ENERGY", Currency: "GBP", Amount: amt("138"), Interval: "monthly", Next: next(12), MonthlyCost: amt("138")},
		{Source: ledger.SourceDetected, Payee: "Netflix", Currency: "GBP", Amount: amt("12.99"), Interval: "monthly", Next: next(16), MonthlyCost: amt("12.99")},
		{Source: ledger.SourceDetected, Payee: "Sparkle Cleaning", Currency: "GBP", Amount: amt("40"), Interval: "weekly", Next: next(18), MonthlyCost: amt("173.33")},
		{Source: ledger.SourceStandingOrder, Payee: "J DOE", Currency: "GBP", Amount: amt("300"), Interval: "monthly", Next: next(26), MonthlyCost: amt("300"), Transfer: true},
	}, Monthly: []ledger.CurrencyAmount{{Currency: "GBP", Amount: amt("1224.32")}}}
	return in
}
