package truelayertest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

func TestDialogLoginPKCE(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	ac := authClient(srv, redirect)
	code, verifier := login(t, srv, ac, truelayer.AuthLinkParams{Scopes: truelayer.DefaultScopes}, "john", "doe", truelayertest.ProviderNova)
	tok, err := ac.Exchange(ctx, code, verifier)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.RefreshToken == "" || tok.TokenType != "Bearer" {
		t.Errorf("token: refresh %t, type %q; want a refresh token and Bearer", tok.RefreshToken != "", tok.TokenType)
	}
	if want := fixedClock().Add(time.Hour); !tok.Expiry.Equal(want) {
		// x/oauth2 computes Expiry from the real clock; only check it is about an hour away.
		if d := time.Until(tok.Expiry); d < 59*time.Minute || d > 61*time.Minute {
			t.Errorf("expiry in %v, want about 1h", d)
		}
	}
	claims, err := truelayer.ParseClaims(tok.AccessToken)
	if err != nil {
		t.Fatalf("ParseClaims: %v", err)
	}
	if got := claims.ExpiresAt.Sub(claims.IssuedAt); got != time.Hour {
		t.Errorf("exp - iat = %v, want 1h", got)
	}
	if !claims.IssuedAt.Equal(fixedClock()) {
		t.Errorf("iat = %v, want the emulator clock %v", claims.IssuedAt, fixedClock())
	}
	if claims.ClientID != truelayertest.DefaultClientID || !slices.Equal(claims.Scope, truelayer.DefaultScopes) {
		t.Errorf("claims client %q scope %v", claims.ClientID, claims.Scope)
	}
	me, err := apiClient(srv, tok).Me(ctx)
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	if me.CredentialsID != claims.Subject || me.Provider.ProviderID != truelayertest.ProviderNova {
		t.Errorf("me: credentials %q (sub %q), provider %q", me.CredentialsID, claims.Subject, me.Provider.ProviderID)
	}
	if !me.ConsentExpiresAt.Time.Equal(fixedClock().Add(90 * 24 * time.Hour)) {
		t.Errorf("consent expires %v, want 90 days on", me.ConsentExpiresAt.Time)
	}
}

func TestDialogWrongPassword(t *testing.T) {
	srv := newServer(t)
	link, _ := authClient(srv, redirect).AuthLink(truelayer.AuthLinkParams{State: "x"})
	_, err := srv.Authorize(context.Background(), link, "john", "wrong", "")
	if err == nil || !strings.Contains(err.Error(), "Wrong username or password") {
		t.Fatalf("Authorize with a wrong password: %v, want the dialog's error", err)
	}
	if _, err := srv.Authorize(context.Background(), link, "error.provider_error", "error", ""); err != nil {
		t.Fatalf("error.* users log in fine: %v", err)
	}
}

// dialogSession fetches the dialog of link and returns its session id.
func dialogSession(t *testing.T, link string) string {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("dialog Content-Type %q", ct)
	}
	page := string(body)
	for _, want := range []string{`name="username"`, `name="password"`, `value="allow"`, `value="deny"`, `value="ob-northgate"`, `value="mock"`} {
		if !strings.Contains(page, want) {
			t.Errorf("dialog lacks %s", want)
		}
	}
	if strings.Contains(page, "src=\"http") || strings.Contains(page, "href=\"http") {
		t.Error("dialog loads an external resource")
	}
	i := strings.Index(page, `name="session" value="`)
	if i < 0 {
		t.Fatal("no session in dialog")
	}
	rest := page[i+len(`name="session" value="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func TestDialogDeny(t *testing.T) {
	srv := newServer(t)
	link, _ := authClient(srv, redirect).AuthLink(truelayer.AuthLinkParams{State: "st8"})
	session := dialogSession(t, link)
	resp, err := noRedirect().PostForm(srv.AuthURL()+"/", url.Values{"session": {session}, "action": {"deny"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := mustURL(t, resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "st8" {
		t.Fatalf("deny: %d %s, want a redirect with error=access_denied and the state", resp.StatusCode, loc)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirect {
		t.Errorf("redirected to %s, want %s", got, redirect)
	}
	// The session is used up.
	resp, _ = noRedirect().PostForm(srv.AuthURL()+"/", url.Values{"session": {session}, "action": {"allow"}})
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("reusing a dialog session: %d, want 400", resp.StatusCode)
	}
}

func TestFormPost(t *testing.T) {
	srv := newServer(t, truelayertest.WithAutoApprove("john", ""))
	link, _ := authClient(srv, redirect).AuthLink(truelayer.AuthLinkParams{State: "fp", ResponseMode: truelayer.ResponseModeFormPost})
	resp, err := noRedirect().Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	page := string(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("form_post: %d %q, want 200 text/html", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{`<form method="post" action="` + redirect + `">`, `name="code"`, `name="state" value="fp"`, `.submit()`} {
		if !strings.Contains(page, want) {
			t.Errorf("form_post page lacks %s", want)
		}
	}
	// An element named or id'd "submit" would shadow form.submit().
	if strings.Contains(page, `name="submit"`) || strings.Contains(page, `id="submit"`) {
		t.Error(`form_post page has an element called "submit"`)
	}
	landed, err := srv.Authorize(context.Background(), link, "", "", "")
	if err != nil || landed.Query().Get("code") == "" || landed.Query().Get("state") != "fp" {
		t.Fatalf("Authorize(form_post): %v; want a code and the state", err)
	}
}

func TestAuthLinkValidation(t *testing.T) {
	srv := newServer(t, truelayertest.WithAutoApprove("john", ""))
	base := url.Values{"response_type": {"code"}, "client_id": {truelayertest.DefaultClientID},
		"redirect_uri": {redirect}, "scope": {"info accounts"}, "state": {"v"}}
	with := func(k, v string) string {
		q := url.Values{}
		for key, vs := range base {
			q[key] = vs
		}
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return srv.AuthURL() + "/?" + q.Encode()
	}
	// Problems with the client or redirect URI are shown, never redirected.
	for name, link := range map[string]string{
		"unknown client":        with("client_id", "nobody"),
		"unregistered redirect": with("redirect_uri", "http://localhost:3000/callback/"),
		"no redirect":           with("redirect_uri", ""),
	} {
		resp, err := noRedirect().Get(link)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
			t.Errorf("%s: %d, Location %q; want a 400 page", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// The rest go back to the app as errors.
	for name, c := range map[string]struct{ link, code string }{
		"response type": {with("response_type", "token"), "unsupported_response_type"},
		"unknown scope": {with("scope", "info bogus"), "invalid_scope"},
		"no scope":      {with("scope", ""), "invalid_scope"},
		"plain PKCE":    {with("code_challenge", "abc"), "invalid_request"},
		"provider":      {with("provider_id", "ob-nowhere"), "invalid_request"},
		"no provider":   {with("providers", "fr-xs2a-all"), "invalid_request"},
	} {
		landed, err := srv.Authorize(context.Background(), c.link, "", "", "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := landed.Query().Get("error"); got != c.code || landed.Query().Get("state") != "v" {
			t.Errorf("%s: error=%q state=%q, want %q and the state", name, got, landed.Query().Get("state"), c.code)
		}
	}
}

func TestExchangeErrors(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	ac := authClient(srv, redirect)
	p := truelayer.AuthLinkParams{Scopes: truelayer.DefaultScopes}

	t.Run("PKCE mismatch", func(t *testing.T) {
		code, _ := login(t, srv, ac, p, "john", "doe", "")
		_, err := ac.Exchange(ctx, code, "a-different-verifier-a-different-verifier-123")
		if ae := apiErr(t, err); ae.Code != "invalid_grant" || !errors.Is(err, truelayer.ErrConsentNeeded) {
			t.Errorf("wrong verifier: %v", err)
		}
		code, _ = login(t, srv, ac, p, "john", "doe", "")
		if _, err := ac.Exchange(ctx, code, ""); apiErr(t, err).Code != "invalid_grant" {
			t.Errorf("missing verifier: %v", err)
		}
	})
	t.Run("reused code", func(t *testing.T) {
		code, verifier := login(t, srv, ac, p, "john", "doe", "")
		tok, err := ac.Exchange(ctx, code, verifier)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ac.Exchange(ctx, code, verifier)
		if ae := apiErr(t, err); ae.Code != "invalid_authorization_code" {
			t.Errorf("second exchange: %v, want invalid_authorization_code", err)
		}
		// A replayed code revokes what it granted (RFC 6749 §4.1.2).
		if _, err := apiClient(srv, tok).Me(ctx); !errors.Is(err, truelayer.ErrUnauthorized) {
			t.Errorf("token of a replayed code: %v, want unauthorized", err)
		}
	})
	t.Run("expired code", func(t *testing.T) {
		code, verifier := login(t, srv, ac, p, "john", "doe", "")
		srv.AdvanceClock(5*time.Minute + time.Second)
		if _, err := ac.Exchange(ctx, code, verifier); apiErr(t, err).Code != "invalid_authorization_code" {
			t.Errorf("expired code: %v", err)
		}
	})
	t.Run("code within 5 minutes", func(t *testing.T) {
		code, verifier := login(t, srv, ac, p, "john", "doe", "")
		srv.AdvanceClock(4 * time.Minute)
		if _, err := ac.Exchange(ctx, code, verifier); err != nil {
			t.Errorf("code 4 minutes old: %v", err)
		}
	})
	t.Run("wrong redirect URI", func(t *testing.T) {
		code, verifier := login(t, srv, ac, p, "john", "doe", "")
		other := authClient(srv, "http://127.0.0.1:3000/callback") // registered, but not the link's
		if _, err := other.Exchange(ctx, code, verifier); apiErr(t, err).Code != "invalid_grant" {
			t.Errorf("exchange with another redirect URI: %v", err)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		code, verifier := login(t, srv, ac, p, "john", "doe", "")
		bad := truelayer.NewAuthClient(nil, truelayer.AuthConfig{ClientID: truelayertest.DefaultClientID, ClientSecret: "nope", RedirectURI: redirect, AuthURL: srv.AuthURL()})
		if _, err := bad.Exchange(ctx, code, verifier); apiErr(t, err).Code != "invalid_client" {
			t.Errorf("wrong secret: %v", err)
		}
	})
}

func TestRefreshRotation(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	ac := authClient(srv, redirect)
	first := connect(t, srv, "john", truelayertest.ProviderNorthgate)
	second, err := ac.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatal("refresh did not rotate both tokens")
	}
	_, err = ac.Refresh(ctx, first.RefreshToken)
	if ae := apiErr(t, err); ae.Code != "invalid_grant" || !errors.Is(err, truelayer.ErrConsentNeeded) {
		t.Errorf("reusing a rotated refresh token: %v, want invalid_grant", err)
	}
	third, err := ac.Refresh(ctx, second.RefreshToken)
	if err != nil {
		t.Fatalf("the rotated token still works: %v", err)
	}
	if _, err := apiClient(srv, third).Me(ctx); err != nil {
		t.Errorf("Me with the refreshed token: %v", err)
	}
	// Basic client authentication works too.
	req, _ := http.NewRequest("POST", ac.TokenURL(), strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {third.RefreshToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(truelayertest.DefaultClientID, truelayertest.DefaultClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("refresh with HTTP Basic client auth: %d", resp.StatusCode)
	}
	// Without offline_access there is no refresh token.
	if tok := connect(t, srv, "john", truelayertest.ProviderNorthgate, "info", "accounts"); tok.RefreshToken != "" {
		t.Error("refresh token issued without offline_access")
	}
}

func TestTokenExpiry(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t, truelayertest.WithAccessTokenLifetime(10*time.Minute))
	tok := connect(t, srv, "john", truelayertest.ProviderNorthgate)
	srv.AdvanceClock(10 * time.Minute)
	_, err := apiClient(srv, tok).Me(ctx)
	if ae := apiErr(t, err); ae.StatusCode != 401 || !errors.Is(err, truelayer.ErrUnauthorized) {
		t.Fatalf("expired access token: %v", err)
	}
	fresh, err := authClient(srv, redirect).Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apiClient(srv, fresh).Me(ctx); err != nil {
		t.Errorf("after refresh: %v", err)
	}
}

func TestConsentExpiry(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t, truelayertest.WithConsentLifetime(48*time.Hour), truelayertest.WithAccessTokenLifetime(100*time.Hour))
	tok := connect(t, srv, "john", truelayertest.ProviderNorthgate)
	srv.AdvanceClock(47 * time.Hour)
	if _, err := apiClient(srv, tok).Me(ctx); err != nil {
		t.Fatalf("before consent expiry: %v", err)
	}
	srv.AdvanceClock(time.Hour)
	_, err := authClient(srv, redirect).Refresh(ctx, tok.RefreshToken)
	if ae := apiErr(t, err); ae.Code != "invalid_grant" || !errors.Is(err, truelayer.ErrConsentNeeded) {
		t.Errorf("refresh after consent expiry: %v, want invalid_grant", err)
	}
	_, err = apiClient(srv, tok).Me(ctx)
	if ae := apiErr(t, err); ae.Code != "access_denied" || !errors.Is(err, truelayer.ErrConsentNeeded) {
		t.Errorf("data call after consent expiry: %v, want access_denied", err)
	}
}

func TestRevoke(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	ac := authClient(srv, redirect)
	tok := connect(t, srv, "john", truelayertest.ProviderNorthgate)
	if err := ac.Revoke(ctx, tok.AccessToken); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if _, err := apiClient(srv, tok).Me(ctx); !errors.Is(err, truelayer.ErrUnauthorized) {
		t.Errorf("data call after revoke: %v", err)
	}
	if _, err := ac.Refresh(ctx, tok.RefreshToken); apiErr(t, err).Code != "invalid_grant" {
		t.Errorf("refresh after revoke: %v", err)
	}
	if err := ac.Revoke(ctx, tok.AccessToken); apiErr(t, err).StatusCode != 401 {
		t.Errorf("second revoke: %v, want 401", err)
	}
}

func TestProviders(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	ac := authClient(srv, redirect)
	ids := func(q truelayer.ProvidersQuery) []string {
		ps, err := ac.Providers(ctx, q)
		if err != nil {
			t.Fatalf("Providers(%+v): %v", q, err)
		}
		var out []string
		for _, p := range ps {
			out = append(out, p.ProviderID)
		}
		return out
	}
	if got := ids(truelayer.ProvidersQuery{}); !slices.Equal(got, []string{"ob-northgate", "ob-nova", "ob-castle", "mock"}) {
		t.Errorf("all providers: %v", got)
	}
	if got := ids(truelayer.ProvidersQuery{Type: truelayer.ProviderTypeOpenBanking, Country: "uk"}); !slices.Equal(got, []string{"ob-northgate", "ob-nova", "ob-castle"}) {
		t.Errorf("open banking providers: %v", got)
	}
	if got := ids(truelayer.ProvidersQuery{Type: truelayer.ProviderTypeCredentialsSharing}); !slices.Equal(got, []string{"mock"}) {
		t.Errorf("credentials-sharing providers: %v", got)
	}
	if got := ids(truelayer.ProvidersQuery{Country: "fr"}); len(got) != 0 {
		t.Errorf("French providers: %v", got)
	}
	ps, _ := ac.Providers(ctx, truelayer.ProvidersQuery{})
	if nova := ps[1]; slices.Contains(nova.Scopes, "cards") || !slices.Contains(ps[0].Scopes, "cards") {
		t.Errorf("provider scopes: nova %v northgate %v", nova.Scopes, ps[0].Scopes)
	}
}

func TestAutoApproveProvider(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t, truelayertest.WithAutoApprove("john2", truelayertest.ProviderNova))
	ac := authClient(srv, redirect)
	for _, c := range []struct{ linkProvider, want string }{{"", "ob-nova"}, {"ob-castle", "ob-castle"}} {
		code, verifier := login(t, srv, ac, truelayer.AuthLinkParams{ProviderID: c.linkProvider}, "", "", "")
		tok, err := ac.Exchange(ctx, code, verifier)
		if err != nil {
			t.Fatal(err)
		}
		me, err := apiClient(srv, tok).Me(ctx)
		if err != nil || me.Provider.ProviderID != c.want {
			t.Errorf("link provider %q: me %+v, %v; want %s", c.linkProvider, me, err, c.want)
		}
	}
	srv.SetAutoApprove("", "")
	link, _ := ac.AuthLink(truelayer.AuthLinkParams{})
	if _, err := srv.Authorize(ctx, link, "", "", ""); err == nil {
		t.Error("with auto-approve off, an empty login must fail")
	}
}

func TestConnectValidation(t *testing.T) {
	srv := newServer(t)
	for _, c := range []struct{ client, user, provider string }{
		{"nobody", "john", "mock"}, {truelayertest.DefaultClientID, "jane", "mock"},
		{truelayertest.DefaultClientID, "john101", "mock"}, {truelayertest.DefaultClientID, "john", "ob-nowhere"},
	} {
		if _, err := srv.Connect(c.client, c.user, c.provider, truelayer.DefaultScopes); err == nil {
			t.Errorf("Connect(%q, %q, %q) succeeded", c.client, c.user, c.provider)
		}
	}
	if _, err := srv.Connect(truelayertest.DefaultClientID, "john", "mock", []string{"info", "everything"}); err == nil {
		t.Error("Connect with an unknown scope succeeded")
	}
	srv.RegisterClient(truelayertest.ClientRegistration{ID: "other", Secret: "s", RedirectURIs: []string{"http://localhost:9/cb"}})
	if _, err := srv.Connect("other", "john100", "mock", truelayer.DefaultScopes); err != nil {
		t.Errorf("Connect for a registered client: %v", err)
	}
}

func TestExtendConnection(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	ac := authClient(srv, redirect)
	extend := func(user, pass string) (*truelayer.ExtendResponse, error) {
		code, verifier := login(t, srv, ac, truelayer.AuthLinkParams{}, user, pass, "")
		tok, err := ac.Exchange(ctx, code, verifier)
		if err != nil {
			t.Fatal(err)
		}
		return apiClient(srv, tok).ExtendConnection(ctx, truelayer.ExtendRequest{
			ClientID: truelayertest.DefaultClientID, ClientSecret: truelayertest.DefaultClientSecret,
			RefreshToken: tok.RefreshToken, RedirectURI: redirect, UserHasReconfirmedConsent: true,
			User: &truelayer.ExtendUser{Name: "John Doe", Email: "john@example.com"},
		})
	}
	r, err := extend("john", "eternal")
	if err != nil {
		t.Fatalf("extend john/eternal: %v", err)
	}
	if r.ActionNeeded != truelayer.ActionNoActionNeeded || r.AccessToken == "" || r.RefreshToken == "" {
		t.Errorf("extend john/eternal: action %q, tokens %t/%t; want no_action_needed with tokens", r.ActionNeeded, r.AccessToken != "", r.RefreshToken != "")
	}
	if _, err := apiClient(srv, &truelayer.Token{AccessToken: r.AccessToken}).Me(ctx); err != nil {
		t.Errorf("extended access token: %v", err)
	}
	r, err = extend("john", "doe")
	if err != nil || r.ActionNeeded != "authentication_needed" || !strings.HasPrefix(r.UserInputLink, srv.AuthURL()) {
		t.Errorf("extend john/doe: %v; want authentication_needed with a link", err)
	}
	// The link is a working auth link.
	if landed, err := srv.Authorize(ctx, r.UserInputLink, "john", "doe", ""); err != nil || landed.Query().Get("code") == "" {
		t.Errorf("following the extend link: %v", err)
	}
}
