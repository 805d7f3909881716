package auth

// The consent lifecycle against the real TrueLayer sandbox (`make test-live`,
// which sets BANKTUI_LIVE=1): the Data API getters and a refresh are in
// truelayer/live_test.go; here a login, a refresh through the Manager, an
// extension and a revocation. Needed:
//
//	TRUELAYER_CLIENT_ID=sandbox-... TRUELAYER_CLIENT_SECRET=...
//	TRUELAYER_REDIRECT_URI (default http://localhost:3000/callback, registered in the console)
//
// The login needs a person once: with BANKTUI_LIVE_LOGIN=1 the test prints
// the auth link on stderr and waits (5 minutes) for you to sign in to the
// sandbox's Mock bank (john / doe, or john / eternal for an extension that
// needs no sign-in). Without it, only the link is checked against the real
// auth server, and the rest says NOT RUN. TRUELAYER_EXTEND_NAME and
// TRUELAYER_EXTEND_EMAIL name the user to /connections/extend (default the
// sandbox's mock user). Nothing here prints a token.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer"
)

type liveAuthEnv struct {
	env      truelayer.Environment
	auth     *truelayer.AuthClient
	redirect string
}

// liveAuth returns the sandbox's auth client, or skips saying NOT RUN and
// how to run it; with BANKTUI_LIVE=1 but no client it fails and says so.
func liveAuth(t *testing.T) liveAuthEnv {
	t.Helper()
	if os.Getenv("BANKTUI_LIVE") != "1" {
		t.Skip("NOT RUN: live TrueLayer sandbox test; run `make test-live` with TRUELAYER_CLIENT_ID and TRUELAYER_CLIENT_SECRET set (and BANKTUI_LIVE_LOGIN=1 to sign in)")
	}
	id, secret := os.Getenv("TRUELAYER_CLIENT_ID"), os.Getenv("TRUELAYER_CLIENT_SECRET")
	if id == "" || secret == "" {
		t.Fatal("BANKTUI_LIVE=1 but TRUELAYER_CLIENT_ID or TRUELAYER_CLIENT_SECRET is not set")
	}
	issued(secret)
	l := liveAuthEnv{env: truelayer.EnvironmentFor(id), redirect: os.Getenv("TRUELAYER_REDIRECT_URI")}
	if name := os.Getenv("TRUELAYER_ENV"); name != "" {
		var err error
		if l.env, err = truelayer.EnvironmentNamed(name); err != nil {
			t.Fatal(err)
		}
	}
	if l.redirect == "" {
		l.redirect = config.DefaultRedirectURI
	}
	l.auth = truelayer.NewAuthClient(&http.Client{Timeout: time.Minute},
		truelayer.AuthConfig{ClientID: id, ClientSecret: secret, RedirectURI: l.redirect, AuthURL: l.env.AuthURL})
	return l
}

func (l liveAuthEnv) loginOptions(store *config.CredentialStore) LoginOptions {
	return LoginOptions{Auth: l.auth, APIURL: l.env.APIURL, RedirectURI: l.redirect, Store: store,
		ProviderID: "mock", Providers: []string{"uk-cs-mock"}, ResponseMode: truelayer.ResponseModeQuery, Timeout: 5 * time.Minute}
}

// The real auth server accepts banktui's auth link (client, redirect URI,
// scopes with standing_orders and direct_debits, PKCE, provider_id covered
// by providers): it answers the dialog, not an error.
func TestLiveLoginLink(t *testing.T) {
	l := liveAuth(t)
	s, err := StartLogin(context.Background(), l.loginOptions(config.OpenCredentials(filepath.Join(t.TempDir(), "c.json"))))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hc := &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := resp.Location()
	if resp.StatusCode >= 400 || (loc != nil && loc.Query().Get("error") != "") {
		t.Errorf("the auth server refused banktui's link: %d %v", resp.StatusCode, loc)
	}
}

// Login, refresh, extend and revoke of one new connection, with a person
// signing in.
func TestLiveConsentLifecycle(t *testing.T) {
	l := liveAuth(t)
	if os.Getenv("BANKTUI_LIVE_LOGIN") != "1" {
		t.Skip("NOT RUN: the live login, extension and revocation need a person: set BANKTUI_LIVE_LOGIN=1 and sign in to the Mock bank when asked")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	store := config.OpenCredentials(filepath.Join(t.TempDir(), "credentials.json"))
	o := l.loginOptions(store)
	o.ShowURL = func(u string) {
		fmt.Fprintf(os.Stderr, "\nSign in to the sandbox's Mock bank (john / eternal, or john / doe), within 5 minutes:\n%s\n\n", u)
	}
	conn, err := Login(ctx, o)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	issuedFromStore(t, store)

	// Refresh through the Manager: the rotated token is saved.
	m := NewManager(store, l.auth)
	defer m.Close(context.Background())
	if err := store.Update(func(c *config.Credentials) error {
		c.Connection(conn.ID).Expiry = time.Now().Add(-time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	cl, err := m.Client(ctx, conn.ID, truelayer.WithBaseURL(l.env.APIURL))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Accounts(ctx); err != nil {
		t.Fatalf("accounts after a refresh: %v", err)
	}
	issuedFromStore(t, store)

	// Extend: no action, or the bank's sign-in once more.
	e := ExtendOptions{LoginOptions: o, ConnectionID: conn.ID, User: truelayer.ExtendUser{
		Name: cmpOrEnv("TRUELAYER_EXTEND_NAME", "John Doe"), Email: cmpOrEnv("TRUELAYER_EXTEND_EMAIL", "john.doe@example.com")}}
	e.ShowURL = func(u string) { fmt.Fprintf(os.Stderr, "\nThe bank wants you to sign in again to extend:\n%s\n\n", u) }
	ext, err := Extend(ctx, e)
	if err != nil {
		t.Fatalf("extend: %v", err)
	}
	issuedFromStore(t, store)
	t.Logf("extended (signed in again: %v), consent until %s", ext.SignedIn, ext.Connection.ConsentExpiresAt.Format(time.DateOnly))

	// Revoke: the connection is gone at TrueLayer, its refresh token dead.
	saved, _ := store.Load()
	rt := saved.Connection(conn.ID).RefreshToken
	m2 := NewManager(store, l.auth)
	defer m2.Close(context.Background())
	if err := m2.Logout(ctx, conn.ID); err != nil {
		t.Fatalf("logout: %v", err)
	}
	if _, err := l.auth.Refresh(ctx, rt); !errors.Is(err, truelayer.ErrConsentNeeded) {
		t.Errorf("refresh after revocation: %v, want invalid_grant", err)
	}
}

func cmpOrEnv(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
