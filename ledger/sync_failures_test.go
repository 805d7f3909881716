package ledger

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/truelayer"
	tt "github.com/banktui/banktui/truelayer/truelayertest"
)

func TestSyncWithFaults(t *testing.T) {
	t.Parallel()
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
			t.Parallel()
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
	t.Parallel()
	e, north, _, castle := newSyncedEnv(t) // castle has history before its consent goes

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

func TestSyncCancelledKeepsConsistentState(t *testing.T) {
	t.Parallel()
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

// Slow responses make requests overlap; the bounds hold per connection and
// overall.
func TestSyncConcurrencyBounds(t *testing.T) {
	e, north, _, _ := newSyncedEnv(t)
	e.srv.Inject(tt.Fault{Kind: tt.Latency, Latency: 20 * time.Millisecond})
	mustSync(t, e.syncer(), north)
	if p := e.srv.PeakConcurrency(); p > 4 || p < 2 {
		t.Errorf("one connection: peak %d requests in flight, want 2..4", p)
	}

	e2, north2, nova, castle := newSyncedEnv(t)
	e2.srv.Inject(tt.Fault{Kind: tt.Latency, Latency: 20 * time.Millisecond})
	mustSync(t, e2.syncer(WithConcurrency(6)), north2, nova, castle)
	if p := e2.srv.PeakConcurrency(); p > 6 || p < 5 {
		t.Errorf("three connections, overall bound 6: peak %d", p)
	}
}

func TestSyncPerAccountErrorsDoNotStopOthers(t *testing.T) {
	t.Parallel()
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

func TestSyncDiskFullKeepsPreviousState(t *testing.T) {
	t.Parallel()
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

func TestOfflineSyncKeepsTheStore(t *testing.T) {
	t.Parallel()
	e, north, _, _ := newSyncedEnv(t)
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
	found := false
	for _, c := range conns {
		if c.ID == north {
			found = true
			if c.SyncError == "" || c.LastSync.IsZero() {
				t.Errorf("connection %+v", c)
			}
		}
	}
	if !found {
		t.Errorf("connection %s gone: %+v", north, conns)
	}
	assertMatchesTruth(t, e.st, truth, time.Time{})
}

// The consent ends between syncs: data calls answer access_denied. The
// connection and its accounts say "consent expired"; the history stays.
func TestSyncConsentExpiredOnDataCalls(t *testing.T) {
	t.Parallel()
	e, north, _, _ := newSyncedEnv(t, tt.WithConsentLifetime(2*time.Hour), tt.WithAccessTokenLifetime(24*time.Hour))
	nt := e.truth(north)
	northIDs := []string{nt.Accounts[0].ID, nt.Accounts[1].ID, nt.Cards[0].ID}
	before, _ := e.st.CountTransactions(context.Background(), TxQuery{AccountIDs: northIDs})
	// Northgate's first client is its minted access token, still unexpired:
	// it goes straight to the data calls.
	e.srv.AdvanceClock(3 * time.Hour)
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
		if v.ConnectionID != north && v.ConnectionID != nova2 {
			continue
		}
		if (v.ConnectionID == north) != (v.SyncError == SyncErrConsentExpired) {
			t.Errorf("%s of %s: %q", v.ID, v.ConnectionID, v.SyncError)
		}
	}
	after, _ := e.st.CountTransactions(context.Background(), TxQuery{AccountIDs: northIDs})
	if after != before || before == 0 {
		t.Errorf("northgate rows %d, were %d", after, before)
	}
	assertMatchesTruth(t, e.st, e.truth(nova2), time.Time{})
}

func TestSyncNotSupportedIsNotAFailure(t *testing.T) {
	t.Parallel()
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

// A lost consent cancels the connection's other requests, and with them a
// store write that was waiting (under load: for the file check, or the
// write lock). That write's context error is no store failure: the run
// reports the lost consent (banktui exits 3, "consent expired"), not
// "cancelled". Seen as a flake of the CLI's fault matrix (invalid_grant).
// Nor is one cut short by another cancellation: the caller's (Sync returns
// it) or a failed commit's, which cancels the next window's fetch while its
// stage may be opening (seen as a flake of the fault matrix's full disk:
// "banktui: cancelled" instead of "the disk is full").
func TestStoreWriteCutShortByALostConsent(t *testing.T) {
	t.Parallel()
	st := openTest(t)
	lost := &auth.ReconnectError{ConnectionID: "ob-x", Reason: "consent expired (invalid_grant)"}
	for _, consentLost := range []bool{true, false} {
		ctx, cancel := context.WithCancelCause(context.Background())
		c := &connSync{y: &Syncer{store: st}, id: "ob-x", cancel: cancel}
		if consentLost {
			c.consentFailed(lost)
		} else {
			cancel(nil) // the caller's own cancellation
		}
		werr := st.setEndpointStatus(ctx, "ob-x", endpoint{name: EndpointBalance}, 403, "access_denied", time.Time{})
		if !errors.Is(werr, context.Canceled) {
			t.Fatalf("a write under a cancelled context: %v, want context.Canceled", werr)
		}
		got := c.storeFailed(werr)
		var re *auth.ReconnectError
		switch {
		case consentLost && (!errors.As(got, &re) || len(c.storeErrs) != 0):
			t.Errorf("after a lost consent: storeFailed = %v, store errors %v; want the consent error and none", got, c.storeErrs)
		case !consentLost && (!errors.Is(got, context.Canceled) || len(c.storeErrs) != 0):
			t.Errorf("a cancelled write: storeFailed = %v, store errors %v; want the cancellation returned, none recorded", got, c.storeErrs)
		}
	}
}

// The disk filling while a window is staged (the stage file lies beside
// the store): the sync fails with ErrDiskFull naming the store, the store
// stays consistent (an account whose window fitted is stored), no stage
// file is left, and once there is room the next sync stores the whole
// history.
func TestSyncDiskFullWhileStaging(t *testing.T) {
	t.Parallel()
	e := newSyncEnv(t)
	north := e.connect("john", tt.ProviderNorthgate)
	path := filepath.Join(t.TempDir(), "ledger.db")
	st, err := open(path, openConfig{stageMaxPages: 30}) // ~120 KiB: a window does not fit
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := NewSyncer(st, e.clients, WithClock(e.srv.Now)).Sync(context.Background(), []string{north}, nil)
	var fe *FileError
	if !errors.Is(err, ErrDiskFull) || !errors.As(err, &fe) || fe.Path != path {
		t.Fatalf("Sync with the stage's disk full: %v; want ErrDiskFull naming %s", err, path)
	}
	if len(rep.Errors()) == 0 {
		t.Error("the report shows no failed account")
	}
	for _, err := range rep.Errors() {
		if !errors.Is(err, ErrDiskFull) {
			t.Errorf("an account's error %v; want ErrDiskFull (its advice: free space)", err)
		}
	}
	assertConsistent(t, st, e.truth(north)) // what is stored is the bank's, whole windows only
	if files := stageFiles(t, st); len(files) > 0 {
		t.Errorf("stage files left after the failed sync: %q", files)
	}
	st.stageMaxPages = 0 // room again
	mustSync(t, NewSyncer(st, e.clients, WithClock(e.srv.Now)), north)
	assertMatchesTruth(t, st, e.truth(north), time.Time{})
}
