package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

func TestSyncProgressAndErrors(t *testing.T) {
	e := onlineEnv(10)
	proceed := make(chan struct{})
	e.syncer.balances = func(ctx context.Context, _ []string, progress func(ledger.Event)) (*ledger.Report, error) {
		progress(ledger.Event{ConnectionID: "c1", Phase: ledger.PhaseBalances, Done: 1, Total: 3})
		<-proceed
		return &ledger.Report{Connections: []ledger.ConnectionReport{
			{ConnectionID: "c1", Accounts: []ledger.AccountReport{{AccountID: "acc-savings", Err: fmt.Errorf("balance: %w", truelayer.ErrNotSupported)}}},
			{ConnectionID: "c2", Err: fmt.Errorf("refresh: %w", truelayer.ErrConsentNeeded)},
		}}, nil
	}
	e.syncer.sync = func(context.Context, []string, func(ledger.Event)) (*ledger.Report, error) {
		return nil, fmt.Errorf("dial: %w", truelayer.ErrTemporary)
	}
	h := newHarness(t, e.model(t), e.store.gates)
	h.deliver(sizeMsg(120, 30))
	h.run(h.m.Init())
	h.waitFor("progress", func(s string) bool {
		return strings.Contains(s, "refreshing balances · Northgate Bank: balances 1/3")
	})
	close(proceed)
	h.settle()
	s := h.screen()
	for _, want := range []string{
		"! not supported by this bank",            // under savings
		"! consent expired: press L to reconnect", // under Castle Bank
		"offline: showing stored data as of 09:41; r retries",
		"✗ the bank or TrueLayer is temporarily unavailable: showing stored data; R tries again",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("after the sync the screen lacks %q:\n%s", want, s)
		}
	}
	if !strings.Contains(lineAfter(s, "Rainy Day Saver"), "not supported") || strings.Contains(s, "refreshing") {
		t.Errorf("the note is not under savings, or the sync still runs:\n%s", s)
	}
}

// R pressed twice: the first run's late report is dropped.
func TestSecondRefreshWins(t *testing.T) {
	e := onlineEnv(10)
	h := e.startSynced(t, 120, 30)
	started, proceed := make(chan struct{}), make(chan struct{})
	first := make(chan struct{}, 1)
	first <- struct{}{} // taken by the first run only
	e.syncer.balances = func(ctx context.Context, _ []string, _ func(ledger.Event)) (*ledger.Report, error) {
		select {
		case <-first:
			close(started)
			<-proceed // the first run answers late, and badly
			return nil, errors.New("the first run's result")
		default:
			return &ledger.Report{}, nil
		}
	}
	h.deliver(keyMsg("R"))
	<-started
	h.deliver(keyMsg("R"))
	h.waitFor("the second run", func(s string) bool { return strings.Contains(s, "✓ synced 10:30") })
	close(proceed)
	h.settle()
	if s := h.screen(); strings.Contains(s, "first run") || !strings.Contains(s, "✓ synced 10:30") {
		t.Errorf("the stale run's report was applied:\n%s", s)
	}
}
