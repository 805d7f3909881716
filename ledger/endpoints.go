package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// The Data API endpoints a sync calls, by the names the store records them
// under (EndpointStatus.Endpoint, the unattended budget). The lists
// (accounts, cards) belong to the connection; the others to one account or
// card.
const (
	EndpointAccounts       = "accounts"
	EndpointCards          = "cards"
	EndpointBalance        = "balance"
	EndpointTransactions   = "transactions"
	EndpointPending        = "pending"
	EndpointStandingOrders = "standing_orders"
	EndpointDirectDebits   = "direct_debits"
	endpointMe             = "me" // TrueLayer's own record: no scope, no bank call
)

// endpoint is one endpoint of one account or card ("" for a list).
type endpoint struct {
	account string
	kind    string // KindAccount or KindCard: whose endpoint it is
	name    string
}

func listEndpoint(name string) endpoint { return endpoint{name: name} }

func accountEndpoint(r accountRecord, name string) endpoint {
	return endpoint{account: r.ID, kind: r.Kind, name: name}
}

// scopes are what the endpoint needs granted (TrueLayer's "Scopes" table):
// an account's endpoints need accounts, a card's need cards, plus their own.
func (e endpoint) scopes() []string {
	base := truelayer.ScopeAccounts
	if e.kind == KindCard || e.name == EndpointCards {
		base = truelayer.ScopeCards
	}
	switch e.name {
	case endpointMe:
		return nil
	case EndpointAccounts, EndpointCards:
		return []string{base}
	case EndpointBalance:
		return []string{base, truelayer.ScopeBalance}
	case EndpointTransactions, EndpointPending:
		return []string{base, truelayer.ScopeTransactions}
	case EndpointStandingOrders:
		return []string{base, truelayer.ScopeStandingOrders}
	case EndpointDirectDebits:
		return []string{base, truelayer.ScopeDirectDebits}
	}
	return []string{base}
}

// optional endpoints are ones a bank may refuse (403) or lack (501) without
// anything being wrong with the account or the consent: the refusal is
// recorded for the endpoint, never reported as the account's failure.
func (e endpoint) optional() bool {
	switch e.name {
	case EndpointCards, EndpointPending, EndpointStandingOrders, EndpointDirectDebits:
		return true
	}
	return false
}

// endpointLabel names an endpoint for people.
func endpointLabel(name string) string {
	switch name {
	case EndpointPending:
		return "pending transactions"
	case EndpointStandingOrders:
		return "standing orders"
	case EndpointDirectDebits:
		return "direct debits"
	}
	return name
}

// EndpointStatus is what a bank last answered, other than data, for one
// endpoint of an account or card (AccountID "" for the connection's card
// list): a refusal (403), no such endpoint (501), or a limit on unattended
// calls (429) until Until.
type EndpointStatus struct {
	ConnectionID, AccountID, Endpoint string
	Status                            int    // 403, 501 or 429
	Code                              string // the bank's error code, e.g. access_denied
	Until                             time.Time
	SeenAt                            time.Time
}

// Text says it for people: "direct debits: refused by the bank (403 access_denied)".
func (s EndpointStatus) Text() string {
	what := "refused by the bank"
	switch s.Status {
	case http.StatusNotImplemented:
		what = "not offered by this bank"
	case http.StatusTooManyRequests:
		what = "the bank's limit on calls without you present is spent until " + localWhen(s.Until)
	}
	detail := strings.TrimSpace(fmt.Sprintf("%d %s", s.Status, Sanitize(s.Code)))
	return endpointLabel(s.Endpoint) + ": " + what + " (" + detail + ")"
}

// EndpointStatuses returns what the banks last refused, by connection and
// account.
func (s *Store) EndpointStatuses(ctx context.Context) ([]EndpointStatus, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT connection_id, account_id, endpoint, status, code, until, seen_at
FROM endpoint_status ORDER BY connection_id, account_id, endpoint`)
	if err != nil {
		return nil, fmt.Errorf("ledger: endpoint status: %w", err)
	}
	defer rows.Close()
	var out []EndpointStatus
	for rows.Next() {
		var e EndpointStatus
		var until, seen int64
		if err := rows.Scan(&e.ConnectionID, &e.AccountID, &e.Endpoint, &e.Status, &e.Code, &until, &seen); err != nil {
			return nil, err
		}
		if until > 0 {
			e.Until = time.UnixMilli(until)
		}
		e.SeenAt = time.UnixMilli(seen)
		out = append(out, e)
	}
	return out, rows.Err()
}

// setEndpointStatus records (status > 0) or clears (status 0) what the bank
// answered for an endpoint.
func (s *Store) setEndpointStatus(ctx context.Context, connID string, ep endpoint, status int, code string, until time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if status == 0 {
			_, err := tx.ExecContext(ctx, "DELETE FROM endpoint_status WHERE connection_id = ? AND account_id = ? AND endpoint = ?",
				connID, ep.account, ep.name)
			return err
		}
		if err := upsertConnection(ctx, tx, connID, "", ""); err != nil {
			return err
		}
		var untilMS int64
		if !until.IsZero() {
			untilMS = until.UnixMilli()
		}
		_, err := tx.ExecContext(ctx, `
INSERT INTO endpoint_status (connection_id, account_id, endpoint, status, code, until, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (connection_id, account_id, endpoint) DO UPDATE SET
	status = excluded.status, code = excluded.code, until = excluded.until, seen_at = excluded.seen_at`,
			connID, ep.account, ep.name, status, code, untilMS, s.now().UnixMilli())
		return err
	})
}

// Why the sync did not call an endpoint (SkippedError).
var (
	// ErrNotGranted: the connection was not granted the scope the endpoint
	// needs, so it was not called.
	ErrNotGranted = errors.New("ledger: scope not granted")
	// ErrUnattendedBudget: without the user present, the bank allows only
	// UnattendedLimit calls per account and endpoint a day, and they are
	// spent.
	ErrUnattendedBudget = errors.New("ledger: the bank's limit on unattended calls is spent")
)

// SkippedError is an endpoint the sync did not call, and why (errors.Is
// ErrNotGranted or ErrUnattendedBudget). What is stored for it is kept.
type SkippedError struct {
	Endpoint string
	Scope    string    // the scope not granted (ErrNotGranted)
	Next     time.Time // when a call is allowed again (ErrUnattendedBudget)
	why      error
}

func (e *SkippedError) Error() string {
	if e.why == ErrNotGranted {
		return fmt.Sprintf("%s skipped: the %s scope was not granted", endpointLabel(e.Endpoint), e.Scope)
	}
	return fmt.Sprintf("%s skipped: the bank allows %d calls a day without you present, and they are spent until %s",
		endpointLabel(e.Endpoint), UnattendedLimit, localWhen(e.Next))
}

func (e *SkippedError) Is(target error) bool { return target == e.why }

// RefusedError is a 403 from an endpoint other than the account list: the
// bank refuses that endpoint (for that account), which is no lost consent.
// It does not unwrap to the API error, whose access_denied would read as one.
type RefusedError struct {
	Endpoint      string
	Status        int
	Code          string
	CorrelationID string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s: refused by the bank (%d %s)", endpointLabel(e.Endpoint), e.Status, e.Code)
}

// refusal classifies err from ep: a 403 or 501 of the bank for this
// endpoint alone (returned as its status and code), rather than a lost
// consent. Only a failed refresh or an access_denied on the account list
// itself loses the connection.
func refusal(ep endpoint, err error) (status int, code string, ok bool) {
	var ae *truelayer.APIError
	if !errors.As(err, &ae) {
		return 0, "", false
	}
	switch {
	case ae.StatusCode == http.StatusNotImplemented:
		return ae.StatusCode, ae.Code, true
	case ae.StatusCode == http.StatusForbidden && ep.name != EndpointAccounts && !errors.Is(err, truelayer.ErrSCAExceeded):
		return ae.StatusCode, ae.Code, true
	}
	return 0, "", false
}

// localWhen is a time for people: "15:04" today, "2 Jan 15:04" another day.
func localWhen(t time.Time) string {
	t, now := t.Local(), time.Now()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format("2 Jan 15:04")
}
