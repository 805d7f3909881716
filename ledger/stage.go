package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// A stage takes an account's transaction windows as they arrive from the
// bank, in batches, into a file of its own (stagefile.go) attached to its
// connection (no write lock is held while the bank sends, and memory
// holds two batches: one filling, one written by another goroutine), then
// merges each window into the history in one write transaction (commit).
// Close it when the account is done.
type stage struct {
	s       *Store
	conn    *sql.Conn // pinned, with the stage's file attached as "stage"
	path    string    // the stage's file (newStageFile)
	add     *sql.Stmt // inserts a full batch
	batch   []truelayer.Transaction
	writing chan stageWrite // the full batch being written; nil: none
	spare   []truelayer.Transaction
	args    []any // the writer's, for add
	seq     int64 // the last row staged (the writer's while writing)
	// The window being staged: rows dated from..to are inside it (to zero:
	// no end); rows a day beyond either end are kept too, for banks whose
	// days are not UTC days; farther ones are dropped (a bank that ignores
	// the range). Rows with an unreadable date are kept.
	from, to time.Time
	inside   int   // rows inside the window
	staged   int   // rows staged for the window (inside or near it)
	err      error // the stage's own failure in Begin or Add (a full disk)
	// merged, when set (tests), runs in each window's commit after its
	// merge; an error rolls the commit back.
	merged func(tx *sql.Tx, oldestDay time.Time) error
}

// stageBatch rows go to the stage per statement.
const stageBatch = 256

// rowColumns are the columns rowFromAPI fills, in the order of
// txRow.values: the one list the stage, inserts and updates share.
var rowColumns = []string{"tx_id", "ts", "description", "merchant", "category", "classification", "amount",
	"amount_micro", "amount_exact", "currency", "running_balance", "running_micro", "provider_tx_id", "category_name"}

func (r *txRow) values() []any {
	return []any{r.id, r.ts, r.description, r.merchant, r.category, r.classification, r.amount,
		r.amountMicro, boolInt(r.exact), r.currency, r.running, r.runningMicro, r.providerID, r.categoryName}
}

// columnList is rowColumns, each with prefix.
func columnList(prefix string) string {
	return prefix + strings.Join(rowColumns, ", "+prefix)
}

func (s *Store) openStage(ctx context.Context) (*stage, error) {
	path, err := s.newStageFile()
	if err != nil {
		return nil, err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("ledger: %w", err)
	}
	st := &stage{s: s, conn: conn, path: path}
	if err := st.create(ctx); err != nil {
		st.close()
		return nil, err
	}
	return st, nil
}

func (st *stage) create(ctx context.Context) error {
	if err := st.attach(ctx, st.conn); err != nil {
		return err
	}
	_, err := st.conn.ExecContext(ctx, `
CREATE TABLE stage.tx_stage (seq INTEGER PRIMARY KEY, `+strings.Join(rowColumns, ", ")+`, raw TEXT NOT NULL);
CREATE INDEX stage.tx_stage_id ON tx_stage (tx_id);
CREATE INDEX stage.tx_stage_provider ON tx_stage (provider_tx_id) WHERE provider_tx_id <> '';
CREATE TABLE stage.tx_reid (seq INTEGER PRIMARY KEY, rid INTEGER NOT NULL);
CREATE TABLE stage.tx_pair (seq INTEGER PRIMARY KEY, rid INTEGER NOT NULL);`)
	if err != nil {
		return fmt.Errorf("ledger: staging: %w", err)
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(rowColumns)+2), ",") + ")"
	st.add, err = st.conn.PrepareContext(ctx, "INSERT INTO stage.tx_stage (seq, "+strings.Join(rowColumns, ", ")+", raw) VALUES "+
		strings.TrimSuffix(strings.Repeat(one+",", stageBatch), ","))
	if err != nil {
		return fmt.Errorf("ledger: staging: %w", err)
	}
	return nil
}

// close gives the stage's connection back and removes its file.
func (st *stage) close() {
	st.wait()
	if st.add != nil {
		st.add.Close()
	}
	detach(st.conn)
	st.conn.Close()
	os.Remove(st.path)
}

// window starts staging the window [from, to] (to zero: up to now).
func (st *stage) window(from, to time.Time) *stage {
	st.from, st.to = from, to
	return st
}

// Begin starts the window's response again (a retried request resends it).
func (st *stage) Begin() error {
	err := st.wait()
	st.batch, st.inside, st.staged, st.err = st.batch[:0], 0, 0, nil
	if err != nil {
		return st.failed(err)
	}
	_, err = st.conn.ExecContext(context.Background(), "DELETE FROM stage.tx_stage")
	return st.failed(err)
}

// failed records the stage's own failure: a full disk is the store's,
// as the stage file lies beside it.
func (st *stage) failed(err error) error {
	if err != nil {
		err = st.s.wrapWriteErr(err)
		st.err = err
	}
	return err
}

// Add stages a transaction of the window, unless it lies far outside it.
func (st *stage) Add(t truelayer.Transaction) error {
	ts := t.Timestamp.Time
	valid := t.Timestamp.Valid()
	inside := !valid || (!ts.Before(st.from) && (st.to.IsZero() || ts.Before(st.to.Add(day))))
	near := !valid || (!ts.Before(st.from.Add(-day)) && (st.to.IsZero() || ts.Before(st.to.Add(2*day))))
	if !near {
		return nil
	}
	if inside {
		st.inside++
	}
	st.staged++
	st.batch = append(st.batch, t)
	if len(st.batch) == stageBatch {
		return st.failed(st.send())
	}
	return nil
}

// stageWrite is a full batch written, and how.
type stageWrite struct {
	batch []truelayer.Transaction
	err   error
}

// send hands the full batch to a goroutine that writes it (writeFull),
// once the one before is written: the next batch is decoded from the bank
// while this one is stored, on the second core.
func (st *stage) send() error {
	if err := st.wait(); err != nil {
		return err
	}
	full := st.batch
	st.batch, st.spare = st.spare[:0], nil
	done := make(chan stageWrite, 1)
	st.writing = done
	go func() { done <- stageWrite{full, st.writeFull(full)} }()
	return nil
}

// wait waits for the batch being written, if any, and returns its error.
func (st *stage) wait() error {
	if st.writing == nil {
		return nil
	}
	w := <-st.writing
	st.writing, st.spare = nil, w.batch
	return w.err
}

// writeFull writes a full batch with the prepared statement.
func (st *stage) writeFull(batch []truelayer.Transaction) error {
	args := st.args[:0]
	for i := range batch {
		r := rowFromAPI(batch[i])
		st.seq++
		args = append(append(append(args, st.seq), r.values()...), r.raw)
	}
	st.args = args
	_, err := st.add.ExecContext(context.Background(), args...)
	clear(args) // the rows' text is garbage once written
	return err
}

// flush writes what is left to the stage: the batch being written, then
// the last, partial one row by row.
func (st *stage) flush(ctx context.Context) error {
	if err := st.wait(); err != nil {
		return err
	}
	for i := range st.batch {
		r := rowFromAPI(st.batch[i])
		st.seq++
		args := append(append([]any{st.seq}, r.values()...), r.raw)
		if _, err := st.conn.ExecContext(ctx, "INSERT INTO stage.tx_stage (seq, "+strings.Join(rowColumns, ", ")+", raw) VALUES ("+
			placeholders(len(args))+")", args...); err != nil {
			return err
		}
	}
	st.batch = st.batch[:0]
	return nil
}

// windowResult is what merging a window changed.
type windowResult struct {
	added      int // new rows
	duplicates int // ids the bank sent more than once in the window
}

// merge moves the staged window into account rid's settled history, in tx
// (a write transaction on the stage's connection): rows sent twice are
// kept apart (keepApart), stored rows the bank changed are updated, a row
// whose id changed is found by its provider id, and new rows are inserted
// (with their JSON, and noted: noteInserted).
func (st *stage) merge(ctx context.Context, tx *sql.Tx, rid, firstSeen int64) (windowResult, error) {
	var res windowResult
	if st.staged == 0 {
		// Nothing staged, nothing to merge: the account's last commit of a
		// sync, whose rows went in with their windows, would otherwise look
		// for re-identified rows over its whole history.
		return res, nil
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM stage.tx_pair"); err != nil {
		return res, err
	}
	dups, err := keepApartStaged(ctx, tx)
	if err != nil {
		return res, err
	}
	res.duplicates = dups
	before, err := maxRID(ctx, tx) // rows above it are new (noteInserted)
	if err != nil {
		return res, err
	}
	stored, err := st.storedInWindow(ctx, tx, rid)
	if err != nil || !stored { // a first sync, or older history: all new
		return st.insertAll(ctx, tx, rid, firstSeen, before, res)
	}
	// Stored under the same id: update what the bank changed. The pairs
	// come from the stage (its rows looked up by id, once), so the cost is
	// the window's, not the account's: joined directly, SQLite walks every
	// stored row of the account instead.
	if _, err := tx.ExecContext(ctx, `INSERT INTO stage.tx_pair (seq, rid) SELECT s.seq, k.rid
FROM stage.tx_stage s CROSS JOIN transactions k WHERE k.account_rid = ? AND k.pending = 0 AND k.tx_id = s.tx_id`, rid); err != nil {
		return res, err
	}
	set := "(" + strings.Join(rowColumns, ", ") + ") = (" + columnList("s.") + ")"
	if _, err := tx.ExecContext(ctx, `UPDATE transactions AS t SET `+set+`
FROM stage.tx_pair p JOIN stage.tx_stage s ON s.seq = p.seq
WHERE t.rid = p.rid AND (SELECT j.raw FROM transaction_json j WHERE j.rid = t.rid) IS NOT s.raw`, rid); err != nil {
		return res, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE transaction_json AS j SET raw = s.raw
FROM stage.tx_pair p JOIN stage.tx_stage s ON s.seq = p.seq WHERE j.rid = p.rid AND j.raw IS NOT s.raw`); err != nil {
		return res, err
	}
	if err := st.reidByProvider(ctx, tx, rid, set); err != nil {
		return res, err
	}
	return st.insertAll(ctx, tx, rid, firstSeen, before, res)
}

// insertAll inserts the staged rows not stored yet, in the order the bank
// sent them, with their JSON, and notes them (noteInserted: the rows
// above before are theirs).
func (st *stage) insertAll(ctx context.Context, tx *sql.Tx, rid, firstSeen, before int64, res windowResult) (windowResult, error) {
	added, err := st.insertNew(ctx, tx, rid, firstSeen)
	if err != nil || added == 0 {
		return res, err
	}
	res.added = added
	return res, noteInserted(ctx, tx, before, st.s.hasFTS)
}

// storedInWindow reports whether the account has settled rows dated
// inside the window (a row staged may then be one of them).
func (st *stage) storedInWindow(ctx context.Context, tx *sql.Tx, rid int64) (bool, error) {
	lo, hi := st.insideRange()
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM transactions
WHERE account_rid = ? AND ts >= ? AND ts < ? AND pending = 0 LIMIT 1)`, rid, lo-daySeconds, hi+daySeconds).Scan(&n)
	return n > 0, err
}

// insideRange is the window's inside range in unix seconds, [lo, hi).
func (st *stage) insideRange() (lo, hi int64) {
	lo, hi = int64(math.MinInt64/2), int64(math.MaxInt64/2)
	if !st.from.IsZero() {
		lo = st.from.Unix()
	}
	if !st.to.IsZero() {
		hi = st.to.Add(day).Unix()
	}
	return lo, hi
}

// reidByProvider finds the stored rows the bank sent again under a new
// transaction id ("subject to change"): same provider id, same amount,
// dated inside the window, and its own id not sent. Each pairing must be
// one to one, so a new row that merely shares a provider id with another
// transaction (banks reuse them) never overwrites it.
func (st *stage) reidByProvider(ctx context.Context, tx *sql.Tx, rid int64, set string) error {
	lo, hi := st.insideRange()
	if _, err := tx.ExecContext(ctx, `DELETE FROM stage.tx_reid;
WITH cand AS MATERIALIZED (
	SELECT s.seq AS seq, o.rid AS rid FROM stage.tx_stage s
	JOIN transactions o ON o.account_rid = ?1 AND o.provider_tx_id = s.provider_tx_id AND o.provider_tx_id <> '' AND o.pending = 0
	WHERE s.provider_tx_id <> '' AND o.ts >= ?2 AND o.ts < ?3 AND o.amount_micro = s.amount_micro
		AND NOT EXISTS (SELECT 1 FROM transactions k WHERE k.account_rid = ?1 AND k.pending = 0 AND k.tx_id = s.tx_id)
		AND NOT EXISTS (SELECT 1 FROM stage.tx_stage x WHERE x.tx_id = o.tx_id)
)
INSERT INTO stage.tx_reid (seq, rid) SELECT seq, rid FROM cand c
WHERE (SELECT count(*) FROM cand d WHERE d.seq = c.seq) = 1 AND (SELECT count(*) FROM cand d WHERE d.rid = c.rid) = 1`,
		rid, lo, hi); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE transactions AS t SET `+set+`
FROM stage.tx_reid r JOIN stage.tx_stage s ON s.seq = r.seq WHERE t.rid = r.rid`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE transaction_json AS j SET raw = s.raw
FROM stage.tx_reid r JOIN stage.tx_stage s ON s.seq = r.seq WHERE j.rid = r.rid`)
	return err
}

// keepApartStaged applies keepApart to the ids staged more than once, and
// returns how many there were.
func keepApartStaged(ctx context.Context, tx *sql.Tx) (int, error) {
	ids, err := queryColumn[string](ctx, tx, "SELECT tx_id FROM stage.tx_stage GROUP BY tx_id HAVING count(*) > 1")
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	for _, id := range ids {
		rows, err := tx.QueryContext(ctx, "SELECT seq, raw FROM stage.tx_stage WHERE tx_id = ? ORDER BY seq", id)
		if err != nil {
			return 0, err
		}
		var seqs []int64
		var raws []string
		for rows.Next() {
			var seq int64
			var raw string
			if err := rows.Scan(&seq, &raw); err != nil {
				rows.Close()
				return 0, err
			}
			seqs, raws = append(seqs, seq), append(raws, raw)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		for i, newID := range keepApart(id, raws) {
			var err error
			if newID == "" {
				_, err = tx.ExecContext(ctx, "DELETE FROM stage.tx_stage WHERE seq = ?", seqs[i])
			} else if newID != id {
				_, err = tx.ExecContext(ctx, "UPDATE stage.tx_stage SET tx_id = ? WHERE seq = ?", newID, seqs[i])
			}
			if err != nil {
				return 0, err
			}
		}
	}
	return len(ids), nil
}

// keepApart decides, for the copies of one transaction id a bank sent in
// one response (their JSON, in order), which to keep and under what id:
// never merging two different transactions. Copies alike are one
// transaction sent twice: the last is kept. Copies that differ are
// different transactions sharing an id: the first content keeps the id,
// the others get id#2, id#3... in the order they first appear (stable
// from one sync to the next while the bank keeps its order). "" drops a copy.
func keepApart(id string, raws []string) []string {
	out := make([]string, len(raws))
	last := map[string]int{} // content -> its last copy
	var order []string       // contents, first appearance first
	for i, r := range raws {
		if _, seen := last[r]; !seen {
			order = append(order, r)
		}
		last[r] = i
	}
	for k, r := range order {
		name := id
		if k > 0 {
			name = fmt.Sprintf("%s#%d", id, k+1)
		}
		out[last[r]] = name
	}
	return out
}
