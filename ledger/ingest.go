package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// accountBatch is everything one account's sync commits at once.
type accountBatch struct {
	Settled        []truelayer.Transaction
	Pending        []truelayer.Transaction
	PendingFetched bool // false: keep the stored pending set
	State          syncState
	StandingOrders [][]byte // nil: keep the stored ones
	DirectDebits   [][]byte
	SyncError      string
}

// commitAccount writes an account's sync in one transaction: new and
// changed settled rows, the pending set (matched against settled rows so a
// pending row that settled under a new id is not shown twice), standing
// orders, direct debits and the sync state. It returns how many settled
// rows were new and how many pending rows are stored.
func (s *Store) commitAccount(ctx context.Context, accountID string, b accountBatch) (added, pending int, err error) {
	now := s.now().UnixMilli()
	err = s.write(ctx, func(tx *sql.Tx) error {
		added, pending = 0, 0
		var rid int64
		if err := tx.QueryRowContext(ctx, "SELECT rid FROM accounts WHERE id = ?", accountID).Scan(&rid); err != nil {
			return fmt.Errorf("account %s: %w", accountID, err)
		}
		insert, err := prepareInsert(ctx, tx)
		if err != nil {
			return err
		}
		defer insert.Close()
		newSettled, err := upsertSettled(ctx, tx, insert, rid, b.Settled, now)
		if err != nil {
			return err
		}
		added = len(newSettled)
		if b.PendingFetched {
			n, err := replacePending(ctx, tx, insert, rid, b.Pending, now, newSettled)
			if err != nil {
				return err
			}
			pending = n
		} else if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM transactions WHERE account_rid = ? AND pending = 1", rid).Scan(&pending); err != nil {
			return err
		}
		if err := s.indexNewRows(ctx, tx, insert.inserted); err != nil {
			return err
		}
		if err := replaceRawList(ctx, tx, "standing_orders", rid, b.StandingOrders); err != nil {
			return err
		}
		if err := replaceRawList(ctx, tx, "direct_debits", rid, b.DirectDebits); err != nil {
			return err
		}
		oldest := ""
		if !b.State.OldestDay.IsZero() {
			oldest = b.State.OldestDay.UTC().Format(time.DateOnly)
		}
		if _, err := tx.ExecContext(ctx, `
INSERT INTO sync_state (account_rid, backfilled, oldest_day, history_limit, last_sync_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (account_rid) DO UPDATE SET backfilled = excluded.backfilled, oldest_day = excluded.oldest_day,
	history_limit = excluded.history_limit, last_sync_at = excluded.last_sync_at`,
			rid, boolInt(b.State.Backfilled), oldest, b.State.HistoryLimit, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE accounts SET sync_error = ? WHERE rid = ?", b.SyncError, rid)
		return err
	})
	return added, pending, err
}

// indexNewRows adds rows to the full-text index, a few statements per
// commit (a row deleted later in the same commit was never inserted here,
// so the list is exact).
func (s *Store) indexNewRows(ctx context.Context, tx *sql.Tx, rids []int64) error {
	if !s.hasFTS {
		return nil
	}
	const chunk = 500
	for start := 0; start < len(rids); start += chunk {
		part := rids[start:min(start+chunk, len(rids))]
		args := make([]any, len(part))
		for i, r := range part {
			args[i] = r
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tx_fts(rowid, description, merchant)
SELECT rid, description, merchant FROM transactions WHERE rid IN (`+placeholders(len(part))+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// txRow is a transaction's stored columns.
type txRow struct {
	id, description, merchant, category, classification string
	amount, currency, providerID                        string
	categoryName                                        string
	amountMicro                                         int64
	exact                                               bool
	running                                             *string
	runningMicro                                        *int64
	ts                                                  int64
	raw                                                 string
}

func rowFromAPI(t truelayer.Transaction) txRow {
	raw, _ := json.Marshal(t)
	r := txRow{
		id:             t.TransactionID,
		description:    t.Description,
		category:       t.TransactionCategory,
		classification: joinClassification(t.TransactionClassification),
		amount:         t.Amount.String(),
		currency:       t.Currency,
		providerID:     t.ProviderTransactionID,
		raw:            string(raw),
	}
	if t.NormalisedProviderTransactionID != "" {
		r.providerID = t.NormalisedProviderTransactionID
	}
	if t.MerchantName != nil {
		r.merchant = *t.MerchantName
	}
	r.amountMicro, r.exact = toMicro(t.Amount)
	if t.RunningBalance != nil {
		s := t.RunningBalance.Amount.String()
		m, _ := toMicro(t.RunningBalance.Amount)
		r.running, r.runningMicro = &s, &m
	}
	r.ts = storedTime(t.Timestamp)
	r.categoryName = CategoryName(t.TransactionCategory, t.TransactionClassification)
	return r
}

// upsertSettled inserts the account's new settled rows and updates the
// stored ones the bank changed, and returns the rids it inserted.
// Transaction ids are "subject to change": a row whose id is new but whose
// provider id is known is the same row under a new id.
func upsertSettled(ctx context.Context, tx *sql.Tx, insert *txInsert, rid int64, txs []truelayer.Transaction, now int64) (map[int64]bool, error) {
	newRows := map[int64]bool{}
	if len(txs) == 0 {
		return newRows, nil
	}
	batch, minTS := settledBatch(txs)
	near, err := loadStoredNear(ctx, tx, rid, minTS-int64(2*day/time.Second))
	if err != nil {
		return nil, err
	}
	fresh, known := near.split(batch)
	inserted, err := insert.execMany(ctx, tx, rid, fresh, now)
	if err != nil {
		return nil, err
	}
	var elsewhere []txRow // stored, but dated outside the loaded range
	for _, r := range fresh {
		if id, ok := inserted[r.id]; ok {
			newRows[id] = true
		} else {
			elsewhere = append(elsewhere, r)
		}
	}
	found, err := findStored(ctx, tx, rid, elsewhere)
	if err != nil {
		return nil, err
	}
	return newRows, updateChanged(ctx, tx, append(known, found...))
}

// settledBatch turns fetched rows into columns, one row per id, the last
// one sent winning: a row inserted by this commit must not be updated by it
// (the full-text index learns of it only at the end). minTS is the oldest
// row's time.
func settledBatch(txs []truelayer.Transaction) (batch []txRow, minTS int64) {
	batch = make([]txRow, 0, len(txs))
	at := make(map[string]int, len(txs))
	minTS = int64(1<<63 - 1)
	for _, t := range txs {
		r := rowFromAPI(t)
		minTS = min(minTS, r.ts)
		if k, dup := at[r.id]; dup {
			batch[k] = r
			continue
		}
		at[r.id] = len(batch)
		batch = append(batch, r)
	}
	return batch, minTS
}

// storedRow is a stored settled row and the bank's JSON it holds.
type storedRow struct {
	rid int64
	raw string
}

// knownRow is a fetched row that is stored already, perhaps under another id.
type knownRow struct {
	row    txRow
	stored storedRow
}

// storedNear are an account's stored settled rows from some day on, by id
// and by provider id.
type storedNear struct {
	byID, byProvider map[string]storedRow
}

// loadStoredNear loads in one query, rather than row by row, the stored
// settled rows a batch may overlap: those from since (unix seconds) on. A
// first sync of an account loads nothing.
func loadStoredNear(ctx context.Context, tx *sql.Tx, rid, since int64) (storedNear, error) {
	near := storedNear{byID: map[string]storedRow{}, byProvider: map[string]storedRow{}}
	rows, err := tx.QueryContext(ctx, `SELECT t.rid, t.tx_id, t.provider_tx_id, j.raw
FROM transactions t JOIN transaction_json j ON j.rid = t.rid
WHERE t.account_rid = ? AND t.pending = 0 AND t.ts >= ?`, rid, since)
	if err != nil {
		return near, err
	}
	defer rows.Close()
	for rows.Next() {
		var s storedRow
		var id, pid string
		if err := rows.Scan(&s.rid, &id, &pid, &s.raw); err != nil {
			return near, err
		}
		near.byID[id] = s
		if pid != "" {
			near.byProvider[pid] = s
		}
	}
	return near, rows.Err()
}

// split sorts a batch into the rows not stored, by id or provider id, and
// the rows stored.
func (n storedNear) split(batch []txRow) (fresh []txRow, known []knownRow) {
	for _, r := range batch {
		s, ok := n.byID[r.id]
		if !ok && r.providerID != "" {
			s, ok = n.byProvider[r.providerID]
		}
		if ok {
			known = append(known, knownRow{row: r, stored: s})
		} else {
			fresh = append(fresh, r)
		}
	}
	return fresh, known
}

// findStored looks up, one by one, settled rows stored under their ids.
func findStored(ctx context.Context, tx *sql.Tx, rid int64, rows []txRow) ([]knownRow, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	find, err := tx.PrepareContext(ctx, `SELECT t.rid, j.raw FROM transactions t JOIN transaction_json j ON j.rid = t.rid
WHERE t.account_rid = ? AND t.pending = 0 AND t.tx_id = ?`)
	if err != nil {
		return nil, err
	}
	defer find.Close()
	out := make([]knownRow, 0, len(rows))
	for _, r := range rows {
		k := knownRow{row: r}
		if err := find.QueryRowContext(ctx, rid, r.id).Scan(&k.stored.rid, &k.stored.raw); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// updateChanged rewrites the stored rows whose bank JSON changed.
func updateChanged(ctx context.Context, tx *sql.Tx, known []knownRow) error {
	if len(known) == 0 {
		return nil
	}
	update, err := tx.PrepareContext(ctx, `
UPDATE transactions SET tx_id = ?, ts = ?, description = ?, merchant = ?, category = ?, classification = ?,
	amount = ?, amount_micro = ?, amount_exact = ?, currency = ?, running_balance = ?, running_micro = ?,
	provider_tx_id = ?, category_name = ?
WHERE rid = ?`)
	if err != nil {
		return err
	}
	defer update.Close()
	updateJSON, err := tx.PrepareContext(ctx, "UPDATE transaction_json SET raw = ? WHERE rid = ?")
	if err != nil {
		return err
	}
	defer updateJSON.Close()
	for _, k := range known {
		r, existing := k.row, k.stored.rid
		if k.stored.raw == r.raw {
			continue
		}
		if _, err := update.ExecContext(ctx, r.id, r.ts, r.description, r.merchant, r.category,
			r.classification, r.amount, r.amountMicro, boolInt(r.exact), r.currency, r.running,
			r.runningMicro, r.providerID, r.categoryName, existing); err != nil {
			return err
		}
		if _, err := updateJSON.ExecContext(ctx, r.raw, existing); err != nil {
			return err
		}
	}
	return nil
}

// txInsert inserts transaction rows and their JSON, and remembers the rids
// it inserted for the full-text index.
type txInsert struct {
	row, json *sql.Stmt
	inserted  []int64
}

func prepareInsert(ctx context.Context, tx *sql.Tx) (*txInsert, error) {
	row, err := tx.PrepareContext(ctx, insertColumns+`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (account_rid, pending, tx_id) DO NOTHING`)
	if err != nil {
		return nil, err
	}
	js, err := tx.PrepareContext(ctx, "INSERT INTO transaction_json (rid, raw) VALUES (?, ?)")
	if err != nil {
		row.Close()
		return nil, err
	}
	return &txInsert{row: row, json: js}, nil
}

// exec inserts r unless a row with its id is there already (inserted false).
func (i *txInsert) exec(ctx context.Context, accountRID int64, pending bool, r txRow, firstSeen int64) (id int64, inserted bool, err error) {
	res, err := i.row.ExecContext(ctx, accountRID, r.id, boolInt(pending), r.ts, r.description, r.merchant,
		r.category, r.classification, r.amount, r.amountMicro, boolInt(r.exact), r.currency, r.running,
		r.runningMicro, r.providerID, firstSeen, r.categoryName)
	if err != nil {
		return 0, false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return 0, false, err
	}
	id, err = res.LastInsertId()
	if err != nil {
		return 0, false, err
	}
	if _, err = i.json.ExecContext(ctx, id, r.raw); err != nil {
		return 0, false, err
	}
	i.inserted = append(i.inserted, id)
	return id, true, nil
}

// insertColumns are the columns execMany and exec write, in order.
const insertColumns = `INSERT INTO transactions (account_rid, tx_id, pending, ts, description, merchant, category,
	classification, amount, amount_micro, amount_exact, currency, running_balance, running_micro, provider_tx_id, first_seen,
	category_name)
VALUES `

// execMany inserts settled rows, fifty to a statement (a back-fill writes
// thousands), and returns the rid of each inserted id; ids already stored
// are left out.
func (i *txInsert) execMany(ctx context.Context, tx *sql.Tx, accountRID int64, rows []txRow, firstSeen int64) (map[string]int64, error) {
	const batch = 50
	out := make(map[string]int64, len(rows))
	for start := 0; start < len(rows); start += batch {
		part := rows[start:min(start+batch, len(rows))]
		var q strings.Builder
		q.WriteString(insertColumns)
		args := make([]any, 0, len(part)*17)
		for k, r := range part {
			if k > 0 {
				q.WriteString(",")
			}
			q.WriteString("(?,?,0,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
			args = append(args, accountRID, r.id, r.ts, r.description, r.merchant, r.category, r.classification,
				r.amount, r.amountMicro, boolInt(r.exact), r.currency, r.running, r.runningMicro, r.providerID, firstSeen,
				r.categoryName)
		}
		q.WriteString(" ON CONFLICT (account_rid, pending, tx_id) DO NOTHING RETURNING rid, tx_id")
		res, err := tx.QueryContext(ctx, q.String(), args...)
		if err != nil {
			return nil, err
		}
		got := map[string]int64{}
		for res.Next() {
			var rid int64
			var id string
			if err := res.Scan(&rid, &id); err != nil {
				res.Close()
				return nil, err
			}
			got[id] = rid
		}
		res.Close()
		if err := res.Err(); err != nil {
			return nil, err
		}
		if len(got) == 0 {
			continue
		}
		q.Reset()
		q.WriteString("INSERT INTO transaction_json (rid, raw) VALUES ")
		args = args[:0]
		for _, r := range part {
			rid, ok := got[r.id]
			if !ok {
				continue
			}
			delete(got, r.id)
			if len(args) > 0 {
				q.WriteString(",")
			}
			q.WriteString("(?,?)")
			args = append(args, rid, r.raw)
			out[r.id] = rid
			i.inserted = append(i.inserted, rid)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (i *txInsert) Close() {
	i.row.Close()
	i.json.Close()
}
