package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/banktui/banktui/truelayer"
)

// Kinds of AccountView.
const (
	KindAccount = "account"
	KindCard    = "card"
)

// Values of AccountView.SyncError for the per-account conditions the UI
// explains; any other failure is a short sanitised message.
const (
	SyncErrSCAExceeded    = "sca_exceeded"    // older history needs the user to re-authenticate
	SyncErrNotSupported   = "not supported"   // the bank lacks the endpoint
	SyncErrConsentExpired = "consent expired" // reconnect the bank
)

// AccountView is an account or a card with its latest balance.
type AccountView struct {
	ConnectionID, ProviderID, ProviderName string
	Kind                                   string // KindAccount or KindCard
	ID, DisplayName, Type, Currency        string // Type: account_type or card_type
	Number                                 string // sort code + number, IBAN, or last four of a card
	CardNetwork, PartialCardNumber         string

	Current, Available     truelayer.Amount
	CreditLimit, Overdraft *truelayer.Amount
	HasBalance             bool
	BalanceAsOf            time.Time // when banktui fetched the balance

	SyncError    string    // "" or SyncErr* or a short message
	LastSync     time.Time // last successful transaction sync; zero if never
	HistoryFrom  time.Time // oldest day of history asked for; zero before the first sync
	HistoryLimit string    // why back-fill stopped: "invalid_date_range", "empty", "sca_exceeded", "max"
	Gone         bool      // no longer listed by the bank; history kept
}

// Accounts returns every account, then every card, grouped by provider, each
// with its latest balance. It reads only the local store.
func (s *Store) Accounts(ctx context.Context) ([]AccountView, error) {
	const q = `
SELECT a.connection_id, a.provider_id, a.provider_name, a.kind, a.id, a.display_name, a.type,
       a.currency, a.number, a.card_network, a.partial_card_number, a.sync_error, a.gone,
       b.fetched_at, b.current, b.available, b.overdraft, b.credit_limit,
       coalesce(ss.last_sync_at, 0), coalesce(ss.oldest_day, ''), coalesce(ss.history_limit, '')
FROM accounts a
LEFT JOIN balances b ON b.id = (
	SELECT id FROM balances WHERE account_rid = a.rid ORDER BY fetched_at DESC, id DESC LIMIT 1)
LEFT JOIN sync_state ss ON ss.account_rid = a.rid
ORDER BY a.kind = 'card', a.provider_name, a.connection_id, a.position, a.rid`
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("ledger: accounts: %w", err)
	}
	defer rows.Close()
	var out []AccountView
	for rows.Next() {
		var (
			v                      AccountView
			gone                   int
			fetchedAt              sql.NullInt64
			current, available     sql.NullString
			overdraft, creditLimit sql.NullString
			lastSync               int64
			oldestDay              string
		)
		if err := rows.Scan(&v.ConnectionID, &v.ProviderID, &v.ProviderName, &v.Kind, &v.ID,
			&v.DisplayName, &v.Type, &v.Currency, &v.Number, &v.CardNetwork, &v.PartialCardNumber,
			&v.SyncError, &gone, &fetchedAt, &current, &available, &overdraft, &creditLimit,
			&lastSync, &oldestDay, &v.HistoryLimit); err != nil {
			return nil, fmt.Errorf("ledger: accounts: %w", err)
		}
		v.Gone = gone != 0
		if fetchedAt.Valid {
			v.HasBalance = true
			v.BalanceAsOf = time.UnixMilli(fetchedAt.Int64)
			v.Current = amountFromText(current.String)
			v.Available = amountFromText(available.String)
			v.Overdraft = optAmount(overdraft)
			v.CreditLimit = optAmount(creditLimit)
		}
		if lastSync > 0 {
			v.LastSync = time.UnixMilli(lastSync)
		}
		if oldestDay != "" {
			v.HistoryFrom, _ = time.Parse(time.DateOnly, oldestDay)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Account returns one account or card by id, or ok=false.
func (s *Store) Account(ctx context.Context, id string) (v AccountView, ok bool, err error) {
	all, err := s.Accounts(ctx)
	if err != nil {
		return AccountView{}, false, err
	}
	for _, a := range all {
		if a.ID == id {
			return a, true, nil
		}
	}
	return AccountView{}, false, nil
}

// ConnectionView is a connection as the ledger knows it.
type ConnectionView struct {
	ID, ProviderID, ProviderName string
	LastSync                     time.Time // zero if never synced
	SyncError                    string    // "" or SyncErrConsentExpired or a short message
}

// Connections returns the connections that have been synced at least once.
func (s *Store) Connections(ctx context.Context) ([]ConnectionView, error) {
	rows, err := s.db.QueryContext(ctx,
		"SELECT id, provider_id, provider_name, last_sync_at, sync_error FROM connections ORDER BY provider_name, id")
	if err != nil {
		return nil, fmt.Errorf("ledger: connections: %w", err)
	}
	defer rows.Close()
	var out []ConnectionView
	for rows.Next() {
		var c ConnectionView
		var last int64
		if err := rows.Scan(&c.ID, &c.ProviderID, &c.ProviderName, &last, &c.SyncError); err != nil {
			return nil, err
		}
		if last > 0 {
			c.LastSync = time.UnixMilli(last)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// BalanceSnapshot is one stored balance of an account or card.
type BalanceSnapshot struct {
	FetchedAt          time.Time
	Currency           string
	Current, Available truelayer.Amount
	Raw                json.RawMessage // the balance as the bank sent it
}

// BalanceHistory returns every balance snapshot of an account or card, oldest first.
func (s *Store) BalanceHistory(ctx context.Context, accountID string) ([]BalanceSnapshot, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT b.fetched_at, b.currency, b.current, b.available, b.raw
FROM balances b JOIN accounts a ON a.rid = b.account_rid
WHERE a.id = ? ORDER BY b.fetched_at, b.id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("ledger: balance history: %w", err)
	}
	defer rows.Close()
	var out []BalanceSnapshot
	for rows.Next() {
		var b BalanceSnapshot
		var at int64
		var cur, avail, raw string
		if err := rows.Scan(&at, &b.Currency, &cur, &avail, &raw); err != nil {
			return nil, err
		}
		b.FetchedAt = time.UnixMilli(at)
		b.Current, b.Available = amountFromText(cur), amountFromText(avail)
		b.Raw = json.RawMessage(raw)
		out = append(out, b)
	}
	return out, rows.Err()
}

// StandingOrders returns an account's standing orders from the last sync.
func (s *Store) StandingOrders(ctx context.Context, accountID string) ([]truelayer.StandingOrder, error) {
	var out []truelayer.StandingOrder
	err := s.readRawList(ctx, "standing_orders", accountID, func(raw []byte) error {
		var so truelayer.StandingOrder
		if err := json.Unmarshal(raw, &so); err != nil {
			return err
		}
		out = append(out, so)
		return nil
	})
	return out, err
}

// DirectDebits returns an account's direct debits from the last sync.
func (s *Store) DirectDebits(ctx context.Context, accountID string) ([]truelayer.DirectDebit, error) {
	var out []truelayer.DirectDebit
	err := s.readRawList(ctx, "direct_debits", accountID, func(raw []byte) error {
		var dd truelayer.DirectDebit
		if err := json.Unmarshal(raw, &dd); err != nil {
			return err
		}
		out = append(out, dd)
		return nil
	})
	return out, err
}

func (s *Store) readRawList(ctx context.Context, table, accountID string, each func([]byte) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT t.raw FROM `+table+` t JOIN accounts a ON a.rid = t.account_rid
WHERE a.id = ? ORDER BY t.position`, accountID)
	if err != nil {
		return fmt.Errorf("ledger: %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return err
		}
		if err := each(raw); err != nil {
			return fmt.Errorf("ledger: %s: %w", table, err)
		}
	}
	return rows.Err()
}

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
	// Text: every whitespace-separated word must occur (case-insensitive
	// substring) in the description or the merchant.
	Text string
	// Category is one of TrueLayer's transaction categories ("PURCHASE",
	// indexed) or else a classification label ("Groceries"), matched
	// exactly but case-insensitively.
	Category string
	Merchant string // case-insensitive substring of the merchant name
	// MinAmount, MaxAmount bound the signed amount (money out is negative), inclusive.
	MinAmount, MaxAmount *decimal.Decimal
	Pending              int // PendingBoth, PendingOnly or PendingExclude

	// Sort: "date" (default), "amount", "description", "category",
	// "merchant" or "balance" (running balance). Ties fall back to date.
	Sort  string
	Desc  bool
	Limit int // 0 = no limit
	// Offset skips rows (with Limit, for paging).
	Offset int
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
	Category                    string   // transaction_category
	Classification              []string // transaction_classification
	Amount                      truelayer.Amount
	Currency                    string
	RunningBalance              *truelayer.Amount
	// SettledFrom is the id of the pending row this settled row replaced, if
	// the sync matched one.
	SettledFrom string
	Raw         truelayer.Transaction // every field as the bank sent it
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
       t.category, t.classification, t.amount, t.currency, t.running_balance, t.pending_id, `

const txFrom = `
FROM transactions t JOIN accounts a ON a.rid = t.account_rid JOIN transaction_json j ON j.rid = t.rid`

func txSelect(withRaw bool) string {
	if withRaw {
		return txColumns + "j.raw" + txFrom
	}
	return txColumns + "coalesce(json_extract(j.raw, '$.timestamp'), '')" + txFrom
}

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
			&v.SettledFrom, &last); err != nil {
			return fmt.Errorf("ledger: transactions: %w", err)
		}
		v.Pending = pending != 0
		if ts != 0 {
			v.Timestamp = time.Unix(ts, 0).UTC()
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
		each(rid, v)
	}
	return rows.Err()
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

// sameFilters compares the filtering fields of two queries.
func sameFilters(a, b TxQuery) bool {
	return len(a.AccountIDs) == len(b.AccountIDs) && a.From.Equal(b.From) && a.To.Equal(b.To) &&
		a.Text == b.Text && a.Category == b.Category && a.Merchant == b.Merchant &&
		a.MinAmount == nil && b.MinAmount == nil && a.MaxAmount == nil && b.MaxAmount == nil &&
		a.Pending == b.Pending
}

// allLong reports whether every word is long enough for the trigram index.
func allLong(text string) bool {
	for _, w := range strings.Fields(text) {
		if len([]rune(w)) < 3 {
			return false
		}
	}
	return true
}

// splitText turns the words of a text filter into an FTS5 query (words of
// three characters or more, each quoted) and the words left for LIKE.
func (s *Store) splitText(text string) (match string, short []string) {
	var terms []string
	for _, word := range strings.Fields(text) {
		// Trigrams need three characters.
		if s.hasFTS && len([]rune(word)) >= 3 {
			terms = append(terms, `"`+strings.ReplaceAll(word, `"`, `""`)+`"`)
			continue
		}
		short = append(short, word)
	}
	return strings.Join(terms, " AND "), short
}

// txWhere builds the WHERE clause of q, with its arguments.
func (s *Store) txWhere(ctx context.Context, q TxQuery) (string, []any, error) {
	var conds []string
	var args []any
	if len(q.AccountIDs) > 0 {
		// The row ids as values, not a subquery: with them SQLite sees one
		// account and walks its (account, date) index in order.
		rids, err := s.accountRIDs(ctx, q.AccountIDs)
		if err != nil {
			return "", nil, err
		}
		switch len(rids) {
		case 0:
			conds = append(conds, "0")
		case 1:
			conds = append(conds, "t.account_rid = ?")
		default:
			conds = append(conds, "t.account_rid IN ("+placeholders(len(rids))+")")
		}
		for _, r := range rids {
			args = append(args, r)
		}
	}
	if !q.From.IsZero() {
		conds = append(conds, "t.ts >= ?")
		args = append(args, q.From.Unix())
	}
	if !q.To.IsZero() {
		conds = append(conds, "t.ts < ?")
		args = append(args, q.To.Unix())
	}
	switch {
	case q.Pending > 0:
		conds = append(conds, "t.pending = 1")
	case q.Pending < 0:
		conds = append(conds, "t.pending = 0")
	}
	switch {
	case q.Category == "":
	case slices.ContainsFunc(truelayer.TransactionCategories, func(c string) bool { return strings.EqualFold(c, q.Category) }):
		// One of TrueLayer's categories (PURCHASE, ...): the index answers.
		conds = append(conds, "t.category = ? COLLATE NOCASE")
		args = append(args, q.Category)
	default:
		// A classification label ("Groceries"), at any level.
		conds = append(conds, "('"+classSep+"' || t.classification || '"+classSep+"') LIKE ? ESCAPE '\\'")
		args = append(args, "%"+classSep+escapeLike(q.Category)+classSep+"%")
	}
	if q.Merchant != "" {
		conds = append(conds, "t.merchant LIKE ? ESCAPE '\\'")
		args = append(args, "%"+escapeLike(q.Merchant)+"%")
	}
	if q.MinAmount != nil {
		conds = append(conds, "t.amount_micro >= ?")
		args = append(args, microCeil(*q.MinAmount))
	}
	if q.MaxAmount != nil {
		conds = append(conds, "t.amount_micro <= ?")
		args = append(args, microFloor(*q.MaxAmount))
	}
	match, short := s.splitText(q.Text)
	for _, word := range short {
		conds = append(conds, "(t.description LIKE ? ESCAPE '\\' OR t.merchant LIKE ? ESCAPE '\\')")
		p := "%" + escapeLike(word) + "%"
		args = append(args, p, p)
	}
	if match != "" {
		conds = append(conds, "t.rid IN (SELECT rowid FROM tx_fts WHERE tx_fts MATCH ?)")
		args = append(args, match)
	}
	if len(conds) == 0 {
		return "", args, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

func (s *Store) accountRIDs(ctx context.Context, ids []string) ([]int64, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, "SELECT rid FROM accounts WHERE id IN ("+placeholders(len(ids))+") ORDER BY rid", args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var r int64
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
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
		col = "t.category COLLATE NOCASE"
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

// CurrencyTotal sums the latest balances of one currency. Cards count as
// money owed: their current balance (positive when the bank reports debt) is
// subtracted.
type CurrencyTotal struct {
	Currency string
	Total    truelayer.Amount // Accounts - Cards
	Accounts truelayer.Amount // sum of accounts' current balances
	Cards    truelayer.Amount // sum of cards' current balances
}

// Totals returns the net position per currency from the latest balances,
// sorted by currency.
func (s *Store) Totals(ctx context.Context) ([]CurrencyTotal, error) {
	views, err := s.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	byCur := map[string]*CurrencyTotal{}
	for _, v := range views {
		if !v.HasBalance || v.Gone {
			continue
		}
		cur := v.Currency
		t := byCur[cur]
		if t == nil {
			t = &CurrencyTotal{Currency: cur}
			byCur[cur] = t
		}
		if v.Kind == KindCard {
			t.Cards = t.Cards.Add(v.Current)
		} else {
			t.Accounts = t.Accounts.Add(v.Current)
		}
	}
	out := make([]CurrencyTotal, 0, len(byCur))
	for _, t := range byCur {
		t.Total = t.Accounts.Sub(t.Cards)
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out, nil
}

// Bucket is a group of transactions in one currency.
type Bucket struct {
	Key      string // category label, or month "2006-01"
	Currency string
	Count    int
	Spent    truelayer.Amount // money out, as a positive amount
	Received truelayer.Amount // money in
	Net      truelayer.Amount // Received - Spent
}

// SpendingByCategory groups the settled transactions matching q by their
// first classification label, or their transaction_category when the bank
// sent none; biggest spending first.
func (s *Store) SpendingByCategory(ctx context.Context, q TxQuery) ([]Bucket, error) {
	key := "CASE WHEN t.classification <> '' THEN substr(t.classification || '" + classSep + "', 1, instr(t.classification || '" + classSep + "', '" + classSep + "') - 1) WHEN t.category <> '' THEN t.category ELSE 'UNCATEGORISED' END"
	out, err := s.buckets(ctx, q, key)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if c := out[i].Spent.Cmp(out[j].Spent); c != 0 {
			return c > 0
		}
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Currency < out[j].Currency
	})
	return out, nil
}

// SpendingByMonth groups the settled transactions matching q by UTC month, oldest first.
func (s *Store) SpendingByMonth(ctx context.Context, q TxQuery) ([]Bucket, error) {
	out, err := s.buckets(ctx, q, "strftime('%Y-%m', t.ts, 'unixepoch')")
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Currency < out[j].Currency
	})
	return out, nil
}

// buckets sums in integers (exact while every amount has at most six
// decimals) and falls back to decimal sums of the text otherwise.
func (s *Store) buckets(ctx context.Context, q TxQuery, keyExpr string) ([]Bucket, error) {
	if q.Pending == PendingBoth {
		q.Pending = PendingExclude
	}
	where, args, err := s.txWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `
SELECT `+keyExpr+` AS k, t.currency, count(*),
       sum(CASE WHEN t.amount_micro < 0 THEN -t.amount_micro ELSE 0 END),
       sum(CASE WHEN t.amount_micro > 0 THEN t.amount_micro ELSE 0 END),
       min(t.amount_exact)
FROM transactions t`+where+`
GROUP BY k, t.currency`, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: spending: %w", err)
	}
	var out []Bucket
	inexact := false
	for rows.Next() {
		var b Bucket
		var spent, received int64
		var exact int
		if err := rows.Scan(&b.Key, &b.Currency, &b.Count, &spent, &received, &exact); err != nil {
			rows.Close()
			return nil, err
		}
		if exact == 0 {
			inexact = true
		}
		b.Spent = truelayer.AmountFromMinor(spent, microExp)
		b.Received = truelayer.AmountFromMinor(received, microExp)
		b.Net = b.Received.Sub(b.Spent)
		out = append(out, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if inexact {
		return s.bucketsFromText(ctx, where, args, keyExpr)
	}
	return out, nil
}

func (s *Store) bucketsFromText(ctx context.Context, where string, args []any, keyExpr string) ([]Bucket, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+keyExpr+`, t.currency, t.amount
FROM transactions t`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: spending: %w", err)
	}
	defer rows.Close()
	type key struct{ k, cur string }
	m := map[key]*Bucket{}
	var order []key
	for rows.Next() {
		var k key
		var amount string
		if err := rows.Scan(&k.k, &k.cur, &amount); err != nil {
			return nil, err
		}
		b := m[k]
		if b == nil {
			b = &Bucket{Key: k.k, Currency: k.cur}
			m[k] = b
			order = append(order, k)
		}
		a := amountFromText(amount)
		b.Count++
		if a.Sign() < 0 {
			b.Spent = b.Spent.Add(a.Neg())
		} else {
			b.Received = b.Received.Add(a)
		}
	}
	out := make([]Bucket, 0, len(order))
	for _, k := range order {
		b := m[k]
		b.Net = b.Received.Sub(b.Spent)
		out = append(out, *b)
	}
	return out, rows.Err()
}

// classSep joins classification labels in the classification column.
const classSep = "\x1f"

func joinClassification(c []string) string { return strings.Join(c, classSep) }

func splitClassification(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, classSep)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// microExp: *_micro columns hold amounts in millionths.
const microExp = 6

// toMicro returns a in millionths and whether that is exact.
func toMicro(a truelayer.Amount) (int64, bool) {
	if m, ok := a.Minor(microExp); ok {
		return m, true
	}
	return a.Decimal().Shift(microExp).Round(0).IntPart(), false
}

func microCeil(d decimal.Decimal) int64  { return d.Shift(microExp).Ceil().IntPart() }
func microFloor(d decimal.Decimal) int64 { return d.Shift(microExp).Floor().IntPart() }

// amountFromText parses stored text (written by us, so valid), keeping the
// bank's text for display ("5479.0" stays "5479.0").
func amountFromText(s string) truelayer.Amount {
	var a truelayer.Amount
	if err := a.UnmarshalJSON([]byte(s)); err != nil {
		return truelayer.Amount{}
	}
	return a
}

func optAmount(s sql.NullString) *truelayer.Amount {
	if !s.Valid {
		return nil
	}
	a := amountFromText(s.String)
	return &a
}
