package truelayertest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// authRequest is a parsed auth link (§1.2).
type authRequest struct {
	ClientID, RedirectURI, State, Nonce, ResponseMode, ProviderID string
	Scopes, Providers, DisableProviders                           []string
	EnableMock, EnableOAuth, EnableOpenBanking, EnableCS          bool
	CodeChallenge                                                 string
}

func (q authRequest) anyEnableFlag() bool {
	return q.EnableMock || q.EnableOAuth || q.EnableOpenBanking || q.EnableCS
}

type authSession struct {
	req     authRequest
	created time.Time
}

type authCode struct {
	req        authRequest
	user       mockUser
	providerID string
	created    time.Time
	used       bool
	connID     string // the connection its exchange created, revoked if the code is replayed
}

// connection is a consent: what TrueLayer calls the credentials behind tokens.
type connection struct {
	ID             string // credentials id, the JWT sub
	ClientID       string
	User           mockUser
	ProviderID     string
	Scopes         []string
	Created        time.Time
	AuthTime       time.Time // last strong customer authentication
	ConsentExpires time.Time
	Revoked        bool
	refreshToken   string // the current (unrotated) one
}

func (c *connection) hasScope(sc string) bool { return slices.Contains(c.Scopes, sc) }

type refreshEntry struct {
	connID  string
	rotated bool
}

// tokenResponse is the JSON of /connect/token.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int64  `json:"expires_in"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`

	expiry time.Time
}

// oauthError is an auth-server or Data API error body.
type oauthError struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func (e *oauthError) Error() string { return e.Code + ": " + e.Description }

func newErr(status int, code, desc string) *oauthError {
	return &oauthError{Status: status, Code: code, Description: desc}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = 500, []byte(`{"error":"internal_error","error_description":"encoding failed"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeErr(w http.ResponseWriter, e *oauthError) {
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="`+e.Code+`"`)
	}
	writeJSON(w, e.Status, e)
}

func splitSpaces(s string) []string { return strings.Fields(s) }

func parseAuthRequest(q url.Values) authRequest {
	return authRequest{
		ClientID:          q.Get("client_id"),
		RedirectURI:       q.Get("redirect_uri"),
		State:             q.Get("state"),
		Nonce:             q.Get("nonce"),
		ResponseMode:      q.Get("response_mode"),
		ProviderID:        q.Get("provider_id"),
		Scopes:            splitSpaces(q.Get("scope")),
		Providers:         splitSpaces(q.Get("providers")),
		DisableProviders:  splitSpaces(q.Get("disable_providers")),
		EnableMock:        q.Get("enable_mock") == "true",
		EnableOAuth:       q.Get("enable_oauth_providers") == "true",
		EnableOpenBanking: q.Get("enable_open_banking_providers") == "true",
		EnableCS:          q.Get("enable_credentials_sharing_providers") == "true",
		CodeChallenge:     q.Get("code_challenge"),
	}
}

// handleAuthorize serves the auth link: GET /auth/?response_type=code&...
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := parseAuthRequest(q)
	s.mu.Lock()
	client, ok := s.clients[req.ClientID]
	autoApprove, autoUser, autoProv := s.cfg.autoApprove, s.cfg.autoApproveUser, s.cfg.autoApproveProv
	s.mu.Unlock()
	// Errors about the client or its redirect URI are shown, never redirected:
	// redirecting to an unverified URI would make the dialog an open redirector.
	if !ok {
		s.errorPage(w, 400, "unauthorized_client", "Unknown client_id.")
		return
	}
	if !slices.Contains(client.RedirectURIs, req.RedirectURI) {
		s.errorPage(w, 400, "unauthorized_client", "redirect_uri does not exactly match a redirect URI registered for this client.")
		return
	}
	if rt := q.Get("response_type"); rt != "code" {
		s.deliver(w, req, url.Values{"error": {"unsupported_response_type"}, "error_description": {"response_type must be code"}})
		return
	}
	if len(req.Scopes) == 0 {
		s.deliver(w, req, url.Values{"error": {"invalid_scope"}, "error_description": {"no scope requested"}})
		return
	}
	if err := truelayer.ValidateScopes(req.Scopes); err != nil {
		s.deliver(w, req, url.Values{"error": {"invalid_scope"}, "error_description": {"unknown scope requested"}})
		return
	}
	if req.CodeChallenge != "" && q.Get("code_challenge_method") != "S256" {
		s.deliver(w, req, url.Values{"error": {"invalid_request"}, "error_description": {"code_challenge_method must be S256"}})
		return
	}
	if req.ResponseMode != "" && req.ResponseMode != "query" && req.ResponseMode != "form_post" {
		s.deliver(w, req, url.Values{"error": {"invalid_request"}, "error_description": {"response_mode must be query or form_post"}})
		return
	}
	if req.ProviderID != "" {
		if _, ok := providerByID(req.ProviderID); !ok {
			s.deliver(w, req, url.Values{"error": {"invalid_request"}, "error_description": {"unknown provider_id"}})
			return
		}
	}
	if len(shownFor(req)) == 0 {
		s.deliver(w, req, url.Values{"error": {"invalid_request"}, "error_description": {"no provider matches providers, provider_id and disable_providers"}})
		return
	}
	if autoApprove {
		prov := req.ProviderID
		if prov == "" {
			prov = autoProv
		}
		if prov == "" {
			prov = ProviderNorthgate
		}
		user, ok := checkUser(autoUser, "")
		if _, known := providerByID(prov); !ok || !known {
			s.deliver(w, req, url.Values{"error": {"access_denied"}, "error_description": {"auto-approve user or provider unknown"}})
			return
		}
		s.approve(w, req, user, prov)
		return
	}
	id := randomID(24)
	s.mu.Lock()
	s.sessions[id] = &authSession{req: req, created: s.nowLocked()}
	s.mu.Unlock()
	s.dialogPage(w, 200, id, req, "", "")
}

// handleDialogSubmit handles Allow and Deny: POST /auth/.
func (s *Server) handleDialogSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, 400, "invalid_request", "Unreadable form.")
		return
	}
	id := r.PostForm.Get("session")
	s.mu.Lock()
	sess, ok := s.sessions[id]
	if ok && s.nowLocked().Sub(sess.created) > time.Hour {
		delete(s.sessions, id)
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		s.errorPage(w, 400, "invalid_request", "This authorisation session has expired or was already used. Start again from your app.")
		return
	}
	req := sess.req
	if r.PostForm.Get("action") != "allow" {
		s.mu.Lock()
		delete(s.sessions, id)
		s.mu.Unlock()
		s.deliver(w, req, url.Values{"error": {"access_denied"}, "error_description": {"the user denied access"}})
		return
	}
	prov := r.PostForm.Get("provider")
	shown := shownFor(req)
	if !slices.ContainsFunc(shown, func(p *providerSpec) bool { return p.ID == prov }) {
		s.dialogPage(w, 400, id, req, r.PostForm.Get("username"), "Choose a bank.")
		return
	}
	user, ok := checkUser(r.PostForm.Get("username"), r.PostForm.Get("password"))
	if !ok {
		s.dialogPage(w, 401, id, req, r.PostForm.Get("username"), "Wrong username or password. Try john / doe.")
		return
	}
	s.mu.Lock()
	delete(s.sessions, id)
	s.mu.Unlock()
	s.approve(w, req, user, prov)
}

// approve issues a code and sends the user back to the app.
func (s *Server) approve(w http.ResponseWriter, req authRequest, user mockUser, providerID string) {
	code := randomID(43)
	s.mu.Lock()
	s.codes[code] = &authCode{req: req, user: user, providerID: providerID, created: s.nowLocked()}
	s.mu.Unlock()
	s.deliver(w, req, url.Values{"code": {code}, "scope": {strings.Join(req.Scopes, " ")}})
}

// deliver returns params (plus state) to the redirect URI, as a query or,
// for response_mode=form_post, as an auto-submitting form.
func (s *Server) deliver(w http.ResponseWriter, req authRequest, params url.Values) {
	if req.State != "" {
		params.Set("state", req.State)
	}
	w.Header().Set("Cache-Control", "no-store")
	if req.ResponseMode == "form_post" {
		formPostPage(w, req.RedirectURI, params)
		return
	}
	u, err := url.Parse(req.RedirectURI)
	if err != nil {
		s.errorPage(w, 400, "invalid_request", "Unusable redirect_uri.")
		return
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Location", u.String())
	w.WriteHeader(http.StatusFound)
}

// clientAuth authenticates the client from the body or HTTP Basic.
func (s *Server) clientAuth(r *http.Request, form url.Values) (ClientRegistration, *oauthError) {
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if bid, bsecret, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(bid)
		secret, _ = url.QueryUnescape(bsecret)
	}
	s.mu.Lock()
	c, ok := s.clients[id]
	s.mu.Unlock()
	if !ok || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return c, newErr(400, "invalid_client", "client authentication failed")
	}
	return c, nil
}

// tokenForm reads a form-encoded body, or a JSON one (some clients send it).
func tokenForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		var m map[string]any
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&m); err != nil {
			return nil, err
		}
		v := url.Values{}
		for k, x := range m {
			v.Set(k, fmt.Sprint(x))
		}
		return v, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	return r.PostForm, nil
}

// handleToken is POST /auth/connect/token.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	form, err := tokenForm(w, r)
	if err != nil {
		writeErr(w, newErr(400, "invalid_request", "unreadable request body"))
		return
	}
	client, oerr := s.clientAuth(r, form)
	if oerr != nil {
		writeErr(w, oerr)
		return
	}
	now := requestNow(r, s)
	var tok tokenResponse
	switch form.Get("grant_type") {
	case "authorization_code":
		tok, oerr = s.exchangeCode(client, form, now)
	case "refresh_token":
		if s.takeFault(r, InvalidGrant) {
			oerr = newErr(400, "invalid_grant", "refresh token revoked (injected fault)")
			break
		}
		tok, oerr = s.refreshGrant(client, form.Get("refresh_token"), now)
	case "":
		oerr = newErr(400, "invalid_request", "grant_type is missing")
	default:
		oerr = newErr(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
	}
	if oerr != nil {
		writeErr(w, oerr)
		return
	}
	writeJSON(w, 200, tok)
}

func (s *Server) exchangeCode(client ClientRegistration, form url.Values, now time.Time) (tokenResponse, *oauthError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	code, ok := s.codes[form.Get("code")]
	if !ok {
		return tokenResponse{}, newErr(400, "invalid_authorization_code", "authorization code is wrong, expired or already used")
	}
	if code.used {
		// RFC 6749 §4.1.2: a replayed code revokes what it granted.
		if c := s.conns[code.connID]; c != nil {
			c.Revoked = true
		}
		return tokenResponse{}, newErr(400, "invalid_authorization_code", "authorization code is wrong, expired or already used")
	}
	if now.Sub(code.created) > s.cfg.codeLifetime {
		delete(s.codes, form.Get("code"))
		return tokenResponse{}, newErr(400, "invalid_authorization_code", "authorization code is wrong, expired or already used")
	}
	if code.req.ClientID != client.ID {
		return tokenResponse{}, newErr(400, "invalid_grant", "authorization code was issued to another client")
	}
	if form.Get("redirect_uri") != code.req.RedirectURI {
		return tokenResponse{}, newErr(400, "invalid_grant", "redirect_uri does not match the auth link")
	}
	if code.req.CodeChallenge != "" {
		verifier := form.Get("code_verifier")
		sum := sha256.Sum256([]byte(verifier))
		if verifier == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != code.req.CodeChallenge {
			return tokenResponse{}, newErr(400, "invalid_grant", "code_verifier does not match code_challenge")
		}
	}
	code.used = true
	conn := s.newConnectionLocked(client.ID, code.user, code.providerID, code.req.Scopes, now)
	code.connID = conn.ID
	return s.issueLocked(conn, now), nil
}

func (s *Server) refreshGrant(client ClientRegistration, rt string, now time.Time) (tokenResponse, *oauthError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.refresh[rt]
	if !ok {
		return tokenResponse{}, newErr(400, "invalid_grant", "refresh token is unknown")
	}
	if e.rotated {
		return tokenResponse{}, newErr(400, "invalid_grant", "refresh token was already used (tokens rotate on refresh)")
	}
	conn := s.conns[e.connID]
	switch {
	case conn == nil || conn.Revoked:
		return tokenResponse{}, newErr(400, "invalid_grant", "the connection was revoked")
	case conn.ClientID != client.ID:
		return tokenResponse{}, newErr(400, "invalid_grant", "refresh token was issued to another client")
	case !now.Before(conn.ConsentExpires):
		return tokenResponse{}, newErr(400, "invalid_grant", "consent expired: the user must reconnect")
	}
	e.rotated = true
	return s.issueLocked(conn, now), nil
}

// newConnectionLocked records a consent; s.mu is held.
func (s *Server) newConnectionLocked(clientID string, user mockUser, providerID string, scopes []string, now time.Time) *connection {
	c := &connection{
		ID:             randomID(43) + "=",
		ClientID:       clientID,
		User:           user,
		ProviderID:     providerID,
		Scopes:         slices.Clone(scopes),
		Created:        now,
		AuthTime:       now,
		ConsentExpires: now.Add(s.cfg.consentLifetime),
	}
	s.conns[c.ID] = c
	return c
}

// issueLocked mints an access token, and a rotated refresh token when the
// connection has offline_access; s.mu is held.
func (s *Server) issueLocked(c *connection, now time.Time) tokenResponse {
	s.seq++
	exp := now.Add(s.cfg.accessLifetime)
	access := signJWT(s.jwtKey, accessClaims{
		Issuer: s.AuthURL(), Audience: "resource_api", Subject: c.ID, ClientID: c.ClientID,
		Scope: slices.Clone(c.Scopes), NotBefore: now.Unix(), IssuedAt: now.Unix(), ExpiresAt: exp.Unix(),
		AuthTime: c.AuthTime.Unix(), IdP: c.ProviderID, ConnectorID: c.ProviderID,
		CredentialsID: c.ID, ID: fmt.Sprintf("%d-%s", s.seq, randomID(8)),
	})
	tok := tokenResponse{
		AccessToken: access, ExpiresIn: int64(s.cfg.accessLifetime / time.Second),
		TokenType: "Bearer", Scope: strings.Join(c.Scopes, " "), expiry: exp,
	}
	if c.hasScope(truelayer.ScopeOfflineAccess) {
		rt := randomID(43)
		s.refresh[rt] = &refreshEntry{connID: c.ID}
		c.refreshToken = rt
		tok.RefreshToken = rt
	}
	return tok
}

// bearer returns the bearer token of r.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// authenticate checks an access token at time now.
func (s *Server) authenticate(tok string, now time.Time) (*connection, *oauthError) {
	if tok == "" {
		return nil, newErr(401, "unauthorized", "missing bearer access token")
	}
	claims, err := parseJWT(s.jwtKey, tok)
	if err != nil {
		return nil, newErr(401, "invalid_token", "the access token is not valid")
	}
	if now.Unix() >= claims.ExpiresAt {
		return nil, newErr(401, "invalid_token", "the access token has expired")
	}
	if now.Unix() < claims.NotBefore {
		return nil, newErr(401, "invalid_token", "the access token is not valid yet")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.conns[claims.Subject]
	if c == nil || c.Revoked {
		return nil, newErr(401, "invalid_token", "the access token was revoked")
	}
	if !now.Before(c.ConsentExpires) {
		return nil, newErr(403, "access_denied", "consent expired: the user must reconnect")
	}
	return c, nil
}

// handleProviders is GET /auth/api/providers[/type]: the public provider list.
func (s *Server) handleProviders(w http.ResponseWriter, r *http.Request) {
	typ := strings.Trim(strings.TrimPrefix(r.URL.Path, "/auth/api/providers"), "/")
	switch typ {
	case "", "credentialssharing", "oauth", "oauth/openbanking":
	default:
		writeErr(w, newErr(404, "not_found", "unknown provider type"))
		return
	}
	out := []truelayer.ProviderInfo{}
	country := strings.ToLower(r.URL.Query().Get("country"))
	for i := range providers {
		p := &providers[i]
		if !p.matchesType(typ) || (country != "" && country != "uk") {
			continue
		}
		out = append(out, p.info(s.baseURL))
	}
	writeJSON(w, 200, out)
}

// handleDelete is DELETE /auth/api/delete: revoke the connection behind the token.
func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) {
	c, oerr := s.authenticate(bearer(r), requestNow(r, s))
	if oerr != nil && oerr.Status != 403 {
		writeErr(w, oerr)
		return
	}
	if c == nil { // consent expired: still deletable
		claims, _ := parseJWT(s.jwtKey, bearer(r))
		s.mu.Lock()
		c = s.conns[claims.Subject]
		s.mu.Unlock()
		if c == nil {
			writeErr(w, newErr(401, "invalid_token", "the access token is not valid"))
			return
		}
	}
	s.mu.Lock()
	c.Revoked = true
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{})
}

// handleDebug is POST /auth/api/debug (support debugging of a token).
func (s *Server) handleDebug(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeErr(w, newErr(400, "invalid_request", "unreadable form"))
		return
	}
	claims, err := parseJWT(s.jwtKey, r.PostForm.Get("access_token"))
	if err != nil {
		writeErr(w, newErr(400, "invalid_token", "the access token is not valid"))
		return
	}
	writeJSON(w, 200, map[string]string{
		"credentials_id": claims.Subject, "debug_id": randomID(16), "provider_id": claims.ConnectorID,
	})
}

// mintLocked creates a connection without the dialog (Connect).
func (s *Server) mint(clientID, username, providerID string, scopes []string) (tokenResponse, error) {
	user, ok := checkUser(username, "")
	if !ok {
		return tokenResponse{}, fmt.Errorf("truelayertest: unknown mock user %q", username)
	}
	if _, ok := providerByID(providerID); !ok {
		return tokenResponse{}, fmt.Errorf("truelayertest: unknown provider %q", providerID)
	}
	if len(scopes) == 0 {
		return tokenResponse{}, fmt.Errorf("truelayertest: no scopes")
	}
	if err := truelayer.ValidateScopes(scopes); err != nil {
		return tokenResponse{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[clientID]; !ok {
		return tokenResponse{}, fmt.Errorf("truelayertest: unknown client %q", clientID)
	}
	now := s.nowLocked()
	c := s.newConnectionLocked(clientID, user, providerID, scopes, now)
	return s.issueLocked(c, now), nil
}
