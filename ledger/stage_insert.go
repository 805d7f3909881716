package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"

	"github.com/banktui/banktui/truelayer"
)

// mergeChunk stage rows are inserted per statement.
const mergeChunk = 4096

// insertNew inserts the staged rows not stored yet, with their JSON,
// oldest first in the bank's order: the store keeps rows of the same time
// in the order written (a bank that sends dates without times), so their
// running balances stay in sequence.
func (st *stage) insertNew(ctx context.Context, tx *sql.Tx, rid, firstSeen int64) (int, error) {
	reverse, err := st.newestFirst(ctx, tx)
	if err != nil {
		return 0, err
	}
	order := "s.seq"
	if reverse {
		order = "s.seq DESC"
	}
	rows, err := tx.PrepareContext(ctx, `INSERT INTO transactions (account_rid, pending, first_seen, `+strings.Join(rowColumns, ", ")+`)
SELECT ?1, 0, ?2, `+columnList("s.")+` FROM temp.tx_stage s
WHERE s.seq >= ?3 AND s.seq < ?4 AND s.seq NOT IN (SELECT seq FROM temp.tx_pair) ORDER BY `+order+`
ON CONFLICT (account_rid, pending, tx_id) DO NOTHING`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	// A chunk's JSON goes by rank when all its rows went in (rids are
	// handed out in the order inserted, each above the last), else by id.
	staged, err := tx.PrepareContext(ctx, `SELECT count(*) FROM temp.tx_stage s
WHERE s.seq >= ?1 AND s.seq < ?2 AND s.seq NOT IN (SELECT seq FROM temp.tx_pair)`)
	if err != nil {
		return 0, err
	}
	defer staged.Close()
	byRank, err := tx.PrepareContext(ctx, `INSERT INTO transaction_json (rid, raw)
SELECT ?3 + row_number() OVER (ORDER BY `+order+`), s.raw FROM temp.tx_stage s
WHERE s.seq >= ?1 AND s.seq < ?2 AND s.seq NOT IN (SELECT seq FROM temp.tx_pair)`)
	if err != nil {
		return 0, err
	}
	defer byRank.Close()
	byID, err := tx.PrepareContext(ctx, `INSERT INTO transaction_json (rid, raw)
SELECT t.rid, s.raw FROM temp.tx_stage s CROSS JOIN transactions t
WHERE s.seq >= ?1 AND s.seq < ?2 AND s.seq NOT IN (SELECT seq FROM temp.tx_pair) AND t.account_rid = ?4 AND t.pending = 0 AND t.tx_id = s.tx_id AND t.rid > ?3`)
	if err != nil {
		return 0, err
	}
	defer byID.Close()
	added := 0
	chunks := make([]int64, 0, st.seq/mergeChunk+1)
	for lo := int64(1); lo <= st.seq; lo += mergeChunk {
		chunks = append(chunks, lo)
	}
	if reverse {
		slices.Reverse(chunks)
	}
	for _, lo := range chunks {
		before, err := maxRID(ctx, tx)
		if err != nil {
			return 0, err
		}
		r, err := rows.ExecContext(ctx, rid, firstSeen, lo, lo+mergeChunk)
		if err != nil {
			return 0, err
		}
		n, _ := r.RowsAffected()
		if n == 0 {
			continue
		}
		added += int(n)
		var all int64
		if err := staged.QueryRowContext(ctx, lo, lo+mergeChunk).Scan(&all); err != nil {
			return 0, err
		}
		js := byID
		if n == all {
			js = byRank
		}
		if _, err := js.ExecContext(ctx, lo, lo+mergeChunk, before, rid); err != nil {
			return 0, err
		}
	}
	return added, nil
}

// newestFirst reports whether the bank sent the staged window newest
// first (newestFirst's rule): by the first and last dated rows, or when
// their times are equal (one day's rows, so few) by their running balances.
func (st *stage) newestFirst(ctx context.Context, tx *sql.Tx) (bool, error) {
	var first, last sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT ts FROM temp.tx_stage WHERE ts <> 0 ORDER BY seq LIMIT 1),
	(SELECT ts FROM temp.tx_stage WHERE ts <> 0 ORDER BY seq DESC LIMIT 1)`).Scan(&first, &last); err != nil {
		return false, err
	}
	if first.Int64 != last.Int64 {
		return first.Int64 > last.Int64, nil
	}
	raws, err := queryColumn[string](ctx, tx, "SELECT raw FROM temp.tx_stage ORDER BY seq")
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
