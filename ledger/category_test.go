package ledger

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestCategoryNames(t *testing.T) {
	cases := []struct {
		category string
		class    []string
		want     string
	}{
		{"PURCHASE", []string{"Shopping", "Groceries"}, "Shopping / Groceries"},
		{"PURCHASE", nil, "Purchase"},
		{"DIRECT_DEBIT", nil, "Direct debit"},
		{"FEE_CHARGE", []string{}, "Fee charge"},
		{"ATM", nil, "ATM"},
		{"", nil, Uncategorised},
		{"  ", []string{"", " "}, Uncategorised},
		{"CREDIT", []string{"Income"}, "Income"},
		{"PURCHASE", []string{" Food  &\tDining ", "", "Coffee shops"}, "Food & Dining / Coffee shops"},
		{"PURCHASE", []string{"Shop\x1b[31mping\u202e", "Gro\x00ceries"}, "Shopping / Groceries"},
		{"Bills", nil, "Bills"}, // not a code: as sent
	}
	for _, c := range cases {
		if got := CategoryName(c.category, c.class); got != c.want {
			t.Errorf("CategoryName(%q, %q) = %q, want %q", c.category, c.class, got, c.want)
		}
		v := TxView{Category: c.category, Classification: c.class}
		if got := strings.Join(v.CategoryLevels(), " / "); got != c.want {
			t.Errorf("levels of %q, %q = %q", c.category, c.class, got)
		}
	}
}

func TestCategoryMatches(t *testing.T) {
	name := "Shopping / Groceries"
	for term, want := range map[string]bool{
		"groceries": true, "GROCERIES": true, "shopping": true, "Shopping / Groceries": true,
		"shopping/groceries": true, "  shopping  /  groceries ": true, "shop": true, "": true,
		"purchase": false, "groceries / shopping": false, "food": false,
	} {
		if got := CategoryMatches(name, term); got != want {
			t.Errorf("CategoryMatches(%q, %q) = %v", name, term, got)
		}
	}
}

// The category column holds CategoryName for every row the demo sync
// stored, and the filter finds each row under its name, through the index.
func TestStoredCategoriesAreTheNamesShown(t *testing.T) {
	t.Parallel()
	e, _, _, _ := newSyncedEnv(t)
	ctx := context.Background()
	all, err := e.st.Transactions(ctx, TxQuery{})
	if err != nil || len(all) < 1000 {
		t.Fatalf("%d rows, %v", len(all), err)
	}
	count := map[string]int{}
	for _, v := range all {
		if want := CategoryName(v.Category, v.Classification); v.CategoryName != want {
			t.Errorf("%s: stored %q, named %q", v.ID, v.CategoryName, want)
		}
		count[v.CategoryName]++
	}
	names, err := e.st.Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != len(count) {
		t.Errorf("Categories %q, the rows have %d", names, len(count))
	}
	for _, name := range names {
		got, err := e.st.CountTransactions(ctx, TxQuery{Category: name})
		if err != nil {
			t.Fatal(err)
		}
		// A name may be part of another ("Transfer", "Transfer / Friends").
		want := 0
		for n, k := range count {
			if CategoryMatches(n, name) {
				want += k
			}
		}
		if got != want {
			t.Errorf("--category %q: %d rows, want %d", name, got, want)
		}
	}
	plan := queryPlan(t, e.st, "SELECT count(*) FROM transactions t WHERE t.category_name IN (?, ?)", "a", "b")
	if !slices.ContainsFunc(plan, func(s string) bool { return strings.Contains(s, "transactions_category_name") }) {
		t.Errorf("the category filter does not use its index: %q", plan)
	}
}
