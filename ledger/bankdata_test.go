package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// scriptedBank is a Data API that answers what a test sets: one account,
// its balance JSON and its transactions (as raw JSON, so a test can send
// what the emulator never would), no cards, no pending rows.
type scriptedBank struct {
	t       *testing.T
	mu      sync.Mutex
	balance string   // the balance object
	txs     []string // transaction objects
	srv     *httptest.Server
	st      *Store
}

const scriptedAccount = "acc-s"

func newScriptedBank(t *testing.T) *scriptedBank {
	b := &scriptedBank{t: t, st: openTest(t),
		balance: `{"currency":"GBP","available":100.5,"current":100.5,"update_timestamp":"2026-11-28T09:00:00Z"}`}
	mux := http.NewServeMux()
	results := func(w http.ResponseWriter, items ...string) {
		fmt.Fprint(w, `{"results":[`)
		for i, it := range items {
			if i > 0 {
				fmt.Fprint(w, ",")
			}
			fmt.Fprint(w, it)
		}
		fmt.Fprint(w, `],"status":"Succeeded"}`)
	}
	notSupported := func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNotImplemented)
		fmt.Fprint(w, `{"error":"endpoint_not_supported","error_description":"no"}`)
	}
	mux.HandleFunc("/data/v1/accounts", func(w http.ResponseWriter, _ *http.Request) {
		results(w, `{"account_id":"`+scriptedAccount+`","account_type":"TRANSACTION","display_name":"Scripted","currency":"GBP",
			"account_number":{"number":"12345678","sort_code":"12-34-56"},"provider":{"provider_id":"ob-s","display_name":"Scripted Bank"}}`)
	})
	mux.HandleFunc("/data/v1/accounts/"+scriptedAccount+"/balance", func(w http.ResponseWriter, _ *http.Request) {
		b.mu.Lock()
		defer b.mu.Unlock()
		results(w, b.balance)
	})
	mux.HandleFunc("/data/v1/accounts/"+scriptedAccount+"/transactions", func(w http.ResponseWriter, _ *http.Request) {
		b.mu.Lock()
		defer b.mu.Unlock()
		results(w, b.txs...)
	})
	mux.HandleFunc("/data/v1/accounts/"+scriptedAccount+"/transactions/pending", func(w http.ResponseWriter, _ *http.Request) { results(w) })
	for _, p := range []string{"/data/v1/cards", "/data/v1/me", "/data/v1/accounts/" + scriptedAccount + "/standing_orders",
		"/data/v1/accounts/" + scriptedAccount + "/direct_debits"} {
		mux.HandleFunc(p, notSupported)
	}
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	return b
}

func (b *scriptedBank) set(f func(b *scriptedBank)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f(b)
}

// sync runs a full sync of the scripted connection.
func (b *scriptedBank) sync() *Report {
	b.t.Helper()
	return b.syncAs(truelayer.WithPSUIP("127.0.0.1")) // the user is present: no unattended limit
}

// syncAs syncs with the client options given (none: unattended).
func (b *scriptedBank) syncAs(opts ...truelayer.Option) *Report {
	b.t.Helper()
	clients := func(context.Context, string) (*truelayer.Client, error) {
		return truelayer.NewClient(b.srv.Client(), append([]truelayer.Option{truelayer.WithBaseURL(b.srv.URL),
			truelayer.WithRetry(truelayer.NoRetry())}, opts...)...), nil
	}
	rep, err := NewSyncer(b.st, clients, WithClock(func() time.Time { return demoNow })).Sync(context.Background(), []string{"conn-s"}, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return rep
}

func scriptedTx(id, providerID, day, amount, desc string) string {
	raw, _ := json.Marshal(map[string]any{"transaction_id": id, "provider_transaction_id": providerID,
		"timestamp": day + "T10:00:00Z", "amount": json.Number(amount), "currency": "GBP", "description": desc,
		"transaction_type": "DEBIT", "transaction_category": "PURCHASE"})
	return string(raw)
}

func (b *scriptedBank) stored() []TxView {
	b.t.Helper()
	got, err := b.st.Transactions(context.Background(), TxQuery{AccountIDs: []string{scriptedAccount}})
	if err != nil {
		b.t.Fatal(err)
	}
	return got
}

// TestSyncNullBalanceKeepsTheLastGoodOne: "current": null is not £0.00; the
// last good figure stays, and the account says why it did not change.
// (Issue 12: a null balance became £0.00 and replaced the last good one.)
func TestSyncNullBalanceKeepsTheLastGoodOne(t *testing.T) {
	b := newScriptedBank(t)
	b.sync()
	for _, bad := range []string{
		`{"currency":"GBP","available":null,"current":null}`,
		`{"currency":"GBP","available":12.5}`,
	} {
		b.set(func(b *scriptedBank) { b.balance = bad })
		rep := b.sync()
		v, ok, err := b.st.Account(context.Background(), scriptedAccount)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		if !v.HasBalance || v.Current.String() != "100.5" || v.Available.String() != "100.5" {
			t.Errorf("after %s: balance %s / %s, want the last good 100.5", bad, v.Current, v.Available)
		}
		if v.SyncError != SyncErrBadBalance || ExplainStored(v.SyncError).Problem == "" {
			t.Errorf("after %s: the account's note is %q, want %q", bad, v.SyncError, SyncErrBadBalance)
		}
		if errs := rep.Errors(); len(errs) != 1 {
			t.Errorf("after %s: the report has %d errors, want the bad balance: %v", bad, len(errs), errs)
		}
		history, _ := b.st.BalanceHistory(context.Background(), scriptedAccount)
		if len(history) != 1 {
			t.Errorf("after %s: %d balance snapshots stored, want only the good one", bad, len(history))
		}
	}
	// A good balance again clears the note.
	b.set(func(b *scriptedBank) { b.balance = `{"currency":"GBP","available":0,"current":0}` })
	b.sync()
	if v, _, _ := b.st.Account(context.Background(), scriptedAccount); v.SyncError != "" || !v.Current.IsZero() {
		t.Errorf("a real zero balance: %s, note %q", v.Current, v.SyncError)
	}
}

// A sync that does not ask for the balance (the day's unattended calls
// spent) keeps the bad-balance note: the figure shown is still the last
// good one. The skip is in the account's report. (The note was cleared,
// and the skip lost when the transactions replaced the balance report.)
func TestSyncSkippingTheBalanceKeepsItsNote(t *testing.T) {
	b := newScriptedBank(t)
	b.sync()
	b.set(func(b *scriptedBank) { b.balance = `{"currency":"GBP","available":null,"current":null}` })
	b.sync()
	ctx := context.Background()
	ep := endpoint{account: scriptedAccount, kind: KindAccount, name: EndpointBalance}
	for range UnattendedLimit {
		if err := b.st.recordUnattendedCall(ctx, "conn-s", ep, demoNow); err != nil {
			t.Fatal(err)
		}
	}
	rep := b.syncAs()
	acc := rep.Connections[0].Accounts[0]
	if len(acc.Skipped) != 1 || acc.Skipped[0].Endpoint != EndpointBalance {
		t.Errorf("the account's report skipped %v, want the balance", acc.Skipped)
	}
	if v, _, _ := b.st.Account(ctx, scriptedAccount); v.SyncError != SyncErrBadBalance || v.Current.String() != "100.5" {
		t.Errorf("after a sync without the balance: %s, note %q; want the last good 100.5 noted %q", v.Current, v.SyncError, SyncErrBadBalance)
	}
}

// TestSyncKeepsApartDuplicateIDs: two different transactions under one id
// in one answer are both stored, and the report says so; the same row sent
// twice is stored once. (Issue 12: they collapsed silently into one.)
func TestSyncKeepsApartDuplicateIDs(t *testing.T) {
	b := newScriptedBank(t)
	b.set(func(b *scriptedBank) {
		b.txs = []string{
			scriptedTx("dup", "", "2026-11-20", "-5.00", "COFFEE"),
			scriptedTx("dup", "", "2026-11-21", "-80.00", "GROCERIES"),
			scriptedTx("twice", "", "2026-11-22", "-1.00", "SAME"),
			scriptedTx("twice", "", "2026-11-22", "-1.00", "SAME"),
		}
	})
	for range 2 { // and a second sync changes nothing
		rep := b.sync()
		acc := rep.Connections[0].Accounts[0]
		if acc.Duplicates != 2 {
			t.Errorf("the report counts %d ids sent twice, want 2", acc.Duplicates)
		}
		got := b.stored()
		var descs []string
		for _, v := range got {
			descs = append(descs, v.ID+" "+v.Description)
		}
		want := []string{"dup COFFEE", "dup#2 GROCERIES", "twice SAME"}
		if !slices.Equal(descs, want) {
			t.Errorf("stored %q, want %q", descs, want)
		}
	}
}

// TestSyncNewRowSharingAProviderIDOverwritesNothing: a bank that reuses a
// provider id for a new transaction gets both stored, and the next sync
// changes neither. (Issue 12: the new row overwrote the stored one, and
// the next sync flipped it back.)
func TestSyncNewRowSharingAProviderIDOverwritesNothing(t *testing.T) {
	b := newScriptedBank(t)
	first := scriptedTx("a", "P-1", "2026-11-20", "-5.00", "FIRST")
	b.set(func(b *scriptedBank) { b.txs = []string{first} })
	b.sync()
	b.set(func(b *scriptedBank) {
		b.txs = []string{first, scriptedTx("b", "P-1", "2026-11-21", "-5.00", "SECOND")}
	})
	for i := range 3 {
		b.sync()
		var got []string
		for _, v := range b.stored() {
			got = append(got, v.ID+" "+v.Description)
		}
		if want := []string{"a FIRST", "b SECOND"}; !slices.Equal(got, want) {
			t.Fatalf("sync %d: stored %q, want %q", i+2, got, want)
		}
	}
	// A row that really changed its id (the old one is gone) is still
	// recognised by its provider id: no duplicate.
	b.set(func(b *scriptedBank) {
		b.txs = []string{scriptedTx("c", "P-3", "2026-11-23", "-9.00", "THIRD")}
	})
	b.sync()
	b.set(func(b *scriptedBank) {
		b.txs = []string{scriptedTx("c-new", "P-3", "2026-11-23", "-9.00", "THIRD")}
	})
	b.sync()
	var ids []string
	for _, v := range b.stored() {
		ids = append(ids, v.ID)
	}
	if want := []string{"a", "b", "c-new"}; !slices.Equal(ids, want) {
		t.Errorf("after the bank renamed c: %v, want %v", ids, want)
	}
}
