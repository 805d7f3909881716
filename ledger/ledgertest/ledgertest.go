// Package ledgertest builds ledger stores for tests and benchmarks without
// a sync: given accounts and transactions (Write), or a synthetic history
// of any size (Build, about a million rows a minute), written straight
// into SQLite in big transactions. The stores are the ledger's own schema
// (ledger.Open creates it), so every ledger read works on them; the
// per-day totals follow by the schema's triggers and the full-text index
// is rebuilt at the end. It also measures a process's peak memory
// (PeakRSS) for benchmarks.
package ledgertest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the driver the ledger uses

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

// Write creates a ledger at path holding accounts (with their latest
// balance, sync error and history limit) and txs, as if synced. A TxView's
// Raw is stored as the bank's JSON, completed from the view's own fields
// (id, time, text, amount, running balance).
func Write(path string, accounts []ledger.AccountView, txs []ledger.TxView) error {
	w, err := create(path)
	if err != nil {
		return err
	}
	defer w.close()
	if err := w.accounts(accounts); err != nil {
		return err
	}
	for i := range txs {
		if err := w.add(txRow(&txs[i])); err != nil {
			return err
		}
	}
	return w.finish()
}

// row is a transaction as its columns store it.
type row struct {
	accountID, id, description, merchant, category, classification string
	categoryName, amount, currency                                 string
	running                                                        *string
	pending                                                        bool
	ts                                                             int64
	raw                                                            []byte
}

// txRow completes v's Raw from its fields and turns it into columns.
func txRow(v *ledger.TxView) row {
	raw := v.Raw
	raw.TransactionID = v.ID
	raw.Timestamp = truelayer.NewTimestamp(v.Timestamp)
	raw.Description = v.Description
	raw.Amount = v.Amount
	raw.Currency = v.Currency
	raw.TransactionCategory = v.Category
	raw.TransactionClassification = v.Classification
	raw.MerchantName = nil
	if v.Merchant != "" {
		m := v.Merchant
		raw.MerchantName = &m
	}
	raw.RunningBalance = nil
	if v.RunningBalance != nil {
		raw.RunningBalance = &truelayer.RunningBalance{Amount: *v.RunningBalance, Currency: v.Currency}
	}
	return fromAPI(v.AccountID, v.Pending, raw)
}

// fromAPI is a transaction as the ledger stores it.
func fromAPI(accountID string, pending bool, t truelayer.Transaction) row {
	raw, _ := json.Marshal(t)
	r := row{
		accountID: accountID, id: t.TransactionID, description: t.Description, category: t.TransactionCategory,
		classification: strings.Join(t.TransactionClassification, "\x1f"), amount: t.Amount.String(),
		currency: t.Currency, pending: pending, ts: ledger.StoredTime(t.Timestamp), raw: raw,
		categoryName: ledger.CategoryName(t.TransactionCategory, t.TransactionClassification),
	}
	if t.MerchantName != nil {
		r.merchant = *t.MerchantName
	}
	if t.RunningBalance != nil {
		s := t.RunningBalance.Amount.String()
		r.running = &s
	}
	return r
}

// writer fills a new ledger in one write transaction per 20,000 rows.
type writer struct {
	db      *sql.DB
	tx      *sql.Tx
	insert  *sql.Stmt
	json    *sql.Stmt
	rids    map[string]int64 // account id -> rid
	before  int64            // the highest rid before this transaction's rows
	n       int
	created int64 // first_seen of every row
}

func create(path string) (*writer, error) {
	st, err := ledger.Open(path) // the schema, migrated
	if err != nil {
		return nil, err
	}
	st.Close()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=synchronous(OFF)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return &writer{db: db, rids: map[string]int64{}, created: time.Now().UnixMilli()}, nil
}

func (w *writer) close() {
	if w.tx != nil {
		w.tx.Rollback()
	}
	w.db.Close()
}

func (w *writer) begin() error {
	if w.tx != nil {
		return nil
	}
	var err error
	if w.tx, err = w.db.Begin(); err != nil {
		return err
	}
	if err := w.tx.QueryRow("SELECT coalesce(max(rid), 0) FROM transactions").Scan(&w.before); err != nil {
		return err
	}
	w.insert, err = w.tx.Prepare(`INSERT INTO transactions (account_rid, tx_id, pending, ts, description, merchant,
	category, classification, amount, amount_micro, amount_exact, currency, running_balance, running_micro,
	provider_tx_id, first_seen, category_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)`)
	if err != nil {
		return err
	}
	w.json, err = w.tx.Prepare("INSERT INTO transaction_json (rid, raw) VALUES (?, ?)")
	return err
}

func (w *writer) commit() error {
	if w.tx == nil {
		return nil
	}
	w.insert.Close()
	w.json.Close()
	// The rows' days, report months, transfers to match and full-text
	// entries, as every writer of transactions must.
	if err := ledger.NoteInserted(context.Background(), w.tx, w.before); err != nil {
		return err
	}
	err := w.tx.Commit()
	w.tx = nil
	return err
}

// accounts writes the connections, accounts and cards of views, each with
// its balance and sync state.
func (w *writer) accounts(views []ledger.AccountView) error {
	if err := w.begin(); err != nil {
		return err
	}
	for i, v := range views {
		if _, err := w.tx.Exec(`INSERT INTO connections (id, provider_id, provider_name) VALUES (?, ?, ?)
ON CONFLICT (id) DO NOTHING`, v.ConnectionID, v.ProviderID, v.ProviderName); err != nil {
			return err
		}
		kind := v.Kind
		if kind == "" {
			kind = ledger.KindAccount
		}
		res, err := w.tx.Exec(`INSERT INTO accounts (id, connection_id, kind, position, provider_id, provider_name, type,
	display_name, currency, number, card_network, partial_card_number, gone, sync_error, raw)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')`, v.ID, v.ConnectionID, kind, i, v.ProviderID, v.ProviderName,
			v.Type, v.DisplayName, v.Currency, v.Number, v.CardNetwork, v.PartialCardNumber, v.Gone, v.SyncError)
		if err != nil {
			return fmt.Errorf("ledgertest: account %s: %w", v.ID, err)
		}
		rid, _ := res.LastInsertId()
		w.rids[v.ID] = rid
		if v.HasBalance {
			micro, _ := v.Current.Minor(6)
			if _, err := w.tx.Exec(`INSERT INTO balances (account_rid, fetched_at, currency, current, current_micro,
	available, overdraft, credit_limit, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}')`, rid, v.BalanceAsOf.UnixMilli(),
				v.Currency, v.Current.String(), micro, v.Available.String(), optText(v.Overdraft), optText(v.CreditLimit)); err != nil {
				return err
			}
		}
		oldest := ""
		if !v.HistoryFrom.IsZero() {
			oldest = v.HistoryFrom.Format(time.DateOnly)
		}
		if _, err := w.tx.Exec(`INSERT INTO sync_state (account_rid, backfilled, oldest_day, history_limit, last_sync_at)
VALUES (?, 1, ?, ?, ?)`, rid, oldest, v.HistoryLimit, v.LastSync.UnixMilli()); err != nil {
			return err
		}
	}
	return nil
}

func optText(a *truelayer.Amount) any {
	if a == nil {
		return nil
	}
	return a.String()
}

// add writes one transaction.
func (w *writer) add(r row) error {
	if err := w.begin(); err != nil {
		return err
	}
	rid, ok := w.rids[r.accountID]
	if !ok {
		return fmt.Errorf("ledgertest: transaction %s of unknown account %q", r.id, r.accountID)
	}
	a := truelayer.MustAmount(r.amount)
	micro, exact := a.Minor(6)
	if !exact {
		micro = a.Decimal().Shift(6).Round(0).IntPart()
	}
	var runMicro any
	if r.running != nil {
		m, _ := truelayer.MustAmount(*r.running).Minor(6)
		runMicro = m
	}
	res, err := w.insert.Exec(rid, r.id, r.pending, r.ts, r.description, r.merchant, r.category, r.classification,
		r.amount, micro, exact, r.currency, r.running, runMicro, w.created, r.categoryName)
	if err != nil {
		return fmt.Errorf("ledgertest: transaction %s: %w", r.id, err)
	}
	id, _ := res.LastInsertId()
	if _, err := w.json.Exec(id, string(r.raw)); err != nil {
		return err
	}
	if w.n++; w.n%20000 == 0 {
		return w.commit()
	}
	return nil
}

// finish commits and checkpoints the WAL.
func (w *writer) finish() error {
	if err := w.commit(); err != nil {
		return err
	}
	if _, err := w.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("ledgertest: checkpoint: %w", err)
	}
	return nil
}
