package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"
	"golang.org/x/oauth2"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// emulatorLedger is a ledger store in a temp dir and a Syncer reading the
// emulator's demo bank over loopback, with connections to Northgate (accounts
// and a card) and Castle (no cards).
type emulatorLedger struct {
	srv    *truelayertest.Server
	store  *ledger.Store
	syncer *ledger.Syncer
	conns  []ledger.Consent
}

func newEmulatorLedger(t testing.TB, opts ...truelayertest.Option) *emulatorLedger {
	t.Helper()
	srv := truelayertest.NewServer(append([]truelayertest.Option{truelayertest.WithSeed(7)}, opts...)...)
	t.Cleanup(srv.Close)
	st, err := ledger.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tokens := map[string]*truelayer.Token{}
	var conns []ledger.Consent
	for _, p := range []struct{ id, provider, name string }{
		{"conn-northgate", truelayertest.ProviderNorthgate, "Northgate Bank"},
		{"conn-castle", "ob-castle", "Castle Bank"},
	} {
		tok, err := srv.Connect(truelayertest.DefaultClientID, "john", p.provider, truelayer.DefaultScopes)
		if err != nil {
			t.Fatal(err)
		}
		tokens[p.id] = tok
		conns = append(conns, ledger.Consent{ConnectionID: p.id, ProviderID: p.provider, ProviderName: p.name})
	}
	clients := func(ctx context.Context, id string) (*truelayer.Client, error) {
		hc := oauth2.NewClient(context.Background(), oauth2.StaticTokenSource(tokens[id].OAuth2()))
		return truelayer.NewClient(hc, truelayer.WithBaseURL(srv.APIURL()), truelayer.WithRetry(truelayer.NoRetry())), nil
	}
	return &emulatorLedger{srv: srv, store: st, syncer: ledger.NewSyncer(st, clients), conns: conns}
}

func (e *emulatorLedger) options() Options {
	return Options{Store: e.store, Syncer: e.syncer, Connections: func() ([]ledger.Consent, error) { return e.conns, nil }}
}

// Init's commands run for real: the stored (empty) state, then the balance
// check and the transaction sync against the emulator, then the re-reads.
func TestLedgerLaunchSyncsAndShowsTheDemoBank(t *testing.T) {
	e := newEmulatorLedger(t)
	m := New(e.options())
	m = send(t, m, sizeMsg(120, 32))
	m = drive(t, m, m.Init())

	if m.syncing || m.syncErr != "" || m.lastSync.IsZero() {
		t.Fatalf("sync did not finish cleanly: syncing %v err %q", m.syncing, m.syncErr)
	}
	stored, err := e.store.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.accounts.items)+len(m.cards.items) != len(stored) || len(m.cards.items) == 0 || len(m.accounts.items) < 3 {
		t.Fatalf("model has %d accounts, %d cards; store %d", len(m.accounts.items), len(m.cards.items), len(stored))
	}
	s := screen(m)
	first := m.accounts.items[0]
	for _, want := range []string{"Northgate Bank", "Castle Bank", ledger.Sanitize(first.DisplayName), money(first.Current, first.Currency, false, false), "synced"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	// The transactions pane shows exactly what the store holds for the account.
	n, err := e.store.CountTransactions(context.Background(), ledger.TxQuery{AccountIDs: []string{m.selectedID}})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || len(m.tx.rows) != n || len(m.tx.visible) != n {
		t.Fatalf("pane has %d rows (%d visible), store %d", len(m.tx.rows), len(m.tx.visible), n)
	}

	// The filter agrees with the ledger's own query.
	m = press(t, m, "/")
	m = typeText(t, m, "amount:<=-20")
	max := decimal.NewFromInt(-20)
	want, err := e.store.CountTransactions(context.Background(), ledger.TxQuery{AccountIDs: []string{m.selectedID}, MaxAmount: &max})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.tx.visible) != want {
		t.Errorf("amount:<=-20 shows %d rows, ledger counts %d", len(m.tx.visible), want)
	}
	m = press(t, m, "esc")

	// Open a detail: the list's fields at once, then every id once its
	// record (read apart: the list has no Raw) lands.
	m = press(t, m, "3")
	nm, cmd := m.Update(keyMsg("enter"))
	m = nm.(Model)
	v := m.tx.selected()
	if v == nil || v.Raw.TransactionID != "" || !m.tx.noRaw {
		t.Fatalf("the list was read with Raw: %+v", v)
	}
	if s := screen(m); !strings.Contains(s, "loading the rest") || !strings.Contains(s, "Transaction ID") {
		t.Errorf("detail before its record:\n%s", s)
	}
	m = drive(t, m, cmd)
	full, err := e.store.Transaction(context.Background(), v.AccountID, v.ID, v.Pending)
	if err != nil || full.Raw.TransactionID == "" {
		t.Fatal(full.Raw, err)
	}
	s = screen(m)
	if !strings.Contains(s, full.Raw.TransactionID[:min(20, len(full.Raw.TransactionID))]) || strings.Contains(s, "loading the rest") {
		t.Errorf("detail lacks the transaction id:\n%s", s)
	}
	if full.Raw.Timestamp.Raw != "" && !strings.Contains(s, "Timestamp sent") {
		t.Errorf("detail lacks the raw timestamp:\n%s", s)
	}
	m = press(t, m, "esc")

	// The card's transactions load through a command.
	nm, cmd = m.Update(keyMsg("2"))
	m = drive(t, nm.(Model), cmd)
	if m.selectedID != m.cards.items[0].ID || !m.tx.loaded || m.tx.accountID != m.selectedID {
		t.Fatalf("card transactions not loaded: selected %q pane %q", m.selectedID, m.tx.accountID)
	}

	// R refreshes everything again (incremental this time) without errors.
	before := len(e.srv.Requests())
	nm, cmd = m.Update(keyMsg("R"))
	m = nm.(Model)
	if !m.syncing {
		t.Fatal("R did not start a sync")
	}
	m = drive(t, m, cmd)
	if m.syncing || m.syncErr != "" || len(e.srv.Requests()) == before {
		t.Errorf("R: syncing %v err %q, requests %d→%d", m.syncing, m.syncErr, before, len(e.srv.Requests()))
	}
}

// The first frame comes from the store alone, the way Run builds it: no
// command has run, no network.
func TestFirstFrameFromStoreWithoutNetwork(t *testing.T) {
	e := newEmulatorLedger(t)
	m := New(e.options())
	m = drive(t, m, m.Init()) // fill the store
	e.srv.Close()             // the bank is gone

	f := firstFrameModel(context.Background(), Options{Store: e.store, Connections: e.options().Connections})
	f = send(t, f, sizeMsg(120, 32))
	s := screen(f)
	a := f.accounts.items[0]
	for _, want := range []string{ledger.Sanitize(a.DisplayName), money(a.Current, a.Currency, false, false), "as of"} {
		if !strings.Contains(s, want) {
			t.Errorf("first frame lacks %q:\n%s", want, s)
		}
	}
}

// Castle answers 403 sca_exceeded for old history once its 5 minutes are
// over: that account shows the note while Northgate keeps working.
func TestLedgerSCAExceededShownPerAccount(t *testing.T) {
	start := time.Now()
	clock := start
	e := newEmulatorLedger(t, truelayertest.WithClock(func() time.Time { return clock }))
	clock = start.Add(10 * time.Minute)
	m := New(e.options())
	m = send(t, m, sizeMsg(140, 40))
	m = drive(t, m, m.Init())
	s := screen(m)
	if !strings.Contains(s, ": re-authenticate (L)") {
		t.Fatalf("no sca_exceeded note:\n%s", s)
	}
	if !strings.Contains(s, "Northgate Bank") || m.syncErr != "" {
		t.Errorf("other connection affected: err %q", m.syncErr)
	}
}

// A stale sync (R pressed twice) never applies the first run's result.
func TestLedgerSecondRefreshWins(t *testing.T) {
	e := newEmulatorLedger(t)
	m := New(e.options())
	m = send(t, m, sizeMsg(120, 32))
	m = drive(t, m, m.Init())
	nm, first := m.Update(keyMsg("R"))
	m = nm.(Model)
	firstSeq := m.syncSeq
	nm, second := m.Update(keyMsg("R"))
	m = nm.(Model)
	if m.syncSeq == firstSeq {
		t.Fatal("second R did not take a new sequence number")
	}
	m = drive(t, m, tea.Batch(first, second))
	if m.syncing || m.syncErr != "" {
		t.Errorf("after two refreshes: syncing %v err %q", m.syncing, m.syncErr)
	}
}

// A long history shows its newest rows first, then all of it, keeping the
// selection.
func TestLedgerFirstWindowThenWholeHistory(t *testing.T) {
	e := newEmulatorLedger(t)
	m := New(e.options())
	m = send(t, m, sizeMsg(120, 32))
	m = drive(t, m, m.Init())
	// An account not loaded yet (so not cached) with a long history.
	pick, id, total := -1, "", 0
	for i, a := range m.accounts.items {
		n, err := e.store.CountTransactions(context.Background(), ledger.TxQuery{AccountIDs: []string{a.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if i > m.accounts.cursor && n > firstWindow {
			pick, id, total = i, a.ID, n
			break
		}
	}
	if pick < 0 {
		t.Fatalf("the demo bank has no second account with more than %d rows", firstWindow)
	}
	for m.accounts.cursor < pick {
		m = press(t, m, "j") // the loads of the accounts passed over are dropped as stale
	}
	if m.selectedID != id {
		t.Fatalf("selected %q", m.selectedID)
	}
	first := loadTxCmd(m.ctx, m.txSeq, e.store, id, firstWindow)().(txLoadedMsg)
	nm, rest := m.Update(first)
	m = nm.(Model)
	if !m.tx.partial || !m.tx.loading || len(m.tx.rows) != firstWindow || !strings.Contains(screen(m), fmt.Sprintf("%d+", firstWindow)) {
		t.Fatalf("first window: partial %v rows %d", m.tx.partial, len(m.tx.rows))
	}
	m = press(t, m, "3", "j", "j")
	keep := m.tx.selectedID()
	m = drive(t, m, rest)
	if m.tx.partial || m.tx.loading || len(m.tx.rows) != total || m.tx.selectedID() != keep {
		t.Errorf("whole history: partial %v rows %d/%d selection %q→%q", m.tx.partial, len(m.tx.rows), total, keep, m.tx.selectedID())
	}
}
