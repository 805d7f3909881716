package ledger

import (
	"context"
	"fmt"
)

// One rule says which accounts count: AccountView.Counts. banktui
// balance's totals (Store.Totals), and every report over all accounts
// (spending, income, cashflow, net worth, recurring payments, and so the
// insights pane), leave out the accounts the bank no longer lists and
// those of a logged-out connection. Their history stays: a report that
// names such an account reads it.

// Counts reports whether the account counts in totals and in reports over
// every account: the bank still lists it and its connection is not logged
// out.
func (v AccountView) Counts() bool { return !v.Gone && !v.Disconnected }

// noAccount is an account id no account has: a selection of it selects
// nothing (an empty selection means every account).
const noAccount = "\x00none"

// reportScope is q over the accounts that count when q names none: q as it
// is when every account counts (no account condition: the fastest plan).
func (s *Store) reportScope(ctx context.Context, q TxQuery) (TxQuery, error) {
	if len(q.AccountIDs) > 0 {
		return q, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, a.gone, coalesce(c.disconnected_at, 0) FROM accounts a
LEFT JOIN connections c ON c.id = a.connection_id ORDER BY a.rid`)
	if err != nil {
		return q, fmt.Errorf("ledger: accounts: %w", err)
	}
	defer rows.Close()
	var counted []string
	all := true
	for rows.Next() {
		var v AccountView
		var gone, disconnected int64
		if err := rows.Scan(&v.ID, &gone, &disconnected); err != nil {
			return q, fmt.Errorf("ledger: accounts: %w", err)
		}
		v.Gone, v.Disconnected = gone != 0, disconnected != 0
		if v.Counts() {
			counted = append(counted, v.ID)
		} else {
			all = false
		}
	}
	if err := rows.Err(); err != nil {
		return q, fmt.Errorf("ledger: accounts: %w", err)
	}
	switch {
	case all:
	case len(counted) == 0:
		q.AccountIDs = []string{noAccount}
	default:
		q.AccountIDs = counted
	}
	return q, nil
}
