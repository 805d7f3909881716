package truelayer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestNewAuthClientEnvironment(t *testing.T) {
	sb := NewAuthClient(nil, AuthConfig{ClientID: "sandbox-abc"})
	if sb.TokenURL() != "https://auth.truelayer-sandbox.com/connect/token" {
		t.Errorf("sandbox token URL = %q", sb.TokenURL())
	}
	live := NewAuthClient(nil, AuthConfig{ClientID: "abc"})
	if live.TokenURL() != "https://auth.truelayer.com/connect/token" {
		t.Errorf("live token URL = %q", live.TokenURL())
	}
	custom := NewAuthClient(nil, AuthConfig{ClientID: "abc", AuthURL: "http://127.0.0.1:9/auth/"})
	if custom.TokenURL() != "http://127.0.0.1:9/auth/connect/token" {
		t.Errorf("custom token URL = %q", custom.TokenURL())
	}
	if sb.req.httpClient == http.DefaultClient {
		t.Error("nil http client must not mean http.DefaultClient")
	}
}

// TestAuthLink mirrors the JS client's five getAuthUrl tests, with proper
// encoding (the JS client left redirect_uri unencoded).
func TestAuthLink(t *testing.T) {
	a := NewAuthClient(nil, AuthConfig{ClientID: "client-id", ClientSecret: "x", RedirectURI: "http://url"})
	const base = "https://auth.truelayer.com/?response_type=code&client_id=client-id&redirect_uri=http%3A%2F%2Furl"
	cases := []struct {
		name string
		p    AuthLinkParams
		want string
	}{
		{"required only", AuthLinkParams{Scopes: []string{"offline_access", "info"}, Nonce: "nonce"},
			base + "&scope=offline_access%20info&nonce=nonce"},
		{"form_post", AuthLinkParams{Scopes: []string{"info"}, Nonce: "n", ResponseMode: ResponseModeFormPost},
			base + "&scope=info&nonce=n&response_mode=form_post"},
		{"query mode is the default", AuthLinkParams{Scopes: []string{"info"}, Nonce: "n", ResponseMode: ResponseModeQuery},
			base + "&scope=info&nonce=n"},
		{"mock and state", AuthLinkParams{Scopes: []string{"info"}, Nonce: "n", State: "st ate&x", EnableMock: true},
			base + "&scope=info&nonce=n&state=st%20ate%26x&enable_mock=true"},
		{"all options", AuthLinkParams{
			Scopes: []string{"info", "accounts"}, Nonce: "n", State: "s", ResponseMode: ResponseModeFormPost,
			EnableMock: true, EnableCredentialsSharingProviders: true, EnableCredentialsSharingProvidersDE: true,
			EnableOAuthProviders: true, EnableOpenBankingProviders: true, DisableProviders: []string{"a", "b", "c"},
			ProviderID: "z", Providers: []string{"uk-ob-all", "uk-oauth-all"}, CodeChallenge: "ch+al/le=nge",
		}, base + "&scope=info%20accounts&nonce=n&response_mode=form_post&state=s&enable_mock=true" +
			"&enable_credentials_sharing_providers=true&enable_credentials_sharing_providers_de=true" +
			"&enable_oauth_providers=true&enable_open_banking_providers=true&disable_providers=a%20b%20c" +
			"&providers=uk-ob-all%20uk-oauth-all&provider_id=z&code_challenge=ch%2Bal%2Fle%3Dnge&code_challenge_method=S256"},
		{"default scopes", AuthLinkParams{},
			base + "&scope=info%20accounts%20balance%20cards%20transactions%20offline_access"},
	}
	for _, c := range cases {
		got, err := a.AuthLink(c.p)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
		// Whatever the order, a standard parser reads back the values.
		u, err := url.Parse(got)
		if err != nil || u.Query().Get("redirect_uri") != "http://url" {
			t.Errorf("%s: link does not parse back: %v", c.name, err)
		}
	}
}

func TestAuthLinkPKCEAndEncoding(t *testing.T) {
	f := newFixture(t)
	verifier := oauth2.GenerateVerifier()
	link, err := f.authClient.AuthLink(AuthLinkParams{
		Scopes: []string{ScopeInfo}, State: "a+b c", CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier),
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != authPath+"/" || q.Get("redirect_uri") != testRedirectURI || q.Get("state") != "a+b c" ||
		q.Get("code_challenge") != oauth2.S256ChallengeFromVerifier(verifier) || q.Get("code_challenge_method") != "S256" ||
		q.Get("client_id") != testClientID {
		t.Errorf("link = %s", link)
	}
	if strings.Contains(link, testClientSecret) {
		t.Error("auth link contains the client secret")
	}
}

func TestAuthLinkValidation(t *testing.T) {
	a := NewAuthClient(nil, AuthConfig{ClientID: "c", RedirectURI: "http://x"})
	if _, err := a.AuthLink(AuthLinkParams{Scopes: []string{"info", "wallet"}}); err == nil || !strings.Contains(err.Error(), `"wallet"`) {
		t.Errorf("unknown scope: err = %v", err)
	}
	if _, err := a.AuthLink(AuthLinkParams{ResponseMode: "fragment"}); err == nil {
		t.Error("unknown response mode accepted")
	}
	if _, err := NewAuthClient(nil, AuthConfig{RedirectURI: "http://x"}).AuthLink(AuthLinkParams{}); err == nil {
		t.Error("missing client id accepted")
	}
	if _, err := NewAuthClient(nil, AuthConfig{ClientID: "c"}).AuthLink(AuthLinkParams{}); err == nil {
		t.Error("missing redirect URI accepted")
	}
}

// tokenHandler checks the form of a token request and answers with body.
func tokenHandler(t *testing.T, wantForm url.Values, status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		testHeader(t, r, "User-Agent", DefaultUserAgent())
		if r.Header.Get("Authorization") != "" {
			t.Error("client credentials sent in a header; TrueLayer wants them in the form (AuthStyleInParams)")
		}
		testForm(t, r, wantForm)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-TL-Correlation-Id", "tok-corr")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

func TestExchange(t *testing.T) {
	f := newFixture(t)
	f.auth.HandleFunc("/connect/token", tokenHandler(t, url.Values{
		"grant_type": {"authorization_code"}, "code": {"the-code"}, "redirect_uri": {testRedirectURI},
		"client_id": {testClientID}, "client_secret": {testClientSecret}, "code_verifier": {"the-verifier"},
	}, 200, `{"access_token":"at-1","expires_in":3600,"token_type":"Bearer","refresh_token":"rt-1","scope":"info accounts"}`))
	before := time.Now()
	tok, err := f.authClient.Exchange(context.Background(), "the-code", "the-verifier")
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "at-1" || tok.RefreshToken != "rt-1" || tok.TokenType != "Bearer" || tok.Scope != "info accounts" {
		t.Errorf("token = %+v", *tok)
	}
	if exp := tok.Expiry.Sub(before); exp < 3590*time.Second || exp > 3610*time.Second {
		t.Errorf("expiry in %v, want about 1h from expires_in", exp)
	}
}

func TestExchangeFixtureWithoutVerifier(t *testing.T) {
	f := newFixture(t)
	f.auth.HandleFunc("/connect/token", tokenHandler(t, url.Values{
		"grant_type": {"authorization_code"}, "code": {"c"}, "redirect_uri": {testRedirectURI},
		"client_id": {testClientID}, "client_secret": {testClientSecret},
	}, 200, string(loadFixture(t, "auth-token.json"))))
	tok, err := f.authClient.Exchange(context.Background(), "c", "")
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "test_access_token" || tok.RefreshToken != "test_refresh_token" || tok.Expiry.IsZero() || tok.Scope != "" {
		t.Errorf("token = %+v", *tok)
	}
	if _, err := f.authClient.Exchange(context.Background(), "", ""); err == nil {
		t.Error("empty code accepted")
	}
}

func TestRefreshRotates(t *testing.T) {
	f := newFixture(t)
	f.auth.HandleFunc("/connect/token", tokenHandler(t, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {"rt-old"},
		"client_id": {testClientID}, "client_secret": {testClientSecret},
	}, 200, `{"access_token":"at-2","expires_in":60,"token_type":"Bearer","refresh_token":"rt-new","scope":["info","accounts"]}`))
	tok, err := f.authClient.Refresh(context.Background(), "rt-old")
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "rt-new" || tok.AccessToken != "at-2" || tok.Scope != "info accounts" {
		t.Errorf("token = %+v", *tok)
	}
	if time.Until(tok.Expiry) > time.Minute+time.Second || time.Until(tok.Expiry) < 50*time.Second {
		t.Errorf("expiry = %v", tok.Expiry)
	}
	if _, err := f.authClient.Refresh(context.Background(), ""); err == nil {
		t.Error("empty refresh token accepted")
	}
}

func TestRefreshInvalidGrant(t *testing.T) {
	f := newFixture(t)
	f.auth.HandleFunc("/connect/token", tokenHandler(t, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {"rt-dead-123"},
		"client_id": {testClientID}, "client_secret": {testClientSecret},
	}, 400, string(loadFixture(t, "error-400-grant.json"))))
	_, err := f.authClient.Refresh(context.Background(), "rt-dead-123")
	var ae *APIError
	if !errors.As(err, &ae) || !errors.Is(err, ErrConsentNeeded) || ae.StatusCode != 400 || ae.Code != "invalid_grant" ||
		ae.CorrelationID != "tok-corr" || ae.Method != "POST" {
		t.Fatalf("err = %#v", err)
	}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Error("the *oauth2.RetrieveError is not reachable")
	}
	noSecrets(t, err.Error(), "rt-dead-123", testClientSecret)
}

func TestTokenEndpointErrors(t *testing.T) {
	cases := []struct {
		status   int
		body     string
		wantCode string
		class    error
	}{
		{400, `{"error":"invalid_client","error_description":"bad secret"}`, "invalid_client", nil},
		{400, `{"error":"invalid_authorization_code","error_description":"used"}`, "invalid_authorization_code", nil},
		{401, `{"error":"unauthorized_client"}`, "unauthorized_client", nil},
		{503, `<h1>down</h1>`, "service_unavailable", ErrTemporary},
		{200, `{"token_type":"Bearer"}`, "invalid_token_response", nil}, // no access_token
	}
	for _, c := range cases {
		f := newFixture(t)
		f.auth.HandleFunc("/connect/token", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(c.status)
			w.Write([]byte(c.body))
		})
		_, err := f.authClient.Exchange(context.Background(), "code-secret-1", "verifier-secret-1")
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != c.wantCode {
			t.Errorf("%d %s: err = %v, want code %s", c.status, c.body, err, c.wantCode)
			continue
		}
		if c.class != nil && !errors.Is(err, c.class) {
			t.Errorf("%d: not %v", c.status, c.class)
		}
		if errors.Is(err, ErrUnauthorized) {
			t.Errorf("%d: a token-endpoint failure must not ask for a token refresh", c.status)
		}
		noSecrets(t, err.Error(), "code-secret-1", "verifier-secret-1", testClientSecret)
	}
}

func TestTokenOAuth2RoundTrip(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tok := &Token{AccessToken: "a", RefreshToken: "r", TokenType: "Bearer", Expiry: exp, Scope: "info"}
	back := TokenFromOAuth2(tok.OAuth2())
	if *back != *tok {
		t.Errorf("round trip = %+v, want %+v", *back, *tok)
	}
	if TokenFromOAuth2(nil) != nil || (*Token)(nil).OAuth2() != nil {
		t.Error("nil conversions")
	}
	s := tok.String() + " " + tok.GoString()
	noSecrets(t, s, "a\"", "=a", " a ")
	if strings.Contains(s, `"r"`) || !strings.Contains(s, "refresh token: true") {
		t.Errorf("String = %q", s)
	}
	if !tok.Valid(exp.Add(-time.Minute), 30*time.Second) || tok.Valid(exp.Add(-10*time.Second), 30*time.Second) {
		t.Error("Token.Valid skew")
	}
}

func TestOAuth2Config(t *testing.T) {
	f := newFixture(t)
	c := f.authClient.OAuth2Config([]string{"info"})
	if c.Endpoint.AuthStyle != oauth2.AuthStyleInParams || c.Endpoint.TokenURL != f.server.URL+authPath+"/connect/token" ||
		c.ClientID != testClientID || c.ClientSecret != testClientSecret || c.RedirectURL != testRedirectURI || c.Scopes[0] != "info" {
		t.Errorf("config = %+v", c.Endpoint)
	}
}

func TestProviders(t *testing.T) {
	cases := []struct {
		q         ProvidersQuery
		path      string
		wantQuery url.Values
	}{
		{ProvidersQuery{}, "/api/providers", url.Values{"clientId": {testClientID}}},
		{ProvidersQuery{Type: ProviderTypeOAuth}, "/api/providers/oauth", url.Values{"clientId": {testClientID}}},
		{ProvidersQuery{Type: ProviderTypeOpenBanking, Country: "uk"}, "/api/providers/oauth/openbanking", url.Values{"clientId": {testClientID}, "country": {"uk"}}},
		{ProvidersQuery{Type: ProviderTypeCredentialsSharing, ClientID: "other"}, "/api/providers/credentialssharing", url.Values{"clientId": {"other"}}},
	}
	for _, c := range cases {
		f := newFixture(t)
		f.auth.HandleFunc(c.path, func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "GET")
			testQuery(t, r, c.wantQuery)
			if r.Header.Get("Authorization") != "" {
				t.Error("providers is public: no token")
			}
			serveFixture(t, "providers.json")(w, r)
		})
		ps, err := f.authClient.Providers(context.Background(), c.q)
		if err != nil {
			t.Fatalf("%+v: %v", c.q, err)
		}
		if len(ps) != 2 || ps[1].ProviderID != "test_provider2" || ps[0].LogoURL == "" || ps[1].Scopes[0] != "offline_access" {
			t.Errorf("providers = %+v", ps)
		}
	}
	if _, err := newFixture(t).authClient.Providers(context.Background(), ProvidersQuery{Type: "psd2"}); err == nil {
		t.Error("unknown type accepted")
	}
}

func TestProvidersCountryFilter(t *testing.T) {
	f := newFixture(t)
	f.auth.HandleFunc("/api/providers", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`[{"provider_id":"a","country":"uk"},{"provider_id":"b","country":"de"},{"provider_id":"c"},{"provider_id":"d","country":"UK"}]`))
	})
	ps, err := f.authClient.Providers(context.Background(), ProvidersQuery{Country: "uk"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ProviderID)
	}
	if strings.Join(ids, ",") != "a,c,d" {
		t.Errorf("filtered = %v, want a,c,d", ids)
	}
}

func TestRevoke(t *testing.T) {
	f := newFixture(t)
	f.auth.HandleFunc("/api/delete", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "DELETE")
		testHeader(t, r, "Authorization", "Bearer at-revoke")
		w.WriteHeader(http.StatusOK)
	})
	if err := f.authClient.Revoke(context.Background(), "at-revoke"); err != nil {
		t.Fatal(err)
	}
	g := newFixture(t)
	g.auth.HandleFunc("/api/delete", serveError(401, string(loadFixture(t, "error-401.json"))))
	err := g.authClient.Revoke(context.Background(), "at-gone-999")
	if !errors.Is(err, ErrUnauthorized) {
		t.Errorf("err = %v", err)
	}
	noSecrets(t, err.Error(), "at-gone-999")
}

func TestDebug(t *testing.T) {
	f := newFixture(t)
	f.auth.HandleFunc("/api/debug", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		testForm(t, r, url.Values{"access_token": {"at-dbg"}})
		serveFixture(t, "auth-debug.json")(w, r)
	})
	d, err := f.authClient.Debug(context.Background(), "at-dbg")
	if err != nil {
		t.Fatal(err)
	}
	if d.ProviderID != "mock" || !strings.HasPrefix(d.DebugID, "mock|") || d.CredentialsID == "" {
		t.Errorf("debug = %+v", d)
	}
}

// A program names its version per auth client, for the token endpoint too
// (through x/oauth2) and for the provider list.
func TestAuthConfigUserAgent(t *testing.T) {
	f := newFixture(t)
	ac := NewAuthClient(f.server.Client(), AuthConfig{
		ClientID: testClientID, ClientSecret: testClientSecret, RedirectURI: testRedirectURI,
		AuthURL: f.server.URL + authPath,
	}, WithUserAgent("banktui/9.9.9"))
	f.auth.HandleFunc("/connect/token", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "User-Agent", "banktui/9.9.9")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"at-1","expires_in":3600,"token_type":"Bearer","refresh_token":"rt-2"}`)
	})
	if _, err := ac.Refresh(context.Background(), "rt-1"); err != nil {
		t.Fatal(err)
	}
}
