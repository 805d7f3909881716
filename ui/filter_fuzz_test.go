package ui

import (
	"context"
	"testing"
	"time"
)

// FuzzParseFilter: whatever is typed at /, the filter parses without
// failing, every term is understood or reported (never silently dropped
// or doubled), and the store answers its query: a page and the totals
// agree on how many rows match.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"tesco", `"corner shop" !costa`, "amount:>50 amount:<=-12.5", "amt:=£1,234.56", "amount:>", "amount:abc",
		"category:food merchant:tesco pending", "settled !pending -pending is:pending", `"unterminated quote`,
		"amount:1e3", "amount:>-0.0000001", "cat: merchant: !", "\x1b]0;x\x07 \u202e", "amount:>9999999999999999999",
	} {
		f.Add(s)
	}
	st := filterStore(f,
		tx("CARD PAYMENT TESCO", "Tesco", "PURCHASE", "-12.50", false),
		tx("SALARY", "", "CREDIT", "2500.00", true),
		tx("FX FEE", "", "FEE", "-0.0000005", false),
		tx("BIG", "", "CREDIT", "123456789012345.678", false))
	f.Fuzz(func(t *testing.T, s string) {
		fl := parseFilter(s)
		terms := splitFilterTerms(s)
		pendingTerms := 0
		for _, tok := range terms {
			switch tok {
			case "pending", "is:pending", "settled", "!pending", "-pending", "PENDING", "SETTLED":
				pendingTerms++
			}
		}
		got := len(fl.terms) + len(fl.negated) + len(fl.category) + len(fl.merchant) + len(fl.amounts) + len(fl.problems)
		if got > len(terms) {
			t.Fatalf("parseFilter(%q): %d parts from %d terms", s, got, len(terms))
		}
		l := txList{loc: time.UTC, scope: txScope{id: "acc-current", accountIDs: []string{"acc-current"}}, filter: fl}
		q, ok := l.query()
		if !ok {
			return
		}
		q.Limit = 100
		page, err := st.TransactionPage(context.Background(), q)
		if err != nil {
			t.Fatalf("parseFilter(%q): page: %v", s, err)
		}
		sums, err := st.TransactionTotals(context.Background(), q)
		if err != nil {
			t.Fatalf("parseFilter(%q): totals: %v", s, err)
		}
		if n := countOf(sums); n != len(page) {
			t.Fatalf("parseFilter(%q): %d rows in a page, %d counted", s, len(page), n)
		}
	})
}
