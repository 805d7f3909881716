package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/banktui/banktui/truelayer"
)

// StandingOrders returns an account's standing orders from the last sync.
func (s *Store) StandingOrders(ctx context.Context, accountID string) ([]truelayer.StandingOrder, error) {
	return readRawItems[truelayer.StandingOrder](ctx, s, "standing_orders", accountID)
}

// DirectDebits returns an account's direct debits from the last sync.
func (s *Store) DirectDebits(ctx context.Context, accountID string) ([]truelayer.DirectDebit, error) {
	return readRawItems[truelayer.DirectDebit](ctx, s, "direct_debits", accountID)
}

// readRawItems decodes an account's list stored as the bank sent it, in order.
func readRawItems[T any](ctx context.Context, s *Store, table, accountID string) ([]T, error) {
	var out []T
	err := s.readRawList(ctx, table, accountID, func(raw []byte) error {
		var item T
		if err := json.Unmarshal(raw, &item); err != nil {
			return err
		}
		out = append(out, item)
		return nil
	})
	return out, err
}

func (s *Store) readRawList(ctx context.Context, table, accountID string, each func([]byte) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT t.raw FROM `+table+` t JOIN accounts a ON a.rid = t.account_rid
WHERE a.id = ? ORDER BY t.position`, accountID)
	if err != nil {
		return fmt.Errorf("ledger: %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return err
		}
		if err := each(raw); err != nil {
			return fmt.Errorf("ledger: %s: %w", table, err)
		}
	}
	return rows.Err()
}

func replaceRawList(ctx context.Context, tx *sql.Tx, table string, rid int64, raws [][]byte) error {
	if raws == nil {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE account_rid = ?", rid); err != nil {
		return err
	}
	for i, raw := range raws {
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+table+" (account_rid, position, raw) VALUES (?, ?, ?)", rid, i, string(raw)); err != nil {
			return err
		}
	}
	return nil
}
