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
	"net/http"
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
	// refreshReserve is the room set aside in the next credentials file
	// before a refresh, for the new tokens to outgrow the old ones (a
	// TrueLayer access token is a JWT of 1-2 KiB).
	refreshReserve = 64 << 10
)

// SaveError: a refresh succeeded (so the old refresh token is dead at
// TrueLayer) but saving the new tokens failed. This process keeps them in
// memory, carries on with them and retries the save on every later call;
// if it exits first, the connection needs reconnecting.
type SaveError struct {
	ConnectionID string
	Path         string // the credentials file
	Err          error
}

func (e *SaveError) Error() string {
	return fmt.Sprintf("connection %s: its refreshed tokens could not be saved to %s (%v); banktui keeps them in memory and retries saving on the next request: free some disk space and keep banktui running until a save succeeds, or the connection will need reconnecting", e.ConnectionID, e.Path, e.Err)
}

func (e *SaveError) Unwrap() error { return e.Err }

// Manager holds the token state of every connection of one process.
// Close it before the program exits: it waits for refreshes in flight.
type Manager struct {
	store    *config.CredentialStore
	auth     *truelayer.AuthClient
	base     http.RoundTripper
	timeouts truelayer.Timeouts
	skew     time.Duration
	now      func() time.Time

	flights singleflight.Group // key: connection id
	running inflight           // the refreshes running, for Close

	mu      sync.Mutex
	tokens  map[string]*oauth2.Token // last saved (or unsaved, below) token per connection
	unsaved map[string]unsaved       // refreshed tokens whose save failed, per connection

	// afterRefresh, in tests only, runs between a successful refresh and
	// its save, to simulate a crash there.
	afterRefresh func() error
	// beforeSave, in tests only, runs before each save of refreshed
	// tokens; its error is the save's, to simulate a failing disk.
	beforeSave func() error
}

// ManagerOption configures a Manager.
type ManagerOption func(*Manager)

// WithTransport sets the transport for Data API calls (nil or default:
// truelayer.NewTransport with the Manager's timeouts). Whatever it is, each
// request still gets the deadlines of the Manager's timeouts.
func WithTransport(rt http.RoundTripper) ManagerOption {
	return func(m *Manager) {
		if rt != nil {
			m.base = rt
		}
	}
}

// WithTimeouts sets the deadlines of Data API requests (default
// truelayer.DefaultTimeouts: connect 10s, TLS 10s, response headers 60s,
// body 2m). Token refreshes have the AuthClient's own, and at most
// refreshTimeout in all.
func WithTimeouts(t truelayer.Timeouts) ManagerOption {
	return func(m *Manager) { m.timeouts = t }
}

// WithExpirySkew sets how long before expiry a token is refreshed (default DefaultExpirySkew).
func WithExpirySkew(d time.Duration) ManagerOption { return func(m *Manager) { m.skew = d } }

// WithClock sets the clock used for expiry decisions (tests, emulator clock).
func WithClock(now func() time.Time) ManagerOption { return func(m *Manager) { m.now = now } }

// NewManager returns the token manager for the connections in store,
// refreshing through ac (built with the client id and secret).
func NewManager(store *config.CredentialStore, ac *truelayer.AuthClient, opts ...ManagerOption) *Manager {
	m := &Manager{
		store:    store,
		auth:     ac,
		timeouts: truelayer.DefaultTimeouts(),
		skew:     DefaultExpirySkew,
		now:      time.Now,
		tokens:   map[string]*oauth2.Token{},
		unsaved:  map[string]unsaved{},
	}
	for _, o := range opts {
		o(m)
	}
	if m.base == nil {
		m.base = truelayer.NewTransport(m.timeouts)
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
// answers a 401 with one refresh and one retry. The token goes to the
// client's API host only (its BaseURL when created): a request elsewhere
// fails with truelayer.ErrForeignHost. opts come after the Manager's
// timeouts, so they may override them.
func (m *Manager) Client(ctx context.Context, connectionID string, opts ...truelayer.Option) (*truelayer.Client, error) {
	if _, err := m.current(connectionID); err != nil {
		return nil, err
	}
	tr := &transport{m: m, id: connectionID}
	c := truelayer.NewClient(&http.Client{Transport: tr}, append([]truelayer.Option{truelayer.WithTimeouts(m.timeouts)}, opts...)...)
	tr.origin = truelayer.Origin(c.BaseURL)
	return c, nil
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
		if !m.isUnsaved(connectionID) {
			return tok, nil
		}
		// Refreshed earlier but not saved: retry the save, and carry on
		// with the token in memory while the disk is still full.
		saved, err := m.refresh(ctx, connectionID, "")
		if err == nil {
			return saved, nil
		}
		if m.isUnsaved(connectionID) {
			if tok, _ := m.current(connectionID); m.valid(tok) {
				return tok, nil
			}
		}
		return nil, err
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

// remember sets the connection's token in memory, saved on disk (u is
// zero) or not (u says what it replaces on disk); nil forgets both.
func (m *Manager) remember(id string, tok *oauth2.Token, u ...unsaved) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.unsaved, id)
	if tok == nil {
		delete(m.tokens, id)
		return
	}
	m.tokens[id] = tok
	if len(u) > 0 {
		m.unsaved[id] = u[0]
	}
}

// unsaved is a refreshed token this process could not save.
type unsaved struct {
	tok         *oauth2.Token
	lastRefresh time.Time
	// replaces is the refresh token still on disk, dead at TrueLayer
	// since the refresh: the saved connection is ours to update only
	// while it still holds it (not after a new login, say).
	replaces string
}

func (m *Manager) isUnsaved(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.unsaved[id]
	return ok
}

// applyUnsaved puts the connection's unsaved tokens, if any, into cn (the
// credentials being updated) and reports whether it did. Unsaved tokens
// the file has moved on from are dropped.
func (m *Manager) applyUnsaved(id string, cn *config.Connection) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.unsaved[id]
	if !ok {
		return false
	}
	if cn == nil || cn.RefreshToken != u.replaces {
		delete(m.unsaved, id)
		return false
	}
	cn.AccessToken, cn.Expiry, cn.RefreshToken, cn.LastRefresh = u.tok.AccessToken, u.tok.Expiry, u.tok.RefreshToken, u.lastRefresh
	// Another process may have tried the dead refresh token meanwhile.
	cn.NeedsReconnect, cn.Reason = false, ""
	return true
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

// refresh replaces the token whose access token is stale, once per
// connection however many goroutines (or 401s) ask at the same time.
func (m *Manager) refresh(ctx context.Context, id, stale string) (*oauth2.Token, error) {
	ch := m.flights.DoChan(id, func() (any, error) {
		// Detached: a caller giving up must not lose a rotated refresh
		// token halfway between TrueLayer and the disk.
		if err := m.running.begin(); err != nil {
			return nil, err
		}
		defer m.running.end()
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

// MarkNeedsReconnect records that a connection's consent is gone although
// its refresh token may still refresh (the bank denied its account list):
// like a refused refresh, only a login brings it back, and until then no
// client is handed out for it.
func (m *Manager) MarkNeedsReconnect(connectionID, reason string) error {
	err := m.store.Update(func(c *config.Credentials) error {
		if cn := c.Connection(connectionID); cn != nil {
			cn.NeedsReconnect, cn.Reason = true, reason
		}
		return nil
	})
	m.remember(connectionID, nil)
	return err
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
