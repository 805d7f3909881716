package ledger

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
	tt "github.com/banktui/banktui/truelayer/truelayertest"
)

// benchMerchants gives the 100k-row ledger realistic text to search.
var benchMerchants = []struct{ desc, merchant, category string }{
	{"TESCO STORES %d", "Tesco", "Groceries"},
	{"SAINSBURYS S/MKT %d", "Sainsbury's", "Groceries"},
	{"PRET A MANGER %d", "Pret A Manger", "Coffee shops"},
	{"COSTA COFFEE %d", "Costa", "Coffee shops"},
	{"TFL TRAVEL CH %d", "Transport for London", "Transport"},
	{"AMAZON MKTPLACE %d", "Amazon", "Shopping"},
	{"UBER *TRIP %d", "Uber", "Transport"},
	{"DELIVEROO %d", "Deliveroo", "Takeaway"},
	{"SHELL %d", "Shell", "Fuel"},
	{"BOOTS %d", "Boots", "Health"},
	{"WAITROSE %d", "Waitrose", "Groceries"},
	{"ARGOS LTD %d", "Argos", "Shopping"},
	{"NETFLIX.COM %d", "Netflix", "Entertainment"},
	{"SPOTIFY %d", "Spotify", "Entertainment"},
	{"NATIONWIDE BS %d", "", "Transfers"},
	{"JOHN LEWIS %d", "John Lewis", "Shopping"},
	{"GREGGS %d", "Greggs", "Food"},
	{"WH SMITH %d", "WHSmith", "Shopping"},
	{"TRAINLINE %d", "Trainline", "Transport"},
	{"M&S SIMPLY FOOD %d", "Marks & Spencer", "Groceries"},
}

// benchLedger builds (once per test binary) a ledger of 10 accounts and
// cards holding 100k transactions over two years, with 50 balance snapshots
// each.
var benchLedger = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ledger-bench-")
	if err != nil {
		return "", err
	}
	testDataDirs = append(testDataDirs, dir)
	path := filepath.Join(dir, "ledger.db")
	st, err := Open(path)
	if err != nil {
		return "", err
	}
	defer st.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	end := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	start := end.AddDate(-2, 0, 0)
	const accounts, perAccount = 10, 10_000
	for c := range 3 {
		var recs []accountRecord
		for i := c; i < accounts; i += 3 {
			id := fmt.Sprintf("acct-%d", i)
			if i%4 == 3 {
				recs = append(recs, cardFromAPI(truelayer.Card{AccountID: id, CardType: "CREDIT", CardNetwork: "VISA",
					DisplayName: "Card " + id, Currency: "GBP", PartialCardNumber: "1234"}))
			} else {
				recs = append(recs, accountFromAPI(truelayer.Account{AccountID: id, AccountType: "TRANSACTION",
					DisplayName: "Account " + id, Currency: "GBP",
					Provider: truelayer.Provider{ProviderID: fmt.Sprintf("ob-%d", c), DisplayName: fmt.Sprintf("Bank %d", c)}}))
			}
		}
		if err := st.saveAccounts(ctx, fmt.Sprintf("conn-%d", c), "", "", recs, []string{KindAccount, KindCard}); err != nil {
			return "", err
		}
	}
	for i := range accounts {
		id := fmt.Sprintf("acct-%d", i)
		for range 50 {
			if err := st.saveBalance(ctx, id, balanceRecord{Currency: "GBP", Current: truelayer.AmountFromMinor(rng.Int64N(1e7), 2),
				Available: truelayer.AmountFromMinor(rng.Int64N(1e7), 2), Raw: []byte(`{}`)}); err != nil {
				return "", err
			}
		}
		txs := make([]truelayer.Transaction, 0, perAccount)
		for n := range perAccount {
			m := benchMerchants[rng.IntN(len(benchMerchants))]
			merchant := m.merchant
			ts := start.Add(time.Duration(rng.Int64N(int64(end.Sub(start)))))
			t := truelayer.Transaction{
				TransactionID:             fmt.Sprintf("%s-tx-%d", id, n),
				Timestamp:                 truelayer.NewTimestamp(ts),
				Description:               fmt.Sprintf(m.desc, rng.IntN(9000)+1000),
				Amount:                    truelayer.AmountFromMinor(-rng.Int64N(20000)-1, 2),
				Currency:                  "GBP",
				TransactionType:           "DEBIT",
				TransactionCategory:       "PURCHASE",
				TransactionClassification: []string{m.category},
			}
			if merchant != "" {
				t.MerchantName = &merchant
			}
			txs = append(txs, t)
		}
		if _, _, err := st.commitAccount(ctx, id, accountBatch{Settled: txs, PendingFetched: true,
			State: syncState{Backfilled: true, OldestDay: start, HistoryLimit: LimitEmpty}}); err != nil {
			return "", err
		}
	}
	if _, err := st.db.Exec("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE"); err != nil {
		return "", err
	}
	return path, nil
})

func benchPath(b *testing.B) string {
	b.Helper()
	path, err := benchLedger()
	if err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkFirstFrame: open the store and read every account and card with
// its latest balance, as the TUI does before its first frame (target < 10 ms).
func BenchmarkFirstFrame(b *testing.B) {
	path := benchPath(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		st, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		views, err := st.Accounts(ctx)
		if err != nil || len(views) != 10 || !views[0].HasBalance {
			b.Fatalf("%d views, %v", len(views), err)
		}
		st.Close()
	}
}

// BenchmarkTextQuery100k: a text-filtered page of transactions over 100k
// rows, newest first (target < 20 ms).
func BenchmarkTextQuery100k(b *testing.B) {
	st, err := Open(benchPath(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	terms := []string{"tesco", "coffee", "amazon mkt", "deliveroo", "netflix"}
	i := 0
	b.ResetTimer()
	for b.Loop() {
		q := TxQuery{Text: terms[i%len(terms)], Desc: true, Limit: 200}
		i++
		rows, err := st.Transactions(ctx, q)
		if err != nil || len(rows) == 0 {
			b.Fatalf("%q: %d rows, %v", q.Text, len(rows), err)
		}
	}
}

// BenchmarkTextCount100k: the match count the TUI shows beside the page.
func BenchmarkTextCount100k(b *testing.B) {
	st, err := Open(benchPath(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for b.Loop() {
		n, err := st.CountTransactions(ctx, TxQuery{Text: "tesco", AccountIDs: []string{"acct-1", "acct-2"}})
		if err != nil || n == 0 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkAccountPage100k: one account's newest page, the TUI's default view.
func BenchmarkAccountPage100k(b *testing.B) {
	st, err := Open(benchPath(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		rows, err := st.Transactions(ctx, TxQuery{AccountIDs: []string{"acct-4"}, Desc: true, Limit: 200})
		if err != nil || len(rows) != 200 {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
}

// BenchmarkSyncTenAccounts: a first sync of 10 accounts and cards with two
// years of history each (five connections: Northgate and Mock with three
// each, Castle with two, two at Nova with one), every emulator response
// delayed 50 ms. The
// dependent chain is accounts -> balances -> two back-fill windows (the
// second finds the start of history), so the floor is 4 x 50 ms; a
// sequential client would need (requests x 50 ms).
func BenchmarkSyncTenAccounts(b *testing.B) {
	const latency = 50 * time.Millisecond
	e := newSyncEnv(b)
	var conns []string
	total := 0
	for _, c := range []struct{ user, provider string }{
		{"john", tt.ProviderNorthgate}, {"john", tt.ProviderCastle}, {"john", tt.ProviderMock},
		{"john", tt.ProviderNova}, {"john2", tt.ProviderNova},
	} {
		id := e.connect(c.user, c.provider)
		conns = append(conns, id)
		truth := e.truth(id) // generates the bank outside the timing
		total += len(truth.Accounts) + len(truth.Cards)
	}
	if total != 10 {
		b.Fatalf("the demo banks have %d accounts and cards, want 10", total)
	}
	e.srv.Inject(tt.Fault{Kind: tt.Latency, Latency: latency})
	ctx := context.Background()
	requests := 0
	for b.Loop() {
		b.StopTimer()
		st, err := Open(filepath.Join(b.TempDir(), "ledger.db"))
		if err != nil {
			b.Fatal(err)
		}
		e.mu.Lock()
		clear(e.calls) // first client per connection: no refresh
		e.mu.Unlock()
		e.srv.ResetLog()
		b.StartTimer()
		rep, err := NewSyncer(st, e.clients, WithClock(e.srv.Now)).Sync(ctx, conns, nil)
		b.StopTimer()
		if err != nil || len(rep.Errors()) > 0 {
			b.Fatal(err, rep.Errors())
		}
		accounts, _ := st.Accounts(ctx)
		if len(accounts) != 10 {
			b.Fatalf("%d accounts", len(accounts))
		}
		requests = len(e.srv.Requests())
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(4*latency)/float64(time.Millisecond), "floor-ms")
	b.ReportMetric(float64(time.Duration(requests)*latency)/float64(time.Millisecond), "sequential-ms")
}

// BenchmarkAccountAll10k: every transaction of a 10k-row account, as the
// TUI loads the selected account.
func BenchmarkAccountAll10k(b *testing.B) {
	st, err := Open(benchPath(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for b.Loop() {
		rows, err := st.Transactions(ctx, TxQuery{AccountIDs: []string{"acct-4"}, Sort: "date", Desc: true})
		if err != nil || len(rows) != 10_000 {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
}

// BenchmarkCategoryPage100k: a page of one category ("groceries", a level
// of what is shown) over 100k rows, newest first, through the category
// index.
func BenchmarkCategoryPage100k(b *testing.B) {
	st, ctx := openBench(b)
	for b.Loop() {
		rows, err := st.Transactions(ctx, TxQuery{Category: "groceries", Desc: true, Limit: 200})
		if err != nil || len(rows) != 200 {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
}

// openBench opens the 100k-row ledger for one benchmark.
func openBench(b *testing.B) (*Store, context.Context) {
	b.Helper()
	st, err := Open(benchPath(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st, context.Background()
}

// BenchmarkSpendingByMonthYear100k: a year of spending by month in London
// time, transfers left out, over 100k rows (the insights target: < 50 ms).
func BenchmarkSpendingByMonthYear100k(b *testing.B) {
	st, ctx := openBench(b)
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		b.Fatal(err)
	}
	q := TxQuery{Location: london, From: time.Date(2025, 12, 1, 0, 0, 0, 0, london), To: time.Date(2026, 12, 1, 0, 0, 0, 0, london)}
	if _, err := st.SpendingByMonth(ctx, q); err != nil { // the report summary, as after a sync
		b.Fatal(err)
	}
	for b.Loop() {
		months, err := st.SpendingByMonth(ctx, q)
		if err != nil || len(months) != 12 {
			b.Fatalf("%d months, %v", len(months), err)
		}
	}
}

// BenchmarkMatchTransfers100k: matching after a first sync (every one of
// 100k rows new) and after a daily sync (one day of rows new).
func BenchmarkMatchTransfers100k(b *testing.B) {
	st, ctx := openBench(b)
	for _, c := range []struct {
		name  string
		since int64
	}{{"all", 0}, {"one-day", time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC).Unix()}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				if _, err := st.db.ExecContext(ctx, "INSERT OR IGNORE INTO transfer_todo(rid) SELECT rid FROM transactions WHERE ts >= ?", c.since); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := st.MatchTransfers(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInsights100k: everything the insights pane reads for one frame
// (ledger.Insights, its one read: spending by category and by merchant with
// the period before, a year of cashflow, net worth, recurring payments) over
// 100k rows, for a month and for a year, for every account and for one, in
// London time (target: < 50 ms each), with the report summary up to date
// (BenchmarkReportRefresh100k is what bringing it up to date costs).
func BenchmarkInsights100k(b *testing.B) {
	st, ctx := openBench(b)
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		b.Fatal(err)
	}
	st.now = func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		name     string
		months   int
		accounts []string
	}{{"month", 1, nil}, {"year", 12, nil}, {"month-one-account", 1, []string{"acct-0"}}, {"year-one-account", 12, []string{"acct-0"}}} {
		b.Run(c.name, func(b *testing.B) {
			from, to := MonthsEnding(time.Date(2026, 11, 15, 0, 0, 0, 0, london), c.months, london)
			q := TxQuery{AccountIDs: c.accounts, From: from, To: to, Location: london}
			if _, err := st.Insights(ctx, q); err != nil { // the summary, as after a sync
				b.Fatal(err)
			}
			for b.Loop() {
				in, err := st.Insights(ctx, q)
				if err != nil || len(in.Spending.Currencies) != 1 || len(in.Cashflow.Currencies[0].Months) != 12 {
					b.Fatalf("%+v, %v", in.Spending, err)
				}
			}
		})
	}
}

// BenchmarkReportRefresh100k: bringing the report summary up to date after
// a daily sync wrote rows of one month (the first report after it pays
// this), and after a first sync wrote two years (once).
func BenchmarkReportRefresh100k(b *testing.B) {
	st, ctx := openBench(b)
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		b.Fatal(err)
	}
	if err := st.ensureReportMonths(ctx, london); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, dirty string }{
		{"one-month", "INSERT INTO report_dirty VALUES ('2026-11')"},
		{"all", "INSERT OR IGNORE INTO report_dirty SELECT DISTINCT strftime('%Y-%m', ts, 'unixepoch') FROM transactions"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				if _, err := st.db.ExecContext(ctx, c.dirty); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := st.ensureReportMonths(ctx, london); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
