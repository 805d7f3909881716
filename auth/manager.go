// Package auth connects banks (the OAuth 2.0 loopback login with state,
// nonce and PKCE) and keeps their tokens usable: one Manager per process
// hands out Data API clients whose transport refreshes each connection's
// token once however many goroutines ask, saves the rotated refresh token
// before the new access token is used, and retries a 401 exactly once.
package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer"
)

var (
	// ErrNeedsReconnect: the connection's consent expired or was revoked
	// (refresh got invalid_grant); only `banktui login` brings it back.
	// Errors matching it also match truelayer.ErrConsentNeeded.
	ErrNeedsReconnect = errors.New("the bank connection needs reconnecting")
	// ErrNoConnections: no bank is connected yet.
	ErrNoConnections = errors.New("no bank connected: run `banktui login`")
	// ErrUnknownConnection: no saved connection has that id.
	ErrUnknownConnection = errors.New("no such connection")
	// ErrRevokeFailed: Logout forgot the connection locally but could not
	// revoke it at TrueLayer (offline, say).
	ErrRevokeFailed = errors.New("revoking the connection at TrueLayer failed")
)

// ReconnectError says which connection needs reconnecting and why.
type ReconnectError struct {
	ConnectionID string
	Reason       string // for the user: "consent expired or revoked (invalid_grant)"
	Err          error  // the refresh error, if this call made it
}

func (e *ReconnectError) Error() string {
	return fmt.Sprintf("connection %s needs reconnecting: %s; run `banktui login`", e.ConnectionID, e.Reason)
}

func (e *ReconnectError) Unwrap() error { return e.Err }

func (e *ReconnectError) Is(target error) bool {
	return target == ErrNeedsReconnect || target == truelayer.ErrConsentNeeded
}

// RevokeError: the connection was forgotten locally, revocation failed.
type RevokeError struct {
	ConnectionID string
	Err          error
}

func (e *RevokeError) Error() string {
	return fmt.Sprintf("connection %s was forgotten here, but revoking it at TrueLayer failed (%v): it stays valid there until its consent expires", e.ConnectionID, e.Err)
}

func (e *RevokeError) Unwrap() error { return e.Err }

func (e *RevokeError) Is(target error) bool { return target == ErrRevokeFailed }

// Default timing.
const (
	// DefaultExpirySkew: a token this close to expiry is refreshed first,
	// so it cannot expire between our check and the bank's.
	DefaultExpirySkew = time.Minute
	// refreshTimeout bounds a refresh, which runs detached from the
	// caller's context: once started, it must get to save its result.
	refreshTimeout = time.Minute
)

// Manager holds the token state of every connection of one process.
type Manager struct {
	store *config.CredentialStore
	auth  *truelayer.AuthClient
	base  http.RoundTripper
	skew  time.Duration
	now   func() time.Time

	flights singleflight.Group // key: connection id

	mu     sync.Mutex
	tokens map[string]*oauth2.Token // last saved token per connection

	// afterRefresh, in tests only, runs between a successful refresh and
	// its save, to simulate a crash there.
	afterRefresh func() error
}

// ManagerOption configures a Manager.
type ManagerOption func(*Manager)

// WithTransport sets the transport for Data API calls (nil or default: http.DefaultTransport).
func WithTransport(rt http.RoundTripper) ManagerOption {
	return func(m *Manager) {
		if rt != nil {
			m.base = rt
		}
	}
}

// WithExpirySkew sets how long before expiry a token is refreshed (default DefaultExpirySkew).
func WithExpirySkew(d time.Duration) ManagerOption { return func(m *Manager) { m.skew = d } }

// WithClock sets the clock used for expiry decisions (tests, emulator clock).
func WithClock(now func() time.Time) ManagerOption { return func(m *Manager) { m.now = now } }

// NewManager returns the token manager for the connections in store,
// refreshing through ac (built with the client id and secret).
func NewManager(store *config.CredentialStore, ac *truelayer.AuthClient, opts ...ManagerOption) *Manager {
	m := &Manager{
		store:  store,
		auth:   ac,
		base:   http.DefaultTransport,
		skew:   DefaultExpirySkew,
		now:    time.Now,
		tokens: map[string]*oauth2.Token{},
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Connections lists the saved connections (an empty list when none).
func (m *Manager) Connections() ([]config.Connection, error) {
	c, err := m.store.Load()
	if err != nil {
		return nil, err
	}
	return c.Connections, nil
}

// Client returns a Data API client for the connection. Its transport adds
// a valid access token to every request (refreshing first if needed) and
// answers a 401 with one refresh and one retry.
func (m *Manager) Client(ctx context.Context, connectionID string, opts ...truelayer.Option) (*truelayer.Client, error) {
	if _, err := m.current(connectionID); err != nil {
		return nil, err
	}
	hc := &http.Client{Transport: &transport{m: m, id: connectionID}}
	return truelayer.NewClient(hc, opts...), nil
}

// TokenSource is the connection's token source with x/oauth2's reuse
// semantics plus persistence: Token returns the saved token while it is
// valid and refreshes (once, saved first) when it is not.
func (m *Manager) TokenSource(ctx context.Context, connectionID string) oauth2.TokenSource {
	return tokenSource{ctx: ctx, m: m, id: connectionID}
}

type tokenSource struct {
	ctx context.Context
	m   *Manager
	id  string
}

func (s tokenSource) Token() (*oauth2.Token, error) { return s.m.Token(s.ctx, s.id) }

// Token returns a valid access token for the connection.
func (m *Manager) Token(ctx context.Context, connectionID string) (*oauth2.Token, error) {
	tok, err := m.current(connectionID)
	if err != nil {
		return nil, err
	}
	if m.valid(tok) {
		return tok, nil
	}
	return m.refresh(ctx, connectionID, tok.AccessToken)
}

func (m *Manager) valid(t *oauth2.Token) bool {
	return t != nil && t.AccessToken != "" && (t.Expiry.IsZero() || m.now().Add(m.skew).Before(t.Expiry))
}

// current is the last saved token of the connection, from memory or disk.
func (m *Manager) current(id string) (*oauth2.Token, error) {
	m.mu.Lock()
	tok := m.tokens[id]
	m.mu.Unlock()
	if tok != nil {
		return tok, nil
	}
	c, err := m.store.Load()
	if err != nil {
		return nil, err
	}
	cn := c.Connection(id)
	if cn == nil {
		if len(c.Connections) == 0 {
			return nil, ErrNoConnections
		}
		return nil, fmt.Errorf("%w %q (see `banktui connections`)", ErrUnknownConnection, id)
	}
	if cn.NeedsReconnect {
		return nil, &ReconnectError{ConnectionID: id, Reason: reasonOr(cn.Reason)}
	}
	tok = tokenOf(cn)
	m.remember(id, tok)
	return tok, nil
}

func (m *Manager) remember(id string, tok *oauth2.Token) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if tok == nil {
		delete(m.tokens, id)
		return
	}
	m.tokens[id] = tok
}

func tokenOf(cn *config.Connection) *oauth2.Token {
	return &oauth2.Token{AccessToken: cn.AccessToken, TokenType: "Bearer", RefreshToken: cn.RefreshToken, Expiry: cn.Expiry}
}

func reasonOr(r string) string {
	if r == "" {
		return "consent expired or revoked"
	}
	return r
}

// errUnchanged aborts an Update that found nothing to write.
var errUnchanged = errors.New("unchanged")

// refresh replaces the token whose access token is stale, once per
// connection however many goroutines (or 401s) ask at the same time.
func (m *Manager) refresh(ctx context.Context, id, stale string) (*oauth2.Token, error) {
	ch := m.flights.DoChan(id, func() (any, error) {
		// Detached: a caller giving up must not lose a rotated refresh
		// token halfway between TrueLayer and the disk.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
		defer cancel()
		return m.refreshAndSave(fctx, id, stale)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*oauth2.Token), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// refreshAndSave runs under the credentials file lock, so another banktui
// process refreshing the same connection is seen (its token is reused,
// not refreshed again with a refresh token that no longer exists), and the
// new tokens are on disk before anyone uses them.
func (m *Manager) refreshAndSave(ctx context.Context, id, stale string) (*oauth2.Token, error) {
	var (
		fresh     *oauth2.Token
		reconnect *ReconnectError
	)
	err := m.store.Update(func(c *config.Credentials) error {
		cn := c.Connection(id)
		if cn == nil {
			return fmt.Errorf("%w %q (it was removed)", ErrUnknownConnection, id)
		}
		if cn.NeedsReconnect {
			reconnect = &ReconnectError{ConnectionID: id, Reason: reasonOr(cn.Reason)}
			return errUnchanged
		}
		if onDisk := tokenOf(cn); onDisk.AccessToken != stale && m.valid(onDisk) {
			fresh = onDisk // refreshed meanwhile, by us or another process
			return errUnchanged
		}
		if cn.RefreshToken == "" {
			cn.NeedsReconnect, cn.Reason = true, "no refresh token (the offline_access scope was not granted)"
			cn.AccessToken, cn.Expiry = "", time.Time{}
			reconnect = &ReconnectError{ConnectionID: id, Reason: cn.Reason}
			return nil
		}
		t, err := m.auth.Refresh(ctx, cn.RefreshToken)
		if err != nil {
			if errors.Is(err, truelayer.ErrConsentNeeded) {
				cn.NeedsReconnect, cn.Reason = true, "consent expired or revoked ("+errorCode(err, "invalid_grant")+")"
				cn.AccessToken, cn.Expiry = "", time.Time{}
				reconnect = &ReconnectError{ConnectionID: id, Reason: cn.Reason, Err: err}
				return nil
			}
			return fmt.Errorf("refreshing the token of connection %s: %w", id, err)
		}
		if m.afterRefresh != nil {
			if err := m.afterRefresh(); err != nil {
				return err
			}
		}
		cn.AccessToken, cn.Expiry = t.AccessToken, t.Expiry
		if t.RefreshToken != "" { // TrueLayer rotates it; keep the old one if a server does not
			cn.RefreshToken = t.RefreshToken
		}
		cn.LastRefresh = m.now().UTC()
		fresh = tokenOf(cn)
		return nil
	})
	switch {
	case reconnect != nil:
		if err != nil && !errors.Is(err, errUnchanged) {
			return nil, fmt.Errorf("%w (and marking it failed: %v)", reconnect, err)
		}
		m.remember(id, nil)
		return nil, reconnect
	case err != nil && !errors.Is(err, errUnchanged):
		if fresh != nil {
			return nil, fmt.Errorf("connection %s: the token was refreshed but saving it failed, so the connection may need reconnecting: %w", id, err)
		}
		return nil, err
	}
	m.remember(id, fresh)
	return fresh, nil
}

func errorCode(err error, fallback string) string {
	var ae *truelayer.APIError
	if errors.As(err, &ae) && ae.Code != "" {
		return ae.Code
	}
	return fallback
}

// Logout revokes the connection at TrueLayer (DELETE /api/delete) and
// forgets it. When revocation fails (offline) it still forgets it and
// returns an error matching ErrRevokeFailed.
func (m *Manager) Logout(ctx context.Context, connectionID string) error {
	c, err := m.store.Load()
	if err != nil {
		return err
	}
	if c.Connection(connectionID) == nil {
		return fmt.Errorf("%w %q", ErrUnknownConnection, connectionID)
	}
	var revokeErr error
	tok, err := m.Token(ctx, connectionID)
	switch {
	case errors.Is(err, ErrNeedsReconnect):
		// The consent is already dead at TrueLayer: nothing to revoke.
	case err != nil:
		revokeErr = err
	default:
		revokeErr = m.auth.Revoke(ctx, tok.AccessToken)
		var ae *truelayer.APIError
		if errors.As(revokeErr, &ae) && ae.StatusCode == http.StatusUnauthorized {
			revokeErr = nil // already revoked
		}
	}
	if err := m.store.Update(func(c *config.Credentials) error {
		c.Remove(connectionID)
		return nil
	}); err != nil {
		return err
	}
	m.remember(connectionID, nil)
	if revokeErr != nil {
		return &RevokeError{ConnectionID: connectionID, Err: revokeErr}
	}
	return nil
}

// transport authenticates Data API requests for one connection.
type transport struct {
	m  *Manager
	id string
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
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
