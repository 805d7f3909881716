package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// txWhere builds the WHERE clause of q, with its arguments.
func (s *Store) txWhere(ctx context.Context, q TxQuery) (string, []any, error) {
	where, args, _, err := s.txWherePlanned(ctx, q)
	return where, args, err
}

// txWherePlanned is txWhere, and how it finds the filter's words: with
// plan.match set, reading the matches by row id beats any index.
func (s *Store) txWherePlanned(ctx context.Context, q TxQuery) (string, []any, wordPlan, error) {
	plan, err := s.planWords(ctx, q.Terms, false)
	if err != nil {
		return "", nil, plan, err
	}
	where, args, err := s.txWhereWith(ctx, q, plan)
	return where, args, plan, err
}

// txWhereWith is txWhere with the filter's words found as plan says.
func (s *Store) txWhereWith(ctx context.Context, q TxQuery, plan wordPlan) (string, []any, error) {
	var rids []int64
	if len(q.AccountIDs) > 0 {
		// The row ids as values, not a subquery: with them SQLite sees one
		// account and walks its (account, date) index in order.
		var err error
		if rids, err = s.accountRIDs(ctx, q.AccountIDs); err != nil {
			return "", nil, err
		}
		if len(rids) == 0 {
			return " WHERE 0", nil, nil
		}
	}
	return s.txWhereIn(ctx, q, rids, plan)
}

// txWhereIn is txWhere for the accounts rids (none: all), with the words
// of the filter found as plan says.
func (s *Store) txWhereIn(ctx context.Context, q TxQuery, rids []int64, plan wordPlan) (string, []any, error) {
	var conds []string
	var args []any
	switch len(rids) {
	case 0:
	case 1:
		conds = append(conds, "t.account_rid = ?")
	default:
		conds = append(conds, "t.account_rid IN ("+placeholders(len(rids))+")")
	}
	for _, r := range rids {
		args = append(args, r)
	}
	if !q.From.IsZero() {
		cond, a := tsBound(">=", q.From, q.Location)
		conds, args = append(conds, cond), append(args, a...)
	}
	if !q.To.IsZero() {
		cond, a := tsBound("<", q.To, q.Location)
		conds, args = append(conds, cond), append(args, a...)
	}
	switch {
	case q.Pending > 0:
		conds = append(conds, "t.pending = 1")
	case q.Pending < 0:
		conds = append(conds, "t.pending = 0")
	}
	if q.Category != "" {
		cond, a, err := s.categoryCond(ctx, q.Category)
		if err != nil {
			return "", nil, err
		}
		conds, args = append(conds, cond), append(args, a...)
	}
	if q.ExcludeTransfers {
		conds = append(conds, notTransfer)
	}
	if q.Merchant != "" {
		cond, arg := containsWord("t.merchant", q.Merchant)
		conds, args = append(conds, cond), append(args, arg)
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
		cond, more := containsAny(word, "t.description", "t.merchant")
		conds, args = append(conds, cond), append(args, more...)
	}
	if match != "" {
		conds = append(conds, "t.rid IN (SELECT rowid FROM tx_fts WHERE tx_fts MATCH ?)")
		args = append(args, match)
	}
	if plan.match != "" {
		conds = append(conds, "t.rid IN (SELECT rowid FROM tx_fts WHERE tx_fts MATCH ?)")
		args = append(args, plan.match)
	}
	conds, args, err := s.termsWhere(ctx, q.Terms, plan.ftsWords, conds, args)
	if err != nil {
		return "", nil, err
	}
	if len(conds) == 0 {
		return "", args, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// categoryCond selects the category names shown that term selects
// (CategoryMatches), by the category index.
func (s *Store) categoryCond(ctx context.Context, term string) (string, []any, error) {
	names, err := s.categoryNamesMatching(ctx, term)
	if err != nil || len(names) == 0 {
		return "0", nil, err
	}
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	return "t.category_name IN (" + placeholders(len(names)) + ")", args, nil
}

func (s *Store) accountRIDs(ctx context.Context, ids []string) ([]int64, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return queryColumn[int64](ctx, s.db, "SELECT rid FROM accounts WHERE id IN ("+placeholders(len(ids))+") ORDER BY rid", args...)
}

// queryer is a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryColumn runs a query of one column.
func queryColumn[T any](ctx context.Context, db queryer, query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// splitText turns the words of a text filter into an FTS5 query (words of
// three characters or more, each quoted) and the words left for LIKE.
func (s *Store) splitText(text string) (match string, short []string) {
	var terms []string
	for _, word := range strings.Fields(searchWord(text)) {
		// Trigrams need three characters.
		if s.hasFTS && len([]rune(word)) >= 3 {
			terms = append(terms, ftsPhrase(word))
			continue
		}
		short = append(short, word)
	}
	return strings.Join(terms, " AND "), short
}

// sameFilters compares the filtering fields of two queries.
func sameFilters(a, b TxQuery) bool {
	return len(a.AccountIDs) == len(b.AccountIDs) && a.From.Equal(b.From) && a.To.Equal(b.To) &&
		a.Text == b.Text && a.Category == b.Category && a.Merchant == b.Merchant && a.Terms.empty() && b.Terms.empty() &&
		a.ExcludeTransfers == b.ExcludeTransfers &&
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
