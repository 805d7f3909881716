package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ConnectionView is a connection as the ledger knows it.
type ConnectionView struct {
	ID, ProviderID, ProviderName string
	LastSync                     time.Time // zero if never synced
	SyncError                    string    // "" or SyncErrConsentExpired or a short message
	Disconnected                 time.Time // when it was logged out; zero if it was not
}

// Connections returns the connections that have been synced at least once.
func (s *Store) Connections(ctx context.Context) ([]ConnectionView, error) {
	rows, err := s.db.QueryContext(ctx,
		"SELECT id, provider_id, provider_name, last_sync_at, sync_error, disconnected_at FROM connections ORDER BY provider_name, id")
	if err != nil {
		return nil, fmt.Errorf("ledger: connections: %w", err)
	}
	defer rows.Close()
	var out []ConnectionView
	for rows.Next() {
		var c ConnectionView
		var last, disconnected int64
		if err := rows.Scan(&c.ID, &c.ProviderID, &c.ProviderName, &last, &c.SyncError, &disconnected); err != nil {
			return nil, err
		}
		if last > 0 {
			c.LastSync = time.UnixMilli(last)
		}
		if disconnected > 0 {
			c.Disconnected = time.UnixMilli(disconnected)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func upsertConnection(ctx context.Context, tx *sql.Tx, id, providerID, providerName string) error {
	_, err := tx.ExecContext(ctx, `
INSERT INTO connections (id, provider_id, provider_name) VALUES (?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
	provider_id = CASE WHEN excluded.provider_id <> '' THEN excluded.provider_id ELSE provider_id END,
	provider_name = CASE WHEN excluded.provider_name <> '' THEN excluded.provider_name ELSE provider_name END`,
		id, providerID, providerName)
	return err
}

// connectionInfo returns what the store knows of a connection.
func (s *Store) connectionInfo(ctx context.Context, id string) (providerID, providerName string, err error) {
	err = s.db.QueryRowContext(ctx, "SELECT provider_id, provider_name FROM connections WHERE id = ?", id).
		Scan(&providerID, &providerName)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return providerID, providerName, err
}

// setConnectionState records a connection's sync outcome; a nil err with
// synced marks a completed sync.
func (s *Store) setConnectionState(ctx context.Context, connID, syncErr string, synced bool, accountsToo bool) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := upsertConnection(ctx, tx, connID, "", ""); err != nil {
			return err
		}
		q := "UPDATE connections SET sync_error = ? WHERE id = ?"
		args := []any{syncErr, connID}
		if synced {
			q = "UPDATE connections SET sync_error = ?, last_sync_at = ? WHERE id = ?"
			args = []any{syncErr, s.now().UnixMilli(), connID}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		if accountsToo {
			_, err := tx.ExecContext(ctx, "UPDATE accounts SET sync_error = ? WHERE connection_id = ? AND gone = 0", syncErr, connID)
			return err
		}
		return nil
	})
}

// MarkDisconnected records that a connection was logged out: its accounts
// leave the totals and read as disconnected; their history stays.
func (s *Store) MarkDisconnected(ctx context.Context, connectionID string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE connections SET disconnected_at = ? WHERE id = ? AND disconnected_at = 0",
			s.now().UnixMilli(), connectionID)
		return err
	})
}

// ConnectionRenewed records that the user just authenticated a connection
// (a login, a reconnect, an extension): it counts again if it had been
// logged out, a lost consent the last sync stored is forgotten, and the
// next sync resumes the back-fill of its accounts that stopped at
// sca_exceeded (the bank gives older history only for a few minutes after
// that).
func (s *Store) ConnectionRenewed(ctx context.Context, connectionID string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE connections SET disconnected_at = 0,
	sync_error = CASE WHEN sync_error = ? THEN '' ELSE sync_error END WHERE id = ?`, SyncErrConsentExpired, connectionID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE accounts SET sync_error = '' WHERE connection_id = ? AND sync_error = ?",
			connectionID, SyncErrConsentExpired); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE sync_state SET backfilled = 0, history_limit = ''
WHERE history_limit = ? AND account_rid IN (SELECT rid FROM accounts WHERE connection_id = ?)`,
			LimitSCAExceeded, connectionID)
		return err
	})
}

// ForgetConnection deletes a connection and everything stored for it:
// accounts, cards, balances, transactions, standing orders, direct debits.
// Logging out keeps the history unless the user asks for this.
func (s *Store) ForgetConnection(ctx context.Context, connectionID string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM connections WHERE id = ?", connectionID)
		return err
	})
}
