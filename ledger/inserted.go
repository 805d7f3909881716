package ledger

import (
	"context"
	"database/sql"
)

// A row inserted into transactions feeds, besides its indexes: its day
// (transaction_days), its month of the reports' summary (report_dirty),
// the rows transfer matching looks at (transfer_todo) and the full-text
// index. Deletes and updates keep them in step by triggers; inserts by
// noteInserted, a few statements over all the rows a write inserted: a
// trigger run per inserted row cost a sync about a tenth of its time.

// noteInserted adds the rows above afterRID, the ones this write inserted
// (rids grow: a new row's is above every stored one), to what they feed,
// and to the full-text index when fts. Every writer of transactions calls
// it in the transaction of its inserts, after them and before anything
// else changes those rows: an update or delete trigger would take away a
// contribution never added.
func noteInserted(ctx context.Context, tx *sql.Tx, afterRID int64, fts bool) error {
	statements := []string{
		`INSERT INTO transaction_days (account_rid, day, currency, pending, transfer, n, money_in, money_out, inexact)
SELECT account_rid, ` + sqlDayOf("ts") + `, currency, pending, transfer_kind <> '', count(*),
	sum(max(amount_micro, 0)), sum(max(-amount_micro, 0)), sum(1 - amount_exact)
FROM transactions WHERE rid > ?1 GROUP BY 1, 2, 3, 4, 5
ON CONFLICT DO UPDATE SET n = n + excluded.n, money_in = money_in + excluded.money_in,
	money_out = money_out + excluded.money_out, inexact = inexact + excluded.inexact`,
		`INSERT OR IGNORE INTO report_dirty SELECT DISTINCT strftime('%Y-%m', ts, 'unixepoch') FROM transactions WHERE rid > ?1 AND pending = 0`,
		`INSERT OR IGNORE INTO transfer_todo (rid) SELECT rid FROM transactions WHERE rid > ?1`,
	}
	if fts {
		// One statement for all: FTS5 flushes its buffer per statement.
		statements = append(statements, `INSERT INTO tx_fts (rowid, description, merchant)
SELECT rid, description, merchant FROM transactions WHERE rid > ?1`)
	}
	for _, q := range statements {
		if _, err := tx.ExecContext(ctx, q, afterRID); err != nil {
			return err
		}
	}
	return nil
}

// NoteInserted is noteInserted for a writer outside the package (the
// synthetic stores of ledgertest), the full-text index included where the
// store has one.
func NoteInserted(ctx context.Context, tx *sql.Tx, afterRID int64) error {
	var fts int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'tx_fts'").Scan(&fts); err != nil {
		return err
	}
	return noteInserted(ctx, tx, afterRID, fts > 0)
}

// maxRID is the highest row id of transactions (0: none): the rows a write
// inserts after reading it are above it (noteInserted).
func maxRID(ctx context.Context, tx *sql.Tx) (int64, error) {
	var rid int64
	err := tx.QueryRowContext(ctx, "SELECT coalesce(max(rid), 0) FROM transactions").Scan(&rid)
	return rid, err
}

// migrateInsertTriggers drops the per-row insert triggers of the days
// (migration 10), the report summary (8) and transfer matching (4):
// noteInserted does their work once per write.
func migrateInsertTriggers(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `
DROP TRIGGER IF EXISTS transactions_days_insert;
DROP TRIGGER IF EXISTS transactions_report_insert;
DROP TRIGGER IF EXISTS transactions_transfer_insert;`)
	return err
}
