package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/banktui/banktui/truelayer"
)

// Pending filter values of TxQuery.
const (
	PendingBoth    = 0
	PendingOnly    = 1
	PendingExclude = -1
)

// TxQuery selects transactions. Zero values mean "no filter".
type TxQuery struct {
	AccountIDs []string  // accounts and/or cards; empty = all
	From, To   time.Time // From inclusive, To exclusive
	// Location is the user's time zone (nil = UTC). A row the bank dated
	// with a day but no time (see LocalTime) is compared with From and To
	// by its day, read in Location, so it falls in the month its date says.
	Location *time.Location
	// Text: every whitespace-separated word must occur (case-insensitive
	// substring) in the description or the merchant.
	Text string
	// Category selects the rows whose category, as shown (CategoryName),
	// contains it, ignoring case and the spaces around "/"
	// (CategoryMatches): "groceries", "shopping" and "Shopping / Groceries"
	// all select "Shopping / Groceries". Indexed.
	Category string
	// ExcludeTransfers leaves out both sides of every matched transfer
	// between the user's own accounts and card repayment (TransferKind):
	// money that moved but was neither earned nor spent.
	ExcludeTransfers bool
	Merchant         string // case-insensitive substring of the merchant name
	// MinAmount, MaxAmount bound the signed amount (money out is negative), inclusive.
	MinAmount, MaxAmount *decimal.Decimal
	Pending              int // PendingBoth, PendingOnly or PendingExclude

	// The transactions pane's filter terms (see TxTerms).
	Terms TxTerms

	// Sort: "date" (default), "amount", "description", "category",
	// "merchant", "label" (the merchant, else the description: what lists
	// show) or "balance" (running balance). Ties fall back to date, then to
	// the order rows were stored in, in the same direction.
	Sort  string
	Desc  bool
	Limit int // 0 = no limit
	// Offset skips rows (with Limit, for paging).
	Offset int
	// After starts the list after this position of the sort (keyset
	// pagination: a page costs the same however deep it lies); with
	// Inclusive, at it. See TransactionPage.
	After     *TxCursor
	Inclusive bool
	// WithoutRaw leaves TxView.Raw empty: the rows are read from the narrow
	// columns only, without decoding the bank's JSON of each (most of the
	// cost of a long list). Transaction reads one row with Raw.
	WithoutRaw bool
}

// TxView is a stored transaction.
type TxView struct {
	AccountID, ConnectionID, ID string
	Pending                     bool
	Timestamp                   time.Time
	Description, Merchant       string
	Category                    string   // transaction_category, as sent
	Classification              []string // transaction_classification, as sent
	// CategoryName is the category as banktui shows it everywhere
	// (CategoryName of the two above: "Shopping / Groceries", "Purchase").
	CategoryName string
	// DateOnly: the bank sent a day without a time of day (LocalTime).
	DateOnly bool
	// TransferKind is TransferOwn or TransferCardPayment when this row is
	// one side of a matched transfer (Store.TransferPairs), else "".
	TransferKind   string
	Amount         truelayer.Amount
	Currency       string
	RunningBalance *truelayer.Amount
	// SettledFrom is the id of the pending row this settled row replaced, if
	// the sync matched one.
	SettledFrom string
	Raw         truelayer.Transaction // every field as the bank sent it

	pos txPos // where it sorts (TransactionPage fills it)
}

// Transactions returns the transactions matching q.
func (s *Store) Transactions(ctx context.Context, q TxQuery) ([]TxView, error) {
	where, args, err := s.txWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	if q.Limit <= 0 && q.Offset <= 0 {
		// Everything: one pass.
		var out []TxView
		err := s.scanTransactions(ctx, txSelect(!q.WithoutRaw)+where+txOrder(q), args, !q.WithoutRaw,
			func(_ int64, v TxView) { out = append(out, v) })
		return out, err
	}
	// A page: first the row ids (narrow rows, so sorting is cheap), then
	// their details.
	table := " FROM transactions t"
	if s.pageByDate(ctx, q) {
		table = " FROM transactions t INDEXED BY transactions_ts"
	}
	sqlText := "SELECT t.rid" + table + where + txOrder(q)
	if q.Limit > 0 || q.Offset > 0 {
		limit := q.Limit
		if limit <= 0 {
			limit = -1
		}
		sqlText += " LIMIT ? OFFSET ?"
		args = append(args, limit, max(q.Offset, 0))
	}
	rows, err := s.db.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: transactions: %w", err)
	}
	var rids []int64
	for rows.Next() {
		var rid int64
		if err := rows.Scan(&rid); err != nil {
			rows.Close()
			return nil, fmt.Errorf("ledger: transactions: %w", err)
		}
		rids = append(rids, rid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: transactions: %w", err)
	}
	byRID := make(map[int64]TxView, len(rids))
	const chunk = 500
	for start := 0; start < len(rids); start += chunk {
		part := rids[start:min(start+chunk, len(rids))]
		if err := s.loadTransactions(ctx, part, !q.WithoutRaw, byRID); err != nil {
			return nil, err
		}
	}
	out := make([]TxView, 0, len(rids))
	for _, rid := range rids {
		if v, ok := byRID[rid]; ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// pageByDate decides how SQLite should find a date-sorted page of a text
// search. By default it fetches every match and sorts them: right for rare
// words. A common word ("tesco") matches thousands of rows; walking the date
// index and keeping matches until the page is full reads far less.
func (s *Store) pageByDate(ctx context.Context, q TxQuery) bool {
	if q.Limit <= 0 || (q.Sort != "" && q.Sort != "date") {
		return false
	}
	match, _ := s.splitText(q.Text)
	if match == "" {
		return false
	}
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM tx_fts WHERE tx_fts MATCH ?", match).Scan(&n); err != nil {
		return false
	}
	return n >= 10*(q.Limit+max(q.Offset, 0))
}

// ErrNoTransaction: Transaction found no such transaction.
var ErrNoTransaction = errors.New("ledger: no such transaction")

// Transaction returns one transaction of an account or card with Raw: the
// settled one with that id, or the pending one when pending is true (a
// pending and a settled row may share an id).
func (s *Store) Transaction(ctx context.Context, accountID, id string, pending bool) (TxView, error) {
	p := 0
	if pending {
		p = 1
	}
	var (
		out   TxView
		found bool
	)
	err := s.scanTransactions(ctx, txSelect(true)+" WHERE a.id = ? AND t.tx_id = ? AND t.pending = ? LIMIT 1",
		[]any{accountID, id, p}, true, func(_ int64, v TxView) { out, found = v, true })
	if err != nil {
		return TxView{}, err
	}
	if !found {
		return TxView{}, fmt.Errorf("%w: %s in %s", ErrNoTransaction, id, accountID)
	}
	return out, nil
}

// txColumns are what a TxView needs; the last is the bank's JSON (withRaw)
// or only the timestamp text it sent, which keeps the bank's UTC offset
// (the ts column has the instant alone, and the date shown depends on the
// offset). Reading one field of the JSON is far cheaper than decoding it.
const txColumns = `SELECT t.rid, a.id, a.connection_id, t.tx_id, t.pending, t.ts, t.description, t.merchant,
       t.category, t.classification, t.amount, t.currency, t.running_balance, t.pending_id,
       t.category_name, t.transfer_kind, t.amount_micro, t.sort_label, t.sort_balance, `

const txFrom = `
FROM transactions t JOIN accounts a ON a.rid = t.account_rid JOIN transaction_json j ON j.rid = t.rid`

func txSelect(withRaw bool) string {
	if withRaw {
		return txColumns + "j.raw" + txFrom
	}
	return txColumns + txTimestamp + txFrom
}

// txTimestamp is the timestamp text the bank sent.
const txTimestamp = "coalesce(json_extract(j.raw, '$.timestamp'), '')"

// txJoins join a row t to its account and its JSON, as txColumns read them.
const txJoins = " JOIN accounts a ON a.rid = t.account_rid JOIN transaction_json j ON j.rid = t.rid"

func (s *Store) loadTransactions(ctx context.Context, rids []int64, withRaw bool, into map[int64]TxView) error {
	args := make([]any, len(rids))
	for i, r := range rids {
		args[i] = r
	}
	return s.scanTransactions(ctx, txSelect(withRaw)+" WHERE t.rid IN ("+placeholders(len(rids))+")", args, withRaw,
		func(rid int64, v TxView) { into[rid] = v })
}

// scanTransactions runs a txSelect(withRaw) query and hands each row to each.
func (s *Store) scanTransactions(ctx context.Context, query string, args []any, withRaw bool, each func(rid int64, v TxView)) error {
	return s.scanEach(ctx, query, args, withRaw, func(rid int64, v TxView) error { each(rid, v); return nil })
}

// scanEach is scanTransactions whose each may stop the scan with an error.
func (s *Store) scanEach(ctx context.Context, query string, args []any, withRaw bool, each func(rid int64, v TxView) error) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("ledger: transactions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			v              TxView
			rid            int64
			pending        int
			ts             int64
			classification string
			amount         string
			running        sql.NullString
			last           []byte // the JSON, or the timestamp text
		)
		if err := rows.Scan(&rid, &v.AccountID, &v.ConnectionID, &v.ID, &pending, &ts, &v.Description,
			&v.Merchant, &v.Category, &classification, &amount, &v.Currency, &running,
			&v.SettledFrom, &v.CategoryName, &v.TransferKind, &v.pos.amountMicro, &v.pos.label, &v.pos.balance, &last); err != nil {
			return fmt.Errorf("ledger: transactions: %w", err)
		}
		v.Pending = pending != 0
		v.pos.rid, v.pos.ts, v.pos.category = rid, ts, v.CategoryName
		if ts != 0 {
			v.Timestamp = time.Unix(ts, 0).UTC()
			v.DateOnly = isDay(ts)
		}
		v.Classification = splitClassification(classification)
		v.Amount = amountFromText(amount)
		v.RunningBalance = optAmount(running)
		if withRaw {
			if err := json.Unmarshal(last, &v.Raw); err != nil {
				return fmt.Errorf("ledger: transaction %s: stored JSON: %w", v.ID, err)
			}
			if v.Raw.Timestamp.Valid() {
				v.Timestamp = v.Raw.Timestamp.Time
			}
		} else if t, ok := truelayer.ParseTimestamp(string(last)); ok {
			v.Timestamp = t.Time
		}
		if err := each(rid, v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EachTransaction hands fn what q selects, in q's order, one row at a
// time, so memory does not grow with the rows (banktui transactions --csv
// or --json over a decade). q.Limit and q.Offset apply; an error from fn
// stops the rows and is returned.
func (s *Store) EachTransaction(ctx context.Context, q TxQuery, fn func(TxView) error) error {
	if q.Limit > 0 || q.Offset > 0 {
		// A page is bounded by its limit; Transactions reads it by row ids.
		txs, err := s.Transactions(ctx, q)
		for i := 0; err == nil && i < len(txs); i++ {
			err = fn(txs[i])
		}
		return err
	}
	where, args, err := s.txWhere(ctx, q)
	if err != nil {
		return err
	}
	return s.scanEach(ctx, txSelect(!q.WithoutRaw)+where+txOrder(q), args, !q.WithoutRaw,
		func(_ int64, v TxView) error { return fn(v) })
}

// CountTransactions counts the transactions matching q (ignoring Limit, Offset and Sort).
func (s *Store) CountTransactions(ctx context.Context, q TxQuery) (int, error) {
	where, args, err := s.txWhere(ctx, q)
	if err != nil {
		return 0, err
	}
	from := "SELECT count(*) FROM transactions t"
	if onlyFTS := (TxQuery{Text: q.Text}); s.hasFTS && q.Text != "" && sameFilters(q, onlyFTS) && allLong(q.Text) {
		// Only full-text words: the index alone has the answer.
		from, where = "SELECT count(*) FROM tx_fts", " WHERE tx_fts MATCH ?"
	}
	var n int
	err = s.db.QueryRowContext(ctx, from+where, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("ledger: count transactions: %w", err)
	}
	return n, nil
}

func txOrder(q TxQuery) string {
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	col := ""
	switch q.Sort {
	case "amount":
		col = "t.amount_micro"
	case "description":
		col = "t.description COLLATE NOCASE"
	case "category":
		col = "t.category_name"
	case "merchant":
		col = "t.merchant COLLATE NOCASE"
	case "balance":
		col = "t.running_micro"
	}
	order := " ORDER BY "
	if col != "" {
		order += col + dir + ", "
	}
	return order + "t.ts" + dir + ", t.rid" + dir
}
