package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// loginAs connects provider through the dialog as user/password, the way
// a browser would (the code in the redirect's query), and returns the
// saved connection.
func (e *env) loginAs(t *testing.T, user, password, provider string) *config.Connection {
	t.Helper()
	ctx := context.Background()
	link, done := startLogin(t, ctx, e.loginOptions())
	if err := landed(e.srv, link, user, password, provider); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("login as %s: %v", user, r.err)
	}
	issuedFromStore(t, e.store)
	return r.conn
}

// landed signs in at the emulator's dialog and follows its redirect to our
// listener, as a browser does.
func landed(srv *truelayertest.Server, link, user, password, provider string) error {
	loc, err := srv.Authorize(context.Background(), link, user, password, provider)
	if err != nil {
		return fmt.Errorf("dialog: %w", err)
	}
	issued(loc.Query().Get("code"))
	resp, err := http.Get(loc.String())
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	said(nil, string(body))
	return err
}

func (e *env) saved(t *testing.T, id string) config.Connection {
	t.Helper()
	c, err := e.store.Load()
	if err != nil || c.Connection(id) == nil {
		t.Fatalf("connection %s: %v", id, err)
	}
	return *c.Connection(id)
}

var johnDoe = truelayer.ExtendUser{Name: "John Doe", Email: "john.doe@example.com"}

// A bank that needs no action (the mock user john/eternal): the consent is
// renewed with the refresh token alone, after it lapsed, under the same
// local id; the old refresh token is dead; no access token was sent.
func TestExtendNoActionNeeded(t *testing.T) {
	e := newEnv(t)
	before := e.loginAs(t, "john", "eternal", truelayertest.ProviderNorthgate)
	e.srv.AdvanceClock(91 * 24 * time.Hour) // the consent has lapsed
	e.srv.ResetLog()
	got, err := Extend(context.Background(), ExtendOptions{LoginOptions: e.loginOptions(), ConnectionID: before.ID, User: johnDoe})
	if err != nil {
		t.Fatalf("Extend: %v", err)
	}
	issuedFromStore(t, e.store)
	after := e.saved(t, before.ID)
	if got.SignedIn || after.ID != before.ID || after.CredentialsID != before.CredentialsID ||
		after.RefreshToken == before.RefreshToken || !after.ConsentExpiresAt.After(e.srv.Now().AddDate(0, 0, 89)) {
		t.Errorf("extended %+v: %+v, before %+v", got.SignedIn, redacted(&after), redacted(before))
	}
	for _, r := range e.srv.Requests() {
		if r.Path == "/api/data/v1/connections/extend" && r.TokenHash != "" {
			t.Error("extend sent an access token")
		}
	}
	if _, err := e.ac.Refresh(context.Background(), before.RefreshToken); !errors.Is(err, truelayer.ErrConsentNeeded) {
		t.Errorf("the old refresh token still works: %v", err)
	}
}

// A bank that wants the user (john/doe): its sign-in link is shown and
// opened, the browser's answer comes back to the loopback listener, and the
// same connection (same credentials id, same local id) is renewed; its
// data can be read again.
func TestExtendNeedsTheUser(t *testing.T) {
	e := newEnv(t)
	before := e.loginAs(t, "john", "doe", truelayertest.ProviderNorthgate)
	e.srv.AdvanceClock(91 * 24 * time.Hour)
	o := ExtendOptions{LoginOptions: e.loginOptions(), ConnectionID: before.ID, User: johnDoe}
	var shown string
	o.ShowURL = func(u string) { shown = u }
	browsed := make(chan error, 1)
	o.Open = func(u string) error {
		go func() { browsed <- landed(e.srv, u, "john", "doe", truelayertest.ProviderNorthgate) }()
		return nil
	}
	got, err := Extend(context.Background(), o)
	if err != nil {
		t.Fatalf("Extend: %v", err)
	}
	if err := <-browsed; err != nil {
		t.Fatal(err)
	}
	issuedFromStore(t, e.store)
	if shown == "" || mustQuery(t, shown).Get("state") == "" {
		t.Errorf("the sign-in link %q carries no state", shown)
	}
	after := e.saved(t, before.ID)
	if !got.SignedIn || after.CredentialsID != before.CredentialsID || !after.ConsentExpiresAt.After(e.srv.Now().AddDate(0, 0, 89)) {
		t.Errorf("renewed %+v, before %+v", redacted(&after), redacted(before))
	}
	creds, _ := e.store.Load()
	if len(creds.Connections) != 1 {
		t.Errorf("%d connections after renewing one", len(creds.Connections))
	}
	hc := oauth2.NewClient(context.Background(), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: after.AccessToken}))
	if _, err := truelayer.NewClient(hc, truelayer.WithBaseURL(e.srv.APIURL())).Accounts(context.Background()); err != nil {
		t.Errorf("the renewed connection reads no accounts: %v", err)
	}
}

// A refresh token TrueLayer no longer knows cannot be extended: only a new
// login brings the connection back.
func TestExtendRevokedConnection(t *testing.T) {
	e := newEnv(t)
	c := e.connect(t, "a", "john", truelayertest.ProviderNorthgate)
	if err := e.ac.Revoke(context.Background(), c.AccessToken); err != nil {
		t.Fatal(err)
	}
	_, err := Extend(context.Background(), ExtendOptions{LoginOptions: e.loginOptions(), ConnectionID: "a", User: johnDoe})
	if !errors.Is(err, ErrNeedsReconnect) {
		t.Fatalf("Extend of a revoked connection: %v", err)
	}
	said(t, err)
}

// login --provider X with providers that do not cover X (a config.toml
// naming other banks): X is added, as TrueLayer wants provider_id covered
// by providers, and the login goes through. (Sent alone it was refused.)
func TestLoginProviderCoveredByProviders(t *testing.T) {
	e := newEnv(t, truelayertest.WithAutoApprove("john", truelayertest.ProviderNorthgate))
	o := e.loginOptions()
	o.Providers, o.ProviderID = []string{"uk-cs-mock"}, truelayertest.ProviderNorthgate
	link, done := startLogin(t, context.Background(), o)
	if p := mustQuery(t, link).Get("providers"); p != "uk-cs-mock ob-northgate" {
		t.Errorf("providers %q", p)
	}
	newBrowser(t).open(link)
	if r := <-done; r.err != nil {
		t.Fatalf("Login: %v", r.err)
	}
	for _, c := range []struct {
		providers []string
		id        string
		want      []string
	}{
		{[]string{"uk-ob-all"}, "ob-monzo", []string{"uk-ob-all"}},
		{[]string{"uk-oauth-all"}, "oauth-monzo", []string{"uk-oauth-all"}},
		{[]string{"uk-cs-mock"}, "mock", []string{"uk-cs-mock"}},
		{[]string{"uk-cs-mock"}, "ob-monzo", []string{"uk-cs-mock", "ob-monzo"}},
		{nil, "ob-monzo", nil},
		{[]string{"uk-ob-all"}, "", []string{"uk-ob-all"}},
	} {
		if got := CoverProvider(c.providers, c.id); !slices.Equal(got, c.want) {
			t.Errorf("CoverProvider(%v, %q) = %v, want %v", c.providers, c.id, got, c.want)
		}
	}
}

// Logging in again to a bank whose consent expired takes the place of that
// connection (same local id: its history and account ids carry on) rather
// than adding a second one.
func TestLoginReplacesAnExpiredConnection(t *testing.T) {
	e := newEnv(t, truelayertest.WithAutoApprove("john", truelayertest.ProviderNorthgate))
	if err := e.store.Update(func(c *config.Credentials) error {
		c.Connections = append(c.Connections, config.Connection{ID: "ob-northgate", ProviderID: "ob-northgate",
			CredentialsID: "an-old-consent", RefreshToken: "dead", ConsentExpiresAt: time.Now().Add(-time.Hour)})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	link, done := startLogin(t, context.Background(), e.loginOptions())
	newBrowser(t).open(link)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	issuedFromStore(t, e.store)
	creds, _ := e.store.Load()
	if r.conn.ID != "ob-northgate" || len(creds.Connections) != 1 || creds.Connections[0].CredentialsID == "an-old-consent" {
		t.Errorf("connection %q; saved %d", r.conn.ID, len(creds.Connections))
	}
}

// By default a login asks for standing orders and direct debits too (scopes
// of their own), and saves the scopes the bank granted.
func TestLoginAsksForStandingOrdersAndDirectDebits(t *testing.T) {
	e := newEnv(t, truelayertest.WithAutoApprove("john", truelayertest.ProviderNorthgate))
	link, done := startLogin(t, context.Background(), e.loginOptions())
	asked := strings.Fields(mustQuery(t, link).Get("scope"))
	newBrowser(t).open(link)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	issuedFromStore(t, e.store)
	for _, sc := range []string{truelayer.ScopeStandingOrders, truelayer.ScopeDirectDebits, truelayer.ScopeOfflineAccess} {
		if !slices.Contains(asked, sc) || !slices.Contains(r.conn.Scopes, sc) {
			t.Errorf("%s: asked %v, granted %v", sc, asked, r.conn.Scopes)
		}
	}
}
