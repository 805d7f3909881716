package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/banktui/banktui/truelayer"
)

// accountRecord is an account or card as the sync writes it.
type accountRecord struct {
	ID, Kind, Type, DisplayName, Currency, Number string
	CardNetwork, PartialCardNumber                string
	ProviderID, ProviderName                      string
	Raw                                           []byte
}

func accountFromAPI(a truelayer.Account) accountRecord {
	raw, _ := json.Marshal(a)
	n := a.AccountNumber
	number := n.IBAN
	switch {
	case n.SortCode != "" && n.Number != "":
		number = n.SortCode + " " + n.Number
	case number == "" && n.Number != "":
		number = n.Number
	}
	return accountRecord{
		ID: a.AccountID, Kind: KindAccount, Type: a.AccountType, DisplayName: a.DisplayName,
		Currency: a.Currency, Number: number,
		ProviderID: a.Provider.ProviderID, ProviderName: a.Provider.DisplayName, Raw: raw,
	}
}

func cardFromAPI(c truelayer.Card) accountRecord {
	raw, _ := json.Marshal(c)
	return accountRecord{
		ID: c.AccountID, Kind: KindCard, Type: c.CardType, DisplayName: c.DisplayName,
		Currency: c.Currency, Number: c.PartialCardNumber, CardNetwork: c.CardNetwork,
		PartialCardNumber: c.PartialCardNumber,
		ProviderID:        c.Provider.ProviderID, ProviderName: c.Provider.DisplayName, Raw: raw,
	}
}

// saveAccounts upserts a connection and its accounts and cards. For each
// kind in listed, the ones the bank no longer lists are marked gone (their
// history stays).
func (s *Store) saveAccounts(ctx context.Context, connID, providerID, providerName string, recs []accountRecord, listed []string) error {
	now := s.now().UnixMilli()
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := upsertConnection(ctx, tx, connID, providerID, providerName); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `
INSERT INTO accounts (id, connection_id, kind, position, provider_id, provider_name, type, display_name,
	currency, number, card_network, partial_card_number, gone, updated_at, raw)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
ON CONFLICT (id) DO UPDATE SET
	connection_id = excluded.connection_id, kind = excluded.kind, position = excluded.position,
	provider_id = excluded.provider_id, provider_name = excluded.provider_name, type = excluded.type,
	display_name = excluded.display_name, currency = excluded.currency, number = excluded.number,
	card_network = excluded.card_network, partial_card_number = excluded.partial_card_number,
	gone = 0, updated_at = excluded.updated_at, raw = excluded.raw`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		seen := map[string][]any{}
		for i, r := range recs {
			pid, pname := r.ProviderID, r.ProviderName
			if pid == "" {
				pid = providerID
			}
			if pname == "" {
				pname = providerName
			}
			if _, err := stmt.ExecContext(ctx, r.ID, connID, r.Kind, i, pid, pname, r.Type, r.DisplayName,
				r.Currency, r.Number, r.CardNetwork, r.PartialCardNumber, now, string(r.Raw)); err != nil {
				return err
			}
			seen[r.Kind] = append(seen[r.Kind], r.ID)
		}
		for _, kind := range listed {
			ids := seen[kind]
			args := append([]any{connID, kind}, ids...)
			q := "UPDATE accounts SET gone = 1 WHERE connection_id = ? AND kind = ?"
			if len(ids) > 0 {
				q += " AND id NOT IN (" + placeholders(len(ids)) + ")"
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	})
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

// connectionAccounts lists the stored, still listed accounts and cards of a connection.
func (s *Store) connectionAccounts(ctx context.Context, connID string) ([]accountRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, display_name, currency FROM accounts
WHERE connection_id = ? AND gone = 0 ORDER BY kind = 'card', position`, connID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []accountRecord
	for rows.Next() {
		var r accountRecord
		if err := rows.Scan(&r.ID, &r.Kind, &r.DisplayName, &r.Currency); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
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

// setAccountError records an account's sync error ("" clears it).
func (s *Store) setAccountError(ctx context.Context, accountID, syncErr string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE accounts SET sync_error = ? WHERE id = ?", syncErr, accountID)
		return err
	})
}

// balanceRecord is a balance snapshot to store.
type balanceRecord struct {
	Currency               string
	Current, Available     truelayer.Amount
	Overdraft, CreditLimit *truelayer.Amount
	Raw                    []byte
}

// saveBalance appends a balance snapshot.
func (s *Store) saveBalance(ctx context.Context, accountID string, b balanceRecord) error {
	micro, _ := toMicro(b.Current)
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
INSERT INTO balances (account_rid, fetched_at, currency, current, current_micro, available, overdraft, credit_limit, raw)
SELECT rid, ?, ?, ?, ?, ?, ?, ?, ? FROM accounts WHERE id = ?`,
			s.now().UnixMilli(), b.Currency, b.Current.String(), micro, b.Available.String(),
			optText(b.Overdraft), optText(b.CreditLimit), string(b.Raw), accountID)
		return err
	})
}

func optText(a *truelayer.Amount) any {
	if a == nil {
		return nil
	}
	return a.String()
}

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

// pendingMatchWindow bounds how long after a pending row its settled row may
// be dated (and how much earlier, for banks that date settlement by
// authorisation).
const (
	pendingSettleAfter  = 14 * 24 * time.Hour
	pendingSettleBefore = 2 * 24 * time.Hour
)

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
		newSettled := map[int64]bool{}
		if err := upsertSettled(ctx, tx, insert, rid, b.Settled, now, newSettled, &added); err != nil {
			return err
		}
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
	if t.Timestamp.Valid() {
		r.ts = t.Timestamp.Time.Unix()
	}
	return r
}

func upsertSettled(ctx context.Context, tx *sql.Tx, insert *txInsert, rid int64, txs []truelayer.Transaction, now int64, newRows map[int64]bool, added *int) error {
	if len(txs) == 0 {
		return nil
	}
	// Transaction ids are "subject to change": a row whose id is new but
	// whose provider id is known is the same row under a new id.
	find, err := tx.PrepareContext(ctx, `SELECT t.rid, j.raw FROM transactions t JOIN transaction_json j ON j.rid = t.rid
WHERE t.account_rid = ? AND t.pending = 0 AND t.tx_id = ?`)
	if err != nil {
		return err
	}
	defer find.Close()
	update, err := tx.PrepareContext(ctx, `
UPDATE transactions SET tx_id = ?, ts = ?, description = ?, merchant = ?, category = ?, classification = ?,
	amount = ?, amount_micro = ?, amount_exact = ?, currency = ?, running_balance = ?, running_micro = ?,
	provider_tx_id = ?
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

	// Load the stored rows the batch may overlap in one query, rather than
	// looking each row up: a first sync of an account loads nothing.
	// One row per id, the last one sent winning: a row inserted by this
	// commit must not be updated by it (the full-text index learns of it
	// only at the end).
	batch := make([]txRow, 0, len(txs))
	at := make(map[string]int, len(txs))
	minTS := int64(1<<63 - 1)
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
	type stored struct {
		rid int64
		raw string
	}
	byID, byProvider := map[string]stored{}, map[string]stored{}
	rows, err := tx.QueryContext(ctx, `SELECT t.rid, t.tx_id, t.provider_tx_id, j.raw
FROM transactions t JOIN transaction_json j ON j.rid = t.rid
WHERE t.account_rid = ? AND t.pending = 0 AND t.ts >= ?`, rid, minTS-int64(2*day/time.Second))
	if err != nil {
		return err
	}
	for rows.Next() {
		var s stored
		var id, pid string
		if err := rows.Scan(&s.rid, &id, &pid, &s.raw); err != nil {
			rows.Close()
			return err
		}
		byID[id] = s
		if pid != "" {
			byProvider[pid] = s
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	var fresh []txRow
	var known []txRow
	var knownRows []stored
	for _, r := range batch {
		s, ok := byID[r.id]
		if !ok && r.providerID != "" {
			s, ok = byProvider[r.providerID]
		}
		if ok {
			known, knownRows = append(known, r), append(knownRows, s)
		} else {
			fresh = append(fresh, r)
		}
	}
	inserted, err := insert.execMany(ctx, tx, rid, fresh, now)
	if err != nil {
		return err
	}
	for _, r := range fresh {
		if id, ok := inserted[r.id]; ok {
			newRows[id] = true
			*added++
			continue
		}
		// Stored, but dated outside the loaded range.
		var s stored
		if err := find.QueryRowContext(ctx, rid, r.id).Scan(&s.rid, &s.raw); err != nil {
			return err
		}
		known, knownRows = append(known, r), append(knownRows, s)
	}
	for k, r := range known {
		existing, oldRaw := knownRows[k].rid, knownRows[k].raw
		if oldRaw == r.raw {
			continue
		}
		if _, err := update.ExecContext(ctx, r.id, r.ts, r.description, r.merchant, r.category,
			r.classification, r.amount, r.amountMicro, boolInt(r.exact), r.currency, r.running,
			r.runningMicro, r.providerID, existing); err != nil {
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
	row, err := tx.PrepareContext(ctx, insertColumns+`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
		r.runningMicro, r.providerID, firstSeen)
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
	classification, amount, amount_micro, amount_exact, currency, running_balance, running_micro, provider_tx_id, first_seen)
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
		args := make([]any, 0, len(part)*16)
		for k, r := range part {
			if k > 0 {
				q.WriteString(",")
			}
			q.WriteString("(?,?,0,?,?,?,?,?,?,?,?,?,?,?,?,?)")
			args = append(args, accountRID, r.id, r.ts, r.description, r.merchant, r.category, r.classification,
				r.amount, r.amountMicro, boolInt(r.exact), r.currency, r.running, r.runningMicro, r.providerID, firstSeen)
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

// settledCandidate is a settled row a pending row may have become.
type settledCandidate struct {
	rid         int64
	id          string
	ts          int64
	amountMicro int64
	description string
	merchant    string
	pendingID   string // the pending row it already settled from
	isNew       bool   // inserted by this commit
}

// replacePending swaps the account's pending set for fresh, linking pending
// rows to the settled rows they became:
//   - a pending row that disappeared is linked to a matching settled row that
//     appeared (so its id is remembered if the bank lists it again);
//   - a pending row still listed but already linked, or with the same id as a
//     settled row, or matching an unlinked settled row by amount, text and
//     date, is not stored: the settled row stands for it.
func replacePending(ctx context.Context, tx *sql.Tx, insert *txInsert, rid int64, fresh []truelayer.Transaction, now int64, newSettled map[int64]bool) (int, error) {
	type oldPending struct {
		id   string
		row  txRow
		seen int64
	}
	var old []oldPending
	rows, err := tx.QueryContext(ctx, "SELECT tx_id, ts, amount_micro, description, merchant, first_seen FROM transactions WHERE account_rid = ? AND pending = 1", rid)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var p oldPending
		if err := rows.Scan(&p.id, &p.row.ts, &p.row.amountMicro, &p.row.description, &p.row.merchant, &p.seen); err != nil {
			rows.Close()
			return 0, err
		}
		p.row.id = p.id
		old = append(old, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM transactions WHERE account_rid = ? AND pending = 1", rid); err != nil {
		return 0, err
	}

	freshRows := make([]txRow, 0, len(fresh))
	freshIDs := map[string]bool{}
	for _, t := range fresh {
		r := rowFromAPI(t)
		if freshIDs[r.id] {
			continue // the bank listed it twice
		}
		freshIDs[r.id] = true
		freshRows = append(freshRows, r)
	}
	firstSeen := map[string]int64{}
	var vanished []txRow
	for _, p := range old {
		firstSeen[p.id] = p.seen
		if !freshIDs[p.id] {
			vanished = append(vanished, p.row)
		}
	}
	if len(freshRows) == 0 && len(vanished) == 0 {
		return 0, nil
	}

	// Candidates: settled rows from the earliest pending date on.
	minTS := int64(1<<63 - 1)
	for _, r := range append(append([]txRow(nil), freshRows...), vanished...) {
		minTS = min(minTS, r.ts)
	}
	var cands []*settledCandidate
	rows, err = tx.QueryContext(ctx, `SELECT rid, tx_id, ts, amount_micro, description, merchant, pending_id
FROM transactions WHERE account_rid = ? AND pending = 0 AND ts >= ? ORDER BY ts, rid`,
		rid, minTS-int64(pendingSettleBefore/time.Second))
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		c := &settledCandidate{}
		if err := rows.Scan(&c.rid, &c.id, &c.ts, &c.amountMicro, &c.description, &c.merchant, &c.pendingID); err != nil {
			rows.Close()
			return 0, err
		}
		c.isNew = newSettled[c.rid]
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	linkedTo := map[string]*settledCandidate{} // pending id -> settled row
	byID := map[string]*settledCandidate{}
	for _, c := range cands {
		if c.pendingID != "" {
			linkedTo[c.pendingID] = c
		}
		byID[c.id] = c
	}
	link := func(c *settledCandidate, pendingID string) error {
		c.pendingID = pendingID
		linkedTo[pendingID] = c
		_, err := tx.ExecContext(ctx, "UPDATE transactions SET pending_id = ? WHERE rid = ?", pendingID, c.rid)
		return err
	}

	byTime := func(rs []txRow) {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].ts < rs[j].ts })
	}
	byTime(vanished)
	for _, p := range vanished {
		if linkedTo[p.id] != nil {
			continue
		}
		if c := byID[p.id]; c != nil && c.pendingID == "" {
			if err := link(c, p.id); err != nil {
				return 0, err
			}
			continue
		}
		// It left the pending list: it settled (or was dropped). Prefer a
		// similar row; accept the only row of that amount otherwise.
		if c := bestMatch(p, cands, true); c != nil {
			if err := link(c, p.id); err != nil {
				return 0, err
			}
		}
	}

	byTime(freshRows)
	stored := 0
	for _, p := range freshRows {
		if linkedTo[p.id] != nil {
			continue
		}
		if c := byID[p.id]; c != nil && c.pendingID == "" {
			if err := link(c, p.id); err != nil {
				return 0, err
			}
			continue
		}
		// Still listed as pending: hide it only behind a clearly similar row.
		if c := bestMatch(p, cands, false); c != nil {
			if err := link(c, p.id); err != nil {
				return 0, err
			}
			continue
		}
		seen := now
		if fs, ok := firstSeen[p.id]; ok {
			seen = fs
		}
		if _, _, err := insert.exec(ctx, rid, true, p, seen); err != nil {
			return 0, err
		}
		stored++
	}
	return stored, nil
}

// bestMatch finds the unlinked settled row a pending row became: same
// amount, dated within the settlement window, and similar text. With
// loose, the only unlinked row of that amount in the window, preferring rows
// new in this sync, is accepted without similar text.
func bestMatch(p txRow, cands []*settledCandidate, loose bool) *settledCandidate {
	lo := p.ts - int64(pendingSettleBefore/time.Second)
	hi := p.ts + int64(pendingSettleAfter/time.Second)
	var similar, sameAmount, newSameAmount []*settledCandidate
	for _, c := range cands {
		if c.pendingID != "" || c.amountMicro != p.amountMicro || c.ts < lo || c.ts > hi {
			continue
		}
		if similarText(p.merchant, p.description, c.merchant, c.description) {
			similar = append(similar, c)
		}
		sameAmount = append(sameAmount, c)
		if c.isNew {
			newSameAmount = append(newSameAmount, c)
		}
	}
	if len(similar) > 0 {
		// The earliest similar row on or after the pending date, else the latest before.
		best := similar[0]
		for _, c := range similar {
			if c.ts >= p.ts {
				return c
			}
			best = c
		}
		return best
	}
	if !loose {
		return nil
	}
	if len(newSameAmount) == 1 {
		return newSameAmount[0]
	}
	if len(sameAmount) == 1 {
		return sameAmount[0]
	}
	return nil
}

// similarText compares merchants when both have one, else descriptions
// (equal, or one containing the other, after normalising).
func similarText(m1, d1, m2, d2 string) bool {
	nm1, nm2 := normText(m1), normText(m2)
	if nm1 != "" && nm2 != "" && nm1 == nm2 {
		return true
	}
	nd1, nd2 := normText(d1), normText(d2)
	if nd1 == "" || nd2 == "" {
		return false
	}
	if nd1 == nd2 {
		return true
	}
	short, long := nd1, nd2
	if len(short) > len(long) {
		short, long = long, short
	}
	if len(short) >= 4 && strings.Contains(long, short) {
		return true
	}
	for _, m := range []string{nm1, nm2} {
		if len(m) >= 4 && (strings.Contains(nd1, m) && strings.Contains(nd2, m)) {
			return true
		}
	}
	return false
}

// normText lowercases and keeps letters and digits only.
func normText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
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

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
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

// RetryOlderHistory makes the next sync resume the back-fill of a
// connection's accounts that stopped at sca_exceeded: call it right after
// the user re-authenticated at the bank (the bank gives older history only
// for a few minutes after that).
func (s *Store) RetryOlderHistory(ctx context.Context, connectionID string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sync_state SET backfilled = 0, history_limit = ''
WHERE history_limit = ? AND account_rid IN (SELECT rid FROM accounts WHERE connection_id = ?)`,
			LimitSCAExceeded, connectionID)
		return err
	})
}
