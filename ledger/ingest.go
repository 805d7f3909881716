package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// accountBatch is what the last step of an account's sync commits at once.
type accountBatch struct {
	// Settled rows not committed yet (tests; a sync commits its windows as
	// they arrive), staged and merged as one window without bounds.
	Settled        []truelayer.Transaction
	Pending        []truelayer.Transaction
	PendingFetched bool // false: keep the stored pending set
	State          syncState
	StandingOrders [][]byte // nil: keep the stored ones
	DirectDebits   [][]byte
	SyncError      string
	// BalanceKept: the balance was not asked this time, so a stored
	// bad-balance note stays while SyncError is empty (the figure shown is
	// still the last good one).
	BalanceKept bool
	// FirstSeen is when this sync began (unix ms): the settled rows it
	// stored carry it, and pending rows may match them loosely. 0: now.
	FirstSeen int64
}

// commitAccount writes an account's sync in one transaction: Settled (as
// a window), the pending set (matched against settled rows so a pending row
// that settled under a new id is not shown twice), standing orders, direct
// debits and the sync state. It returns how many settled rows were new and
// how many pending rows are stored.
func (s *Store) commitAccount(ctx context.Context, accountID string, b accountBatch) (added, pending int, err error) {
	res, pending, err := s.commitWithStage(ctx, accountID, b, nil, nil)
	return res.added, pending, err
}

// commitWithStage is commitAccount on a stage (nil: one of its own),
// committed on conn (nil: the stage's).
func (s *Store) commitWithStage(ctx context.Context, accountID string, b accountBatch, st *stage, conn *sql.Conn) (res windowResult, pending int, err error) {
	if st == nil {
		if st, err = s.openStage(ctx); err != nil {
			return res, 0, err
		}
		defer st.close()
	}
	st.window(time.Time{}, time.Time{})
	if err := st.Begin(); err != nil {
		return res, 0, err
	}
	for _, t := range b.Settled {
		if err := st.Add(t); err != nil {
			return res, 0, err
		}
	}
	now := s.now().UnixMilli()
	if b.FirstSeen == 0 {
		b.FirstSeen = now
	}
	err = s.writeStaged(ctx, st, conn, func(tx *sql.Tx) error {
		pending = 0
		var rid int64
		if err := tx.QueryRowContext(ctx, "SELECT rid FROM accounts WHERE id = ?", accountID).Scan(&rid); err != nil {
			return fmt.Errorf("account %s: %w", accountID, err)
		}
		var err error
		if res, err = st.merge(ctx, tx, rid, b.FirstSeen); err != nil {
			return err
		}
		insert, err := prepareInsert(ctx, tx)
		if err != nil {
			return err
		}
		defer insert.Close()
		if b.PendingFetched {
			n, err := replacePending(ctx, tx, insert, rid, b.Pending, now, b.FirstSeen)
			if err != nil {
				return err
			}
			pending = n
		} else if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM transactions WHERE account_rid = ? AND pending = 1", rid).Scan(&pending); err != nil {
			return err
		}
		if insert.first != 0 {
			if err := noteInserted(ctx, tx, insert.first-1, s.hasFTS); err != nil {
				return err
			}
		}
		if err := replaceRawList(ctx, tx, "standing_orders", rid, b.StandingOrders); err != nil {
			return err
		}
		if err := replaceRawList(ctx, tx, "direct_debits", rid, b.DirectDebits); err != nil {
			return err
		}
		if err := saveSyncState(ctx, tx, rid, b.State, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE accounts SET sync_error = CASE WHEN ?1 = '' AND ?2 AND sync_error = ?3 THEN sync_error ELSE ?1 END
WHERE rid = ?4`, b.SyncError, b.BalanceKept, SyncErrBadBalance, rid)
		return err
	})
	return res, pending, err
}

// commitWindow merges a staged window of an account's history in one
// transaction on conn (nil: the stage's), and moves the account's oldest
// day asked back to oldestDay (zero: leave it), so a sync cut short
// resumes from there.
func (s *Store) commitWindow(ctx context.Context, st *stage, conn *sql.Conn, accountID string, oldestDay time.Time, firstSeen int64) (windowResult, error) {
	var res windowResult
	err := s.writeStaged(ctx, st, conn, func(tx *sql.Tx) error {
		var rid int64
		if err := tx.QueryRowContext(ctx, "SELECT rid FROM accounts WHERE id = ?", accountID).Scan(&rid); err != nil {
			return fmt.Errorf("account %s: %w", accountID, err)
		}
		var err error
		if res, err = st.merge(ctx, tx, rid, firstSeen); err != nil {
			return err
		}
		if st.merged != nil {
			if err := st.merged(tx, oldestDay); err != nil {
				return err
			}
		}
		if oldestDay.IsZero() {
			return nil
		}
		_, err = tx.ExecContext(ctx, `
INSERT INTO sync_state (account_rid, oldest_day) VALUES (?1, ?2)
ON CONFLICT (account_rid) DO UPDATE SET oldest_day = ?2 WHERE oldest_day = '' OR oldest_day > ?2`,
			rid, oldestDay.UTC().Format(time.DateOnly))
		return err
	})
	return res, err
}

func saveSyncState(ctx context.Context, tx *sql.Tx, rid int64, st syncState, now int64) error {
	oldest := ""
	if !st.OldestDay.IsZero() {
		oldest = st.OldestDay.UTC().Format(time.DateOnly)
	}
	_, err := tx.ExecContext(ctx, `
INSERT INTO sync_state (account_rid, backfilled, oldest_day, history_limit, last_sync_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (account_rid) DO UPDATE SET backfilled = excluded.backfilled, oldest_day = excluded.oldest_day,
	history_limit = excluded.history_limit, last_sync_at = excluded.last_sync_at`,
		rid, boolInt(st.Backfilled), oldest, st.HistoryLimit, now)
	return err
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
	raw, _ := t.AppendJSON(nil) // json.Marshal's bytes; fails only on a meta value JSON cannot hold
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

// txInsert inserts transaction rows and their JSON, and remembers the
// first rid it inserted: the rows from it on are to note (noteInserted).
type txInsert struct {
	row, json *sql.Stmt
	first     int64 // 0: none inserted
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
	if i.first == 0 {
		i.first = id
	}
	return id, true, nil
}

// insertColumns are the columns exec writes, in order.
const insertColumns = `INSERT INTO transactions (account_rid, tx_id, pending, ts, description, merchant, category,
	classification, amount, amount_micro, amount_exact, currency, running_balance, running_micro, provider_tx_id, first_seen,
	category_name)
VALUES `

func (i *txInsert) Close() {
	i.row.Close()
	i.json.Close()
}
