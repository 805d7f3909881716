package truelayer

import "context"

// ExtendConnection extends a connection (POST {apiBase}/data/v1/connections/extend)
// through the auth client's plain *http.Client: no access token is sent or
// needed, because the refresh token in the body names the connection. So it
// works when no access token can be had any more, after the consent lapsed
// (§1.7), where Client.ExtendConnection on a token-refreshing client fails
// before sending. apiBase is the API host (Environment.APIURL, an
// emulator's APIURL()). Empty ClientID, ClientSecret and RedirectURI are
// taken from the AuthConfig. It is never retried (not idempotent).
func (a *AuthClient) ExtendConnection(ctx context.Context, apiBase string, r ExtendRequest) (*ExtendResponse, error) {
	r.ClientID = cmpOr(r.ClientID, a.cfg.ClientID)
	r.ClientSecret = cmpOr(r.ClientSecret, a.cfg.ClientSecret)
	r.RedirectURI = cmpOr(r.RedirectURI, a.cfg.RedirectURI)
	c := &Client{BaseURL: dataBase(apiBase), UserAgent: a.req.userAgent, req: a.req}
	return c.ExtendConnection(ctx, r)
}
