package truelayertest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"

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
	s.mu.Unlock()
	link := url.Values{
		"response_type": {"code"}, "client_id": {client.ID}, "redirect_uri": {req.RedirectURI},
		"scope": {joinSpace(conn.Scopes)}, "provider_id": {conn.ProviderID},
	}
	writeJSON(w, 200, truelayer.ExtendResponse{
		ActionNeeded:  "authentication_needed",
		UserInputLink: s.AuthURL() + "/?" + link.Encode(),
	})
}

func joinSpace(ss []string) string {
	var b bytes.Buffer
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	return b.String()
}
