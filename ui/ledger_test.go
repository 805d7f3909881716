package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/oauth2"

	"github.com/banktui/banktui/auth"
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
		tok, err := srv.Connect(truelayertest.DefaultClientID, "john", p.provider, auth.DefaultScopes)
		if err != nil {
			t.Fatal(err)
		}
		tokens[p.id] = tok
		conns = append(conns, ledger.Consent{ConnectionID: p.id, ProviderID: p.provider, ProviderName: p.name})
	}
	// The TUI's clients say the user is present, as banktui's do, and the
	// syncer calls what each connection was granted.
	clients := func(ctx context.Context, id string) (*truelayer.Client, error) {
		hc := oauth2.NewClient(context.Background(), oauth2.StaticTokenSource(tokens[id].OAuth2()))
		return truelayer.NewClient(hc, truelayer.WithBaseURL(srv.APIURL()), truelayer.WithRetry(truelayer.NoRetry()),
			truelayer.WithPSUIP("127.0.0.1")), nil
	}
	scopes := func(id string) []string { return tokens[id].GrantedScopes() }
	return &emulatorLedger{srv: srv, store: st, syncer: ledger.NewSyncer(st, clients, ledger.WithGrantedScopes(scopes)), conns: conns}
}

func (e *emulatorLedger) options() Options {
	return Options{Store: e.store, Syncer: e.syncer, Connections: func() ([]ledger.Consent, error) { return e.conns, nil }, Location: time.UTC}
}

// start runs the TUI on the ledger as Run would (Init's commands for real:
// the stored state, the balance check and the transaction sync against the
// emulator, then the re-reads), the store's reads behind gates g.
func (e *emulatorLedger) start(t testing.TB, w, h int, g *gates) *harness {
	t.Helper()
	return e.run(t, w, h, g, e.options())
}

// startOffline runs the TUI on what the ledger holds, without a sync.
func (e *emulatorLedger) startOffline(t testing.TB, w, h int, g *gates) *harness {
	t.Helper()
	o := e.options()
	o.Syncer = nil
	return e.run(t, w, h, g, o)
}

func (e *emulatorLedger) run(t testing.TB, w, h int, g *gates, o Options) *harness {
	t.Helper()
	d := o.deps()
	d.store = gatedStore{e.store, g}
	hs := newHarness(t, newModel(context.Background(), o, d), g)
	return hs.resize(w, h).start()
}

func (e *emulatorLedger) count(t testing.TB, q ledger.TxQuery) int {
	t.Helper()
	n, err := e.store.CountTransactions(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLedgerLaunchSyncsAndShowsTheDemoBank(t *testing.T) {
	e := newEmulatorLedger(t)
	h := e.start(t, 120, 32, nil)
	ctx := context.Background()
	stored, err := e.store.Accounts(ctx)
	if err != nil || len(stored) < 4 {
		t.Fatalf("store: %d accounts, %v", len(stored), err)
	}
	s := h.screen()
	first := stored[0]
	for _, want := range []string{"Northgate Bank", "Castle Bank", ledger.Sanitize(first.DisplayName),
		ledger.FormatMoney(first.Current, first.Currency), "✓ synced"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	// The transactions pane counts exactly what the store holds for the account.
	n := e.count(t, ledger.TxQuery{AccountIDs: []string{first.ID}})
	if n == 0 || !strings.Contains(s, "· "+ledger.FormatCount(n)+" · all time · "+ledger.Sanitize(first.DisplayName)) {
		t.Fatalf("the pane does not count the store's %d rows:\n%s", n, s)
	}
	// The filter agrees with the ledger's own query.
	h.press("/").typeText("amount:<=-20")
	limit := decimal.NewFromInt(-20)
	want := e.count(t, ledger.TxQuery{AccountIDs: []string{first.ID}, MaxAmount: &limit})
	if !strings.Contains(h.screen(), "· "+ledger.FormatCount(want)+" of "+ledger.FormatCount(n)+" ·") {
		t.Errorf("amount:<=-20: the ledger counts %d:\n%s", want, h.screen())
	}
	h.press("esc")

	// A detail: every id once its record (read apart: the list has no Raw)
	// lands. (The filter left the cursor on its row: back to the newest.)
	h.press("3", "g", "enter")
	views, err := e.store.Transactions(ctx, ledger.TxQuery{AccountIDs: []string{first.ID}, Sort: "date", Desc: true, Limit: 1})
	if err != nil || len(views) != 1 || views[0].Raw.TransactionID == "" {
		t.Fatal(views, err)
	}
	full := views[0].Raw
	s = h.screen()
	if !strings.Contains(s, full.TransactionID[:min(20, len(full.TransactionID))]) || strings.Contains(s, "loading the rest") {
		t.Errorf("detail lacks the transaction id %s:\n%s", full.TransactionID, s)
	}
	if full.Timestamp.Raw != "" && !strings.Contains(s, "Timestamp sent") {
		t.Errorf("detail lacks the raw timestamp:\n%s", s)
	}
	h.press("esc")

	// The card's transactions load through a command.
	var card ledger.AccountView
	for _, a := range stored {
		if a.Kind == ledger.KindCard {
			card = a
			break
		}
	}
	cards := e.count(t, ledger.TxQuery{AccountIDs: []string{card.ID}})
	if !strings.Contains(h.press("2").screen(), "· "+ledger.FormatCount(cards)+" · all time · "+ledger.Sanitize(card.DisplayName)) {
		t.Fatalf("card transactions not loaded (%d stored):\n%s", cards, h.screen())
	}

	// R refreshes everything again (incremental this time) without errors.
	before := len(e.srv.Requests())
	h.press("R")
	if s := h.screen(); strings.Contains(s, "✗") || strings.Contains(s, "syncing") || len(e.srv.Requests()) == before {
		t.Errorf("R: requests %d→%d:\n%s", before, len(e.srv.Requests()), s)
	}
}

// The first frame comes from the store alone, the way Run builds it: no
// command has run, no network.
func TestFirstFrameFromStoreWithoutNetwork(t *testing.T) {
	e := newEmulatorLedger(t)
	e.start(t, 120, 32, nil) // fill the store
	e.srv.Close()            // the bank is gone

	o := Options{Store: e.store, Connections: e.options().Connections, Location: time.UTC}
	h := newHarness(t, firstFrameModel(context.Background(), o, o.deps()), nil)
	h.deliver(sizeMsg(120, 32)) // no Init: nothing read but what Run read
	stored, err := e.store.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := h.screen()
	a := stored[0]
	for _, want := range []string{ledger.Sanitize(a.DisplayName), ledger.FormatMoney(a.Current, a.Currency), "as of"} {
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
	s := e.start(t, 140, 40, nil).screen()
	if !strings.Contains(s, ": re-authenticate (L)") {
		t.Fatalf("no sca_exceeded note:\n%s", s)
	}
	if !strings.Contains(s, "Northgate Bank") || strings.Contains(s, "✗") {
		t.Errorf("other connection affected:\n%s", s)
	}
}

// A stale sync (R pressed twice) never applies the first run's result.
func TestLedgerSecondRefreshWins(t *testing.T) {
	e := newEmulatorLedger(t)
	h := e.start(t, 120, 32, nil)
	h.deliver(keyMsg("R"))
	h.deliver(keyMsg("R"))
	h.settle()
	if s := h.screen(); strings.Contains(s, "✗") || strings.Contains(s, "syncing") || !strings.Contains(s, "✓ synced") {
		t.Errorf("after two refreshes:\n%s", s)
	}
}

// The pane holds a window of the list, whatever its length: paging
// through a whole account keeps a few screens of rows, G lands on the
// oldest row the store holds, and the counts and the totals line are the
// store's. A held read of a page leaves the previous rows on screen.
func TestLedgerWindowHoldsOnlyWhatItShows(t *testing.T) {
	e := newEmulatorLedger(t)
	e.start(t, 120, 32, nil) // fill the store
	ctx := context.Background()
	stored, err := e.store.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := stored[0]
	total := e.count(t, ledger.TxQuery{AccountIDs: []string{first.ID}})
	h := e.startOffline(t, 120, 32, nil).press("3")
	if !strings.Contains(h.screen(), "· "+ledger.FormatCount(total)+" · all time · "+ledger.Sanitize(first.DisplayName)) {
		t.Fatalf("the title does not count the store's %d rows:\n%s", total, h.screen())
	}
	keep := 3 * h.m.tx.pageSize()
	for range total / h.m.tx.rowsOnScreen() {
		h.press("pgdown")
		if n := len(h.m.tx.list.views); n > keep {
			t.Fatalf("the pane holds %d rows, more than %d", n, keep)
		}
	}
	oldest, err := e.store.TransactionPage(ctx, ledger.TxQuery{AccountIDs: []string{first.ID}, Limit: 1})
	if err != nil || len(oldest) == 0 {
		t.Fatal(err)
	}
	h.press("g", "G")
	if v := h.m.tx.selected(); v == nil || v.ID != oldest[0].ID {
		t.Errorf("G selects %+v, want the oldest row %s", v, oldest[0].ID)
	}
	// The totals line is the sum of the account's rows, matched transfers
	// between the user's accounts left out.
	rows, err := e.store.TransactionPage(ctx, ledger.TxQuery{AccountIDs: []string{first.ID}, Limit: total})
	if err != nil || len(rows) != total {
		t.Fatal(len(rows), err)
	}
	want, transfers := flowsOf(rows)
	if transfers == 0 {
		t.Errorf("no matched transfer in %s: the rule is not tried", first.DisplayName)
	}
	if !strings.Contains(h.screen(), want) {
		t.Errorf("the totals line lacks %q:\n%s", want, h.screen())
	}
}
