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
	var out []truelayer.StandingOrder
	err := s.readRawList(ctx, "standing_orders", accountID, func(raw []byte) error {
		var so truelayer.StandingOrder
		if err := json.Unmarshal(raw, &so); err != nil {
			return err
		}
		out = append(out, so)
		return nil
	})
	return out, err
}

// DirectDebits returns an account's direct debits from the last sync.
func (s *Store) DirectDebits(ctx context.Context, accountID string) ([]truelayer.DirectDebit, error) {
	var out []truelayer.DirectDebit
	err := s.readRawList(ctx, "direct_debits", accountID, func(raw []byte) error {
		var dd truelayer.DirectDebit
		if err := json.Unmarshal(raw, &dd); err != nil {
			return err
		}
		out = append(out, dd)
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
