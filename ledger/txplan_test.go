package ledger

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestTextFilterEqualsAPlainScan: whichever way the filter's words are
// found (few matches read by row id, many found walking the sort's index,
// none at all), a page-by-page read and the totals equal a plain scan
// testing every row (the store without its full-text index), hostile text
// included, and case ignored alike for every letter (É is é, as in the
// index).
func TestTextFilterEqualsAPlainScan(t *testing.T) {
	st := labelledFixture(t, 250, []string{`O'Neil "Q"`, "100% Off", "a_b", `back\slash`, "Café", "CAFÉ MÜLLER", "ŻABKA Łódź", "日本語", "tesco", "Tesco Extra", "", "zed"})
	ctx := context.Background()
	words := [][]string{
		{"tesco"}, {"esco"}, {"extra", "tesco"}, {"ref3", "zed"}, {"zzzq"}, {"nomatch", "tesco"},
		{`o'neil`}, {`"q"`}, {`"`}, {`'`}, {"100%"}, {"0% o"}, {"%"}, {"a_b"}, {"_"}, {`\`}, {`k\s`}, {`back\slash`},
		{"café"}, {"caf"}, {"é"}, {"É"}, {"müller"}, {"MÜLL"}, {"żabka"}, {"łó"}, {"ŁÓDŹ", "tesco"}, {"日本語"}, {"本語"}, {"ref", "日本"},
		{"t"}, {"te"}, {"xq"}, {"card", "re"},
	}
	month := func(q TxQuery) TxQuery {
		q.From, q.To = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		return q
	}
	shapes := map[string]func(TxQuery) TxQuery{
		"all":                 func(q TxQuery) TxQuery { return q },
		"a month":             month,
		"one account settled": func(q TxQuery) TxQuery { q.AccountIDs = []string{"a2"}; q.Pending = PendingExclude; return q },
	}
	for _, w := range words {
		for shape, narrow := range shapes {
			q := narrow(TxQuery{Terms: TxTerms{Words: w}})
			st.hasFTS = false
			var want [][]int64
			for _, sort := range PageSorts {
				want = append(want, referenceOrder(t, st, TxQuery{Terms: q.Terms, AccountIDs: q.AccountIDs, From: q.From, To: q.To, Pending: q.Pending, Sort: sort, Desc: true}))
			}
			wantTotals := sumRows(t, st, q)
			st.hasFTS = true
			for _, drive := range []int{0, 3} { // few matches, or many
				st.ftsDrive, st.walkLimit = drive, drive*10
				for i, sort := range PageSorts {
					p := q
					p.Sort, p.Desc = sort, true
					if got := pageThrough(t, st, p, 17); !slices.Equal(got, want[i]) {
						t.Errorf("%q, %s (drive %d) by %s: %d rows, a plain scan %d; first difference at %d",
							w, shape, drive, sort, len(got), len(want[i]), firstDiff(got, want[i]))
					}
				}
			}
			st.ftsDrive, st.walkLimit = 0, 0
			got, err := st.TransactionTotals(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(wantTotals) {
				t.Errorf("%q, %s: totals in %d currencies, a plain scan %d", w, shape, len(got), len(wantTotals))
			}
			for _, b := range got {
				g := [3]string{fmt.Sprint(b.Count), b.Received.Decimal().String(), b.Spent.Decimal().String()}
				if g != wantTotals[b.Currency] {
					t.Errorf("%q, %s %s: count, in, out = %v, a plain scan %v", w, shape, b.Currency, g, wantTotals[b.Currency])
				}
			}
		}
	}
}
