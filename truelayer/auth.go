package truelayer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// AuthConfig identifies your TrueLayer client (from the Console).
type AuthConfig struct {
	ClientID, ClientSecret, RedirectURI string
	// AuthURL is the auth server base, e.g. Sandbox.AuthURL; "" means
	// EnvironmentFor(ClientID).AuthURL.
	AuthURL string
}

// AuthClient talks to the auth server: auth links, code exchange and refresh,
// the provider list, revocation. The JS client's AuthAPIClient.
type AuthClient struct {
	cfg  AuthConfig
	base *url.URL // auth server base, with a trailing slash
	req  requester
}

// NewAuthClient returns an auth-server client. httpClient is a plain
// (unauthenticated) client; nil means a fresh one on NewTransport. Of the
// options, those of the transport apply (WithTimeouts, WithRetry,
// WithMaxResponseBytes, WithUserAgent). As for Client, redirects to
// another host are refused (the client secret, refresh tokens and codes
// go only to the auth server), and every request has deadlines, token
// requests included.
func NewAuthClient(httpClient *http.Client, cfg AuthConfig, opts ...Option) *AuthClient {
	if cfg.AuthURL == "" {
		cfg.AuthURL = EnvironmentFor(cfg.ClientID).AuthURL
	}
	a := &AuthClient{cfg: cfg, req: newRequester(httpClient)}
	applyOptions(&a.req, opts)
	u, err := url.Parse(strings.TrimRight(cfg.AuthURL, "/") + "/")
	if err != nil || u.Scheme == "" || u.Host == "" {
		u = &url.URL{Scheme: "invalid", Opaque: "auth URL " + RedactURLString(cfg.AuthURL)}
	}
	a.base = u
	return a
}

// Config returns the configuration (with the secret: do not print it).
func (a *AuthClient) Config() AuthConfig { return a.cfg }

// endpoint resolves a path below the auth base.
func (a *AuthClient) endpoint(path string) string {
	u, err := a.base.Parse(path)
	if err != nil {
		return a.base.String() + path
	}
	return u.String()
}

// TokenURL is {auth}/connect/token.
func (a *AuthClient) TokenURL() string { return a.endpoint("connect/token") }

// Response modes of the auth link.
const (
	ResponseModeQuery    = "query"
	ResponseModeFormPost = "form_post"
)

// AuthLinkParams are the auth-link options of §1.2. Flags are sent only when
// true (as "true"); empty strings and lists are left out.
type AuthLinkParams struct {
	Scopes       []string // default DefaultScopes; each must be in AvailableScopes
	State, Nonce string
	ResponseMode string // "" or "query": code in the redirect's query; "form_post": POSTed form
	// Providers are the provider/group ids the dialog offers, e.g. "uk-ob-all uk-oauth-all".
	Providers []string
	// ProviderID skips the provider selection. TrueLayer wants it covered
	// by Providers (by id, or a group such as uk-ob-all): with no Providers,
	// AuthLink sends ProviderID as providers too.
	ProviderID string
	EnableMock, EnableOAuthProviders, EnableOpenBankingProviders,
	EnableCredentialsSharingProviders, EnableCredentialsSharingProvidersDE bool
	DisableProviders []string
	// CodeChallenge is the PKCE S256 challenge:
	// oauth2.S256ChallengeFromVerifier(verifier); pass the verifier to Exchange.
	CodeChallenge string
}

// AuthLink returns the URL to send the user to, with every parameter
// properly query-encoded (spaces as %20). It checks the scopes and the
// response mode; it makes no request.
func (a *AuthClient) AuthLink(p AuthLinkParams) (string, error) {
	if a.cfg.ClientID == "" {
		return "", errors.New("truelayer: auth link: no client id")
	}
	if a.cfg.RedirectURI == "" {
		return "", errors.New("truelayer: auth link: no redirect URI")
	}
	scopes := p.Scopes
	if len(scopes) == 0 {
		scopes = DefaultScopes
	}
	if err := ValidateScopes(scopes); err != nil {
		return "", err
	}
	switch p.ResponseMode {
	case "", ResponseModeQuery, ResponseModeFormPost:
	default:
		return "", fmt.Errorf("truelayer: auth link: response mode %q is neither %q nor %q", p.ResponseMode, ResponseModeQuery, ResponseModeFormPost)
	}
	var q query
	q.add("response_type", "code")
	q.add("client_id", a.cfg.ClientID)
	q.add("redirect_uri", a.cfg.RedirectURI)
	q.add("scope", strings.Join(scopes, " "))
	q.add("nonce", p.Nonce)
	if p.ResponseMode == ResponseModeFormPost {
		q.add("response_mode", p.ResponseMode)
	}
	q.add("state", p.State)
	q.flag("enable_mock", p.EnableMock)
	q.flag("enable_credentials_sharing_providers", p.EnableCredentialsSharingProviders)
	q.flag("enable_credentials_sharing_providers_de", p.EnableCredentialsSharingProvidersDE)
	q.flag("enable_oauth_providers", p.EnableOAuthProviders)
	q.flag("enable_open_banking_providers", p.EnableOpenBankingProviders)
	q.add("disable_providers", strings.Join(p.DisableProviders, " "))
	providers := p.Providers
	if len(providers) == 0 && p.ProviderID != "" {
		providers = []string{p.ProviderID} // provider_id alone is refused (docs: auth-link-basics)
	}
	q.add("providers", strings.Join(providers, " "))
	q.add("provider_id", p.ProviderID)
	if p.CodeChallenge != "" {
		q.add("code_challenge", p.CodeChallenge)
		q.add("code_challenge_method", "S256")
	}
	return a.base.String() + "?" + q.String(), nil
}

// query keeps parameters in the order added (url.Values sorts), which makes
// links readable and comparable with the JS client's.
type query []string

func (q *query) add(k, v string) {
	if v != "" {
		*q = append(*q, queryEscape(k)+"="+queryEscape(v))
	}
}

func (q *query) flag(k string, on bool) {
	if on {
		q.add(k, "true")
	}
}

func (q query) String() string { return strings.Join(q, "&") }

// queryEscape is url.QueryEscape with spaces as %20, as TrueLayer's docs
// write them (a literal "+" is already %2B, so the swap is safe).
func queryEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// OAuth2Config returns the x/oauth2 configuration for this client: token URL
// {auth}/connect/token with the client credentials in the form body
// (AuthStyleInParams). Its Client and TokenSource refresh tokens
// automatically; note that TrueLayer rotates the refresh token on every
// refresh, so persist each new one.
func (a *AuthClient) OAuth2Config(scopes []string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     a.cfg.ClientID,
		ClientSecret: a.cfg.ClientSecret,
		RedirectURL:  a.cfg.RedirectURI,
		Scopes:       scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:   a.base.String(),
			TokenURL:  a.TokenURL(),
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

// Token is the whole answer of the token endpoint. RefreshToken is only
// issued with the offline_access scope; each refresh returns a new one and
// the old one stops working.
type Token struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"` // from expires_in; zero if not sent
	Scope        string    `json:"scope,omitempty"` // space-separated, when the server says
}

// String hides the tokens, so a Token printed by mistake leaks nothing.
func (t *Token) String() string {
	if t == nil {
		return "<nil token>"
	}
	return fmt.Sprintf("Token{type %s, expires %s, scope %q, refresh token: %t}", t.TokenType, t.Expiry.Format(time.RFC3339), t.Scope, t.RefreshToken != "")
}

// GoString hides the tokens from %#v too.
func (t *Token) GoString() string { return t.String() }

// Valid reports whether the access token is set and not expiring within skew.
func (t *Token) Valid(now time.Time, skew time.Duration) bool {
	return t != nil && t.AccessToken != "" && (t.Expiry.IsZero() || now.Add(skew).Before(t.Expiry))
}

// OAuth2 converts to an *oauth2.Token.
func (t *Token) OAuth2() *oauth2.Token {
	if t == nil {
		return nil
	}
	o := &oauth2.Token{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType, Expiry: t.Expiry}
	if t.Scope != "" {
		o = o.WithExtra(map[string]any{"scope": t.Scope})
	}
	return o
}

// TokenFromOAuth2 converts from an *oauth2.Token, reading "scope" (a string
// or a list) from its extra fields.
func TokenFromOAuth2(t *oauth2.Token) *Token {
	if t == nil {
		return nil
	}
	out := &Token{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType, Expiry: t.Expiry}
	switch s := t.Extra("scope").(type) {
	case string:
		out.Scope = s
	case []any:
		var parts []string
		for _, p := range s {
			if ps, ok := p.(string); ok {
				parts = append(parts, ps)
			}
		}
		out.Scope = strings.Join(parts, " ")
	}
	return out
}

// oauthContext carries our http.Client into x/oauth2, with the User-Agent,
// the deadlines, and no redirect to another host: x/oauth2 POSTs the client
// secret and the code or refresh token, and net/http would re-send them to
// wherever a 307 points.
func (a *AuthClient) oauthContext(ctx context.Context) (context.Context, *deadlineTransport) {
	hc, dt := guarded(a.req.httpClient, a.req.timeouts)
	hc.Transport = &uaTransport{base: hc.Transport, userAgent: a.req.userAgent}
	return context.WithValue(ctx, oauth2.HTTPClient, hc), dt
}

type uaTransport struct {
	base      http.RoundTripper
	userAgent string
}

func (t *uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	base := orDefault(t.base)
	if r.Header.Get("User-Agent") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("User-Agent", t.userAgent)
	}
	return base.RoundTrip(r)
}

// Exchange trades an authorization code (valid 5 minutes, single use) for
// tokens: POST {auth}/connect/token, grant_type=authorization_code, with
// code_verifier when codeVerifier is not empty (PKCE).
func (a *AuthClient) Exchange(ctx context.Context, code, codeVerifier string) (*Token, error) {
	if code == "" {
		return nil, errors.New("truelayer: exchange: empty authorization code")
	}
	var opts []oauth2.AuthCodeOption
	if codeVerifier != "" {
		opts = append(opts, oauth2.VerifierOption(codeVerifier))
	}
	octx, dt := a.oauthContext(ctx)
	tok, err := a.OAuth2Config(nil).Exchange(octx, code, opts...)
	if err != nil {
		return nil, a.tokenError(ctx, err, dt)
	}
	return TokenFromOAuth2(tok), nil
}

// Refresh trades a refresh token for new tokens: POST {auth}/connect/token,
// grant_type=refresh_token. The returned RefreshToken replaces the old one,
// which no longer works: save it before using the access token.
func (a *AuthClient) Refresh(ctx context.Context, refreshToken string) (*Token, error) {
	if refreshToken == "" {
		return nil, errors.New("truelayer: refresh: empty refresh token")
	}
	octx, dt := a.oauthContext(ctx)
	src := a.OAuth2Config(nil).TokenSource(octx, &oauth2.Token{RefreshToken: refreshToken})
	tok, err := src.Token()
	if err != nil {
		return nil, a.tokenError(ctx, err, dt)
	}
	return TokenFromOAuth2(tok), nil
}

// tokenError maps x/oauth2's errors to *APIError, dropping anything that
// quotes the request.
func (a *AuthClient) tokenError(ctx context.Context, err error, dt *deadlineTransport) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return fromRetrieveError(re, a.TokenURL())
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.TokenURL(), nil)
	if req == nil {
		return &APIError{Method: http.MethodPost, Code: codeNetwork, Description: RedactString(err.Error())}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return transportError(req, ue)
	}
	if passed := dt.lastPassed(); passed != nil {
		// x/oauth2 flattens a failed body read into text: the deadline
		// that passed is the real cause.
		return transportError(req, passed)
	}
	// x/oauth2's own errors ("server response missing access_token", ...).
	return &APIError{Method: http.MethodPost, URL: RedactURL(req.URL), Code: "invalid_token_response", Description: RedactString(err.Error())}
}

// Provider types for ProvidersQuery.Type (path segments of /api/providers).
const (
	ProviderTypeCredentialsSharing = "credentialssharing"
	ProviderTypeOAuth              = "oauth"
	ProviderTypeOpenBanking        = "oauth/openbanking"
)

// ProvidersQuery filters the public provider list.
type ProvidersQuery struct {
	Type     string // "", ProviderTypeCredentialsSharing, ProviderTypeOAuth, ProviderTypeOpenBanking
	Country  string // e.g. "uk"; also applied locally to items that state a country
	ClientID string // sent as clientId; "" means the AuthClient's client id
}

// Providers lists the banks: GET {auth}/api/providers[/{type}]. No token
// needed. The JS client's getProviderInfos, plus a country filter.
func (a *AuthClient) Providers(ctx context.Context, q ProvidersQuery) ([]ProviderInfo, error) {
	path := "api/providers"
	switch q.Type {
	case "":
	case ProviderTypeCredentialsSharing, ProviderTypeOAuth, ProviderTypeOpenBanking:
		path += "/" + q.Type
	default:
		return nil, fmt.Errorf("truelayer: unknown provider type %q", q.Type)
	}
	v := url.Values{}
	if id := cmpOr(q.ClientID, a.cfg.ClientID); id != "" {
		v.Set("clientId", id)
	}
	if q.Country != "" {
		v.Set("country", q.Country)
	}
	req, err := a.req.newRequest(ctx, http.MethodGet, a.base, path, v, nil)
	if err != nil {
		return nil, err
	}
	body, err := a.req.do(req)
	if err != nil {
		return nil, err
	}
	var list []ProviderInfo
	if err := json.Unmarshal(body, &list); err != nil {
		// Tolerate the Data API's envelope too.
		var env Results[ProviderInfo]
		if json.Unmarshal(body, &env) != nil {
			return nil, &decodeError{method: req.Method, url: RedactURL(req.URL), err: err}
		}
		list = env.Results
	}
	if q.Country != "" {
		kept := list[:0]
		for _, p := range list {
			if p.Country == "" || strings.EqualFold(p.Country, q.Country) {
				kept = append(kept, p)
			}
		}
		list = kept
	}
	if list == nil {
		list = []ProviderInfo{}
	}
	return list, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Revoke deletes the connection behind accessToken: DELETE {auth}/api/delete.
// Afterwards its refresh token fails with invalid_grant.
func (a *AuthClient) Revoke(ctx context.Context, accessToken string) error {
	req, err := a.req.newRequest(ctx, http.MethodDelete, a.base, "api/delete", nil, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	_, err = a.req.do(req)
	return err
}

// DebugInfo identifies a token for TrueLayer support.
type DebugInfo struct {
	CredentialsID string `json:"credentials_id"`
	DebugID       string `json:"debug_id"`
	ProviderID    string `json:"provider_id"`
}

// Debug submits an access token for TrueLayer support to inspect:
// POST {auth}/api/debug with the form field access_token. Quote DebugID to
// support.
func (a *AuthClient) Debug(ctx context.Context, accessToken string) (*DebugInfo, error) {
	u, err := a.base.Parse("api/debug")
	if err != nil {
		return nil, err
	}
	form := url.Values{"access_token": {accessToken}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("truelayer: POST %s: %v", RedactURL(u), err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", a.req.userAgent)
	body, err := a.req.do(req)
	if err != nil {
		return nil, err
	}
	var d DebugInfo
	if err := decodeInto(req, body, &d); err != nil {
		return nil, err
	}
	return &d, nil
}
