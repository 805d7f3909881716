package auth

import (
	"io"
	"net/http"
	"strings"

	"github.com/banktui/banktui/truelayer"
	"golang.org/x/oauth2"
)

// transport authenticates Data API requests for one connection, on the
// API host only.
type transport struct {
	m      *Manager
	id     string
	origin string // truelayer.Origin of the API base
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if o := truelayer.Origin(req.URL); o != t.origin {
		// The truelayer client refuses redirects elsewhere; this is for
		// any other way a request could leave the API host.
		closeBody(req)
		return nil, &truelayer.ForeignHostError{Host: o, Allowed: t.origin}
	}
	ctx := req.Context()
	tok, err := t.m.Token(ctx, t.id)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.m.base.RoundTrip(withToken(req, tok, req.Body))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil // cannot replay the body: let the caller see the 401
	}
	// One refresh and one retry: a second 401 goes back to the caller.
	fresh, err := t.m.refresh(ctx, t.id, tok.AccessToken)
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	var body io.ReadCloser
	if req.GetBody != nil {
		if body, err = req.GetBody(); err != nil {
			resp.Body.Close()
			return nil, err
		}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return t.m.base.RoundTrip(withToken(req, fresh, body))
}

func withToken(req *http.Request, tok *oauth2.Token, body io.ReadCloser) *http.Request {
	r := req.Clone(req.Context())
	r.Body = body
	typ := tok.TokenType
	if typ == "" || strings.EqualFold(typ, "bearer") {
		typ = "Bearer"
	}
	r.Header.Set("Authorization", typ+" "+tok.AccessToken)
	return r
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
