package ledger

import (
	"context"
	"database/sql"
	"time"
)

// syncState is an account's transaction sync progress.
type syncState struct {
	Backfilled   bool
	OldestDay    time.Time // oldest day asked so far; zero before the first sync
	HistoryLimit string
	LastSync     time.Time
	NewestTx     time.Time // newest settled transaction stored; zero if none
}

func (s *Store) syncState(ctx context.Context, accountID string) (syncState, error) {
	var (
		st               syncState
		backfilled       sql.NullInt64
		oldest, limit    sql.NullString
		lastSync, newest sql.NullInt64
	)
	err := s.db.QueryRowContext(ctx, `
SELECT ss.backfilled, ss.oldest_day, ss.history_limit, ss.last_sync_at,
       (SELECT max(ts) FROM transactions t WHERE t.account_rid = a.rid AND t.pending = 0)
FROM accounts a LEFT JOIN sync_state ss ON ss.account_rid = a.rid WHERE a.id = ?`, accountID).
		Scan(&backfilled, &oldest, &limit, &lastSync, &newest)
	if err != nil {
		return st, err
	}
	st.Backfilled = backfilled.Int64 != 0
	if oldest.String != "" {
		st.OldestDay, _ = time.Parse(time.DateOnly, oldest.String)
	}
	st.HistoryLimit = limit.String
	if lastSync.Int64 > 0 {
		st.LastSync = time.UnixMilli(lastSync.Int64)
	}
	if newest.Valid {
		st.NewestTx = time.Unix(newest.Int64, 0).UTC()
	}
	return st, nil
}

// RetryOlderHistory makes the next sync resume the back-fill of a
// connection's accounts that stopped at sca_exceeded: call it right after
// the user re-authenticated at the bank. ConnectionRenewed does it too.
func (s *Store) RetryOlderHistory(ctx context.Context, connectionID string) error {
	return s.ConnectionRenewed(ctx, connectionID)
}
