package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// txPos is where a stored row sorts under each sort of TransactionPage.
type txPos struct {
	rid, ts, amountMicro, balance int64
	label, category               string
}

// TxCursor is a position in a sorted list of transactions: a row's sort
// key, its time and its row id (unique, so no two rows tie). Get one from
// TxView.Cursor; give it as TxQuery.After.
type TxCursor struct {
	sort    string
	num     int64  // the sort key, when a number
	text    string // or when text
	ts, rid int64
}

// Cursor is v's position in the list sorted by sort (TxQuery.Sort), for
// the next page after it (TxQuery.After). Only views read from the store
// have one.
func (v *TxView) Cursor(sort string) TxCursor {
	p := v.pos
	c := TxCursor{sort: pageSortName(sort), ts: p.ts, rid: p.rid}
	switch c.sort {
	case "amount":
		c.num = p.amountMicro
	case "balance":
		c.num = p.balance
	case "label":
		c.text = p.label
	case "category":
		c.text = p.category
	}
	return c
}

// pageSort is how TransactionPage orders by one of its sorts: a key (none
// for date) and the per-account index in its order.
type pageSort struct {
	key   string // SQL expression; "" for date
	text  bool   // a NOCASE text key
	index string
}

var pageSorts = map[string]pageSort{
	"date":     {index: "transactions_account_ts"},
	"amount":   {key: "t.amount_micro", index: "transactions_account_amount"},
	"label":    {key: "t.sort_label", text: true, index: "transactions_account_label"},
	"category": {key: "t.category_name", text: true, index: "transactions_account_category"},
	"balance":  {key: "t.sort_balance", index: "transactions_account_balance"},
}

func pageSortName(sort string) string {
	if sort == "" {
		return "date"
	}
	return sort
}

// PageSorts are the sorts TransactionPage offers.
var PageSorts = []string{"date", "amount", "label", "category", "balance"}

// ErrCursor: TxQuery.After is of another sort than the query, or not of a
// stored row.
var ErrCursor = errors.New("ledger: the page cursor does not fit the query")

// TransactionPage reads one page of the transactions q selects, in q's
// sort (one of PageSorts) and direction: the first q.Limit rows after
// q.After (from the start when nil). It costs a seek and a walk of about
// one page per account, however long the history and however deep the
// page: each account is read in the order of its own index (ties broken
// by time, then by the order rows were stored in) and the accounts merged.
// Rows come without Raw. q.Offset is not allowed.
func (s *Store) TransactionPage(ctx context.Context, q TxQuery) ([]TxView, error) {
	name := pageSortName(q.Sort)
	ps, ok := pageSorts[name]
	switch {
	case !ok:
		return nil, fmt.Errorf("ledger: a page cannot sort by %q (one of %v)", q.Sort, PageSorts)
	case q.Limit <= 0 || q.Offset != 0:
		return nil, errors.New("ledger: a page needs a Limit and no Offset")
	case q.After != nil && (q.After.sort != name || q.After.rid == 0):
		return nil, ErrCursor
	}
	rids, err := s.scopeRIDs(ctx, q.AccountIDs)
	if err != nil {
		return nil, err
	}
	plan, err := s.planWords(ctx, q.Terms, true)
	if err != nil {
		return nil, err
	}
	if plan, err = s.periodPlan(ctx, q, plan); err != nil {
		return nil, err
	}
	var out []TxView
	if plan.none {
		return out, nil
	}
	for _, rid := range rids {
		part, err := s.accountPage(ctx, q, ps, rid, plan)
		if err != nil {
			return nil, err
		}
		out = mergePages(out, part, name, q.Desc, q.Limit)
	}
	return out, nil
}

// periodPlan is plan, or for a period short beside the text's matches (a
// month of a long history) the plan that walks the period's rows testing
// every word: reading them costs less than looking up every match.
func (s *Store) periodPlan(ctx context.Context, q TxQuery, plan wordPlan) (wordPlan, error) {
	text := plan
	if plan.probe != nil {
		text = *plan.probe
	}
	if text.match == "" || plan.none || (q.From.IsZero() && q.To.IsZero()) {
		return plan, nil
	}
	scan, err := s.periodBeatsText(ctx, q, text)
	if err != nil || !scan {
		return plan, err
	}
	return wordPlan{}, nil
}

// scopeRIDs are the row ids of the accounts named, or of every account.
func (s *Store) scopeRIDs(ctx context.Context, ids []string) ([]int64, error) {
	if len(ids) > 0 {
		return s.accountRIDs(ctx, ids)
	}
	return queryColumn[int64](ctx, s.db, "SELECT rid FROM accounts ORDER BY rid")
}

// walkRows: when a text's matches are many, a page first tests at most
// this many rows along its sort's index per row asked for: the page is
// found there when at least one row in walkRows matches.
const walkRows = 50

// accountPage is one account's part of a page.
func (s *Store) accountPage(ctx context.Context, q TxQuery, ps pageSort, rid int64, plan wordPlan) ([]TxView, error) {
	if plan.probe == nil {
		return s.pageRead(ctx, q, ps, rid, plan, nil)
	}
	// Many matches: testing the rows walked finds a page soonest, when the
	// matches are spread along the sort. When they lie far along it (a word
	// of one label, of an old year), every row between would be read: so
	// the walk stops at a bound, and then the index is walked again, each
	// row id looked up among the matches.
	n := walkRows * q.Limit
	if s.walkLimit > 0 {
		n = s.walkLimit
	}
	bound, err := s.walkBound(ctx, q, ps, rid, n)
	if err != nil {
		return nil, err
	}
	out, err := s.pageRead(ctx, q, ps, rid, plan, bound)
	if err != nil || len(out) == q.Limit || bound == nil {
		return out, err
	}
	return s.pageRead(ctx, q, ps, rid, *plan.probe, nil)
}

// walkBound is the position of the n-th row of the account's period along
// the sort's index after q.After, nil when there are fewer: found in the
// index alone.
func (s *Store) walkBound(ctx context.Context, q TxQuery, ps pageSort, rid int64, n int) (*TxCursor, error) {
	where, args, err := s.txWhereIn(ctx, TxQuery{From: q.From, To: q.To, Location: q.Location}, []int64{rid}, wordPlan{})
	if err != nil {
		return nil, err
	}
	after, afterArgs, order := pageOrder(q, ps)
	key := ps.key
	if key == "" {
		key = "0"
	}
	c := TxCursor{sort: pageSortName(q.Sort)}
	var keyDest any = &c.num
	if ps.text {
		keyDest = &c.text
	}
	err = s.db.QueryRowContext(ctx, "SELECT "+key+", t.ts, t.rid FROM transactions t INDEXED BY "+ps.index+where+after+order+" LIMIT 1 OFFSET ?",
		append(append(args, afterArgs...), n-1)...).Scan(keyDest, &c.ts, &c.rid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: transactions: %w", err)
	}
	return &c, nil
}

// pageOrder is the condition (with its arguments) of the rows after
// q.After in q's sort and direction, and the ORDER BY.
func pageOrder(q TxQuery, ps pageSort) (after string, args []any, order string) {
	op, dir := ">", " ASC"
	if q.Desc {
		op, dir = "<", " DESC"
	}
	if q.Inclusive {
		op += "="
	}
	if c := q.After; c != nil {
		after, args = keysetCond(ps, op, c)
	}
	order = " ORDER BY "
	if ps.key != "" {
		order += ps.key + dir + ", "
	}
	return after, args, order + "t.ts" + dir + ", t.rid" + dir
}

// keysetCond compares a row's position in ps with c's.
func keysetCond(ps pageSort, op string, c *TxCursor) (string, []any) {
	if ps.key == "" {
		return " AND (t.ts, t.rid) " + op + " (?, ?)", []any{c.ts, c.rid}
	}
	return " AND (" + ps.key + ", t.ts, t.rid) " + op + " (?, ?, ?)", []any{c.key(), c.ts, c.rid}
}

// pageRead reads one account's part of a page as plan says, up to the
// row at bound (included) when not nil.
func (s *Store) pageRead(ctx context.Context, q TxQuery, ps pageSort, rid int64, plan wordPlan, bound *TxCursor) ([]TxView, error) {
	where, args, err := s.txWhereIn(ctx, q, []int64{rid}, plan)
	if err != nil {
		return nil, err
	}
	after, afterArgs, order := pageOrder(q, ps)
	args = append(args, afterArgs...)
	if bound != nil {
		op := "<="
		if q.Desc {
			op = ">="
		}
		cond, more := keysetCond(ps, op, bound)
		after += cond
		args = append(args, more...)
	}
	args = append(args, q.Limit)
	var query string
	if plan.few {
		// The few rows the text matched, sorted by their keys alone: the
		// columns of those on the page only (the bank's timestamp is in the
		// JSON, a read and a parse per row).
		table := " NOT INDEXED"
		if (ps.key == "" || ps.key == "t.amount_micro") && sumsCovered(q, plan) {
			// The sort key and every condition are in the narrow index:
			// a quarter of the pages the rows take.
			table = " INDEXED BY transactions_sums"
		}
		query = txColumns + txTimestamp + " FROM (SELECT t.rid FROM transactions t" + table + where + after + order + " LIMIT ?) p" +
			" CROSS JOIN transactions t ON t.rid = p.rid" + txJoins + order
	} else {
		// Walk the sort's index (without the hint SQLite may read every row
		// of the account and sort them).
		query = txColumns + txTimestamp + " FROM transactions t INDEXED BY " + ps.index + txJoins + where + after + order + " LIMIT ?"
	}
	var out []TxView
	err = s.scanTransactions(ctx, query, args, false, func(_ int64, v TxView) { out = append(out, v) })
	return out, err
}

func (c *TxCursor) key() any {
	if pageSorts[c.sort].text {
		return c.text
	}
	return c.num
}

// mergePages merges two lists sorted alike, keeping the first limit rows.
func mergePages(a, b []TxView, sort string, desc bool, limit int) []TxView {
	if len(a) == 0 {
		return b[:min(len(b), limit)]
	}
	out := make([]TxView, 0, min(len(a)+len(b), limit))
	for len(out) < limit && (len(a) > 0 || len(b) > 0) {
		takeA := len(b) == 0 || (len(a) > 0 && comparePos(&a[0].pos, &b[0].pos, sort, desc) <= 0)
		if takeA {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return slices.Clip(out)
}

// comparePos orders two rows as a page of sort does.
func comparePos(a, b *txPos, sort string, desc bool) int {
	c := 0
	switch sort {
	case "amount":
		c = cmpInt64(a.amountMicro, b.amountMicro)
	case "balance":
		c = cmpInt64(a.balance, b.balance)
	case "label":
		c = compareNoCase(a.label, b.label)
	case "category":
		c = compareNoCase(a.category, b.category)
	}
	if c == 0 {
		c = cmpInt64(a.ts, b.ts)
	}
	if c == 0 {
		c = cmpInt64(a.rid, b.rid)
	}
	if desc {
		return -c
	}
	return c
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareNoCase is SQLite's NOCASE collation: bytes compared with ASCII
// letters folded to lower case, a prefix first.
func compareNoCase(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		x, y := foldASCII(a[i]), foldASCII(b[i])
		if x != y {
			return int(x) - int(y)
		}
	}
	return len(a) - len(b)
}

func foldASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
