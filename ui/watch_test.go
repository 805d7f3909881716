package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/ledger"
)

// TestTUIShowsWhatAnotherProcessSynced: a TUI open on an empty store,
// offline, shows the accounts and rows someone else synced into it (a cron
// `banktui sync`) at the next change check, without a key.
func TestTUIShowsWhatAnotherProcessSynced(t *testing.T) {
	e := newEmulatorLedger(t)
	o := e.options()
	o.Syncer = nil
	h := newHarness(t, newModel(context.Background(), o, o.deps()), nil).resize(120, 32).start()
	if s := h.screen(); strings.Contains(s, "Northgate Bank") {
		t.Fatalf("an empty store shows a bank:\n%s", s)
	}

	// The harness schedules no ticks: the test sends them.
	h.send(watchTickMsg{}) // nothing written yet: nothing re-read
	if rep, err := e.syncer.Sync(context.Background(), []string{"conn-northgate", "conn-castle"}, nil); err != nil || len(rep.Errors()) > 0 {
		t.Fatal(err, rep.Errors())
	}
	h.send(watchTickMsg{})

	stored, err := e.store.Accounts(context.Background())
	if err != nil || len(stored) == 0 {
		t.Fatalf("store: %d accounts, %v", len(stored), err)
	}
	first := stored[0]
	n := e.count(t, ledger.TxQuery{AccountIDs: []string{first.ID}})
	s := h.screen()
	for _, want := range []string{"Northgate Bank", ledger.FormatMoney(first.Current, first.Currency),
		"· " + ledger.FormatCount(n) + " · all time · " + ledger.Sanitize(first.DisplayName)} {
		if !strings.Contains(s, want) {
			t.Errorf("after the change check, the screen lacks %q:\n%s", want, s)
		}
	}
}

// TestChangeWatchTicksUntilTheStoreFails: the program asks again every
// watchEvery, and stops asking a store that cannot answer.
func TestChangeWatchTicksUntilTheStoreFails(t *testing.T) {
	e := newEmulatorLedger(t)
	o := e.options()
	o.Syncer = nil
	m := newModel(context.Background(), o, o.deps())
	m.pc.watchEvery = time.Millisecond
	cmd := m.storeChecked(storeCheckedMsg{})
	if cmd == nil {
		t.Fatal("no next check scheduled")
	}
	if msg := cmd(); msg != (watchTickMsg{}) {
		t.Fatalf("the scheduled check sent %T", msg)
	}
	if cmd := m.storeChecked(storeCheckedMsg{err: errors.New("closed")}); cmd != nil {
		t.Fatal("a failed check scheduled another")
	}
}
