package truelayertest_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// endpointCall is one Data API getter and the scopes it needs (§1.3).
type endpointCall struct {
	name  string
	needs []string
	call  func(ctx context.Context, api *truelayer.Client, acct, card string) error
}

func ignore[T any](_ T, err error) error { return err }

var endpointCalls = []endpointCall{
	{"info", []string{"info"}, func(ctx context.Context, api *truelayer.Client, _, _ string) error { return ignore(api.Info(ctx)) }},
	{"accounts", []string{"accounts"}, func(ctx context.Context, api *truelayer.Client, _, _ string) error { return ignore(api.Accounts(ctx)) }},
	{"account", []string{"accounts"}, func(ctx context.Context, api *truelayer.Client, a, _ string) error {
		return ignore(api.Account(ctx, a))
	}},
	{"balance", []string{"accounts", "balance"}, func(ctx context.Context, api *truelayer.Client, a, _ string) error {
		return ignore(api.Balance(ctx, a))
	}},
	{"transactions", []string{"accounts", "transactions"}, func(ctx context.Context, api *truelayer.Client, a, _ string) error {
		return ignore(api.Transactions(ctx, a, time.Time{}, time.Time{}))
	}},
	{"pending", []string{"accounts", "transactions"}, func(ctx context.Context, api *truelayer.Client, a, _ string) error {
		return ignore(api.PendingTransactions(ctx, a))
	}},
	{"standing orders", []string{"accounts", "standing_orders"}, func(ctx context.Context, api *truelayer.Client, a, _ string) error {
		return ignore(api.StandingOrders(ctx, a))
	}},
	{"direct debits", []string{"accounts", "direct_debits"}, func(ctx context.Context, api *truelayer.Client, a, _ string) error {
		return ignore(api.DirectDebits(ctx, a))
	}},
	{"cards", []string{"cards"}, func(ctx context.Context, api *truelayer.Client, _, _ string) error { return ignore(api.Cards(ctx)) }},
	{"card", []string{"cards"}, func(ctx context.Context, api *truelayer.Client, _, c string) error { return ignore(api.Card(ctx, c)) }},
	{"card balance", []string{"cards", "balance"}, func(ctx context.Context, api *truelayer.Client, _, c string) error {
		return ignore(api.CardBalance(ctx, c))
	}},
	{"card transactions", []string{"cards", "transactions"}, func(ctx context.Context, api *truelayer.Client, _, c string) error {
		return ignore(api.CardTransactions(ctx, c, time.Time{}, time.Time{}))
	}},
	{"card pending", []string{"cards", "transactions"}, func(ctx context.Context, api *truelayer.Client, _, c string) error {
		return ignore(api.CardPendingTransactions(ctx, c))
	}},
	{"me", nil, func(ctx context.Context, api *truelayer.Client, _, _ string) error { return ignore(api.Me(ctx)) }},
}

func without(scopes []string, drop string) []string {
	return slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return s == drop })
}

// northgateIDs are john's first account and card at ob-northgate.
func northgateIDs(srv *truelayertest.Server) (acct, card string) {
	truth := srv.Truth("john", truelayertest.ProviderNorthgate)
	return truth.Accounts[0].ID, truth.Cards[0].ID
}

func checkScopesPerEndpoint(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	acct, card := northgateIDs(srv)
	for _, e := range endpointCalls {
		if err := e.call(ctx, apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate)), acct, card); err != nil {
			t.Errorf("%s with every scope: %v", e.name, err)
		}
		for _, sc := range e.needs {
			api := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate, without(truelayer.AvailableScopes, sc)...))
			err := e.call(ctx, api, acct, card)
			var ae *truelayer.APIError
			if !errors.As(err, &ae) || ae.StatusCode != 403 || ae.Code != "access_denied" || !strings.Contains(ae.Description, sc) {
				t.Errorf("%s without %s: %v; want 403 access_denied naming %s", e.name, sc, err, sc)
			}
		}
	}
	// /me needs no data scope at all.
	if _, err := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate, "offline_access")).Me(ctx); err != nil {
		t.Errorf("/me with offline_access only: %v", err)
	}
}

func checkOfflineAccess(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	if tok := connect(t, srv, "john", truelayertest.ProviderNorthgate, "info", "accounts"); tok.RefreshToken != "" {
		t.Error("Connect without offline_access issued a refresh token")
	}
	ac := authClient(srv, redirect)
	for _, scopes := range [][]string{{"info", "accounts"}, {"info", "accounts", "offline_access"}} {
		code, verifier := login(t, srv, ac, truelayer.AuthLinkParams{Scopes: scopes}, "john", "doe", truelayertest.ProviderNorthgate)
		tok, err := ac.Exchange(ctx, code, verifier)
		if err != nil {
			t.Fatal(err)
		}
		if want := slices.Contains(scopes, "offline_access"); (tok.RefreshToken != "") != want {
			t.Errorf("scopes %v: refresh token %t, want %t", scopes, tok.RefreshToken != "", want)
		}
	}
}

func checkRunningBalance(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	acct, card := northgateIDs(srv)
	for _, withBalance := range []bool{false, true} {
		scopes := []string{"accounts", "cards", "transactions"}
		if withBalance {
			scopes = append(scopes, "balance")
		}
		api := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate, scopes...))
		txs, err := api.Transactions(ctx, acct, time.Time{}, time.Time{})
		ctxs, cerr := api.CardTransactions(ctx, card, time.Time{}, time.Time{})
		if err != nil || cerr != nil || len(txs) == 0 || len(ctxs) == 0 {
			t.Fatalf("transactions: %v, %v", err, cerr)
		}
		if got := txs[0].RunningBalance != nil && ctxs[0].RunningBalance != nil; got != withBalance {
			t.Errorf("balance scope %t: running balances %t", withBalance, got)
		}
	}
}

func checkGrantedScopes(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	ac := authClient(srv, redirect)
	asked := []string{"info", "accounts", "balance", "offline_access"}
	code, verifier := login(t, srv, ac, truelayer.AuthLinkParams{Scopes: asked}, "john", "doe", truelayertest.ProviderNorthgate)
	tok, err := ac.Exchange(ctx, code, verifier)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := truelayer.ParseClaims(tok.AccessToken)
	if err != nil || !slices.Equal(claims.Scope, asked) || tok.Scope != strings.Join(asked, " ") {
		t.Errorf("token response scope %q, JWT scope %v (%v); want %v in both", tok.Scope, claims.Scope, err, asked)
	}
	if !slices.Equal(tok.GrantedScopes(), asked) || tok.HasScopes("direct_debits") {
		t.Errorf("GrantedScopes = %v, want %v", tok.GrantedScopes(), asked)
	}
	fresh, err := ac.Refresh(ctx, tok.RefreshToken)
	if err != nil || !slices.Equal(fresh.GrantedScopes(), asked) {
		t.Errorf("after a refresh: %v, %v; want %v", fresh, err, asked)
	}
	// A token without the response's scope still says, through its JWT.
	if bare := (&truelayer.Token{AccessToken: tok.AccessToken}); !slices.Equal(bare.GrantedScopes(), asked) {
		t.Errorf("from the JWT alone: %v", bare.GrantedScopes())
	}
}

func checkUnattendedLimit(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	tok := connect(t, srv, "john", truelayertest.ProviderNorthgate)
	acct, card := northgateIDs(srv)
	other := srv.Truth("john", truelayertest.ProviderNorthgate).Accounts[1].ID
	// The client's own retry policy: it must not retry into the wall.
	cron := unattendedClient(srv, tok, truelayer.WithRetry(truelayer.DefaultRetryPolicy()))
	for i := range 4 {
		if _, err := cron.Balance(ctx, acct); err != nil {
			t.Fatalf("unattended call %d: %v", i+1, err)
		}
	}
	srv.ResetLog()
	_, err := cron.Balance(ctx, acct)
	if ae := apiErr(t, err); ae.StatusCode != 429 || ae.Code != "unattended_calls_limit_exceeded" || ae.RetryAfter <= 0 || !errors.Is(err, truelayer.ErrRateLimited) {
		t.Errorf("fifth unattended call: %v; want 429 unattended_calls_limit_exceeded with Retry-After", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("the client tried %d times, want once", n)
	}
	// Per account and per endpoint.
	if _, err := cron.Balance(ctx, other); err != nil {
		t.Errorf("another account: %v", err)
	}
	if _, err := cron.CardBalance(ctx, card); err != nil {
		t.Errorf("a card: %v", err)
	}
	if _, err := cron.PendingTransactions(ctx, acct); err != nil {
		t.Errorf("another endpoint of the account: %v", err)
	}
	for i := range 6 { // TrueLayer's own record of the consent, not the bank's data
		if _, err := cron.Me(ctx); err != nil {
			t.Fatalf("/me, call %d: %v", i+1, err)
		}
	}
	// The user present: no limit; an X-PSU-IP that is no address is no user.
	for range 6 {
		if _, err := apiClient(srv, tok).Balance(ctx, acct); err != nil {
			t.Fatalf("with X-PSU-IP: %v", err)
		}
	}
	if _, err := unattendedClient(srv, tok, truelayer.WithPSUIP("the user")).Balance(ctx, acct); err == nil {
		t.Error("X-PSU-IP: the user (not an address) lifted the limit")
	}
	srv.AdvanceClock(24 * time.Hour)
	fresh, err := authClient(srv, redirect).Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unattendedClient(srv, fresh).Balance(ctx, acct); err != nil {
		t.Errorf("24 hours later: %v", err)
	}
}

// today is the test clock's day (fixedClock: 2026-03-15 10:00 UTC).
var today = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)

func checkFutureDates(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	acct, card := northgateIDs(srv)
	api := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate))
	monthAgo, now := today.AddDate(0, -1, 0), fixedClock()
	for _, c := range []struct {
		name     string
		from, to time.Time
		ok       bool
	}{
		{"to today (a date)", monthAgo, today, true},
		{"to now (a time)", monthAgo, now, true},
		{"to tomorrow (a date)", monthAgo, today.AddDate(0, 0, 1), false},
		{"to in an hour (a time)", monthAgo, now.Add(time.Hour), false},
		{"from tomorrow", today.AddDate(0, 0, 1), time.Time{}, false},
		{"from in a second", now.Add(time.Second), time.Time{}, false},
	} {
		for kind, call := range map[string]func() error{
			"account": func() error { return ignore(api.Transactions(ctx, acct, c.from, c.to)) },
			"card":    func() error { return ignore(api.CardTransactions(ctx, card, c.from, c.to)) },
		} {
			err := call()
			if c.ok && err != nil || !c.ok && !errors.Is(err, truelayer.ErrInvalidDateRange) {
				t.Errorf("%s, %s: %v; want ok %t, else 400 invalid_date_range", kind, c.name, err, c.ok)
			}
		}
	}
}

func checkFromAfterTo(t *testing.T) {
	srv := newServer(t)
	acct, _ := northgateIDs(srv)
	api := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate))
	_, err := api.Transactions(context.Background(), acct, today.AddDate(0, 0, -1), today.AddDate(0, 0, -2))
	if ae := apiErr(t, err); ae.StatusCode != 400 || !errors.Is(err, truelayer.ErrInvalidDateRange) {
		t.Errorf("from after to: %v; want 400 invalid_date_range", err)
	}
}

func checkBanksDiffer(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	castle := srv.Truth("john", truelayertest.ProviderCastle)
	api := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderCastle))
	current, savings := castle.Accounts[0], castle.Accounts[1]
	if len(savings.DirectDebits) != 0 || len(current.DirectDebits) == 0 {
		t.Fatalf("castle's savings should have no direct debits, its current account some")
	}
	_, err := api.DirectDebits(ctx, savings.ID)
	if ae := apiErr(t, err); ae.StatusCode != 403 || ae.Code != "access_denied" {
		t.Errorf("castle, direct debits of an account without any: %v; want 403 access_denied", err)
	}
	// A refusal of one endpoint of one account is not a lost consent.
	if dds, err := api.DirectDebits(ctx, current.ID); err != nil || len(dds) != len(current.DirectDebits) {
		t.Errorf("castle current account's direct debits after the refusal: %d, %v", len(dds), err)
	}
	if _, err := api.Balance(ctx, savings.ID); err != nil {
		t.Errorf("castle savings balance after the refusal: %v", err)
	}
	nova := srv.Truth("john", truelayertest.ProviderNova).Accounts[0].ID
	novaAPI := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNova))
	for name, err := range map[string]error{
		"standing orders": ignore(novaAPI.StandingOrders(ctx, nova)),
		"direct debits":   ignore(novaAPI.DirectDebits(ctx, nova)),
		"cards":           ignore(novaAPI.Cards(ctx)),
	} {
		if ae := apiErr(t, err); ae.StatusCode != 501 || !errors.Is(err, truelayer.ErrNotSupported) {
			t.Errorf("nova %s: %v; want 501 endpoint_not_supported", name, err)
		}
	}
	// Deterministic from the seed: another emulator has the same banks.
	again := newServer(t).Truth("john", truelayertest.ProviderCastle)
	if again.Accounts[1].ID != savings.ID || len(again.Accounts[1].Transactions) != len(savings.Transactions) {
		t.Error("the same seed gave another castle bank")
	}
}
