package ledger

import (
	"context"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// TxTerms are the terms of the transactions pane's filter; each narrows.
// Matching ignores case.
type TxTerms struct {
	// Words each occur in the description, the merchant or the category as
	// people read it ("bill pay" finds BILL_PAYMENT).
	Words []string
	// NotWords occur in none of them.
	NotWords []string
	// Categories each occur in the category as people read it.
	Categories []string
	// Merchants each occur in the merchant.
	Merchants []string
	// Amounts each hold for the signed amount.
	Amounts []AmountCond
}

// AmountCond compares the signed amount (money out is negative) with
// Value: Op is "<", "<=", ">", ">=" or "=".
type AmountCond struct {
	Op    string
	Value decimal.Decimal
}

func (t TxTerms) empty() bool {
	return len(t.Words) == 0 && len(t.NotWords) == 0 && len(t.Categories) == 0 && len(t.Merchants) == 0 && len(t.Amounts) == 0
}

// termsWhere adds the conditions of t to conds and args. Words of the
// index (ftsWords, found through the full-text index) are left to the
// caller; every other word is tested on each row (containsWord), in the
// description, the merchant and the category as read (CategoryName).
func (s *Store) termsWhere(ctx context.Context, t TxTerms, ftsWords map[string]bool, conds []string, args []any) ([]string, []any, error) {
	for _, w := range t.Words {
		if ftsWords[w] {
			continue
		}
		cond, more := containsAny(w, "t.description", "t.merchant", "t.category_name")
		conds, args = append(conds, cond), append(args, more...)
	}
	for _, w := range t.NotWords {
		cond, more := containsAny(w, "t.description", "t.merchant", "t.category_name")
		conds, args = append(conds, "NOT "+cond), append(args, more...)
	}
	for _, c := range t.Categories {
		cond, a, err := s.categoryCond(ctx, c)
		if err != nil {
			return nil, nil, err
		}
		conds, args = append(conds, cond), append(args, a...)
	}
	for _, m := range t.Merchants {
		cond, arg := containsWord("t.merchant", m)
		conds, args = append(conds, cond), append(args, arg)
	}
	for _, a := range t.Amounts {
		cond, more, err := amountWhere(a)
		if err != nil {
			return nil, nil, err
		}
		conds = append(conds, cond)
		args = append(args, more...)
	}
	return conds, args, nil
}

// amountWhere compares the amount exactly with a bound of any precision:
// amount_micro, the amount in millionths, for amounts of at most six
// decimals; the decimal text, as a double, for the rare longer ones.
func amountWhere(a AmountCond) (string, []any, error) {
	var micro string
	var arg any
	switch a.Op {
	case "<":
		micro, arg = "t.amount_micro < ?", microCeil(a.Value)
	case "<=":
		micro, arg = "t.amount_micro <= ?", microFloor(a.Value)
	case ">":
		micro, arg = "t.amount_micro > ?", microFloor(a.Value)
	case ">=":
		micro, arg = "t.amount_micro >= ?", microCeil(a.Value)
	case "=", "":
		micro, arg = "t.amount_micro = ?", microCeil(a.Value)
		if lo, hi := microCeil(a.Value), microFloor(a.Value); lo != hi {
			micro, arg = "0", nil // more decimals than six: no exact amount equals it
		}
	default:
		return "", nil, fmt.Errorf("ledger: amount comparison %q (want <, <=, >, >= or =)", a.Op)
	}
	op := a.Op
	if op == "" {
		op = "="
	}
	f, _ := a.Value.Float64()
	args := []any{f}
	if arg != nil {
		args = []any{arg, f}
	}
	return "((t.amount_exact = 1 AND " + micro + ") OR (t.amount_exact = 0 AND CAST(t.amount AS REAL) " + op + " ?))", args, nil
}

// countMatches counts the rows the full-text query match finds, up to
// limit: in the index alone, without handing the row ids over.
func (s *Store) countMatches(ctx context.Context, match string, limit int64) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM tx_fts WHERE tx_fts MATCH ? LIMIT ?)", match, limit).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("ledger: text search: %w", err)
	}
	return n, nil
}

// wordPlan decides how the filter's words are found. A word of three
// characters or more that names no category is in the full-text index. If
// those words match few rows, a page reads exactly those (few); otherwise
// it walks its sort's index and tests each row, stopping when the page is
// full: both cost about the same at 1k rows and at 1M. Sums read every
// match through the index (match).
type wordPlan struct {
	match    string          // the FTS5 query of the indexed words, "" for none
	ftsWords map[string]bool // the words match covers
	few      bool            // for a page: match finds few rows, read them all
	none     bool            // for a page: match finds no row at all
	// For a page when the matches are many: the plan that walks the
	// sort's index looking each row id up among them (accountPage).
	probe *wordPlan
}

// ftsDriveLimit: at most this many rows matching the indexed words, a page
// reads them all and sorts them; more, and walking the sort's index finds a
// page sooner. (Store.ftsDrive, when set, replaces it in tests.)
const ftsDriveLimit = 4000

// planWords plans the words of t. For a page, the index counts the
// matches up to ftsDriveLimit+1 (in SQLite: reading the row ids into Go
// cost three times as much); with more, every word is tested on the rows
// walked instead.
func (s *Store) planWords(ctx context.Context, t TxTerms, page bool) (wordPlan, error) {
	var p wordPlan
	if !s.hasFTS || len(t.Words) == 0 {
		return p, nil
	}
	cats, err := s.Categories(ctx)
	if err != nil {
		return p, err
	}
	var quoted []string
	for _, w := range t.Words {
		if len([]rune(searchWord(w))) < 3 || namesCategory(cats, w) {
			continue
		}
		if p.ftsWords == nil {
			p.ftsWords = map[string]bool{}
		}
		p.ftsWords[w] = true
		quoted = append(quoted, ftsPhrase(w))
	}
	p.match = strings.Join(quoted, " AND ")
	if len(quoted) == 0 || !page {
		return p, nil
	}
	limit := ftsDriveLimit
	if s.ftsDrive > 0 {
		limit = s.ftsDrive
	}
	n, err := s.countMatches(ctx, p.match, int64(limit)+1)
	if err != nil {
		return p, err
	}
	p.few, p.none = n <= int64(limit), n == 0
	if !p.few {
		p.probe = &wordPlan{match: p.match, ftsWords: p.ftsWords}
		p.match, p.ftsWords = "", nil // every word is tested on the rows walked
	}
	return p, nil
}

// namesCategory reports whether w occurs in one of the categories as read.
func namesCategory(cats []string, w string) bool {
	w = strings.ToLower(w)
	for _, c := range cats {
		if strings.Contains(strings.ToLower(c), w) {
			return true
		}
	}
	return false
}
