package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

// The footer says "synced" only when a sync succeeded: when a bank failed
// it says which and why, and when every bank failed it says the sync
// failed. (It used to say "✓ synced" whatever the report held.)
func TestFooterSaysWhatTheSyncFailed(t *testing.T) {
	for _, tc := range []struct {
		name        string
		report      []ledger.ConnectionReport
		want, never string
	}{
		{"one bank of two", []ledger.ConnectionReport{
			{ConnectionID: "c1", ProviderName: "Northgate Bank", Err: fmt.Errorf("refresh: %w", truelayer.ErrConsentNeeded)},
			{ConnectionID: "c2", ProviderName: "Castle Bank"},
		}, "✓ synced 1 of 2 banks 10:30 · ✗ Northgate Bank: consent expired: press L to reconnect", ""},
		{"every bank", []ledger.ConnectionReport{
			{ConnectionID: "c1", ProviderName: "Northgate Bank", Err: fmt.Errorf("refresh: %w", truelayer.ErrConsentNeeded)},
			{ConnectionID: "c2", ProviderName: "Castle Bank", Err: fmt.Errorf("dial: %w", truelayer.ErrTemporary)},
		}, "✗ sync failed: Northgate Bank: consent expired: press L to reconnect (+1 more)", "✓ synced"},
		{"an account", []ledger.ConnectionReport{
			{ConnectionID: "c1", ProviderName: "Northgate Bank", Accounts: []ledger.AccountReport{
				{AccountID: "acc-current", DisplayName: "Current Account", Err: &ledger.RefusedError{Endpoint: ledger.EndpointTransactions, Status: 403, Code: "access_denied"}},
				{AccountID: "acc-savings", DisplayName: "Rainy Day Saver", Err: fmt.Errorf("x: %w", truelayer.ErrNotSupported)}, // the bank's own limit
			}},
		}, "✓ synced 1 of 1 banks 10:30 · ✗ Current Account: transactions: refused by the bank", "(+1 more)"},
		{"nothing failed", []ledger.ConnectionReport{{ConnectionID: "c1"}, {ConnectionID: "c2"}}, "✓ synced 10:30", "✗"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := onlineEnv(10)
			e.syncer.sync = func(context.Context, []string, func(ledger.Event)) (*ledger.Report, error) {
				return &ledger.Report{Connections: tc.report}, nil
			}
			s := e.start(t, 160, 30).screen()
			footer := lineAfter(s, "╰")
			if !strings.Contains(footer, tc.want) || (tc.never != "" && strings.Contains(footer, tc.never)) {
				t.Errorf("footer %q, want %q", footer, tc.want)
			}
		})
	}
}

// Each bank's heading says how many days its consent has left; from a
// week before it lapses, a note says so and how to renew it.
func TestConsentDaysLeft(t *testing.T) {
	e := offlineEnv(10)
	e.opts.Connections = func() ([]ledger.Consent, error) {
		return []ledger.Consent{
			{ConnectionID: "c1", ProviderName: "Northgate Bank", ExpiresAt: fixedNow.Add(89*24*time.Hour + time.Hour)},
			{ConnectionID: "c2", ProviderName: "Castle Bank", ExpiresAt: fixedNow.Add(5*24*time.Hour + time.Hour)},
		}, nil
	}
	s := e.start(t, 120, 30).screen()
	if !strings.Contains(s, "Northgate Bank · 89 days of consent") || !strings.Contains(s, "Castle Bank · 5 days of consent") {
		t.Errorf("headings without the days left:\n%s", s)
	}
	if !strings.Contains(lineAfter(s, "Castle Bank ·"), "! consent ends in 5 days: renew it") ||
		strings.Contains(s, "consent ends in 89") {
		t.Errorf("no warning under Castle Bank only:\n%s", s)
	}
}

// An endpoint the bank refuses for one account is said under that account
// as the bank's refusal, not a lost consent; a logged-out connection's
// accounts say they are disconnected.
func TestAccountNotesForRefusalsAndLogout(t *testing.T) {
	e := offlineEnv(10)
	e.store.accounts[1].Endpoints = []ledger.EndpointStatus{{ConnectionID: e.store.accounts[1].ConnectionID, AccountID: e.store.accounts[1].ID,
		Endpoint: ledger.EndpointDirectDebits, Status: 403, Code: "access_denied"}}
	e.store.accounts[2].Disconnected = true
	s := e.start(t, 140, 30).screen()
	name1, name2 := e.store.accounts[1].DisplayName, e.store.accounts[2].DisplayName
	if !strings.Contains(lineAfter(s, name1), "! direct debits: refused by the bank (403") || strings.Contains(s, "consent expired") {
		t.Errorf("no refusal note under %s:\n%s", name1, s)
	}
	if !strings.Contains(lineAfter(s, name2), "disconnected (logged out)") {
		t.Errorf("no disconnected note under %s:\n%s", name2, s)
	}
}
