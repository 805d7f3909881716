package ledger

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
	tt "github.com/banktui/banktui/truelayer/truelayertest"
)

// A connection granted the default scopes of the truelayer package (no
// standing_orders, no direct_debits): the sync never calls those two
// endpoints, fails nothing, and stores everything else. (It used to call
// both for every account: 403, and the whole connection "reconnect needed".)
func TestSyncCallsOnlyGrantedEndpoints(t *testing.T) {
	t.Parallel()
	e := newSyncEnv(t)
	id, err := e.mintWith("john", tt.ProviderNorthgate, truelayer.DefaultScopes)
	if err != nil {
		t.Fatal(err)
	}
	mustSync(t, e.syncer(), id)
	for _, r := range e.srv.Requests() {
		if strings.HasSuffix(r.Path, "/standing_orders") || strings.HasSuffix(r.Path, "/direct_debits") {
			t.Errorf("called %s without its scope (status %d)", r.Path, r.Status)
		}
		if r.Status == http.StatusForbidden {
			t.Errorf("%s answered 403", r.Path)
		}
	}
	assertMatchesTruth(t, e.st, e.truth(id), time.Time{})
	statuses, _ := e.st.EndpointStatuses(context.Background())
	if len(statuses) != 0 {
		t.Errorf("statuses recorded for endpoints never called: %+v", statuses)
	}
}

// Castle refuses the direct debits of an account that has none (403
// access_denied, as First Direct does): that endpoint of that account is
// recorded as refused; the connection, the account and every other
// endpoint carry on, and nothing says "reconnect".
func TestSyncEndpointRefusalIsNotALostConsent(t *testing.T) {
	t.Parallel()
	e := newSyncEnv(t)
	castle := e.connect("john", tt.ProviderCastle)
	rep := mustSync(t, e.syncer(), castle)
	truth := e.truth(castle)
	savings := truth.Accounts[1].ID
	if len(truth.Accounts[1].DirectDebits) != 0 {
		t.Fatal("the test needs Castle's savings account without direct debits")
	}
	if rep.Connections[0].Err != nil {
		t.Fatalf("connection error %v", rep.Connections[0].Err)
	}
	assertMatchesTruth(t, e.st, truth, time.Time{})
	statuses, err := e.st.EndpointStatuses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := EndpointStatus{ConnectionID: castle, AccountID: savings, Endpoint: EndpointDirectDebits, Status: 403, Code: "access_denied"}
	if len(statuses) != 1 || statuses[0].ConnectionID != want.ConnectionID || statuses[0].AccountID != want.AccountID ||
		statuses[0].Endpoint != want.Endpoint || statuses[0].Status != want.Status || statuses[0].Code != want.Code {
		t.Fatalf("statuses %+v, want just %+v", statuses, want)
	}
	if got := statuses[0].Text(); !strings.Contains(got, "direct debits: refused by the bank (403 access_denied)") {
		t.Errorf("status text %q", got)
	}
	views, _ := e.st.Accounts(context.Background())
	for _, v := range views {
		if v.SyncError != "" {
			t.Errorf("%s: sync error %q", v.ID, v.SyncError)
		}
	}
	conns, _ := e.st.Connections(context.Background())
	if len(conns) != 1 || conns[0].SyncError != "" || conns[0].LastSync.IsZero() {
		t.Errorf("connection %+v", conns)
	}
	// The bank still refuses on the next sync: the status stays, once.
	mustSync(t, e.syncer(), castle)
	if again, _ := e.st.EndpointStatuses(context.Background()); len(again) != 1 {
		t.Errorf("statuses after a second sync %+v", again)
	}
	// Once the bank answers, the refusal is forgotten.
	restore := e.srv.Relax(tt.RuleBankRefusals) // this test is about a bank changing its mind
	defer restore()
	mustSync(t, e.syncer(), castle)
	if after, _ := e.st.EndpointStatuses(context.Background()); len(after) != 0 {
		t.Errorf("statuses after the bank answered %+v", after)
	}
}

// A 403 on pending transactions or on the card list, and 501s (Nova has no
// cards, standing orders or direct debits: recorded by the demo sync), are
// recorded per endpoint; the stored pending set and cards are kept; no
// account fails.
func TestSyncOptionalEndpointsRecorded(t *testing.T) {
	t.Parallel()
	e, north, nova, _ := newSyncedEnv(t)
	nt := e.truth(north)
	current, card := nt.Accounts[0].ID, nt.Cards[0].ID
	pendingBefore := len(storedAmounts(t, e.st, current, true))
	e.srv.Inject(tt.Fault{Endpoint: "/data/v1/accounts/" + current + "/transactions/pending", Kind: tt.Status, Status: 403, Code: "access_denied"})
	e.srv.Inject(tt.Fault{Endpoint: "/data/v1/cards", Kind: tt.Status, Status: 403, Code: "access_denied"})
	rep := mustSync(t, e.syncer(), north)
	for _, c := range rep.Connections {
		for _, a := range c.Accounts {
			if a.Err != nil {
				t.Errorf("%s: %v", a.AccountID, a.Err)
			}
		}
	}
	if got := len(storedAmounts(t, e.st, current, true)); got != pendingBefore || got == 0 {
		t.Errorf("pending rows %d, were %d: a refused pending set must keep the stored one", got, pendingBefore)
	}
	views, _ := e.st.Accounts(context.Background())
	if !slices.ContainsFunc(views, func(v AccountView) bool { return v.ID == card && !v.Gone }) {
		t.Errorf("the card is gone after its list was refused: %+v", views)
	}
	statuses, _ := e.st.EndpointStatuses(context.Background())
	got := map[string]int{}
	for _, s := range statuses {
		got[s.ConnectionID+"/"+s.AccountID+"/"+s.Endpoint] = s.Status
	}
	novaAcct := e.truth(nova).Accounts[0].ID
	for key, status := range map[string]int{
		north + "/" + current + "/" + EndpointPending:        403,
		north + "//" + EndpointCards:                         403,
		nova + "//" + EndpointCards:                          501,
		nova + "/" + novaAcct + "/" + EndpointStandingOrders: 501,
		nova + "/" + novaAcct + "/" + EndpointDirectDebits:   501,
	} {
		if got[key] != status {
			t.Errorf("%s: status %d, want %d (all: %v)", key, got[key], status, got)
		}
	}
}

// Only a failed refresh or an access_denied on the account list itself
// loses a connection; the same 403 on the balance or the transactions of
// one account fails that account alone.
func TestSyncLostConsentOnlyFromAccountList(t *testing.T) {
	t.Parallel()
	e, north, _, _ := newSyncedEnv(t)
	nt := e.truth(north)
	current := nt.Accounts[0].ID
	e.srv.Inject(tt.Fault{Endpoint: "/data/v1/accounts/" + current + "/transactions", Kind: tt.Status, Status: 403, Code: "access_denied"})
	var lost []string
	told := WithConsentLost(func(id, reason string) { lost = append(lost, id+": "+reason) })
	rep, err := e.syncer(told).Sync(context.Background(), []string{north}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Connections[0]
	if c.Err != nil {
		t.Fatalf("a 403 on one account's transactions failed the connection: %v", c.Err)
	}
	for _, a := range c.Accounts {
		var re *RefusedError
		if (a.AccountID == current) != errors.As(a.Err, &re) {
			t.Errorf("%s: %v", a.AccountID, a.Err)
		}
		if errors.Is(a.Err, truelayer.ErrConsentNeeded) {
			t.Errorf("%s: reads as a lost consent: %v", a.AccountID, a.Err)
		}
	}
	if a := Explain(c.Accounts[0].Err); a.NeedsLogin() {
		t.Errorf("advice %q asks to reconnect", a.Text(CLI))
	}
	if len(lost) > 0 {
		t.Errorf("consent reported lost: %v", lost)
	}

	e.srv.Inject(tt.Fault{Endpoint: "/data/v1/accounts", Kind: tt.Status, Status: 403, Code: "access_denied"})
	rep, err = e.syncer(told).Sync(context.Background(), []string{north}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(rep.Connections[0].Err, truelayer.ErrConsentNeeded) {
		t.Errorf("access_denied on the account list: %v, want a lost consent", rep.Connections[0].Err)
	}
	if want := north + ": the bank denied the account list (access_denied)"; len(lost) != 1 || lost[0] != want {
		t.Errorf("consent lost told %v, want %q", lost, want)
	}
}
