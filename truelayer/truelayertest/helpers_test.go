package truelayertest_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

const redirect = "http://localhost:3000/callback"

// fixedClock is a test clock: 2026-03-15 10:00 UTC unless moved with AdvanceClock.
func fixedClock() time.Time { return time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC) }

func newServer(t *testing.T, opts ...truelayertest.Option) *truelayertest.Server {
	t.Helper()
	srv := truelayertest.NewServer(append([]truelayertest.Option{truelayertest.WithClock(fixedClock)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

func authClient(srv *truelayertest.Server, redirectURI string) *truelayer.AuthClient {
	return truelayer.NewAuthClient(nil, truelayer.AuthConfig{
		ClientID: truelayertest.DefaultClientID, ClientSecret: truelayertest.DefaultClientSecret,
		RedirectURI: redirectURI, AuthURL: srv.AuthURL(),
	})
}

// psuIP is the end user's address a client sends when the user is present
// (a documentation address, RFC 5737).
const psuIP = "203.0.113.7"

// apiClient is a Data API client with a fixed token and no retries unless
// given, for a user who is present (X-PSU-IP): most tests call an endpoint
// more often than a bank allows unattended. Tests of the unattended limit
// use unattendedClient.
func apiClient(srv *truelayertest.Server, tok *truelayer.Token, opts ...truelayer.Option) *truelayer.Client {
	return unattendedClient(srv, tok, append([]truelayer.Option{truelayer.WithPSUIP(psuIP)}, opts...)...)
}

// unattendedClient is apiClient without X-PSU-IP, as a sync run by cron.
func unattendedClient(srv *truelayertest.Server, tok *truelayer.Token, opts ...truelayer.Option) *truelayer.Client {
	hc := oauth2.NewClient(context.Background(), oauth2.StaticTokenSource(tok.OAuth2()))
	return truelayer.NewClient(hc, append([]truelayer.Option{truelayer.WithBaseURL(srv.APIURL()), truelayer.WithRetry(truelayer.NoRetry())}, opts...)...)
}

func connect(t *testing.T, srv *truelayertest.Server, user, provider string, scopes ...string) *truelayer.Token {
	t.Helper()
	if len(scopes) == 0 {
		scopes = truelayer.AvailableScopes
	}
	tok, err := srv.Connect(truelayertest.DefaultClientID, user, provider, scopes)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return tok
}

// login runs the PKCE flow through the dialog and returns the code and verifier.
func login(t *testing.T, srv *truelayertest.Server, ac *truelayer.AuthClient, p truelayer.AuthLinkParams, user, pass, provider string) (code, verifier string) {
	t.Helper()
	verifier = oauth2.GenerateVerifier()
	p.CodeChallenge = oauth2.S256ChallengeFromVerifier(verifier)
	if p.State == "" {
		p.State = "state-123"
	}
	link, err := ac.AuthLink(p)
	if err != nil {
		t.Fatalf("AuthLink: %v", err)
	}
	landed, err := srv.Authorize(context.Background(), link, user, pass, provider)
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	if got := landed.Query().Get("state"); got != p.State {
		t.Fatalf("state = %q, want %q", got, p.State)
	}
	code = landed.Query().Get("code")
	if code == "" {
		t.Fatalf("no code in redirect (error %q)", landed.Query().Get("error"))
	}
	return code, verifier
}

func apiErr(t *testing.T, err error) *truelayer.APIError {
	t.Helper()
	var ae *truelayer.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	return ae
}

func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// listenLoopback serves h on 127.0.0.1 and returns its URL.
func listenLoopback(t *testing.T, h *http.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go h.Serve(ln)
	t.Cleanup(func() { h.Close() })
	return "http://" + ln.Addr().String() + "/hook"
}
