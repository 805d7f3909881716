package truelayer

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestAuthLinkCoversProviderID(t *testing.T) {
	a := NewAuthClient(nil, AuthConfig{ClientID: "c", RedirectURI: "http://url"})
	for _, c := range []struct {
		name string
		p    AuthLinkParams
		want string // providers
	}{
		{"provider_id alone is covered by itself", AuthLinkParams{ProviderID: "ob-monzo"}, "ob-monzo"},
		{"given providers are kept", AuthLinkParams{ProviderID: "ob-monzo", Providers: []string{"uk-ob-all"}}, "uk-ob-all"},
		{"no provider_id, no providers", AuthLinkParams{}, ""},
	} {
		link, err := a.AuthLink(c.p)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(link)
		if got := u.Query().Get("providers"); got != c.want {
			t.Errorf("%s: providers = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestGrantedScopes(t *testing.T) {
	jwtArray := makeJWT(t, map[string]any{"scope": []string{"info", "accounts", "offline_access"}})
	jwtString := makeJWT(t, map[string]any{"scope": "accounts balance"})
	for _, c := range []struct {
		name string
		tok  *Token
		want []string
	}{
		{"token response scope", &Token{AccessToken: jwtArray, Scope: "accounts transactions"}, []string{"accounts", "transactions"}},
		{"JWT scope array when the response has none", &Token{AccessToken: jwtArray}, []string{"info", "accounts", "offline_access"}},
		{"JWT scope string", &Token{AccessToken: jwtString}, []string{"accounts", "balance"}},
		{"opaque token, no scope", &Token{AccessToken: "opaque"}, nil},
		{"nil token", nil, nil},
	} {
		if got := c.tok.GrantedScopes(); !slices.Equal(got, c.want) {
			t.Errorf("%s: GrantedScopes = %v, want %v", c.name, got, c.want)
		}
	}
	tok := &Token{AccessToken: jwtArray}
	if !tok.HasScopes(ScopeAccounts, ScopeInfo) || tok.HasScopes(ScopeAccounts, ScopeDirectDebits) {
		t.Errorf("HasScopes disagrees with %v", tok.GrantedScopes())
	}
	if (&Token{AccessToken: "opaque"}).HasScopes(ScopeInfo) {
		t.Error("a token that says nothing has no scopes")
	}
}

// A bank's unattended budget is spent for the day: retrying only spends
// more calls (§7), whatever Retry-After says or does not say.
func TestUnattendedLimitIsNotRetried(t *testing.T) {
	for _, retryAfter := range []string{"", "1"} {
		f := newFixture(t)
		var calls atomic.Int32
		f.api.HandleFunc("/data/v1/accounts", func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			headers := []string{}
			if retryAfter != "" {
				headers = append(headers, "Retry-After", retryAfter)
			}
			serveError(429, `{"error":"unattended_calls_limit_exceeded","error_description":"4 a day"}`, headers...)(w, r)
		})
		_, err := f.client.Accounts(context.Background())
		if !errors.Is(err, ErrRateLimited) || calls.Load() != 1 {
			t.Errorf("Retry-After %q: %v after %d calls; want one call, rate limited", retryAfter, err, calls.Load())
		}
	}
}

// WithPSUIP is the client's: every request of that client carries it (each
// retry, async calls, extend), another client of the same connection not.
func TestPSUIPPerClient(t *testing.T) {
	f := newFixture(t, WithPSUIP("203.0.113.7"))
	var mu sync.Mutex
	seen := map[string][]string{}
	record := func(r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen[r.URL.Path] = append(seen[r.URL.Path], r.Header.Get("X-PSU-IP"))
	}
	var calls atomic.Int32
	f.api.HandleFunc("/data/v1/accounts", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		if calls.Add(1) == 1 {
			w.WriteHeader(503)
			return
		}
		serveFixture(t, "data-accounts.json")(w, r)
	})
	f.api.HandleFunc("/data/v1/me", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		serveFixture(t, "data-async-queued.json")(w, r)
	})
	f.api.HandleFunc("/data/v1/connections/extend", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		w.Write([]byte(`{"action_needed":"no_action_needed"}`))
	})
	ctx := context.Background()
	if _, err := f.client.Accounts(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.StartAsync(ctx, "me", nil, AsyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.ExtendConnection(ctx, ExtendRequest{}); err != nil {
		t.Fatal(err)
	}
	other := NewClient(f.server.Client(), WithBaseURL(f.server.URL+apiPath))
	if _, err := other.Accounts(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"/data/v1/accounts":           {"203.0.113.7", "203.0.113.7", ""}, // a 503, its retry, then the other client
		"/data/v1/me":                 {"203.0.113.7"},
		"/data/v1/connections/extend": {"203.0.113.7"},
	}
	for path, w := range want {
		if !slices.Equal(seen[path], w) {
			t.Errorf("%s: X-PSU-IP %q, want %q", path, seen[path], w)
		}
	}
}

// AuthClient.ExtendConnection sends no access token: the refresh token in
// the body names the connection, so it works after the consent lapsed.
func TestAuthClientExtendConnection(t *testing.T) {
	f := newFixture(t)
	var calls atomic.Int32
	f.api.HandleFunc("/data/v1/connections/extend", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		testMethod(t, r, "POST")
		testHeader(t, r, "Authorization", "")
		body, _ := io.ReadAll(r.Body)
		var got ExtendRequest
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if got.ClientID != testClientID || got.ClientSecret != testClientSecret || got.RedirectURI != testRedirectURI ||
			got.RefreshToken != "rt-lapsed" || !got.UserHasReconfirmedConsent {
			t.Error("extend body lacks the client's credentials, redirect URI or the refresh token")
		}
		if calls.Load() == 1 {
			w.Write([]byte(`{"action_needed":"no_action_needed","access_token":"at","refresh_token":"rt","expires_in":3600}`))
			return
		}
		w.WriteHeader(503)
	})
	req := ExtendRequest{RefreshToken: "rt-lapsed", UserHasReconfirmedConsent: true, User: &ExtendUser{Name: "J", Email: "j@example.com"}}
	r, err := f.authClient.ExtendConnection(context.Background(), f.server.URL+apiPath, req)
	if err != nil || r.ActionNeeded != ActionNoActionNeeded || r.Token(time.Now()).RefreshToken != "rt" {
		t.Fatalf("ExtendConnection = %+v, %v", r, err)
	}
	if _, err := f.authClient.ExtendConnection(context.Background(), f.server.URL+apiPath, req); !errors.Is(err, ErrTemporary) || calls.Load() != 2 {
		t.Errorf("a 503 = %v after %d calls; want one try (extend is not idempotent)", err, calls.Load())
	}
}
