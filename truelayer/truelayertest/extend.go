package truelayertest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// handleExtend is POST /data/v1/connections/extend (§1.7): john/eternal
// needs no action; other users must authenticate again.
func (s *Server) handleExtend(w http.ResponseWriter, r *http.Request) {
	var req truelayer.ExtendRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeErr(w, newErr(400, "validation_error", "body must be JSON"))
		return
	}
	s.mu.Lock()
	client, ok := s.clients[req.ClientID]
	s.mu.Unlock()
	if !ok || client.Secret != req.ClientSecret {
		writeErr(w, newErr(400, "invalid_client", "client authentication failed"))
		return
	}
	if !req.UserHasReconfirmedConsent {
		writeErr(w, newErr(400, "validation_error", "user_has_reconfirmed_consent must be true"))
		return
	}
	if req.User == nil || req.User.Name == "" || (req.User.Email == "" && req.User.Phone == "") {
		writeErr(w, newErr(400, "validation_error", "user needs a name and an email or a phone"))
		return
	}
	if !slices.Contains(client.RedirectURIs, req.RedirectURI) {
		writeErr(w, newErr(400, "validation_error", "redirect_uri is not registered"))
		return
	}
	now := requestNow(r, s)
	s.mu.Lock()
	e := s.refresh[req.RefreshToken]
	var conn *connection
	if e != nil && !e.rotated {
		conn = s.conns[e.connID]
	}
	if conn == nil || conn.Revoked || conn.ClientID != client.ID {
		s.mu.Unlock()
		writeErr(w, newErr(400, "invalid_grant", "refresh token is unknown, rotated or revoked"))
		return
	}
	if conn.User.Eternal {
		conn.ConsentExpires = now.Add(s.cfg.consentLifetime)
		e.rotated = true
		tok := s.issueLocked(conn, now)
		s.mu.Unlock()
		writeJSON(w, 200, truelayer.ExtendResponse{
			ActionNeeded: truelayer.ActionNoActionNeeded, AccessToken: tok.AccessToken,
			RefreshToken: tok.RefreshToken, ExpiresIn: tok.ExpiresIn, TokenType: tok.TokenType,
		})
		return
	}
	// The user renews this connection's consent at the bank: the link's
	// code, once exchanged, extends it (same credentials id) instead of
	// creating another connection.
	ext := randomID(24)
	s.extensions[ext] = conn.ID
	s.mu.Unlock()
	link := url.Values{
		"response_type": {"code"}, "client_id": {client.ID}, "redirect_uri": {req.RedirectURI},
		"scope": {strings.Join(conn.Scopes, " ")}, "providers": {conn.ProviderID}, "provider_id": {conn.ProviderID},
		"extension_id": {ext},
	}
	writeJSON(w, 200, truelayer.ExtendResponse{
		ActionNeeded:  truelayer.ActionAuthenticationNeeded,
		UserInputLink: s.AuthURL() + "/?" + link.Encode(),
	})
}

// extensionFor returns the connection an extend link renews, if the user
// signing in is its user at its bank.
func (s *Server) extensionFor(req authRequest, user mockUser, providerID string) (string, *oauthError) {
	if req.Extension == "" {
		return "", nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.conns[s.extensions[req.Extension]]
	switch {
	case c == nil || c.Revoked:
		return "", newErr(400, "invalid_request", "this renewal link has expired, was used or its connection was revoked")
	case c.User.Username != user.Username || c.ProviderID != providerID:
		return "", newErr(400, "access_denied", "this renewal belongs to another user or bank")
	}
	return c.ID, nil
}

// renewLocked extends connection id's consent after the user authenticated
// again through an extend link: new consent period, SCA time, tokens; the
// old refresh token stops working. s.mu is held.
func (s *Server) renewLocked(id, extension string, now time.Time) (tokenResponse, *oauthError) {
	c := s.conns[id]
	if c == nil || c.Revoked {
		return tokenResponse{}, newErr(400, "invalid_grant", "the connection being extended was revoked")
	}
	delete(s.extensions, extension)
	c.ConsentExpires = now.Add(s.cfg.consentLifetime)
	c.AuthTime = now
	if e := s.refresh[c.refreshToken]; e != nil {
		e.rotated = true
	}
	return s.issueLocked(c, now), nil
}
