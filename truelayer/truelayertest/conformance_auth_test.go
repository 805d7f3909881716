package truelayertest_test

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// rawLink is an auth link for the default client with the given extras.
func rawLink(srv *truelayertest.Server, extra url.Values) string {
	q := url.Values{"response_type": {"code"}, "client_id": {truelayertest.DefaultClientID},
		"redirect_uri": {redirect}, "scope": {"info accounts"}, "state": {"s"}}
	for k, vs := range extra {
		q[k] = vs
	}
	return srv.AuthURL() + "/?" + q.Encode()
}

func checkProviderCoverage(t *testing.T) {
	srv := newServer(t, truelayertest.WithAutoApprove("john", ""))
	for _, c := range []struct {
		providerID, providers string
		ok                    bool
	}{
		{"ob-nova", "", false},
		{"ob-nova", "uk-cs-mock", false},
		{"ob-nova", "ob-northgate", false},
		{"ob-nova", "ob-nova", true},
		{"ob-nova", "uk-ob-all", true},
		{"ob-nova", "uk-oauth-all uk-cs-mock", true},
		{"mock", "uk-ob-all", false},
		{"mock", "uk-cs-mock", true},
	} {
		extra := url.Values{"provider_id": {c.providerID}}
		if c.providers != "" {
			extra.Set("providers", c.providers)
		}
		landed, err := srv.Authorize(context.Background(), rawLink(srv, extra), "", "", "")
		if err != nil {
			t.Fatal(err)
		}
		q := landed.Query()
		if got := q.Get("code") != ""; got != c.ok || !c.ok && (q.Get("error") != "invalid_request" || !strings.Contains(q.Get("error_description"), "providers")) {
			t.Errorf("provider_id=%s providers=%q: code %t, error %q (%s); want ok %t, else invalid_request",
				c.providerID, c.providers, got, q.Get("error"), q.Get("error_description"), c.ok)
		}
	}
	// The auto-approved bank must be one the link offers.
	auto := newServer(t, truelayertest.WithAutoApprove("john", truelayertest.ProviderNorthgate))
	if landed, _ := auto.Authorize(context.Background(), rawLink(auto, url.Values{"providers": {"uk-cs-mock"}}), "", "", ""); landed.Query().Get("error") != "invalid_request" {
		t.Errorf("auto-approve at a bank the link does not offer: %v", landed)
	}
	// The client covers a lone provider id itself.
	code, _ := login(t, srv, authClient(srv, redirect), truelayer.AuthLinkParams{ProviderID: truelayertest.ProviderNova}, "", "", "")
	if code == "" {
		t.Error("AuthLink with ProviderID alone was refused")
	}
}

var (
	sessionField = regexp.MustCompile(`name="session" value="([^"]*)"`)
	postForm     = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
	codeField    = regexp.MustCompile(`<input type="hidden" name="code" value="([^"]*)">`)
)

// throughDialog signs in as john/doe at ob-northgate through the dialog
// page and returns the response to Allow, unfollowed.
func throughDialog(t *testing.T, srv *truelayertest.Server, link string) (*http.Response, string) {
	t.Helper()
	resp, page := fetch(t, noRedirect(), http.MethodGet, link, nil)
	m := sessionField.FindStringSubmatch(page)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("auth link: %d without a dialog", resp.StatusCode)
	}
	form := url.Values{"session": {html.UnescapeString(m[1])}, "provider": {truelayertest.ProviderNorthgate},
		"username": {"john"}, "password": {"doe"}, "action": {"allow"}}
	return fetch(t, noRedirect(), http.MethodPost, srv.AuthURL()+"/", form)
}

func fetch(t *testing.T, hc *http.Client, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func checkResponseMode(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	auto := newServer(t, truelayertest.WithAutoApprove("john", ""))
	for _, mode := range []string{"form_post", "query", ""} {
		for _, s := range []*truelayertest.Server{srv, auto} {
			link := rawLink(s, url.Values{"response_mode": {mode}})
			var resp *http.Response
			var page string
			if s == auto {
				resp, page = fetch(t, noRedirect(), http.MethodGet, link, nil)
			} else {
				resp, page = throughDialog(t, s, link)
			}
			var code string
			if mode == "form_post" {
				code = checkFormPostPage(t, resp, page)
			} else {
				code = checkQueryRedirect(t, resp, page)
			}
			if code == "" {
				continue
			}
			// Whichever way it came, the code works.
			if _, err := authClient(s, redirect).Exchange(ctx, code, ""); err != nil {
				t.Errorf("response_mode %q: exchanging the delivered code: %v", mode, err)
			}
		}
	}
}

// checkFormPostPage: no redirect, no code in any URL; the code is a field
// of a form POSTed to the redirect URI.
func checkFormPostPage(t *testing.T, resp *http.Response, page string) string {
	t.Helper()
	action, code := postForm.FindStringSubmatch(page), codeField.FindStringSubmatch(page)
	if resp.StatusCode != 200 || resp.Header.Get("Location") != "" || action == nil || code == nil {
		t.Errorf("form_post: %d, Location %q, form %t, code field %t; want a page POSTing the code",
			resp.StatusCode, resp.Header.Get("Location"), action != nil, code != nil)
		return ""
	}
	if target := html.UnescapeString(action[1]); target != redirect {
		t.Errorf("form_post: the form goes to %q (a code in a URL?), want exactly %s", target, redirect)
	}
	if strings.Contains(resp.Request.URL.String(), code[1]) {
		t.Error("form_post: the page's own URL holds the code")
	}
	return html.UnescapeString(code[1])
}

// checkQueryRedirect: a redirect to the redirect URI with the code in its query.
func checkQueryRedirect(t *testing.T, resp *http.Response, page string) string {
	t.Helper()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("code") == "" || postForm.MatchString(page) {
		t.Errorf("query: %d to %q; want a 302 with the code in the query", resp.StatusCode, resp.Header.Get("Location"))
		return ""
	}
	if loc.Scheme+"://"+loc.Host+loc.Path != redirect {
		t.Errorf("query: redirected to %s, want %s", loc, redirect)
	}
	return loc.Query().Get("code")
}

var johnDoe = &truelayer.ExtendUser{Name: "John Doe", Email: "john@example.com"}

// lapsed connects user/password through the dialog, then moves the clock
// past the consent's 90 days.
func lapsed(t *testing.T, srv *truelayertest.Server, user, password string) *truelayer.Token {
	t.Helper()
	ac := authClient(srv, redirect)
	code, verifier := login(t, srv, ac, truelayer.AuthLinkParams{}, user, password, truelayertest.ProviderNorthgate)
	tok, err := ac.Exchange(context.Background(), code, verifier)
	if err != nil {
		t.Fatal(err)
	}
	srv.AdvanceClock(91 * 24 * time.Hour)
	return tok
}

func checkExtendWithoutToken(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	ac := authClient(srv, redirect)
	req := func(tok *truelayer.Token) truelayer.ExtendRequest {
		return truelayer.ExtendRequest{RefreshToken: tok.RefreshToken, UserHasReconfirmedConsent: true, User: johnDoe}
	}
	tok := lapsed(t, srv, "john", "eternal")
	// A token-refreshing client cannot even send it: no token is to be had.
	refreshing := truelayer.NewClient(ac.OAuth2Config(nil).Client(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Unix(1, 0)}),
		truelayer.WithBaseURL(srv.APIURL()))
	if _, err := refreshing.ExtendConnection(ctx, req(tok)); err == nil {
		t.Error("extend through a token-refreshing client worked after the consent lapsed")
	}
	r, err := ac.ExtendConnection(ctx, srv.APIURL(), req(tok))
	if err != nil || r.ActionNeeded != truelayer.ActionNoActionNeeded || r.AccessToken == "" || r.RefreshToken == "" {
		t.Fatalf("extend john/eternal after the lapse: %+v, %v; want no_action_needed with tokens", r, err)
	}
	me, err := apiClient(srv, r.Token(srv.Now())).Me(ctx)
	if err != nil || !me.ConsentExpiresAt.Time.After(srv.Now().AddDate(0, 0, 89)) {
		t.Errorf("the extended connection: %+v, %v; want 90 more days", me, err)
	}
	if _, err := ac.Refresh(ctx, tok.RefreshToken); !errors.Is(err, truelayer.ErrConsentNeeded) {
		t.Errorf("the refresh token before the extension: %v; want invalid_grant", err)
	}
	// An access token, even a bad one, is neither needed nor looked at.
	garbage := apiClient(srv, &truelayer.Token{AccessToken: "not-a-token"})
	if r2, err := garbage.ExtendConnection(ctx, truelayer.ExtendRequest{ClientID: truelayertest.DefaultClientID,
		ClientSecret: truelayertest.DefaultClientSecret, RedirectURI: redirect, RefreshToken: r.RefreshToken,
		UserHasReconfirmedConsent: true, User: johnDoe}); err != nil || r2.ActionNeeded != truelayer.ActionNoActionNeeded {
		t.Errorf("extend with a garbage bearer token: %v", err)
	}
	checkExtendNeedsAuthentication(t, srv, ac, req)
}

// checkExtendNeedsAuthentication: john/doe must sign in again; the link's
// code renews the same connection.
func checkExtendNeedsAuthentication(t *testing.T, srv *truelayertest.Server, ac *truelayer.AuthClient, req func(*truelayer.Token) truelayer.ExtendRequest) {
	ctx := context.Background()
	tok := lapsed(t, srv, "john", "doe")
	sub, _ := truelayer.ParseClaims(tok.AccessToken)
	r, err := ac.ExtendConnection(ctx, srv.APIURL(), req(tok))
	if err != nil || r.ActionNeeded != truelayer.ActionAuthenticationNeeded || !strings.HasPrefix(r.UserInputLink, srv.AuthURL()) {
		t.Fatalf("extend john/doe: %+v, %v; want authentication_needed with a link", r, err)
	}
	landed, err := srv.Authorize(ctx, r.UserInputLink, "john", "doe", "")
	if err != nil || landed.Query().Get("code") == "" {
		t.Fatalf("following user_input_link: %v, %v", landed, err)
	}
	renewed, err := ac.Exchange(ctx, landed.Query().Get("code"), "")
	if err != nil {
		t.Fatal(err)
	}
	me, err := apiClient(srv, renewed).Me(ctx)
	if err != nil || me.CredentialsID != sub.Subject || !me.ConsentExpiresAt.Time.After(srv.Now().AddDate(0, 0, 89)) {
		t.Errorf("after re-authenticating: %+v, %v; want the same connection (%s) with 90 more days", me, err, sub.Subject)
	}
	if _, err := ac.Refresh(ctx, tok.RefreshToken); !errors.Is(err, truelayer.ErrConsentNeeded) {
		t.Errorf("the old refresh token after the renewal: %v; want invalid_grant", err)
	}
}

func checkErrorShape(t *testing.T) {
	srv := newServer(t)
	tok := connect(t, srv, "john", truelayertest.ProviderNorthgate, "accounts", "transactions", "offline_access")
	acct, _ := northgateIDs(srv)
	nova := connect(t, srv, "john", truelayertest.ProviderNova)
	srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/info", Kind: truelayertest.Status, Status: 503, Details: map[string]string{"provider": "down"}})
	api, auth := srv.APIURL()+"/data/v1", srv.AuthURL()
	bad := url.Values{"grant_type": {"refresh_token"}, "client_id": {truelayertest.DefaultClientID},
		"client_secret": {truelayertest.DefaultClientSecret}, "refresh_token": {"nope"}}
	for _, c := range []struct {
		method, url, bearer string
		form                url.Values
		status              int
	}{
		{"GET", api + "/accounts", "", nil, 401},
		{"GET", api + "/accounts", "garbage", nil, 401},
		{"GET", api + "/accounts/" + acct + "/balance", tok.AccessToken, nil, 403},
		{"GET", api + "/accounts/nope/transactions", tok.AccessToken, nil, 404},
		{"GET", api + "/accounts/" + acct + "/transactions?from=2026-03-16", tok.AccessToken, nil, 400},
		{"GET", api + "/cards", nova.AccessToken, nil, 501},
		{"GET", api + "/info", nova.AccessToken, nil, 503},
		{"GET", api + "/nothing-here", tok.AccessToken, nil, 404},
		{"DELETE", api + "/accounts", tok.AccessToken, nil, 405},
		{"POST", api + "/connections/extend", "", url.Values{"not": {"json"}}, 400},
		{"POST", auth + "/connect/token", "", bad, 400},
		{"POST", auth + "/connect/token", "", url.Values{"grant_type": {"password"}}, 400},
		{"GET", auth + "/connect/token", "", nil, 405},
		{"GET", auth + "/api/providers/nonsense", "", nil, 404},
		{"GET", auth + "/api/nothing-here", "", nil, 404},
		{"DELETE", auth + "/api/delete", "garbage", nil, 401},
	} {
		req, _ := http.NewRequest(c.method, c.url, nil)
		if c.form != nil {
			req, _ = http.NewRequest(c.method, c.url, strings.NewReader(c.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if c.bearer != "" {
			req.Header.Set("Authorization", "Bearer "+c.bearer)
		}
		name := c.method + " " + strings.TrimPrefix(strings.TrimPrefix(c.url, api), auth)
		checkErrorBody(t, name, req, c.status)
	}
	// The client reads error_details.
	_, err := apiClient(srv, nova).Info(context.Background())
	if ae := apiErr(t, err); ae.Details["provider"] != "down" {
		t.Errorf("error_details through the client: %+v", ae.Details)
	}
}

// checkErrorBody sends req and checks the answer is JSON holding exactly
// error and error_description (strings) and perhaps error_details (an object).
func checkErrorBody(t *testing.T, name string, req *http.Request, status int) {
	t.Helper()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]json.RawMessage
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	derr := json.NewDecoder(resp.Body).Decode(&body)
	var code, desc string
	ok := resp.StatusCode == status && mt == "application/json" && derr == nil &&
		json.Unmarshal(body["error"], &code) == nil && code != "" && json.Unmarshal(body["error_description"], &desc) == nil && desc != ""
	for k, v := range body {
		var details map[string]string
		ok = ok && (k == "error" || k == "error_description" || k == "error_details" && json.Unmarshal(v, &details) == nil)
	}
	if !ok {
		t.Errorf("%s: %d %s %v; want %d with {error, error_description[, error_details]}", name, resp.StatusCode, mt, keysOf(body), status)
	}
}

func keysOf(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
