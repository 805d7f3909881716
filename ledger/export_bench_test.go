package ledger

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// exportLedger300k builds (once per test binary) a store of 300k settled
// transactions: 10 accounts and cards of 30k rows over two years, with the
// bank's running balances, a balance snapshot at the end of every month,
// and a transfer to savings and a card repayment every month (matched).
var exportLedger300k = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ledger-export-bench-")
	if err != nil {
		return "", err
	}
	testDataDirs = append(testDataDirs, dir)
	path := filepath.Join(dir, "ledger.db")
	end := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	st, err := open(path, openConfig{now: func() time.Time { return end }})
	if err != nil {
		return "", err
	}
	defer st.Close()
	if err := fillBenchExport(st, end, 10, 30_000); err != nil {
		return "", err
	}
	if _, err := st.MatchTransfers(context.Background()); err != nil {
		return "", err
	}
	if _, err := st.db.Exec("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE"); err != nil {
		return "", err
	}
	return path, nil
})

func fillBenchExport(st *Store, end time.Time, accounts, perAccount int) error {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	start := end.AddDate(-2, 0, 0)
	var recs []accountRecord
	for i := range accounts {
		id := fmt.Sprintf("acct-%d", i)
		if i%4 == 3 {
			recs = append(recs, cardFromAPI(truelayer.Card{AccountID: id, CardType: "CREDIT", CardNetwork: "VISA",
				DisplayName: "Card " + id, Currency: "GBP", PartialCardNumber: fmt.Sprintf("%04d", 1000+i)}))
			continue
		}
		recs = append(recs, accountFromAPI(truelayer.Account{AccountID: id, AccountType: "TRANSACTION",
			DisplayName: "Account " + id, Currency: "GBP", AccountNumber: truelayer.AccountNumber{SortCode: "12-34-56", Number: fmt.Sprintf("%08d", 10000000+i)},
			Provider: truelayer.Provider{ProviderID: "ob-bench", DisplayName: "Bench Bank"}}))
	}
	if err := st.saveAccounts(ctx, "conn-bench", "ob-bench", "Bench Bank", recs, []string{KindAccount, KindCard}); err != nil {
		return err
	}
	span := end.Sub(start)
	for i := range accounts {
		id, card := fmt.Sprintf("acct-%d", i), i%4 == 3
		times := make([]time.Time, perAccount)
		for n := range times {
			times[n] = start.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Second)
		}
		slices.SortFunc(times, time.Time.Compare)
		balance := int64(500_000) // pence
		txs := make([]truelayer.Transaction, 0, perAccount)
		month := start.Month()
		for n, ts := range times {
			m := benchMerchants[rng.IntN(len(benchMerchants))]
			amount := -rng.Int64N(20000) - 1
			desc, merchant, category, class := fmt.Sprintf(m.desc, rng.IntN(9000)+1000), m.merchant, "PURCHASE", []string{m.category}
			if ts.Month() != month { // once a month: money moves between accounts
				month = ts.Month()
				amount = 30000
				switch {
				case i == 0:
					amount, desc, merchant, category, class = -30000, "TRANSFER TO SAVINGS 10000001", "", "TRANSFER", nil
				case i == 1:
					desc, merchant, category, class = "TRANSFER FROM CURRENT", "", "TRANSFER", nil
				case card:
					desc, merchant, category, class = "PAYMENT RECEIVED - THANK YOU", "", "CREDIT", []string{"Bills and Utilities", "Credit card payment"}
				case i == 2:
					amount, desc, merchant, category, class = -30000, "CARD PAYMENT 1003", "", "BILL_PAYMENT", []string{"Bills and Utilities", "Credit card payment"}
				}
			}
			balance += amount
			running := balance
			if card {
				running = -balance
			}
			x := truelayer.Transaction{TransactionID: id + "-tx-" + strconv.Itoa(n), Timestamp: truelayer.NewTimestamp(ts),
				Description: desc, Amount: truelayer.AmountFromMinor(amount, 2), Currency: "GBP", TransactionType: "DEBIT",
				TransactionCategory: category, TransactionClassification: class,
				RunningBalance: &truelayer.RunningBalance{Amount: truelayer.AmountFromMinor(running, 2), Currency: "GBP"}}
			if merchant != "" {
				x.MerchantName = &merchant
			}
			txs = append(txs, x)
		}
		if _, _, err := st.commitAccount(ctx, id, accountBatch{Settled: txs, PendingFetched: true,
			State: syncState{Backfilled: true, OldestDay: start, HistoryLimit: LimitEmpty}}); err != nil {
			return err
		}
		current := balance
		if card {
			current = -balance
		}
		raw := `{"update_timestamp":"` + end.Format(time.RFC3339) + `"}`
		if err := st.saveBalance(ctx, id, balanceRecord{Currency: "GBP", Current: truelayer.AmountFromMinor(current, 2),
			Available: truelayer.AmountFromMinor(current, 2), Raw: []byte(raw)}); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkExport300k: every format of a 300k-row store, as banktui export
// writes it (to a buffered discard), with the peak Go heap and the peak
// resident size of the process during the export (targets: 3 s, 100 MiB).
func BenchmarkExport300k(b *testing.B) {
	path, err := exportLedger300k()
	if err != nil {
		b.Fatal(err)
	}
	st, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for _, format := range ExportFormats {
		b.Run(format, func(b *testing.B) {
			var heap, rss, anon uint64
			var rows int
			var cpu time.Duration
			for b.Loop() {
				var n countingWriter
				before := cpuTime()
				h, r, a := peakMemory(func() {
					rep, err := st.Export(ctx, &n, ExportRequest{Format: format, Query: TxQuery{Location: time.UTC, Pending: PendingExclude}, Now: time.Now()})
					if err != nil || rep.Transactions != 300_000 {
						b.Fatalf("%+v %v", rep, err)
					}
					rows = rep.Transactions
				})
				cpu += cpuTime() - before
				heap, rss, anon = max(heap, h), max(rss, r), max(anon, a)
			}
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MiB")
			b.ReportMetric(float64(anon)/(1<<20), "peak-anon-MiB")
			b.ReportMetric(float64(rows), "rows")
		})
	}
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)

// peakMemory runs fn and reports the peak Go heap (live and not yet swept
// objects, sampled every millisecond), the peak resident size of the
// process (VmHWM, reset before fn: file pages SQLite maps count) and the
// peak anonymous resident size (sampled).
func peakMemory(fn func()) (heap, rss, anon uint64) {
	debug.FreeOSMemory() // what building the store left is not the export's
	resetPeakRSS()
	var stop atomic.Bool
	done := make(chan struct{})
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(done)
		for !stop.Load() {
			metrics.Read(sample)
			heap = max(heap, sample[0].Value.Uint64())
			anon = max(anon, procStatus("RssAnon:"))
			time.Sleep(time.Millisecond)
		}
	}()
	fn()
	stop.Store(true)
	<-done
	return heap, procStatus("VmHWM:"), anon
}

// resetPeakRSS resets VmHWM (Linux: "5" to clear_refs).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// procStatus reads a size from /proc/self/status, in bytes (0 elsewhere).
func procStatus(key string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuTime is the process's CPU time so far (user and system): unlike the
// wall clock, it does not grow when other processes share the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
