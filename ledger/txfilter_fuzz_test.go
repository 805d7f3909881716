package ledger

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/banktui/banktui/truelayer"
)

// FuzzTxQuery: whatever text, merchant and category a user filters by (the
// CLI's flags, the TUI's filter), the query builds and runs (quotes, LIKE
// wildcards, FTS5 syntax and escapes are text, never syntax), counts what
// it lists, and for plain ASCII text lists exactly the rows whose
// description or merchant holds every word, case-insensitively.
func FuzzTxQuery(f *testing.F) {
	st := openTest(f)
	seedTransactions(f, st)
	ctx := context.Background()
	more := []truelayer.Transaction{
		mkTx("h1", "2026-11-06T00:00:00Z", "-1.00", `50% OFF "DEAL" \_ NEAR(a b) col:x *`, "O'Brien & Co", "PURCHASE", "Shopping"),
		mkTx("h2", "2026-11-07T00:00:00Z", "-2.00", "CAFÉ ZÜRICH \x1b]0;t\x07 \u202e", "Café", "PURCHASE", "Food & Dining"),
	}
	if _, _, err := st.commitAccount(ctx, "acc-1", accountBatch{Settled: more}); err != nil {
		f.Fatal(err)
	}
	all, err := st.Transactions(ctx, TxQuery{})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][3]string{
		{"tesco", "", ""}, {"TESCO stores", "tes", "PURCHASE"}, {`"deal"`, "", ""}, {"50%", "o'b", ""}, {`\_`, "_", ""},
		{"NEAR(a", "", "Groceries"}, {"col:x *", "", ""}, {"café", "CAF", "food & dining"}, {"-rent", "", "%"},
		{"AND OR NOT", "", ""}, {"\x00\xff", "\x1b", "\u202e"}, {"ro", "", ""}, {"a b c", "", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, text, merchant, category string) {
		q := TxQuery{Text: text, Merchant: merchant, Category: category}
		got, err := st.Transactions(ctx, q)
		if err != nil {
			t.Fatalf("Transactions(%+v): %v", q, err)
		}
		n, err := st.CountTransactions(ctx, q)
		if err != nil || n != len(got) {
			t.Fatalf("CountTransactions(%+v) = %d, %v; Transactions lists %d", q, n, err, len(got))
		}
		if category != "" || !plainASCII(text) || !plainASCII(merchant) {
			return
		}
		var want []string
		for _, x := range all {
			if matchesText(x, text) && strings.Contains(strings.ToLower(x.Merchant), strings.ToLower(merchant)) {
				want = append(want, x.ID)
			}
		}
		if gotIDs := ids(got); !sameSet(gotIDs, want) {
			t.Fatalf("Transactions(text %q, merchant %q) = %v, want %v", text, merchant, gotIDs, want)
		}
	})
}

// matchesText is TxQuery.Text's promise, in Go.
func matchesText(x TxView, text string) bool {
	desc, merchant := strings.ToLower(x.Description), strings.ToLower(x.Merchant)
	for _, w := range strings.Fields(strings.ToLower(text)) {
		if !strings.Contains(desc, w) && !strings.Contains(merchant, w) {
			return false
		}
	}
	return true
}

func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
