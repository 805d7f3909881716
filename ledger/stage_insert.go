package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/banktui/banktui/truelayer"
)

// insertNew inserts the staged rows not stored yet, with their JSON,
// oldest first in the bank's order: the store keeps rows of the same time
// in the order written (a bank that sends dates without times), so their
// running balances stay in sequence. One statement inserts them all:
// SQLite journals, per statement, every stored index page it changes
// (so it can undo the statement alone), and a window's rows change most
// pages of an index in amount order; in chunks of 4096 rows that was
// most of the pages again for each chunk.
func (st *stage) insertNew(ctx context.Context, tx *sql.Tx, rid, firstSeen int64) (int, error) {
	reverse, err := st.newestFirst(ctx, tx)
	if err != nil {
		return 0, err
	}
	order := "s.seq"
	if reverse {
		order = "s.seq DESC"
	}
	before, err := maxRID(ctx, tx)
	if err != nil {
		return 0, err
	}
	const unpaired = "s.seq NOT IN (SELECT seq FROM stage.tx_pair)"
	r, err := tx.ExecContext(ctx, `INSERT INTO transactions (account_rid, pending, first_seen, `+strings.Join(rowColumns, ", ")+`)
SELECT ?1, 0, ?2, `+columnList("s.")+` FROM stage.tx_stage s WHERE `+unpaired+` ORDER BY `+order+`
ON CONFLICT (account_rid, pending, tx_id) DO NOTHING`, rid, firstSeen)
	if err != nil {
		return 0, err
	}
	added, _ := r.RowsAffected()
	if added == 0 {
		return 0, nil
	}
	var staged int64
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM stage.tx_stage s WHERE "+unpaired).Scan(&staged); err != nil {
		return 0, err
	}
	// When every row went in, the JSON goes by rank: rids are handed out
	// in the order inserted, each above the last. Else by id.
	js, args := `INSERT INTO transaction_json (rid, raw)
SELECT ?1 + row_number() OVER (ORDER BY `+order+`), s.raw FROM stage.tx_stage s WHERE `+unpaired, []any{before}
	if added != staged {
		js, args = `INSERT INTO transaction_json (rid, raw)
SELECT t.rid, s.raw FROM stage.tx_stage s CROSS JOIN transactions t
WHERE `+unpaired+` AND t.account_rid = ?2 AND t.pending = 0 AND t.tx_id = s.tx_id AND t.rid > ?1`, []any{before, rid}
	}
	if _, err := tx.ExecContext(ctx, js, args...); err != nil {
		return 0, err
	}
	return int(added), nil
}

// newestFirst reports whether the bank sent the staged window newest
// first (newestFirst's rule): by the first and last dated rows, or when
// their times are equal (one day's rows, so few) by their running balances.
func (st *stage) newestFirst(ctx context.Context, tx *sql.Tx) (bool, error) {
	var first, last sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT ts FROM stage.tx_stage WHERE ts <> 0 ORDER BY seq LIMIT 1),
	(SELECT ts FROM stage.tx_stage WHERE ts <> 0 ORDER BY seq DESC LIMIT 1)`).Scan(&first, &last); err != nil {
		return false, err
	}
	if first.Int64 != last.Int64 {
		return first.Int64 > last.Int64, nil
	}
	raws, err := queryColumn[string](ctx, tx, "SELECT raw FROM stage.tx_stage ORDER BY seq")
	if err != nil {
		return false, err
	}
	txs := make([]truelayer.Transaction, len(raws))
	for i, r := range raws {
		if err := json.Unmarshal([]byte(r), &txs[i]); err != nil {
			return false, err
		}
	}
	return newestFirst(txs), nil
}
