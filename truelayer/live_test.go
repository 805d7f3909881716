package truelayer_test

// Integration tests against the real TrueLayer sandbox, as the JS client
// has. They are opt-in (`make test-live`): they need the network and real
// credentials. Set BANKTUI_LIVE=1 and either
//
//	TRUELAYER_ACCESS_TOKEN=<a valid sandbox access token>
//
// or sandbox client credentials and a refresh token:
//
//	TRUELAYER_CLIENT_ID=sandbox-... TRUELAYER_CLIENT_SECRET=... TRUELAYER_REFRESH_TOKEN_FILE=path
//
// The refresh token is rotated by the refresh; the new one is written back
// to TRUELAYER_REFRESH_TOKEN_FILE (0600), never printed. TRUELAYER_ENV
// (live|sandbox) overrides the environment the client id implies.
// The same cases run offline, always, against the truelayertest emulator.

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/banktui/banktui/truelayer"
)

type liveEnv struct {
	env    truelayer.Environment
	token  string
	client *truelayer.Client
	err    error
	// With client credentials: the auth client and the refresh token file
	// (holding the latest refresh token).
	auth *truelayer.AuthClient
	file string
}

var (
	liveOnce sync.Once
	live     liveEnv
)

// liveSetup returns the live client, or skips the test saying plainly that
// it was not run and how to run it. This file holds the only skips in the
// package: the live tests are opt-in by design.
func liveSetup(t *testing.T) *liveEnv {
	t.Helper()
	if os.Getenv("BANKTUI_LIVE") != "1" {
		t.Skip("NOT RUN: live TrueLayer sandbox test; run `make test-live` with TRUELAYER_ACCESS_TOKEN (or TRUELAYER_CLIENT_ID, TRUELAYER_CLIENT_SECRET and TRUELAYER_REFRESH_TOKEN_FILE) set")
	}
	liveOnce.Do(func() { live = newLiveEnv() })
	if live.err != nil {
		t.Fatalf("live setup: %v", live.err)
	}
	return &live
}

func newLiveEnv() liveEnv {
	var l liveEnv
	clientID := os.Getenv("TRUELAYER_CLIENT_ID")
	l.env = truelayer.Sandbox
	if clientID != "" {
		l.env = truelayer.EnvironmentFor(clientID)
	}
	if name := os.Getenv("TRUELAYER_ENV"); name != "" {
		if l.env, l.err = truelayer.EnvironmentNamed(name); l.err != nil {
			return l
		}
	}
	l.token = os.Getenv("TRUELAYER_ACCESS_TOKEN")
	if l.token == "" {
		file := os.Getenv("TRUELAYER_REFRESH_TOKEN_FILE")
		if clientID == "" || os.Getenv("TRUELAYER_CLIENT_SECRET") == "" || file == "" {
			l.err = errors.New("BANKTUI_LIVE=1 but neither TRUELAYER_ACCESS_TOKEN nor TRUELAYER_CLIENT_ID + TRUELAYER_CLIENT_SECRET + TRUELAYER_REFRESH_TOKEN_FILE is set")
			return l
		}
		rt, err := os.ReadFile(file)
		if err != nil {
			l.err = err
			return l
		}
		redirect := os.Getenv("TRUELAYER_REDIRECT_URI")
		if redirect == "" {
			redirect = "http://localhost:3000/callback"
		}
		l.auth = truelayer.NewAuthClient(&http.Client{Timeout: time.Minute}, truelayer.AuthConfig{
			ClientID: clientID, ClientSecret: os.Getenv("TRUELAYER_CLIENT_SECRET"), AuthURL: l.env.AuthURL, RedirectURI: redirect,
		})
		l.file = file
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		tok, err := l.auth.Refresh(ctx, strings.TrimSpace(string(rt)))
		if err != nil {
			l.err = err // an *APIError: no token in its text
			return l
		}
		if tok.RefreshToken != "" {
			// Rotated: the old one is dead now, keep the new one.
			if err := os.WriteFile(file, []byte(tok.RefreshToken+"\n"), 0o600); err != nil {
				l.err = err
				return l
			}
		}
		l.token = tok.AccessToken
	}
	hc := oauth2.NewClient(context.Background(), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: l.token}))
	hc.Timeout = time.Minute
	l.client = truelayer.NewClient(hc, truelayer.WithBaseURL(l.env.APIURL))
	return l
}

func liveCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestLiveValidateToken(t *testing.T) {
	l := liveSetup(t)
	if _, err := truelayer.ParseClaims(l.token); err == nil && !truelayer.ValidateToken(l.token, time.Now(), 0) {
		t.Error("the live access token is a JWT but ValidateToken says it is not valid")
	}
}

func TestLiveMeInfo(t *testing.T) {
	l := liveSetup(t)
	me, err := l.client.Me(liveCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if me.CredentialsID == "" || me.Provider.ProviderID == "" {
		t.Errorf("me = %+v", me)
	}
	if _, err := l.client.Info(liveCtx(t)); err != nil && !errors.Is(err, truelayer.ErrNotSupported) && !errors.Is(err, truelayer.ErrSCAExceeded) {
		t.Errorf("info: %v", err)
	}
}

func TestLiveAccounts(t *testing.T) {
	l := liveSetup(t)
	ctx := liveCtx(t)
	accts, err := l.client.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accts {
		if _, err := l.client.Account(ctx, a.AccountID); err != nil {
			t.Errorf("account: %v", err)
		}
		if b, err := l.client.Balance(ctx, a.AccountID); err != nil || b.Currency == "" {
			t.Errorf("balance: %+v, %v", b, err)
		}
		to := time.Now().UTC().Truncate(24 * time.Hour) // a date, never later than today
		if _, err := l.client.Transactions(ctx, a.AccountID, to.AddDate(0, -1, 0), to); err != nil {
			t.Errorf("transactions: %v", err)
		}
		for name, call := range map[string]func() error{
			"pending":         func() error { _, err := l.client.PendingTransactions(ctx, a.AccountID); return err },
			"standing orders": func() error { _, err := l.client.StandingOrders(ctx, a.AccountID); return err },
			"direct debits":   func() error { _, err := l.client.DirectDebits(ctx, a.AccountID); return err },
		} {
			// Not every provider (or granted scope) has these.
			if err := call(); err != nil && !errors.Is(err, truelayer.ErrNotSupported) && !isScopeError(err) {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	_, err = l.client.Account(ctx, "no-such-account")
	if !errors.Is(err, truelayer.ErrNotFound) {
		t.Errorf("bad account id: err = %v, want account_not_found", err)
	}
}

func TestLiveCards(t *testing.T) {
	l := liveSetup(t)
	ctx := liveCtx(t)
	cards, err := l.client.Cards(ctx)
	if err != nil {
		if errors.Is(err, truelayer.ErrNotSupported) || isScopeError(err) {
			t.Logf("cards not available for this connection: %v", err)
			return
		}
		t.Fatal(err)
	}
	for _, c := range cards {
		if _, err := l.client.Card(ctx, c.AccountID); err != nil {
			t.Errorf("card: %v", err)
		}
		if _, err := l.client.CardBalance(ctx, c.AccountID); err != nil {
			t.Errorf("card balance: %v", err)
		}
		to := time.Now().UTC().Truncate(24 * time.Hour)
		if _, err := l.client.CardTransactions(ctx, c.AccountID, to.AddDate(0, -1, 0), to); err != nil {
			t.Errorf("card transactions: %v", err)
		}
		if _, err := l.client.CardPendingTransactions(ctx, c.AccountID); err != nil && !errors.Is(err, truelayer.ErrNotSupported) {
			t.Errorf("card pending: %v", err)
		}
	}
	if _, err := l.client.Card(ctx, "no-such-card"); !errors.Is(err, truelayer.ErrNotFound) {
		t.Errorf("bad card id: err = %v, want not found", err)
	}
}

// /connections/extend with the connection's refresh token and no access
// token: the sandbox's mock users answer no_action_needed (john/eternal:
// new tokens, saved to the file) or authentication_needed (a sign-in link
// on the auth host).
func TestLiveExtend(t *testing.T) {
	l := liveSetup(t)
	if l.auth == nil {
		t.Skip("NOT RUN: extending needs TRUELAYER_CLIENT_ID, TRUELAYER_CLIENT_SECRET and TRUELAYER_REFRESH_TOKEN_FILE")
	}
	rt, err := os.ReadFile(l.file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.auth.ExtendConnection(liveCtx(t), l.env.APIURL, truelayer.ExtendRequest{
		RefreshToken: strings.TrimSpace(string(rt)), UserHasReconfirmedConsent: true,
		User: &truelayer.ExtendUser{Name: "John Doe", Email: "john.doe@example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	switch r.ActionNeeded {
	case truelayer.ActionNoActionNeeded:
		if r.RefreshToken == "" || r.AccessToken == "" {
			t.Fatal("no_action_needed without new tokens")
		}
		if err := os.WriteFile(l.file, []byte(r.RefreshToken+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	case truelayer.ActionAuthenticationNeeded:
		if !strings.HasPrefix(r.UserInputLink, "https://") {
			t.Errorf("authentication_needed without an https sign-in link")
		}
	default:
		t.Errorf("extend answered %q", r.ActionNeeded)
	}
}

func TestLiveInvalidToken(t *testing.T) {
	l := liveSetup(t)
	hc := oauth2.NewClient(context.Background(), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "invalid_token"}))
	c := truelayer.NewClient(hc, truelayer.WithBaseURL(l.env.APIURL))
	if _, err := c.Accounts(liveCtx(t)); !errors.Is(err, truelayer.ErrUnauthorized) {
		t.Errorf("err = %v, want ErrUnauthorized", err)
	}
}

func TestLiveProviders(t *testing.T) {
	l := liveSetup(t)
	auth := truelayer.NewAuthClient(&http.Client{Timeout: time.Minute}, truelayer.AuthConfig{
		ClientID: os.Getenv("TRUELAYER_CLIENT_ID"), AuthURL: l.env.AuthURL,
	})
	ps, err := auth.Providers(liveCtx(t), truelayer.ProvidersQuery{Country: "uk"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) == 0 {
		t.Error("no providers listed")
	}
}

func TestLiveStatus(t *testing.T) {
	liveSetup(t)
	s := truelayer.NewStatusClient(&http.Client{Timeout: time.Minute}, "")
	now := time.Now().UTC().Truncate(time.Hour)
	reports, err := s.Status(liveCtx(t), truelayer.StatusQuery{
		From: now.Add(-3 * time.Hour), To: now,
		Providers: []string{"ob-barclays", "oauth-monzo"}, Endpoints: []string{"accounts", "info"},
	})
	if err != nil {
		// The status API is old; report, but it is not the client's fault if it is gone.
		t.Logf("status API: %v", err)
		return
	}
	t.Logf("status API: %d hourly reports", len(reports))
}

// isScopeError: 403s for scopes the connection was not granted.
func isScopeError(err error) bool {
	var ae *truelayer.APIError
	return errors.As(err, &ae) && ae.StatusCode == http.StatusForbidden && !errors.Is(err, truelayer.ErrSCAExceeded)
}
