package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Categories have one vocabulary: CategoryLevels names a transaction's
// category, and the TUI's column and filter, the CLI (table, --json, --csv,
// --category), every export and the reports all use that name. The store
// keeps it in an indexed column (category_name), filled at ingest.

// Uncategorised is the category of a transaction the bank gave neither a
// classification nor a category.
const Uncategorised = "Uncategorised"

// categorySep separates the levels of a category name.
const categorySep = " / "

// CategoryLevels is a transaction's category from the most general level
// to the most specific: TrueLayer's transaction_classification
// (["Shopping", "Groceries"]), or else its transaction_category in words
// ("PURCHASE" -> ["Purchase"], "DIRECT_DEBIT" -> ["Direct debit"]), or else
// [Uncategorised]. Labels are bank text: sanitised, spaces collapsed, empty
// ones dropped.
func CategoryLevels(transactionCategory string, classification []string) []string {
	var levels []string
	for _, label := range classification {
		if l := categoryText(label); l != "" {
			levels = append(levels, l)
		}
	}
	if len(levels) > 0 {
		return levels
	}
	if c := categoryText(strings.ReplaceAll(transactionCategory, "_", " ")); c != "" {
		return []string{categoryWords(c)}
	}
	return []string{Uncategorised}
}

// CategoryName is the category as shown everywhere: its levels joined by
// " / " ("Shopping / Groceries", "Purchase").
func CategoryName(transactionCategory string, classification []string) string {
	return strings.Join(CategoryLevels(transactionCategory, classification), categorySep)
}

// CategoryLevels is v's category (CategoryLevels of what the bank sent).
func (v TxView) CategoryLevels() []string { return CategoryLevels(v.Category, v.Classification) }

// CategoryMatches reports whether a category filter term (the TUI's
// category:TERM, the CLI's --category TERM, TxQuery.Category) selects the
// category shown as name: when the term occurs in the name, ignoring case
// and the spaces around "/". So "groceries", "shopping", "shop",
// "Shopping / Groceries" and "shopping/groceries" all select
// "Shopping / Groceries". An empty term selects everything.
func CategoryMatches(name, term string) bool {
	t := foldCategory(term)
	return t == "" || strings.Contains(foldCategory(name), t)
}

// categoryText sanitises a label and collapses its spaces.
func categoryText(s string) string {
	return strings.Join(strings.Fields(Sanitize(s)), " ")
}

// categoryWords turns an upper-case code ("DIRECT DEBIT") into words
// ("Direct debit"); short codes ("ATM") stay capitals.
func categoryWords(s string) string {
	if len(s) <= 3 || strings.ToUpper(s) != s {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + strings.ToLower(s[n:])
}

// foldCategory lower-cases s and drops the spaces around "/".
func foldCategory(s string) string {
	parts := strings.Split(strings.ToLower(categoryText(s)), "/")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return strings.Join(parts, "/")
}

// migrateCategoryName adds the indexed category_name column (the name
// CategoryName gives; NOCASE, so the filter and the sort ignore case) and
// fills it for the stored rows, one UPDATE over the few distinct
// (category, classification) pairs. The index on the bank's raw category
// goes: nothing filters or sorts by it any more.
func migrateCategoryName(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `
ALTER TABLE transactions ADD COLUMN category_name TEXT NOT NULL DEFAULT '' COLLATE NOCASE;
DROP INDEX IF EXISTS transactions_category;
CREATE INDEX transactions_category_name ON transactions(category_name, ts);
CREATE TEMP TABLE category_names (category TEXT, classification TEXT, name TEXT, PRIMARY KEY (category, classification));`); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, "SELECT DISTINCT category, classification FROM transactions")
	if err != nil {
		return err
	}
	var pairs [][2]string
	for rows.Next() {
		var p [2]string
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			rows.Close()
			return err
		}
		pairs = append(pairs, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range pairs {
		if _, err := tx.ExecContext(ctx, "INSERT INTO temp.category_names VALUES (?, ?, ?)",
			p[0], p[1], CategoryName(p[0], splitClassification(p[1]))); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `
UPDATE transactions SET category_name = n.name FROM temp.category_names n
WHERE n.category = transactions.category AND n.classification = transactions.classification;
DROP TABLE temp.category_names;`)
	return err
}

// Categories lists the category names of the stored transactions, in
// order, ignoring case (one of "Groceries" and "GROCERIES"). It walks the
// index one name at a time, a few lookups per name, so it costs no scan of
// the transactions.
func (s *Store) Categories(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `
WITH RECURSIVE names(n) AS (
	SELECT (SELECT category_name FROM transactions ORDER BY category_name LIMIT 1)
	UNION ALL
	SELECT (SELECT category_name FROM transactions WHERE category_name > names.n ORDER BY category_name LIMIT 1)
	FROM names WHERE names.n IS NOT NULL
)
SELECT n FROM names WHERE n IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("ledger: categories: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("ledger: categories: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// categoryNamesMatching lists the stored category names a filter term
// selects (CategoryMatches).
func (s *Store) categoryNamesMatching(ctx context.Context, term string) ([]string, error) {
	names, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(names, func(n string) bool { return !CategoryMatches(n, term) }), nil
}
