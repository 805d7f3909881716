package ledger

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/banktui/banktui/truelayer"
)

// pageFixture stores three accounts (two in GBP, one in EUR) with many ties
// (equal amounts, times, labels in different cases), rows without a running
// balance, pending rows and a few amounts beyond six decimals.
func pageFixture(t testing.TB, perAccount int) *Store {
	t.Helper()
	return labelledFixture(t, perAccount, []string{"Tesco", "tesco", "TESCO Extra", "Pret", "", "Zed", "amazon", "Amazon"})
}

// labelledFixture is pageFixture with rows of these merchants (and
// descriptions "CARD <label upper-cased> REF<n>").
func labelledFixture(t testing.TB, perAccount int, labels []string) *Store {
	t.Helper()
	st := openTest(t)
	ctx := context.Background()
	recs := []accountRecord{
		accountFromAPI(truelayer.Account{AccountID: "a1", AccountType: "TRANSACTION", DisplayName: "One", Currency: "GBP",
			Provider: truelayer.Provider{ProviderID: "ob-x", DisplayName: "X"}}),
		accountFromAPI(truelayer.Account{AccountID: "a2", AccountType: "SAVINGS", DisplayName: "Two", Currency: "GBP",
			Provider: truelayer.Provider{ProviderID: "ob-x", DisplayName: "X"}}),
		accountFromAPI(truelayer.Account{AccountID: "a3", AccountType: "TRANSACTION", DisplayName: "Three", Currency: "EUR",
			Provider: truelayer.Provider{ProviderID: "ob-x", DisplayName: "X"}}),
	}
	if err := st.saveAccounts(ctx, "c1", "ob-x", "X", recs, []string{KindAccount}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	cats := []string{"PURCHASE", "BILL_PAYMENT", "TRANSFER", "purchase"}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, r := range recs {
		cur := r.Currency
		var settled, pending []truelayer.Transaction
		for n := range perAccount {
			ts := base.Add(time.Duration(rng.IntN(90*24)) * time.Hour) // many share an hour
			amount := fmt.Sprintf("%d.%02d", -rng.IntN(30), rng.IntN(3)*25)
			if n%11 == 0 {
				amount = "12.5000001" // beyond six decimals
			}
			label := labels[rng.IntN(len(labels))]
			desc := fmt.Sprintf("CARD %s REF%d", strings.ToUpper(label), n%7)
			x := truelayer.Transaction{
				TransactionID: fmt.Sprintf("%s-%d", r.ID, n), Timestamp: truelayer.NewTimestamp(ts),
				Description: desc, Amount: truelayer.MustAmount(amount), Currency: cur,
				TransactionCategory: cats[rng.IntN(len(cats))],
			}
			if label != "" {
				x.MerchantName = &label
			}
			if n%3 != 0 {
				x.RunningBalance = &truelayer.RunningBalance{Amount: truelayer.AmountFromMinor(int64(rng.IntN(5)*100), 2), Currency: cur}
			}
			if n%17 == i {
				pending = append(pending, x)
			} else {
				settled = append(settled, x)
			}
		}
		if _, _, err := st.commitAccount(ctx, r.ID, accountBatch{Settled: settled, Pending: pending, PendingFetched: true,
			State: syncState{Backfilled: true, OldestDay: base}}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// referenceOrder lists, with SQLite's own ORDER BY over the whole
// selection, the rows a sorted list of q holds.
func referenceOrder(t *testing.T, st *Store, q TxQuery) []int64 {
	t.Helper()
	ctx := context.Background()
	where, args, err := st.txWhere(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	ps := pageSorts[pageSortName(q.Sort)]
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	order := " ORDER BY "
	if ps.key != "" {
		order += ps.key + dir + ", "
	}
	rows, err := st.db.QueryContext(ctx, "SELECT t.rid FROM transactions t NOT INDEXED"+where+order+"t.ts"+dir+", t.rid"+dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var r int64
		rows.Scan(&r)
		out = append(out, r)
	}
	return out
}

func rids(views []TxView) []int64 {
	out := make([]int64, len(views))
	for i := range views {
		out[i] = views[i].pos.rid
	}
	return out
}

// pageThrough reads q page by page (n rows each) to the end.
func pageThrough(t *testing.T, st *Store, q TxQuery, n int) []int64 {
	t.Helper()
	var out []int64
	q.Limit = n
	for {
		page, err := st.TransactionPage(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rids(page)...)
		if len(page) < n {
			return out
		}
		c := page[len(page)-1].Cursor(q.Sort)
		q.After = &c
	}
}

func TestTransactionPageWalksEverySortBothWays(t *testing.T) {
	st := pageFixture(t, 400)
	dec := decimal.RequireFromString
	filters := map[string]TxQuery{
		"everything":       {},
		"one account":      {AccountIDs: []string{"a2"}},
		"two accounts":     {AccountIDs: []string{"a1", "a3"}},
		"a month":          {From: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		"settled":          {Pending: PendingExclude},
		"word":             {Terms: TxTerms{Words: []string{"tesco"}}},
		"word in a month":  {Terms: TxTerms{Words: []string{"amazon"}}, From: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		"rare word":        {Terms: TxTerms{Words: []string{"ref3", "zed"}}},
		"short word":       {Terms: TxTerms{Words: []string{"am"}}},
		"category word":    {Terms: TxTerms{Words: []string{"bill"}}},
		"not":              {Terms: TxTerms{NotWords: []string{"tesco"}}},
		"amount":           {Terms: TxTerms{Amounts: []AmountCond{{">", dec("-10")}, {"<=", dec("0")}}}},
		"merchant+cat":     {Terms: TxTerms{Merchants: []string{"amaz"}, Categories: []string{"purch"}}},
		"amount = inexact": {Terms: TxTerms{Amounts: []AmountCond{{"=", dec("12.5000001")}}}},
	}
	for name, f := range filters {
		st.ftsDrive, st.walkLimit = 0, 0
		walks := []int{0}
		if strings.HasPrefix(name, "word") {
			// Many matches: walk the index, testing every row (at most
			// 50 a row asked for: all of them here), or at most 30 and
			// then looking the row ids up among the matches.
			st.ftsDrive, walks = 5, []int{0, 30}
		}
		for _, walk := range walks {
			st.walkLimit = walk
			for _, sort := range PageSorts {
				for _, desc := range []bool{false, true} {
					q := f
					q.Sort, q.Desc = sort, desc
					want := referenceOrder(t, st, q)
					got := pageThrough(t, st, q, 23)
					if !slices.Equal(got, want) {
						t.Errorf("%s (walk %d) by %s desc=%v: pages give %d rows, the full sort %d; first difference at %d",
							name, walk, sort, desc, len(got), len(want), firstDiff(got, want))
					}
				}
			}
		}
	}
}

func firstDiff(a, b []int64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestTransactionPageBackwardsAndAt(t *testing.T) {
	st := pageFixture(t, 200)
	ctx := context.Background()
	q := TxQuery{Sort: "amount", Limit: 1000}
	all, err := st.TransactionPage(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	mid := all[300]
	// From a row on, it included; and the rows before it, read backwards.
	c := mid.Cursor("amount")
	at, err := st.TransactionPage(ctx, TxQuery{Sort: "amount", Limit: 5, After: &c, Inclusive: true})
	if err != nil || len(at) != 5 || !slices.Equal(rids(at), rids(all[300:305])) {
		t.Fatalf("at: %v %v, want %v", rids(at), err, rids(all[300:305]))
	}
	before, err := st.TransactionPage(ctx, TxQuery{Sort: "amount", Desc: true, Limit: 5, After: &c})
	slices.Reverse(before)
	if err != nil || !slices.Equal(rids(before), rids(all[295:300])) {
		t.Fatalf("before: %v %v, want %v", rids(before), err, rids(all[295:300]))
	}
	// A cursor of another sort is refused.
	if _, err := st.TransactionPage(ctx, TxQuery{Sort: "date", Limit: 5, After: &c}); err == nil {
		t.Error("a cursor of another sort was accepted")
	}
}

// sumRows is the reference for totals: every row q selects, summed in decimals.
func sumRows(t *testing.T, st *Store, q TxQuery) map[string][3]string {
	t.Helper()
	views, err := st.Transactions(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	in, out, n := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}, map[string]int{}
	for _, v := range views {
		a := v.Amount.Decimal()
		if a.Sign() > 0 {
			in[v.Currency] = in[v.Currency].Add(a)
		} else {
			out[v.Currency] = out[v.Currency].Sub(a)
		}
		n[v.Currency]++
	}
	res := map[string][3]string{}
	for c := range n {
		res[c] = [3]string{fmt.Sprint(n[c]), in[c].String(), out[c].String()}
	}
	return res
}

func TestTransactionTotalsAgreeWithTheRows(t *testing.T) {
	st := pageFixture(t, 300)
	ctx := context.Background()
	day := func(d int, h int) time.Time { return time.Date(2026, 2, d, h, 0, 0, 0, time.UTC) }
	cases := map[string]TxQuery{
		"all":              {},
		"settled GBP pair": {AccountIDs: []string{"a1", "a2"}, Pending: PendingExclude},
		"whole days":       {From: day(1, 0), To: day(20, 0)},
		"part days":        {From: day(1, 7), To: day(20, 13)},
		"within a day":     {From: day(3, 2), To: day(3, 20)},
		"open start":       {To: day(10, 5), Pending: PendingOnly},
		"open end":         {From: day(10, 5)},
		"filtered":         {Terms: TxTerms{Words: []string{"tesco"}}, From: day(2, 3)},
		// Words found by the full-text index and summed from transactions_sums.
		"words, one account": {AccountIDs: []string{"a1"}, Terms: TxTerms{Words: []string{"tesco", "REF"}}},
		"words and amounts": {Terms: TxTerms{Words: []string{"esco"}, Amounts: []AmountCond{{Op: "<", Value: decimal.RequireFromString("-5")}}},
			Pending: PendingExclude},
		"search text":         {Text: "amazon", To: day(20, 13)},
		"words, no transfers": {Terms: TxTerms{Words: []string{"amazon"}}, ExcludeTransfers: true},
		// And words that need the rows.
		"words and not":   {Terms: TxTerms{Words: []string{"tesco"}, NotWords: []string{"extra"}}},
		"short word":      {Terms: TxTerms{Words: []string{"tesco", "ex"}}},
		"words, merchant": {Terms: TxTerms{Words: []string{"card"}, Merchants: []string{"pret"}}},
	}
	for name, q := range cases {
		got, err := st.TransactionTotals(ctx, q)
		if err != nil {
			t.Fatal(name, err)
		}
		want := sumRows(t, st, q)
		if len(got) != len(want) {
			t.Errorf("%s: %d currencies, want %d", name, len(got), len(want))
		}
		for _, b := range got {
			w := want[b.Currency]
			g := [3]string{fmt.Sprint(b.Count), b.Received.Decimal().String(), b.Spent.Decimal().String()}
			if g != w {
				t.Errorf("%s %s: count, in, out = %v, want %v", name, b.Currency, g, w)
			}
			if !b.Net.Equal(b.Received.Sub(b.Spent)) {
				t.Errorf("%s: net %s", name, b.Net)
			}
		}
	}
}

// TestTextTotalsReadTheSumsIndex: a text filter's count and totals read
// the narrow transactions_sums index for the matches, not their rows (at
// 1M rows and a common word, reading the rows took about a second); when
// the matches outnumber a quarter of a period's rows (a month of a long
// history), they test the period's rows in date order instead.
func TestTextTotalsReadTheSumsIndex(t *testing.T) {
	st := pageFixture(t, 50)
	ctx := context.Background()
	const sums, period = "SEARCH t USING COVERING INDEX transactions_sums (rid=?", "SEARCH t USING INDEX transactions_account_ts (account_rid=?"
	feb := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		q    TxQuery
		want string
	}{
		{TxQuery{AccountIDs: []string{"a1"}, Terms: TxTerms{Words: []string{"ref3", "zed"}}}, sums},
		{TxQuery{Text: "tesco", From: feb, Pending: PendingExclude}, sums},
		{TxQuery{Terms: TxTerms{Words: []string{"ref3", "amazon"}, Amounts: []AmountCond{{Op: ">=", Value: decimal.RequireFromString("-5")}}}}, sums},
		{TxQuery{AccountIDs: []string{"a1"}, Terms: TxTerms{Words: []string{"tesco"}}}, sums}, // all history
		{TxQuery{AccountIDs: []string{"a1"}, Terms: TxTerms{Words: []string{"tesco"}}, From: feb, To: feb.AddDate(0, 1, 0)}, period},
		{TxQuery{AccountIDs: []string{"a1", "a2"}, Terms: TxTerms{Words: []string{"ref3", "zed"}}, From: feb, To: feb.AddDate(0, 0, 7)}, period},
	} {
		query, _, args, err := st.sumQuery(ctx, c.q, "", nil, notTransfer)
		if err != nil {
			t.Fatal(err)
		}
		if p := strings.Join(queryPlan(t, st, query, args...), "; "); !strings.Contains(p, c.want) {
			t.Errorf("%v %v: plan %s, want %s", c.q.AccountIDs, c.q.Terms.Words, p, c.want)
		}
	}
}
