package ledger

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/banktui/banktui/truelayer"
)

func openTest(t testing.TB) *Store {
	t.Helper()
	st := openUnchecked(t)
	// Runs before Close: whatever the test wrote, the per-day totals
	// still add up to its rows (every writer calls noteInserted). A store
	// the test closed or damaged on purpose cannot be read: nothing to say.
	t.Cleanup(func() {
		if files := stageFiles(t, st); len(files) > 0 {
			t.Errorf("stage files left beside the store: %q", files)
		}
		if days, recount, err := daysAndRecount(st); err == nil && !slices.Equal(days, recount) {
			t.Errorf("the per-day totals %q do not add up to the rows %q: a writer of transactions forgot noteInserted", days, recount)
		}
	})
	return st
}

// openUnchecked is openTest for a test that writes behind the store's
// back on purpose.
func openUnchecked(t testing.TB) *Store {
	t.Helper()
	st, err := Open(filepath.Join(t.TempDir(), "data", "ledger.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// queryPlan is SQLite's plan for query: the detail of each step.
func queryPlan(t testing.TB, st *Store, query string, args ...any) []string {
	t.Helper()
	rows, err := st.db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

func mkTx(id, date string, amount, desc, merchant, category string, class ...string) truelayer.Transaction {
	ts, ok := truelayer.ParseTimestamp(date)
	if !ok {
		panic("bad date " + date)
	}
	var a truelayer.Amount
	if err := a.UnmarshalJSON([]byte(amount)); err != nil {
		panic(err)
	}
	t := truelayer.Transaction{
		TransactionID: id, Timestamp: ts, Description: desc, Amount: a, Currency: "GBP",
		TransactionCategory: category, TransactionClassification: class,
	}
	if merchant != "" {
		t.MerchantName = &merchant
	}
	return t
}

func amt(s string) truelayer.Amount { return truelayer.MustAmount(s) }

// seed writes one connection with a current account and a card.
func seed(t testing.TB, st *Store) {
	t.Helper()
	ctx := context.Background()
	recs := []accountRecord{
		accountFromAPI(truelayer.Account{AccountID: "acc-1", AccountType: "TRANSACTION", DisplayName: "Current",
			Currency: "GBP", AccountNumber: truelayer.AccountNumber{SortCode: "12-34-56", Number: "12345678"},
			Provider: truelayer.Provider{ProviderID: "ob-test", DisplayName: "Test Bank"}}),
		cardFromAPI(truelayer.Card{AccountID: "card-1", CardType: "CREDIT", CardNetwork: "VISA", DisplayName: "Visa",
			Currency: "GBP", PartialCardNumber: "4321"}),
	}
	if err := st.saveAccounts(ctx, "conn-1", "ob-test", "Test Bank", recs, []string{KindAccount, KindCard}); err != nil {
		t.Fatal(err)
	}
}

func TestOpenCreatesPrivateWALDatabase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "banktui")
	path := filepath.Join(dir, "ledger.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	seed(t, st)
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
	fi, _ := os.Stat(dir)
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, want 0700", fi.Mode().Perm())
	}
	var mode string
	st.db.QueryRow("PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Errorf("journal_mode %q", mode)
	}
	if !st.hasFTS {
		t.Error("the driver has FTS5 but the store did not create the index")
	}
	st.Close()

	st, err = Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer st.Close()
	var v int
	st.db.QueryRow("SELECT version FROM schema_version").Scan(&v)
	if v != len(migrations) {
		t.Errorf("schema version %d, want %d", v, len(migrations))
	}
	accts, err := st.Accounts(context.Background())
	if err != nil || len(accts) != 2 {
		t.Fatalf("after reopen: %d accounts, %v", len(accts), err)
	}
}

func TestOpenTightensLooseMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
}

// assertUntouched opens path, expects wantErr, and checks the bytes did not change.
func assertOpenFailsUntouched(t *testing.T, path string, wantErr error) {
	t.Helper()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Open(path)
	if err == nil {
		st.Close()
		t.Fatalf("Open succeeded on a bad file")
	}
	if !errors.Is(err, wantErr) {
		t.Fatalf("Open error %v, want %v", err, wantErr)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("Open modified the file")
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		if fi, _ := os.Stat(path + "-wal"); fi.Size() > 0 {
			t.Error("Open wrote a WAL next to the bad file")
		}
	}
}

func TestOpenRejectsGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	os.WriteFile(path, []byte("this is not a database, it is a shopping list\n"), 0o600)
	assertOpenFailsUntouched(t, path, ErrCorrupt)
}

func TestOpenRejectsDamagedPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	seed(t, st)
	st.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	st.Close()
	b, _ := os.ReadFile(path)
	// Keep the 100-byte header, scribble over the schema page.
	for i := 100; i < 4096 && i < len(b); i++ {
		b[i] = 0xA5
	}
	os.WriteFile(path, b, 0o600)
	assertOpenFailsUntouched(t, path, ErrCorrupt)
}

func TestOpenRejectsAnotherProgramsDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	assertOpenFailsUntouched(t, path, ErrCorrupt)
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	st.db.Exec("UPDATE schema_version SET version = 99")
	st.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	st.Close()
	assertOpenFailsUntouched(t, path, ErrNewerSchema)
}

func TestAccountsWithLatestBalance(t *testing.T) {
	st := openTest(t)
	ctx := context.Background()
	seed(t, st)
	clock := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	st.now = func() time.Time { return clock }
	od := amt("500")
	if err := st.saveBalance(ctx, "acc-1", balanceRecord{Currency: "GBP", Current: amt("100.10"), Available: amt("600.10"), Overdraft: &od, Raw: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(time.Hour)
	var cur truelayer.Amount
	cur.UnmarshalJSON([]byte("5479.0"))
	if err := st.saveBalance(ctx, "acc-1", balanceRecord{Currency: "GBP", Current: cur, Available: amt("5979"), Overdraft: &od, Raw: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	limit := amt("5000")
	if err := st.saveBalance(ctx, "card-1", balanceRecord{Currency: "GBP", Current: amt("79.21"), Available: amt("4920.79"), CreditLimit: &limit, Raw: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	views, err := st.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(views) != 2 || views[0].Kind != KindAccount || views[1].Kind != KindCard {
		t.Fatalf("want account then card, got %+v", views)
	}
	a := views[0]
	if !a.HasBalance || a.Current.String() != "5479.0" || !a.BalanceAsOf.Equal(clock) {
		t.Errorf("latest balance: %v as of %v", a.Current, a.BalanceAsOf)
	}
	if a.Number != "12-34-56 12345678" || a.ProviderName != "Test Bank" || a.ConnectionID != "conn-1" {
		t.Errorf("account fields: %+v", a)
	}
	if a.Overdraft == nil || !a.Overdraft.Equal(od) {
		t.Errorf("overdraft %v", a.Overdraft)
	}
	c := views[1]
	if c.CreditLimit == nil || !c.CreditLimit.Equal(limit) || c.PartialCardNumber != "4321" || c.CardNetwork != "VISA" {
		t.Errorf("card fields: %+v", c)
	}
	if c.ProviderName != "Test Bank" {
		t.Errorf("card provider name %q: the connection's should fill in", c.ProviderName)
	}
	hist, err := st.BalanceHistory(ctx, "acc-1")
	if err != nil || len(hist) != 2 || !hist[0].Current.Equal(amt("100.10")) {
		t.Fatalf("history %+v, %v", hist, err)
	}
	totals, err := st.Totals(ctx)
	if err != nil || len(totals) != 1 {
		t.Fatalf("totals %+v %v", totals, err)
	}
	if !totals[0].Total.Equal(amt("5399.79")) || !totals[0].Accounts.Equal(amt("5479")) || !totals[0].Cards.Equal(amt("79.21")) {
		t.Errorf("totals %+v", totals[0])
	}
}

func TestAccountsGoneWhenNoLongerListed(t *testing.T) {
	st := openTest(t)
	ctx := context.Background()
	seed(t, st)
	// The bank lists only the card now; accounts were listed (empty), cards too.
	recs := []accountRecord{cardFromAPI(truelayer.Card{AccountID: "card-1", DisplayName: "Visa", Currency: "GBP"})}
	if err := st.saveAccounts(ctx, "conn-1", "", "", recs, []string{KindAccount, KindCard}); err != nil {
		t.Fatal(err)
	}
	views, _ := st.Accounts(ctx)
	if len(views) != 2 || !views[0].Gone || views[1].Gone {
		t.Fatalf("gone flags: %+v", views)
	}
	// A failed card listing must not mark cards gone.
	if err := st.saveAccounts(ctx, "conn-1", "", "", nil, []string{KindAccount}); err != nil {
		t.Fatal(err)
	}
	views, _ = st.Accounts(ctx)
	if views[1].Gone {
		t.Error("card marked gone though cards were not listed")
	}
}

func seedTransactions(t testing.TB, st *Store) {
	t.Helper()
	seed(t, st)
	settled := []truelayer.Transaction{
		mkTx("t1", "2026-10-01T00:00:00Z", "-3.20", "PRET A MANGER LONDON", "Pret A Manger", "PURCHASE", "Food & Dining", "Coffee shops"),
		mkTx("t2", "2026-10-02T00:00:00Z", "-45.67", "TESCO STORES 2931", "Tesco", "PURCHASE", "Shopping", "Groceries"),
		mkTx("t3", "2026-10-15T00:00:00Z", "2410.00", "NORTHERN RAIL SALARY", "", "CREDIT", "Income"),
		mkTx("t4", "2026-11-01T00:00:00Z", "-825.00", "CASTLE ESTATES RENT", "", "STANDING_ORDER", "Bills and Utilities", "Rent"),
		mkTx("t5", "2026-11-03T00:00:00Z", "-12.5", "TESCO EXPRESS", "Tesco", "PURCHASE", "Shopping", "Groceries"),
		mkTx("t6", "2026-11-04T00:00:00Z", "-0.000001", "ROUNDING FEE", "", "FEE_CHARGE"),
	}
	pending := []truelayer.Transaction{
		mkTx("p1", "2026-11-05T00:00:00Z", "-9.99", "NETFLIX.COM", "Netflix", "PURCHASE", "Entertainment"),
	}
	st.now = func() time.Time { return time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC) }
	added, np, err := st.commitAccount(context.Background(), "acc-1", accountBatch{Settled: settled, Pending: pending, PendingFetched: true})
	if err != nil || added != 6 || np != 1 {
		t.Fatalf("commit: added %d pending %d err %v", added, np, err)
	}
	card := []truelayer.Transaction{mkTx("c1", "2026-11-02T10:30:00Z", "-19.99", "AMAZON MARKETPLACE", "Amazon", "PURCHASE", "Shopping")}
	if _, _, err := st.commitAccount(context.Background(), "card-1", accountBatch{Settled: card, PendingFetched: true}); err != nil {
		t.Fatal(err)
	}
}

func ids(v []TxView) []string {
	var out []string
	for _, t := range v {
		out = append(out, t.ID)
	}
	return out
}

func TestTransactionQueries(t *testing.T) {
	st := openTest(t)
	seedTransactions(t, st)
	ctx := context.Background()
	dec := func(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }
	cases := []struct {
		name string
		q    TxQuery
		want []string
	}{
		{"all by date", TxQuery{}, []string{"t1", "t2", "t3", "t4", "c1", "t5", "t6", "p1"}},
		{"newest first", TxQuery{Desc: true, Limit: 3}, []string{"p1", "t6", "t5"}},
		{"page", TxQuery{Limit: 2, Offset: 2}, []string{"t3", "t4"}},
		{"one account", TxQuery{AccountIDs: []string{"card-1"}}, []string{"c1"}},
		{"text substring, any case", TxQuery{Text: "tesco"}, []string{"t2", "t5"}},
		{"text in merchant", TxQuery{Text: "manger"}, []string{"t1"}},
		{"text two words", TxQuery{Text: "tesco express"}, []string{"t5"}},
		{"short word uses LIKE", TxQuery{Text: "pr"}, []string{"t1", "t5"}},
		{"text with quotes", TxQuery{Text: `"tesco`}, nil},
		{"category: a level", TxQuery{Category: "groceries"}, []string{"t2", "t5"}},
		{"category: the top level", TxQuery{Category: "SHOPPING"}, []string{"t2", "c1", "t5"}},
		{"category: as shown", TxQuery{Category: "Shopping / Groceries"}, []string{"t2", "t5"}},
		{"category: without spaces", TxQuery{Category: "shopping/groceries"}, []string{"t2", "t5"}},
		{"category: part of a word", TxQuery{Category: "dining"}, []string{"t1"}},
		{"category: the bank's code in words", TxQuery{Category: "fee charge"}, []string{"t6"}},
		{"category: not what is shown", TxQuery{Category: "purchase"}, nil},
		{"category: sort", TxQuery{Sort: "category", Limit: 2}, []string{"t4", "p1"}},
		{"merchant", TxQuery{Merchant: "TESCO"}, []string{"t2", "t5"}},
		{"amount range", TxQuery{MinAmount: dec("-50"), MaxAmount: dec("-10")}, []string{"t2", "c1", "t5"}},
		{"date range", TxQuery{From: time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}, []string{"t2", "t3"}},
		{"only pending", TxQuery{Pending: PendingOnly}, []string{"p1"}},
		{"only settled", TxQuery{Pending: PendingExclude, AccountIDs: []string{"acc-1"}, Text: "netflix"}, nil},
		{"by amount", TxQuery{Sort: "amount", Limit: 2}, []string{"t4", "t2"}},
		{"by description desc", TxQuery{Sort: "description", Desc: true, Limit: 2}, []string{"t2", "t5"}},
	}
	for _, c := range cases {
		got, err := st.Transactions(ctx, c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !slices.Equal(ids(got), c.want) {
			t.Errorf("%s: got %v, want %v", c.name, ids(got), c.want)
		}
		n, err := st.CountTransactions(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		wantN := len(c.want)
		if c.q.Limit > 0 {
			all, _ := st.Transactions(ctx, TxQuery{AccountIDs: c.q.AccountIDs, Text: c.q.Text, Pending: c.q.Pending})
			wantN = len(all)
		}
		if n != wantN {
			t.Errorf("%s: count %d, want %d", c.name, n, wantN)
		}
	}
	got, _ := st.Transactions(ctx, TxQuery{AccountIDs: []string{"acc-1"}, Text: "salary"})
	if len(got) != 1 {
		t.Fatal("salary not found")
	}
	s := got[0]
	if s.Amount.String() != "2410.00" || s.Raw.Amount.String() != "2410.00" || s.ConnectionID != "conn-1" || s.Pending {
		t.Errorf("salary row: %+v", s)
	}
	if !slices.Equal(s.Classification, []string{"Income"}) || s.Category != "CREDIT" {
		t.Errorf("classification %v category %q", s.Classification, s.Category)
	}
	if !s.Timestamp.Equal(time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("timestamp %v", s.Timestamp)
	}
}

func TestTextSearchWithoutFTS(t *testing.T) {
	st := openTest(t)
	seedTransactions(t, st)
	st.hasFTS = false // the LIKE path, as on a driver without FTS5
	got, err := st.Transactions(context.Background(), TxQuery{Text: "tesco express"})
	if err != nil || !slices.Equal(ids(got), []string{"t5"}) {
		t.Fatalf("got %v %v", ids(got), err)
	}
}

func TestSpendingExact(t *testing.T) {
	st := openTest(t)
	seedTransactions(t, st)
	ctx := context.Background()
	byCat, err := st.SpendingByCategory(ctx, TxQuery{AccountIDs: []string{"acc-1"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, b := range byCat {
		got[b.Key] = fmt.Sprintf("%d out %s in %s", b.Count, b.Spent.StringFixed(6), b.Received.StringFixed(2))
	}
	want := map[string]string{
		"Bills and Utilities / Rent":   "1 out 825.000000 in 0.00",
		"Shopping / Groceries":         "2 out 58.170000 in 0.00",
		"Food & Dining / Coffee shops": "1 out 3.200000 in 0.00",
		"Income":                       "1 out 0.000000 in 2410.00",
		"Fee charge":                   "1 out 0.000001 in 0.00",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("by category:\n got %v\nwant %v", got, want)
	}
	if byCat[0].Key != "Bills and Utilities / Rent" {
		t.Errorf("biggest spend first, got %s", byCat[0].Key)
	}
	byMonth, err := st.SpendingByMonth(ctx, TxQuery{})
	if err != nil || len(byMonth) != 2 {
		t.Fatalf("by month %+v %v", byMonth, err)
	}
	if byMonth[0].Key != "2026-10" || !byMonth[0].Net.Equal(amt("2361.13")) {
		t.Errorf("october %+v", byMonth[0])
	}
	if byMonth[1].Key != "2026-11" || !byMonth[1].Spent.Equal(amt("857.490001")) || byMonth[1].Count != 4 {
		t.Errorf("november %+v (pending excluded)", byMonth[1])
	}
}

func TestSpendingFallsBackToTextBeyondSixDecimals(t *testing.T) {
	st := openTest(t)
	seed(t, st)
	txs := []truelayer.Transaction{
		mkTx("a", "2026-10-01", "-0.0000001", "TINY", "", "FEE_CHARGE"),
		mkTx("b", "2026-10-02", "-0.0000002", "TINY", "", "FEE_CHARGE"),
	}
	if _, _, err := st.commitAccount(context.Background(), "acc-1", accountBatch{Settled: txs}); err != nil {
		t.Fatal(err)
	}
	b, err := st.SpendingByCategory(context.Background(), TxQuery{})
	if err != nil || len(b) != 1 || !b[0].Spent.Equal(amt("0.0000003")) {
		t.Fatalf("%+v %v", b, err)
	}
}

func TestCommitIsIdempotentAndTracksIDChurn(t *testing.T) {
	st := openTest(t)
	seed(t, st)
	ctx := context.Background()
	a := mkTx("id-1", "2026-10-01", "-5.00", "COFFEE", "", "PURCHASE")
	a.ProviderTransactionID = "prov-1"
	b := mkTx("id-2", "2026-10-02", "-6.00", "LUNCH", "", "PURCHASE")
	batch := accountBatch{Settled: []truelayer.Transaction{a, b}, PendingFetched: true}
	if added, _, err := st.commitAccount(ctx, "acc-1", batch); err != nil || added != 2 {
		t.Fatalf("first: %d %v", added, err)
	}
	if added, _, err := st.commitAccount(ctx, "acc-1", batch); err != nil || added != 0 {
		t.Fatalf("again: %d %v", added, err)
	}
	// The bank renumbers the first row; its provider id stays.
	a.TransactionID = "id-1-new"
	if added, _, err := st.commitAccount(ctx, "acc-1", accountBatch{Settled: []truelayer.Transaction{a}}); err != nil || added != 0 {
		t.Fatalf("churn: %d %v", added, err)
	}
	got, _ := st.Transactions(ctx, TxQuery{})
	if !slices.Equal(ids(got), []string{"id-1-new", "id-2"}) {
		t.Fatalf("rows %v", ids(got))
	}
}

func TestPendingSettlingUnderNewID(t *testing.T) {
	st := openTest(t)
	seed(t, st)
	ctx := context.Background()
	coffee1 := mkTx("p-1", "2026-11-01T08:00:00Z", "-3.20", "PRET A MANGER", "Pret A Manger", "PURCHASE")
	coffee2 := mkTx("p-2", "2026-11-02T08:00:00Z", "-3.20", "PRET A MANGER", "Pret A Manger", "PURCHASE")
	books := mkTx("p-3", "2026-11-02T09:00:00Z", "-12.00", "WATERSTONES", "", "PURCHASE")

	// Day 1: three pending rows.
	_, np, err := st.commitAccount(ctx, "acc-1", accountBatch{Pending: []truelayer.Transaction{coffee1, coffee2, books}, PendingFetched: true})
	if err != nil || np != 3 {
		t.Fatalf("day 1: %d %v", np, err)
	}
	// Day 2: the first coffee settled under a new id and a new description,
	// but the bank still lists it as pending too. Books settled and left
	// the pending list with a changed description.
	settled1 := mkTx("s-1", "2026-11-03T00:00:00Z", "-3.20", "PRET A MANGER LONDON GB", "Pret A Manger", "PURCHASE")
	settled3 := mkTx("s-3", "2026-11-03T00:00:00Z", "-12.00", "WSTONES 1123", "", "PURCHASE")
	_, np, err = st.commitAccount(ctx, "acc-1", accountBatch{
		Settled: []truelayer.Transaction{settled1, settled3}, Pending: []truelayer.Transaction{coffee1, coffee2}, PendingFetched: true})
	if err != nil {
		t.Fatal(err)
	}
	if np != 1 {
		t.Errorf("pending stored %d, want 1 (the second coffee)", np)
	}
	got, _ := st.Transactions(ctx, TxQuery{})
	if !slices.Equal(ids(got), []string{"p-2", "s-1", "s-3"}) {
		t.Fatalf("rows %v", ids(got))
	}
	if got[1].SettledFrom != "p-1" || got[2].SettledFrom != "p-3" {
		t.Errorf("links: s-1 from %q, s-3 from %q", got[1].SettledFrom, got[2].SettledFrom)
	}
	// Day 3: the same lists again change nothing.
	_, np, _ = st.commitAccount(ctx, "acc-1", accountBatch{
		Settled: []truelayer.Transaction{settled1, settled3}, Pending: []truelayer.Transaction{coffee1, coffee2}, PendingFetched: true})
	got2, _ := st.Transactions(ctx, TxQuery{})
	if np != 1 || !slices.Equal(ids(got2), ids(got)) {
		t.Errorf("second identical sync changed rows: %v", ids(got2))
	}
	// Day 4: the second coffee settles; nothing pending remains.
	settled2 := mkTx("s-2", "2026-11-04T00:00:00Z", "-3.20", "PRET A MANGER LONDON GB", "Pret A Manger", "PURCHASE")
	st.commitAccount(ctx, "acc-1", accountBatch{Settled: []truelayer.Transaction{settled2}, Pending: nil, PendingFetched: true})
	got, _ = st.Transactions(ctx, TxQuery{})
	if !slices.Equal(ids(got), []string{"s-1", "s-3", "s-2"}) {
		t.Fatalf("rows %v", ids(got))
	}
	// A failed pending fetch keeps the stored set.
	st.commitAccount(ctx, "acc-1", accountBatch{Pending: []truelayer.Transaction{books}, PendingFetched: false})
	if n, _ := st.CountTransactions(ctx, TxQuery{Pending: PendingOnly}); n != 0 {
		t.Errorf("unfetched pending set replaced: %d pending", n)
	}
}

func TestDiskFullKeepsPreviousState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	seedTransactions(t, st)
	var pages int
	st.db.QueryRow("PRAGMA page_count").Scan(&pages)
	st.Close()

	// Reopen with the file capped near its size: the next big write fails.
	st, err = open(path, openConfig{maxPageCount: pages + 2})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	before, _ := st.Transactions(ctx, TxQuery{})
	var many []truelayer.Transaction
	for i := range 5000 {
		many = append(many, mkTx(fmt.Sprintf("bulk-%d", i), "2026-09-01", "-1.00", strings.Repeat("LONG DESCRIPTION ", 8), "", "PURCHASE"))
	}
	_, _, err = st.commitAccount(ctx, "acc-1", accountBatch{Settled: many, PendingFetched: true, State: syncState{Backfilled: true, OldestDay: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}})
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("want ErrDiskFull, got %v", err)
	}
	after, err := st.Transactions(ctx, TxQuery{})
	if err != nil || !slices.Equal(ids(after), ids(before)) {
		t.Fatalf("state changed after a failed write: %v %v", ids(after), err)
	}
	ss, _ := st.syncState(ctx, "acc-1")
	if ss.Backfilled {
		t.Error("sync state advanced without its transactions")
	}
}

func TestCheckFindsAnIndexOutOfStep(t *testing.T) {
	st := openUnchecked(t)
	seedTransactions(t, st)
	ctx := context.Background()
	if err := st.Check(ctx); err != nil {
		t.Fatalf("fresh store: %v", err)
	}
	// A row written behind the full-text index's back.
	if _, err := st.db.Exec(`INSERT INTO transactions (account_rid, tx_id, pending, ts, description, merchant, category,
	classification, amount, amount_micro, amount_exact, currency, first_seen)
	SELECT rid, 'stray', 0, 0, 'STRAY ROW', '', '', '', '1', 1000000, 1, 'GBP', 0 FROM accounts LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if err := st.Check(ctx); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Check: %v, want ErrCorrupt", err)
	}
}

func TestTextPageOfACommonWord(t *testing.T) {
	st := openTest(t)
	seed(t, st)
	ctx := context.Background()
	var txs []truelayer.Transaction
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 400 {
		desc := "TESCO STORES"
		if i%3 == 0 {
			desc = "COSTA COFFEE"
		}
		txs = append(txs, mkTx(fmt.Sprintf("t%03d", i), start.Add(time.Duration(i*7)*time.Hour).Format(time.RFC3339), "-1.00", desc, "", "PURCHASE"))
	}
	if _, _, err := st.commitAccount(ctx, "acc-1", accountBatch{Settled: txs}); err != nil {
		t.Fatal(err)
	}
	q := TxQuery{Text: "tesco", Desc: true, Limit: 10, Offset: 5}
	if !st.pageByDate(ctx, q) {
		t.Fatal("a word in most rows should page through the date index")
	}
	page, err := st.Transactions(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := st.Transactions(ctx, TxQuery{Text: "tesco", Desc: true})
	if len(all) != 266 || !slices.Equal(ids(page), ids(all[5:15])) {
		t.Fatalf("page %v, want %v (of %d)", ids(page), ids(all[5:15]), len(all))
	}
	if st.pageByDate(ctx, TxQuery{Text: "tesco", Limit: 100}) {
		t.Error("a page of 100 out of 266 should sort the matches")
	}
}

// TestCommitBatchWithRepeatedID: two different rows under one id are kept
// apart, never merged (see TestSyncKeepsApartDuplicateIDs).
func TestCommitBatchWithRepeatedID(t *testing.T) {
	st := openTest(t)
	seed(t, st)
	a := mkTx("same", "2026-10-01", "-5.00", "FIRST TEXT", "", "PURCHASE")
	b := mkTx("same", "2026-10-01", "-5.00", "SECOND TEXT", "", "PURCHASE")
	added, _, err := st.commitAccount(context.Background(), "acc-1", accountBatch{Settled: []truelayer.Transaction{a, b, a}})
	if err != nil || added != 2 {
		t.Fatalf("added %d, %v", added, err)
	}
	got, _ := st.Transactions(context.Background(), TxQuery{Sort: "description"})
	if len(got) != 2 || got[0].ID+" "+got[0].Description != "same FIRST TEXT" || got[1].ID+" "+got[1].Description != "same#2 SECOND TEXT" {
		t.Fatalf("rows %+v", got)
	}
	if err := st.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}
