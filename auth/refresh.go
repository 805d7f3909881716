package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer"
)

// ErrClosed: a token refresh was asked of a Manager after Close.
var ErrClosed = errors.New("auth: the token manager is closed")

// Close waits, at most until ctx ends, for the token refreshes in flight
// and the saves of their results, then tries once more to save tokens an
// earlier save failed to write (a full disk). Refreshes asked for after
// Close fail with ErrClosed. Call it before the program exits, on every
// path (an interrupt included): TrueLayer rotates the refresh token at each
// refresh, so one cut short between TrueLayer's answer and the disk would
// leave its connection needing a reconnect. The refresh itself does not
// depend on its caller: a caller that gives up (Ctrl-C) only stops
// waiting for it.
func (m *Manager) Close(ctx context.Context) error {
	if err := m.running.closeAndWait(ctx); err != nil {
		return fmt.Errorf("auth: stopped waiting for a token refresh in flight (%w); if it had not been saved, its connection needs `banktui login`", err)
	}
	m.mu.Lock()
	var ids []string
	for id := range m.unsaved {
		ids = append(ids, id)
	}
	m.mu.Unlock()
	var errs []error
	for _, id := range ids {
		errs = append(errs, m.saveUnsaved(id))
	}
	return errors.Join(errs...)
}

// saveUnsaved writes the connection's refreshed tokens that an earlier
// save could not.
func (m *Manager) saveUnsaved(id string) error {
	tx, err := m.store.Begin()
	if err != nil {
		return &SaveError{ConnectionID: id, Path: m.store.Path(), Err: err}
	}
	defer tx.Close()
	if !m.applyUnsaved(id, tx.Credentials().Connection(id)) {
		return nil // the file moved on (a new login, say)
	}
	if m.beforeSave != nil {
		err = m.beforeSave()
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return &SaveError{ConnectionID: id, Path: m.store.Path(), Err: err}
	}
	m.mu.Lock()
	delete(m.unsaved, id)
	m.mu.Unlock()
	return nil
}

// inflight counts the refreshes running, so Close can wait for them.
type inflight struct {
	mu     sync.Mutex
	n      int
	idle   chan struct{} // closed when n drops to 0
	closed bool
}

// begin registers a refresh about to start; after close it refuses.
func (f *inflight) begin() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return ErrClosed
	}
	if f.n == 0 {
		f.idle = make(chan struct{})
	}
	f.n++
	return nil
}

func (f *inflight) end() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n--; f.n == 0 {
		close(f.idle)
	}
}

// closeAndWait refuses new refreshes and waits for the running ones.
func (f *inflight) closeAndWait(ctx context.Context) error {
	f.mu.Lock()
	f.closed = true
	n, idle := f.n, f.idle
	f.mu.Unlock()
	if n == 0 {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// refreshAndSave runs under the credentials file lock, so another banktui
// process refreshing the same connection is seen (its token is reused,
// not refreshed again with a refresh token that no longer exists), and the
// new tokens are on disk before anyone uses them. Space for saving them is
// reserved before the refresh: on a full disk nothing is refreshed. With
// stale "", it only saves the connection's unsaved tokens, if still valid.
func (m *Manager) refreshAndSave(ctx context.Context, id, stale string) (*oauth2.Token, error) {
	tx, err := m.store.Begin()
	if err != nil {
		return nil, err
	}
	defer tx.Close()
	cn := tx.Credentials().Connection(id)
	onDiskRT := ""
	if cn != nil {
		onDiskRT = cn.RefreshToken
	}
	dirty := m.applyUnsaved(id, cn)
	// save commits the transaction; fresh stays in memory if that fails.
	save := func(fresh *oauth2.Token) (*oauth2.Token, error) {
		err := error(nil)
		if m.beforeSave != nil {
			err = m.beforeSave()
		}
		if err == nil {
			err = tx.Commit()
		}
		if err != nil {
			m.remember(id, fresh, unsaved{tok: fresh, lastRefresh: cn.LastRefresh, replaces: onDiskRT})
			return nil, &SaveError{ConnectionID: id, Path: m.store.Path(), Err: err}
		}
		m.remember(id, fresh)
		return fresh, nil
	}

	switch {
	case cn == nil:
		m.remember(id, nil)
		return nil, fmt.Errorf("%w %q (it was removed)", ErrUnknownConnection, id)
	case cn.NeedsReconnect:
		m.remember(id, nil)
		return nil, &ReconnectError{ConnectionID: id, Reason: reasonOr(cn.Reason)}
	}
	if onDisk := tokenOf(cn); onDisk.AccessToken != stale && m.valid(onDisk) {
		// Refreshed meanwhile (by us or another process), or our unsaved
		// tokens, to save now.
		if dirty {
			return save(onDisk)
		}
		m.remember(id, onDisk)
		return onDisk, nil
	}
	if cn.RefreshToken == "" {
		return m.markReconnect(tx, cn, "no refresh token (the offline_access scope was not granted)", nil)
	}
	// The refresh kills the old refresh token: make sure first that the
	// new one can be saved.
	if err := tx.Reserve(refreshReserve); err != nil {
		return nil, fmt.Errorf("connection %s was not refreshed, its saved tokens are unchanged: %w", id, err)
	}
	t, err := m.auth.Refresh(ctx, cn.RefreshToken)
	if err != nil {
		if errors.Is(err, truelayer.ErrConsentNeeded) {
			return m.markReconnect(tx, cn, "consent expired or revoked ("+errorCode(err, "invalid_grant")+")", err)
		}
		err = fmt.Errorf("refreshing the token of connection %s: %w", id, err)
		if dirty { // still try to save the unsaved tokens
			if _, serr := save(m.tokenIn(id)); serr != nil {
				return nil, fmt.Errorf("%w; %v", err, serr)
			}
		}
		return nil, err
	}
	refreshed(cn, t, m.now())
	fresh := tokenOf(cn)
	if m.afterRefresh != nil {
		if err := m.afterRefresh(); err != nil {
			m.remember(id, fresh, unsaved{tok: fresh, lastRefresh: cn.LastRefresh, replaces: onDiskRT})
			return nil, &SaveError{ConnectionID: id, Path: m.store.Path(), Err: err}
		}
	}
	return save(fresh)
}

// markReconnect saves, in tx, that connection cn needs reconnecting.
func (m *Manager) markReconnect(tx *config.CredentialsTx, cn *config.Connection, reason string, cause error) (*oauth2.Token, error) {
	cn.NeedsReconnect, cn.Reason = true, reason
	cn.AccessToken, cn.Expiry = "", time.Time{}
	m.remember(cn.ID, nil)
	re := &ReconnectError{ConnectionID: cn.ID, Reason: reason, Err: cause}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("%w (and marking it failed: %v)", re, err)
	}
	return nil, re
}

// refreshed puts a refresh's tokens in cn: the rotated refresh token (the
// old one kept if a server does not rotate it) and the scopes the token
// says the consent covers now.
func refreshed(cn *config.Connection, t *truelayer.Token, now time.Time) {
	cn.AccessToken, cn.Expiry = t.AccessToken, t.Expiry
	if t.RefreshToken != "" {
		cn.RefreshToken = t.RefreshToken
	}
	if granted := t.GrantedScopes(); len(granted) > 0 {
		cn.Scopes = granted
	}
	cn.LastRefresh = now.UTC()
}

// tokenIn is the connection's token in memory, or nil.
func (m *Manager) tokenIn(id string) *oauth2.Token {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tokens[id]
}

func errorCode(err error, fallback string) string {
	var ae *truelayer.APIError
	if errors.As(err, &ae) && ae.Code != "" {
		return ae.Code
	}
	return fallback
}
