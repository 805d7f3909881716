package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// Transfers between the user's own accounts, and card repayments, are one
// movement of money seen from two sides: money out of one account, the same
// amount into another. They are neither income nor spending, so the
// matching below pairs the two rows, and the exports book each pair as one
// transaction between two asset or liability accounts while the reports
// leave them out (TxQuery.ExcludeTransfers).
//
// A pair is stored on both rows: transfer_kind (TransferOwn or
// TransferCardPayment) and transfer_rid (the other row). A row the bank
// changes (date, amount, currency, text, category), or whose counterpart
// goes (a pending row that settles is deleted), loses its pair and is
// matched again. The table transfer_todo lists the rows to match: every
// new row (noteInserted) and every row whose pair was undone (triggers), so matching after
// a sync looks only at what changed, and empties it.

// Kinds of TxView.TransferKind and TransferPair.Kind.
const (
	// TransferOwn: between two of the user's accounts (or from a card to an
	// account).
	TransferOwn = "own_transfer"
	// TransferCardPayment: from an account to one of the user's credit cards.
	TransferCardPayment = "card_payment"
)

// transferWindow is how far apart the two sides may be dated: a card
// payment's credit can land days after the debit, over a weekend and a
// bank holiday.
const transferWindow = 4 * 24 * time.Hour

// notTransfer is the SQL condition, on transactions t, "not one side of a
// matched transfer" (TxQuery.ExcludeTransfers).
const notTransfer = "t.transfer_kind = ''"

// migrateTransfers adds the pair columns, their indexes and the triggers
// that undo a pair when one side changes or goes.
func migrateTransfers(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `
ALTER TABLE transactions ADD COLUMN transfer_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE transactions ADD COLUMN transfer_rid INTEGER;
-- A row is the counterpart of one row at most.
CREATE UNIQUE INDEX transactions_transfer ON transactions(transfer_rid) WHERE transfer_rid IS NOT NULL;
-- The rows to match (the stored ones, at first); rids of rows deleted
-- since are skipped.
CREATE TABLE transfer_todo (rid INTEGER PRIMARY KEY);
INSERT INTO transfer_todo(rid) SELECT rid FROM transactions;
CREATE TRIGGER transactions_transfer_insert AFTER INSERT ON transactions BEGIN
	INSERT OR IGNORE INTO transfer_todo(rid) VALUES (new.rid);
END;
CREATE TRIGGER transactions_transfer_delete AFTER DELETE ON transactions WHEN old.transfer_rid IS NOT NULL BEGIN
	UPDATE transactions SET transfer_kind = '', transfer_rid = NULL WHERE rid = old.transfer_rid;
	INSERT OR IGNORE INTO transfer_todo(rid) VALUES (old.transfer_rid);
END;
CREATE TRIGGER transactions_transfer_update AFTER UPDATE OF ts, amount_micro, currency, description, merchant, category, classification
ON transactions WHEN old.ts IS NOT new.ts OR old.amount_micro IS NOT new.amount_micro OR old.currency IS NOT new.currency
	OR old.description IS NOT new.description OR old.merchant IS NOT new.merchant OR old.category IS NOT new.category
	OR old.classification IS NOT new.classification BEGIN
	UPDATE transactions SET transfer_kind = '', transfer_rid = NULL WHERE rid IN (new.rid, old.transfer_rid);
	INSERT OR IGNORE INTO transfer_todo(rid) VALUES (new.rid);
	INSERT OR IGNORE INTO transfer_todo(rid) SELECT old.transfer_rid WHERE old.transfer_rid IS NOT NULL;
END;`)
	return err
}

// TransferPair is one matched transfer: the row money left and the row it
// arrived in, in two different accounts (or an account and a card).
type TransferPair struct {
	Kind string // TransferOwn or TransferCardPayment
	Out  TxView // the negative side
	In   TxView // the positive side
}

// TransferPairs lists the matched transfers with at least one side among
// the rows q selects (its accounts, period, pending switch...), without
// Raw, ordered by the Out side's time. A pair with one side outside q (a
// transfer to an account not selected, or whose other side is dated in the
// next month) is listed whole.
func (s *Store) TransferPairs(ctx context.Context, q TxQuery) ([]TransferPair, error) {
	where, args, err := s.txWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	if where == "" {
		where = " WHERE t.transfer_rid IS NOT NULL"
	} else {
		where += " AND t.transfer_rid IS NOT NULL"
	}
	rows, err := s.db.QueryContext(ctx, "SELECT t.rid, t.transfer_rid FROM transactions t"+where, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: transfers: %w", err)
	}
	type pair struct{ a, b int64 }
	var pairs []pair
	seen := map[int64]bool{}
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.a, &p.b); err != nil {
			rows.Close()
			return nil, fmt.Errorf("ledger: transfers: %w", err)
		}
		if !seen[p.a] && !seen[p.b] {
			seen[p.a], seen[p.b] = true, true
			pairs = append(pairs, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: transfers: %w", err)
	}
	rids := make([]int64, 0, len(seen))
	for rid := range seen {
		rids = append(rids, rid)
	}
	views := make(map[int64]TxView, len(rids))
	const chunk = 500
	for start := 0; start < len(rids); start += chunk {
		if err := s.loadTransactions(ctx, rids[start:min(start+chunk, len(rids))], false, views); err != nil {
			return nil, err
		}
	}
	out := make([]TransferPair, 0, len(pairs))
	for _, p := range pairs {
		a, b := views[p.a], views[p.b]
		if a.Amount.Sign() > 0 {
			a, b = b, a
		}
		out = append(out, TransferPair{Kind: a.TransferKind, Out: a, In: b})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Out.Timestamp.Equal(out[j].Out.Timestamp) {
			return out[i].Out.Timestamp.Before(out[j].Out.Timestamp)
		}
		return out[i].Out.ID < out[j].Out.ID
	})
	return out, nil
}

// Counterpart is the other side of a matched transfer (with Raw); ok is
// false when the transaction is not one side of a pair.
func (s *Store) Counterpart(ctx context.Context, accountID, id string, pending bool) (v TxView, ok bool, err error) {
	err = s.scanTransactions(ctx, txSelect(true)+` WHERE t.rid = (SELECT x.transfer_rid FROM transactions x
	JOIN accounts xa ON xa.rid = x.account_rid WHERE xa.id = ? AND x.tx_id = ? AND x.pending = ?)`,
		[]any{accountID, id, boolInt(pending)}, true, func(_ int64, got TxView) { v, ok = got, true })
	return v, ok, err
}

// MatchTransfers pairs the rows not yet looked at (new or changed since the
// last run) with their counterparts, and returns how many pairs it made.
// Sync runs it after each run; it is idempotent (a second run finds nothing
// to look at) and safe to call before reading pairs. How a pair is
// recognised and ambiguity resolved: transfermatch.go.
func (s *Store) MatchTransfers(ctx context.Context) (int, error) {
	var n int
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = matchTransfers(ctx, tx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("ledger: matching transfers: %w", err)
	}
	return n, nil
}
