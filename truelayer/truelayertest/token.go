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
	if code.extends != "" {
		code.connID = code.extends
		return s.renewLocked(code.extends, code.req.Extension, now)
	}
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
