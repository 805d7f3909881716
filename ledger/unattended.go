package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// UnattendedLimit is how many calls per account and endpoint a bank allows
// in 24 hours when the user is not present (PSD2 RTS art. 36(5); TrueLayer
// answers the next one 429 unattended_calls_limit_exceeded). A client that
// sends X-PSU-IP (the user is there) is not limited.
const UnattendedLimit = 4

// unattendedWindow is the span the limit counts over.
const unattendedWindow = 24 * time.Hour

// codeUnattendedLimit is the bank's answer once the limit is spent.
const codeUnattendedLimit = "unattended_calls_limit_exceeded"

// budget spends a connection's unattended calls during one sync: it counts
// the calls of the last 24 hours from the store, refuses a call that would
// exceed the limit, and records each call it allows before it is made (a
// call that never reached the bank is counted rather than a call that did
// being missed).
type budget struct {
	st     *Store
	connID string
	now    func() time.Time

	mu     sync.Mutex
	loaded bool
	calls  map[budgetKey][]time.Time // the last 24 h, oldest first
	until  map[budgetKey]time.Time   // a 429 of the bank: no call before
}

type budgetKey struct{ account, endpoint string }

func newBudget(st *Store, connID string, now func() time.Time) *budget {
	return &budget{st: st, connID: connID, now: now}
}

// spend takes one call of ep, or returns a *SkippedError saying when the
// next one is allowed.
func (b *budget) spend(ctx context.Context, ep endpoint) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.load(ctx); err != nil {
		return err
	}
	now := b.now()
	k := budgetKey{ep.account, ep.name}
	if until := b.until[k]; until.After(now) {
		return &SkippedError{Endpoint: ep.name, Next: until, why: ErrUnattendedBudget}
	}
	calls := b.calls[k]
	for len(calls) > 0 && now.Sub(calls[0]) >= unattendedWindow {
		calls = calls[1:]
	}
	if len(calls) >= UnattendedLimit {
		b.calls[k] = calls
		return &SkippedError{Endpoint: ep.name, Next: nextFree(calls), why: ErrUnattendedBudget}
	}
	if err := b.st.recordUnattendedCall(ctx, b.connID, ep, now); err != nil {
		return err
	}
	b.calls[k] = append(calls, now)
	return nil
}

// refused notes a 429 unattended_calls_limit_exceeded: the bank counts
// calls banktui did not make (another program, or a clock apart), so no
// call of ep until its Retry-After (a day when it sends none).
func (b *budget) refused(ctx context.Context, ep endpoint, err error) error {
	var ae *truelayer.APIError
	if !errors.As(err, &ae) || ae.Code != codeUnattendedLimit {
		return nil
	}
	wait := ae.RetryAfter
	if wait <= 0 {
		wait = unattendedWindow
	}
	until := b.now().Add(wait)
	b.mu.Lock()
	if b.until == nil {
		b.until = map[budgetKey]time.Time{}
	}
	b.until[budgetKey{ep.account, ep.name}] = until
	b.mu.Unlock()
	return b.st.setEndpointStatus(ctx, b.connID, ep, http.StatusTooManyRequests, ae.Code, until)
}

// load reads the calls of the last 24 hours and the bank's refusals, once.
func (b *budget) load(ctx context.Context) error {
	if b.loaded {
		return nil
	}
	calls, until, err := b.st.unattendedState(ctx, b.connID, b.now())
	if err != nil {
		return err
	}
	b.calls, b.loaded = calls, true
	if b.until == nil {
		b.until = until
	}
	return nil
}

// recordUnattendedCall stores one call made without the user present, and
// forgets the connection's calls older than the limit's window.
func (s *Store) recordUnattendedCall(ctx context.Context, connID string, ep endpoint, at time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := upsertConnection(ctx, tx, connID, "", ""); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM unattended_calls WHERE connection_id = ? AND at <= ?",
			connID, at.Add(-unattendedWindow).UnixMilli()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO unattended_calls (connection_id, account_id, endpoint, at) VALUES (?, ?, ?, ?)",
			connID, ep.account, ep.name, at.UnixMilli())
		return err
	})
}

// unattendedState reads a connection's unattended calls of the 24 hours
// before now, and the endpoints the bank refuses (429) until a later time.
func (s *Store) unattendedState(ctx context.Context, connID string, now time.Time) (map[budgetKey][]time.Time, map[budgetKey]time.Time, error) {
	calls := map[budgetKey][]time.Time{}
	rows, err := s.db.QueryContext(ctx, `SELECT account_id, endpoint, at FROM unattended_calls
WHERE connection_id = ? AND at > ? ORDER BY at`, connID, now.Add(-unattendedWindow).UnixMilli())
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: unattended calls: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k budgetKey
		var at int64
		if err := rows.Scan(&k.account, &k.endpoint, &at); err != nil {
			return nil, nil, err
		}
		calls[k] = append(calls[k], time.UnixMilli(at))
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	until := map[budgetKey]time.Time{}
	limited, err := s.db.QueryContext(ctx, "SELECT account_id, endpoint, until FROM endpoint_status WHERE connection_id = ? AND status = ? AND until > ?",
		connID, http.StatusTooManyRequests, now.UnixMilli())
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: unattended calls: %w", err)
	}
	defer limited.Close()
	for limited.Next() {
		var k budgetKey
		var at int64
		if err := limited.Scan(&k.account, &k.endpoint, &at); err != nil {
			return nil, nil, err
		}
		until[k] = time.UnixMilli(at)
	}
	return calls, until, limited.Err()
}

// CallsLeft is how many unattended calls an endpoint of an account (or a
// connection's list, AccountID "") has left in the 24 hours before now, and
// when the next one frees up if none.
type CallsLeft struct {
	AccountID, Endpoint string
	Left                int
	Next                time.Time // zero when Left > 0
}

// UnattendedCallsLeft returns, for the connection, the calls left of each
// endpoint listed in want (account id -> endpoint names; "" for the lists),
// in that order of accounts as given by order.
func (s *Store) UnattendedCallsLeft(ctx context.Context, connID string, now time.Time, order []string, want map[string][]string) ([]CallsLeft, error) {
	calls, until, err := s.unattendedState(ctx, connID, now)
	if err != nil {
		return nil, err
	}
	var out []CallsLeft
	for _, acct := range order {
		for _, name := range want[acct] {
			k := budgetKey{acct, name}
			c := CallsLeft{AccountID: acct, Endpoint: name, Left: max(0, UnattendedLimit-len(calls[k]))}
			if c.Left == 0 {
				c.Next = nextFree(calls[k])
			}
			if u := until[k]; u.After(now) {
				c.Left, c.Next = 0, u
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// nextFree is when one of calls (at least UnattendedLimit, oldest first)
// leaves the window, so that another is allowed.
func nextFree(calls []time.Time) time.Time {
	return calls[len(calls)-UnattendedLimit].Add(unattendedWindow)
}
