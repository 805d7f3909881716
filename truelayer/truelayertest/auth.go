package truelayertest

import (
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
	Extension                                                     string // extension_id of an extend link
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
	extends    string // the connection an extend link renews ("" = a new connection)
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
		Extension:         q.Get("extension_id"),
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
		if oerr := s.coverageError(req, req.ProviderID, false); oerr != nil {
			s.deliverErr(w, req, oerr)
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
		if oerr := s.coverageError(req, prov, true); oerr != nil {
			s.deliverErr(w, req, oerr)
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
	extends, oerr := s.extensionFor(req, user, providerID)
	if oerr != nil {
		s.deliverErr(w, req, oerr)
		return
	}
	code := randomID(43)
	s.mu.Lock()
	s.codes[code] = &authCode{req: req, user: user, providerID: providerID, created: s.nowLocked(), extends: extends}
	s.mu.Unlock()
	s.deliver(w, req, url.Values{"code": {code}, "scope": {strings.Join(req.Scopes, " ")}})
}

// deliverErr sends an OAuth error back to the redirect URI.
func (s *Server) deliverErr(w http.ResponseWriter, req authRequest, e *oauthError) {
	s.deliver(w, req, url.Values{"error": {e.Code}, "error_description": {e.Description}})
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
