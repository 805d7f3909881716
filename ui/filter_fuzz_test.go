package ui

import (
	"testing"

	"github.com/shopspring/decimal"
)

// FuzzParseFilter: whatever is typed at /, the filter parses without
// failing, every term is understood or reported (never silently dropped
// or doubled), an exact amount's millionths equal its decimal, and the
// fast (millionths) and exact (decimal) comparisons agree on every row.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"tesco", `"corner shop" !costa`, "amount:>50 amount:<=-12.5", "amt:=£1,234.56", "amount:>", "amount:abc",
		"category:food merchant:tesco pending", "settled !pending -pending is:pending", `"unterminated quote`,
		"amount:1e3", "amount:>-0.0000001", "cat: merchant: !", "\x1b]0;x\x07 \u202e", "amount:>9999999999999999999",
	} {
		f.Add(s)
	}
	rows := []txRow{
		row("CARD PAYMENT TESCO", "Tesco", "PURCHASE", "-12.50", false),
		row("SALARY", "", "CREDIT", "2500.00", true),
		row("FX FEE", "", "FEE", "-0.0000005", false),
		row("BIG", "", "CREDIT", "123456789012345.678", false),
	}
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
		for _, c := range fl.amounts {
			if c.exact && !decimal.New(c.micro, -6).Equal(c.value) {
				t.Fatalf("parseFilter(%q): %s is %d millionths", s, c.value, c.micro)
			}
		}
		for i := range rows {
			r := rows[i]
			fast := fl.match(&r)
			r.microOK = false // force the exact path
			if exact := fl.match(&r); exact != fast {
				t.Fatalf("parseFilter(%q) on %q: millionths say %v, decimals %v", s, r.label, fast, exact)
			}
		}
	})
}
