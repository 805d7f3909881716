package ui

import (
	"reflect"
	"testing"
	"time"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

func row(desc, merchant, category, amount string, pending bool, class ...string) txRow {
	v := []ledger.TxView{{Description: desc, Merchant: merchant, Category: category, Classification: class,
		CategoryName: ledger.CategoryName(category, class), Amount: truelayer.MustAmount(amount), Pending: pending}}
	return prepareRows(v, time.UTC)[0]
}

func TestFilterMatch(t *testing.T) {
	tesco := row("CARD PAYMENT TESCO", "Tesco", "PURCHASE", "-12.50", false, "Shopping", "Groceries")
	salary := row("ACME LTD SALARY", "", "CREDIT", "2500.00", false)
	rent := row("RENT NOVEMBER", "Landlord Ltd", "STANDING_ORDER", "-1200", true)
	tests := []struct {
		filter string
		want   []bool // tesco, salary, rent
	}{
		{"", []bool{true, true, true}},
		{"tesco", []bool{true, false, false}},
		{"TESCO payment", []bool{true, false, false}},
		{"amount:>50", []bool{false, true, false}},
		{"amount:<-100", []bool{false, false, true}},
		{"amount:>=-12.5", []bool{true, true, false}},
		{"amount:<=-12.50", []bool{true, false, true}},
		{"amount:-12.5", []bool{true, false, false}},
		{"amount:>£1,000", []bool{false, true, false}},
		{"category:credit", []bool{false, true, false}},
		{"category:standing", []bool{false, false, true}},
		// The category shown ("Shopping / Groceries"), at any level, any case.
		{"category:groceries", []bool{true, false, false}},
		{"category:SHOPPING", []bool{true, false, false}},
		{`category:"Shopping / Groceries"`, []bool{true, false, false}},
		{"category:shopping/groceries", []bool{true, false, false}},
		{"category:purchase", []bool{false, false, false}}, // the bank's code, not what is shown
		{"merchant:land", []bool{false, false, true}},
		{"pending", []bool{false, false, true}},
		{"settled", []bool{true, true, false}},
		{"!pending", []bool{true, true, false}},
		{"!tesco", []bool{false, true, true}},
		{`"rent november"`, []bool{false, false, true}},
		{"ltd amount:<0", []bool{false, false, true}},
		{"amount:>x", []bool{true, true, true}}, // unreadable term ignored, reported
	}
	for _, tt := range tests {
		f := parseFilter(tt.filter)
		var got []bool
		for _, r := range []txRow{tesco, salary, rent} {
			got = append(got, f.match(&r))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("filter %q: got %v, want %v", tt.filter, got, tt.want)
		}
	}
}

func TestFilterProblems(t *testing.T) {
	f := parseFilter("amount:> amount:abc tesco")
	if len(f.problems) != 2 {
		t.Fatalf("problems = %v, want 2", f.problems)
	}
	if len(f.terms) != 1 || f.terms[0] != "tesco" {
		t.Errorf("terms = %v", f.terms)
	}
}

func TestFilterExactDecimals(t *testing.T) {
	// 0.1 + 0.2 style pitfalls must not exist: comparisons are exact.
	r := row("x", "", "", "0.30", false)
	f := parseFilter("amount:0.3")
	if !f.match(&r) {
		t.Error("amount:0.3 should match 0.30 exactly")
	}
	tiny := row("x", "", "", "0.0000001", false) // below a millionth: decimal path
	if f := parseFilter("amount:>0"); !f.match(&tiny) {
		t.Error("amount:>0 should match 0.0000001")
	}
}
