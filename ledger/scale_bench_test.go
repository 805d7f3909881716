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
	n     int
	start time.Time
	step  time.Duration
	srv   *httptest.Server
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
func (k *scaleBank) transactions(w http.ResponseWriter, r *http.Request) {
	from, _ := time.Parse(time.DateOnly, r.URL.Query().Get("from"))
	to, err := time.Parse(time.DateOnly, r.URL.Query().Get("to"))
	if err != nil {
		to = scaleEnd
	}
	first := max(0, int((from.Sub(k.start)+k.step-1)/k.step))
	end := min(k.n, int(to.Add(24*time.Hour).Sub(k.start)/k.step)+1)
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"results":[`)
	balance := int64(1_000_000_000_000) // pence: never below zero at 1M rows
	for i := first; i < end; i++ {
		ts := k.start.Add(time.Duration(i) * k.step)
		if ts.Before(from) || !ts.Before(to.Add(24*time.Hour)) {
			continue
		}
		if i > first {
			bw.WriteByte(',')
		}
		pence := int64(100 + (i*7919)%20000)
		balance -= pence
		fmt.Fprintf(bw, `{"transaction_id":"tx-%d","timestamp":"%s","description":"CARD PAYMENT TESCO STORES %d","amount":-%d.%02d,`+
			`"currency":"GBP","transaction_type":"DEBIT","transaction_category":"PURCHASE","transaction_classification":["Shopping","Groceries"],`+
			`"merchant_name":"Tesco","running_balance":{"amount":%d.%02d,"currency":"GBP"},"meta":{"provider_transaction_id":"p-%d"}}`,
			i, ts.Format(time.RFC3339), i%10000, pence/100, pence%100, balance/100, balance%100, i)
	}
	bw.WriteString(`],"status":"Succeeded"}`)
	bw.Flush()
}

// syncer syncs the bank's connection into st, the user present.
func (k *scaleBank) syncer(st *ledger.Store) *ledger.Syncer {
	clients := func(context.Context, string) (*truelayer.Client, error) {
		return truelayer.NewClient(k.srv.Client(), truelayer.WithBaseURL(k.srv.URL), truelayer.WithRetry(truelayer.NoRetry()),
			truelayer.WithPSUIP("127.0.0.1")), nil
	}
	return ledger.NewSyncer(st, clients, ledger.WithClock(func() time.Time { return scaleEnd }))
}

func (k *scaleBank) sync(b *testing.B, st *ledger.Store) *ledger.Report {
	rep, err := k.syncer(st).Sync(context.Background(), []string{"conn-scale"}, nil)
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
	ledgertest.EachScale(b, func(b *testing.B, n int) {
		k := newScaleBank(b, n)
		m := ledgertest.Measure()
		for b.Loop() {
			b.StopTimer()
			dir, err := os.MkdirTemp(b.TempDir(), "sync")
			if err != nil {
				b.Fatal(err)
			}
			st := scaleStore(b, dir)
			b.StartTimer()
			rep := k.sync(b, st)
			b.StopTimer()
			if got := rep.Added(); got != n {
				b.Fatalf("stored %d rows, the bank has %d", got, n)
			}
			st.Close()
			os.RemoveAll(dir)
			b.StartTimer()
		}
		m.Report(b)
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
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
