package truelayertest

import "github.com/banktui/banktui/truelayer"

// Connect mints a connection without the browser, as if username had logged
// in at providerID through the dialog and the app had exchanged the code:
// the token is what /connect/token would return (a refresh token only with
// offline_access). username is a mock user (john, john7, error.provider_error,
// ...); its password is not needed. The connection has exactly scopes:
// endpoints outside them answer 403 access_denied (RuleScopes).
func (s *Server) Connect(clientID, username, providerID string, scopes []string) (*truelayer.Token, error) {
	t, err := s.mint(clientID, username, providerID, scopes)
	if err != nil {
		return nil, err
	}
	return &truelayer.Token{
		AccessToken:  t.AccessToken,
		RefreshToken: t.RefreshToken,
		TokenType:    t.TokenType,
		Expiry:       t.expiry,
		Scope:        t.Scope,
	}, nil
}
