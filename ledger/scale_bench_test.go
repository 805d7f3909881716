package ledger_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/ledger/ledgertest"
	"github.com/banktui/banktui/truelayer"
)

// The scale benchmarks of sync and export (issue 14): 10k, 100k and 1M
// rows in one account (ledgertest.EachScale), each reporting the peak
// resident set and live heap.

// scaleEnd is "now" for the synthetic bank: its newest row is just before.
var scaleEnd = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

// scaleBank serves one account of n settled rows spread evenly over the
// two years before scaleEnd, generated as they are written (the bank
// costs no memory, so the benchmark measures banktui), for any window asked.
type scaleBank struct {
	n       int
	latency time.Duration // before each transactions answer: the bank's own time
	start   time.Time
	step    time.Duration
	srv     *httptest.Server
}

const scaleAccount = "acct-scale"

func newScaleBank(b *testing.B, n int) *scaleBank {
	start := scaleEnd.AddDate(-2, 0, 0)
	k := &scaleBank{n: n, start: start, step: scaleEnd.Sub(start) / time.Duration(n)}
	mux := http.NewServeMux()
	results := func(w http.ResponseWriter, items ...string) {
		fmt.Fprint(w, `{"results":[`)
		for i, it := range items {
			if i > 0 {
				fmt.Fprint(w, ",")
			}
			fmt.Fprint(w, it)
		}
		fmt.Fprint(w, `],"status":"Succeeded"}`)
	}
	mux.HandleFunc("/data/v1/accounts", func(w http.ResponseWriter, _ *http.Request) {
		results(w, `{"account_id":"`+scaleAccount+`","account_type":"TRANSACTION","display_name":"Current Account","currency":"GBP",
			"account_number":{"number":"12345678","sort_code":"12-34-56"},"provider":{"provider_id":"ob-scale","display_name":"Scale Bank"}}`)
	})
	mux.HandleFunc("/data/v1/accounts/"+scaleAccount+"/balance", func(w http.ResponseWriter, _ *http.Request) {
		results(w, `{"currency":"GBP","available":1000.5,"current":1000.5,"update_timestamp":"2026-11-28T09:00:00Z"}`)
	})
	mux.HandleFunc("/data/v1/accounts/"+scaleAccount+"/transactions", k.transactions)
	mux.HandleFunc("/data/v1/accounts/"+scaleAccount+"/transactions/pending", func(w http.ResponseWriter, _ *http.Request) { results(w) })
	for _, p := range []string{"/data/v1/cards", "/data/v1/me", "/data/v1/accounts/" + scaleAccount + "/standing_orders",
		"/data/v1/accounts/" + scaleAccount + "/direct_debits"} {
		mux.HandleFunc(p, func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNotImplemented)
			fmt.Fprint(w, `{"error":"endpoint_not_supported","error_description":"no"}`)
		})
	}
	k.srv = httptest.NewServer(mux)
	b.Cleanup(k.srv.Close)
	return k
}

// transactions writes the rows dated from..to (whole days), oldest first.
// Each row is appended with strconv into one reused buffer, so the bank's
// own cost stays small beside banktui's (bankTime measures it).
func (k *scaleBank) transactions(w http.ResponseWriter, r *http.Request) {
	time.Sleep(k.latency) // a real bank takes its time to answer
	from, _ := time.Parse(time.DateOnly, r.URL.Query().Get("from"))
	to, err := time.Parse(time.DateOnly, r.URL.Query().Get("to"))
	if err != nil {
		to = scaleEnd
	}
	first := max(0, int((from.Sub(k.start)+k.step-1)/k.step))
	end := min(k.n, int(to.Add(24*time.Hour).Sub(k.start)/k.step)+1)
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"results":[`)
	balance := balanceBefore(first)
	buf := make([]byte, 0, 1024)
	for i := first; i < end; i++ {
		pence := scalePence(i)
		balance -= pence
		ts := k.start.Add(time.Duration(i) * k.step)
		if ts.Before(from) || !ts.Before(to.Add(24*time.Hour)) {
			continue
		}
		if i > first {
			bw.WriteByte(',')
		}
		bw.Write(scaleRow(buf[:0], i, ts, pence, balance))
	}
	bw.WriteString(`],"status":"Succeeded"}`)
	bw.Flush()
}

// scalePence is the amount of row i, in pence: 1.00 to 200.99, spread
// (7919 is prime to 20000, so every 20,000 rows take each value once).
func scalePence(i int) int64 { return int64(100 + (i*7919)%20000) }

// balanceBefore is the running balance before row i, in pence (never below
// zero at 1M rows): the same for a row whichever window sends it, as a
// bank's is, so a sync asking days again finds them unchanged.
func balanceBefore(i int) int64 {
	const cycle, cycleSum = 20000, 20000*100 + 19999*20000/2
	balance := int64(1_000_000_000_000) - int64(i/cycle)*cycleSum
	for j := i / cycle * cycle; j < i; j++ {
		balance -= scalePence(j)
	}
	return balance
}

// scaleRow appends row i of the bank to buf: a debit of pence at ts
// leaving balance (pence).
func scaleRow(buf []byte, i int, ts time.Time, pence, balance int64) []byte {
	buf = append(buf, `{"transaction_id":"tx-`...)
	buf = strconv.AppendInt(buf, int64(i), 10)
	buf = append(buf, `","timestamp":"`...)
	buf = ts.AppendFormat(buf, time.RFC3339)
	buf = append(buf, `","description":"CARD PAYMENT TESCO STORES `...)
	buf = strconv.AppendInt(buf, int64(i%10000), 10)
	buf = append(buf, `","amount":-`...)
	buf = appendPence(buf, pence)
	buf = append(buf, `,"currency":"GBP","transaction_type":"DEBIT","transaction_category":"PURCHASE",`+
		`"transaction_classification":["Shopping","Groceries"],"merchant_name":"Tesco","running_balance":{"amount":`...)
	buf = appendPence(buf, balance)
	buf = append(buf, `,"currency":"GBP"},"meta":{"provider_transaction_id":"p-`...)
	buf = strconv.AppendInt(buf, int64(i), 10)
	return append(buf, `"}}`...)
}

// appendPence appends a non-negative amount in pence as pounds with two decimals.
func appendPence(buf []byte, pence int64) []byte {
	buf = strconv.AppendInt(buf, pence/100, 10)
	buf = append(buf, '.', byte('0'+pence%100/10), byte('0'+pence%10))
	return buf
}

// bankTime is how long the bank takes to send all its rows to a reader
// that only counts them: the part of a full sync's time that is the bank's.
func (k *scaleBank) bankTime(b *testing.B) time.Duration {
	start := time.Now()
	resp, err := k.srv.Client().Get(k.srv.URL + "/data/v1/accounts/" + scaleAccount + "/transactions?from=" +
		k.start.Format(time.DateOnly) + "&to=" + scaleEnd.Format(time.DateOnly))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// syncer syncs the bank's connection into st, the user present.
func (k *scaleBank) syncer(st *ledger.Store, opts ...ledger.SyncOption) *ledger.Syncer {
	clients := func(context.Context, string) (*truelayer.Client, error) {
		return truelayer.NewClient(k.srv.Client(), truelayer.WithBaseURL(k.srv.URL), truelayer.WithRetry(truelayer.NoRetry()),
			truelayer.WithPSUIP("127.0.0.1")), nil
	}
	opts = append(opts, ledger.WithClock(func() time.Time { return scaleEnd }))
	return ledger.NewSyncer(st, clients, opts...)
}

func (k *scaleBank) sync(b *testing.B, st *ledger.Store, opts ...ledger.SyncOption) *ledger.Report {
	rep, err := k.syncer(st, opts...).Sync(context.Background(), []string{"conn-scale"}, nil)
	if err != nil || len(rep.Errors()) > 0 {
		b.Fatal(err, rep.Errors())
	}
	return rep
}

// scaleStore opens a new ledger in dir.
func scaleStore(b *testing.B, dir string) *ledger.Store {
	st, err := ledger.Open(filepath.Join(dir, "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	return st
}

// BenchmarkScaleFullSync: a first sync of the account, every row through
// the HTTP body into an empty store.
func BenchmarkScaleFullSync(b *testing.B) {
	benchFullSync(b, 0)
}

// benchFullSync measures a first sync of the account with opts, from a
// bank taking latency to answer each transactions request.
func benchFullSync(b *testing.B, latency time.Duration, opts ...ledger.SyncOption) {
	ledgertest.EachScale(b, func(b *testing.B, n int) {
		k := newScaleBank(b, n)
		k.latency = latency
		m := ledgertest.Measure()
		var cpu time.Duration
		for b.Loop() {
			b.StopTimer()
			dir, err := os.MkdirTemp(b.TempDir(), "sync")
			if err != nil {
				b.Fatal(err)
			}
			st := scaleStore(b, dir)
			b.StartTimer()
			before := processCPU()
			rep := k.sync(b, st, opts...)
			cpu += processCPU() - before
			b.StopTimer()
			if got := rep.Added(); got != n {
				b.Fatalf("stored %d rows, the bank has %d", got, n)
			}
			st.Close()
			os.RemoveAll(dir)
			b.StartTimer()
		}
		m.Report(b)
		perSync := b.Elapsed().Seconds() / float64(b.N)
		bank := k.bankTime(b).Seconds()
		// CPU time of the whole process (both cores, the bank's included):
		// steadier than the wall time on a shared machine.
		b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms")
		b.ReportMetric(float64(n)/perSync, "rows/s")
		// The rate with the bank's own time (sending every row over loopback
		// HTTP to a reader that does nothing) taken out: banktui's local
		// cost. The bank streams while banktui stores, so this bounds
		// banktui's rate from above; the two differ by bank-ms.
		b.ReportMetric(bank*1000, "bank-ms")
		b.ReportMetric(float64(n)/(perSync-bank), "local-rows/s")
	})
}

// processCPU is the CPU time the process has used (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkScaleIncrementalSync: the next sync of a store holding the
// account: the recent days asked again, nothing new.
func BenchmarkScaleIncrementalSync(b *testing.B) {
	ledgertest.EachScale(b, func(b *testing.B, n int) {
		k := newScaleBank(b, n)
		st := scaleStore(b, b.TempDir())
		defer st.Close()
		k.sync(b, st)
		m := ledgertest.Measure()
		for b.Loop() {
			if rep := k.sync(b, st); rep.Added() != 0 {
				b.Fatalf("an incremental sync added %d rows", rep.Added())
			}
		}
		m.Report(b)
	})
}

// BenchmarkScaleExport: export --format ledger of the store of size n
// (every account), through ledger.Export's public signature.
func BenchmarkScaleExport(b *testing.B) {
	ledgertest.EachScale(b, func(b *testing.B, n int) {
		st, err := ledger.Open(ledgertest.ScaleStore(b, n))
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		ctx := context.Background()
		m := ledgertest.Measure()
		var size int64
		for b.Loop() {
			cw := &countWriter{}
			bw := bufio.NewWriter(cw)
			// The store's streaming export, as banktui export runs it.
			req := ledger.ExportRequest{Format: "ledger", Query: ledger.TxQuery{Location: time.UTC}, Now: scaleEnd}
			if _, err := st.Export(ctx, bw, req); err != nil {
				b.Fatal(err)
			}
			if err := bw.Flush(); err != nil {
				b.Fatal(err)
			}
			size = cw.n
		}
		m.Report(b)
		b.ReportMetric(float64(size)/(1<<20), "MiB-written")
	})
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)

// The synthetic bank's running balance of a row does not depend on the
// window that sends it (an incremental sync would otherwise rewrite every
// row it asks again), and is the balance before it less its amount.
func TestScaleBankBalanceIsTheRows(t *testing.T) {
	balance := balanceBefore(0)
	for i := range 45_000 {
		if got := balanceBefore(i); got != balance {
			t.Fatalf("balance before row %d: %d, the rows before it leave %d", i, got, balance)
		}
		balance -= scalePence(i)
	}
}
