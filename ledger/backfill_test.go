package ledger

import (
	"context"
	"fmt"
	"math/bits"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// limitedBank is a fake Data API on 127.0.0.1 with one account, a row a day
// for years, that refuses (with code) any from older than limit days before
// today and honours from and to otherwise.
type limitedBank struct {
	now         time.Time
	limit       int // days
	status      int
	code        string
	mu          sync.Mutex
	txCalls     int
	failAt      int // this transactions call answers 503 (0: none)
	rows        []limitedRow
	firstRefuse time.Time // oldest from the bank gives
}

type limitedRow struct {
	id string
	ts time.Time
}

func newLimitedBank(t *testing.T, now time.Time, limitDays, historyDays, status int, code string) (*limitedBank, string) {
	b := &limitedBank{now: now, limit: limitDays, status: status, code: code}
	today := now.Truncate(day)
	b.firstRefuse = today.AddDate(0, 0, -limitDays)
	for i := range historyDays {
		b.rows = append(b.rows, limitedRow{id: fmt.Sprintf("tx-%d", i), ts: today.AddDate(0, 0, -i).Add(10 * time.Hour)})
	}
	results := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"results":[%s],"status":"Succeeded"}`, body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /data/v1/accounts", func(w http.ResponseWriter, r *http.Request) {
		results(w, `{"account_id":"a1","account_type":"TRANSACTION","display_name":"Current","currency":"GBP","account_number":{},"provider":{"provider_id":"ob-limited","display_name":"Limited Bank"}}`)
	})
	mux.HandleFunc("GET /data/v1/cards", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotImplemented)
		fmt.Fprint(w, `{"error":"endpoint_not_supported","error_description":"no cards"}`)
	})
	mux.HandleFunc("GET /data/v1/accounts/a1/balance", func(w http.ResponseWriter, r *http.Request) {
		results(w, `{"currency":"GBP","available":10,"current":10}`)
	})
	parse := func(s string, end bool) (time.Time, bool) {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			if end {
				t = t.Add(day - time.Nanosecond)
			}
			return t, true
		}
		t, err := time.Parse(time.RFC3339, s)
		return t.UTC(), err == nil
	}
	mux.HandleFunc("GET /data/v1/accounts/a1/transactions", func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.txCalls++
		fail := b.txCalls == b.failAt
		b.mu.Unlock()
		if fail {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"error":"provider_error","error_description":"try later"}`)
			return
		}
		from, okFrom := parse(r.URL.Query().Get("from"), false)
		to, okTo := parse(r.URL.Query().Get("to"), true)
		if !okFrom || !okTo || to.Before(from) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_date_range","error_description":"bad range"}`)
			return
		}
		if from.Before(b.firstRefuse) {
			w.WriteHeader(b.status)
			fmt.Fprintf(w, `{"error":%q,"error_description":"at most %d days of history"}`, b.code, b.limit)
			return
		}
		var out []string
		for _, row := range b.rows {
			if !row.ts.Before(from) && !row.ts.After(to) {
				out = append(out, fmt.Sprintf(`{"transaction_id":%q,"timestamp":%q,"description":"ROW","amount":-1.5,"currency":"GBP"}`, row.id, row.ts.Format(time.RFC3339)))
			}
		}
		results(w, strings.Join(out, ","))
	})
	for _, p := range []string{"transactions/pending", "standing_orders", "direct_debits"} {
		mux.HandleFunc("GET /data/v1/accounts/a1/"+p, func(w http.ResponseWriter, r *http.Request) { results(w, "") })
	}
	return b, httptestServer(t, mux)
}

func (b *limitedBank) calls() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.txCalls
}

// A bank whose history limit lies beyond the first two-year window (three
// years here, and other depths): the refused older window is bisected to
// the day, so the store ends with exactly the rows within the limit, in
// O(log days) extra requests, and later syncs ask no more than usual.
func TestSyncFindsAnOlderHistoryLimit(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	window := 730 // the default back-fill window, in days
	probes := bits.Len(uint(window))
	cases := []struct {
		name         string
		limit, hist  int
		status       int
		code, wantLm string
		wantMaxCalls int
	}{
		{"three years, invalid_date_range", 3 * 365, 5 * 365, 400, "invalid_date_range", LimitInvalidDateRange, 2 + probes},
		{"three years, sca_exceeded", 3 * 365, 5 * 365, 403, "sca_exceeded", LimitSCAExceeded, 2 + probes},
		{"two years and a day", 731, 5 * 365, 400, "invalid_date_range", LimitInvalidDateRange, 2 + probes},
		{"four years less a day", 4*365 - 1, 5 * 365, 400, "invalid_date_range", LimitInvalidDateRange, 2 + probes},
		{"five years (two refused windows)", 5*365 + 10, 6 * 365, 400, "invalid_date_range", LimitInvalidDateRange, 3 + probes},
		{"exactly the first window", 730, 5 * 365, 400, "invalid_date_range", LimitInvalidDateRange, 2 + probes},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bank, url := newLimitedBank(t, now, tc.limit, tc.hist, tc.status, tc.code)
			st := openTest(t)
			clients := func(ctx context.Context, id string) (*truelayer.Client, error) {
				return truelayer.NewClient(nil, truelayer.WithBaseURL(url), truelayer.WithRetry(truelayer.NoRetry()), attended), nil
			}
			y := NewSyncer(st, clients, WithClock(func() time.Time { return now }))
			rep := mustSync(t, y, "limited")
			if got := rep.Connections[0].Accounts[0].HistoryLimit; got != tc.wantLm {
				t.Errorf("report limit %q, want %q", got, tc.wantLm)
			}
			first := bank.calls()
			t.Logf("%s: %d transaction calls on the first sync", tc.name, first)
			if first > tc.wantMaxCalls {
				t.Errorf("%d transaction calls on the first sync, want at most %d", first, tc.wantMaxCalls)
			}
			assertLimitedStore(t, st, bank, tc.wantLm)

			// Later syncs: one incremental request, nothing added.
			rep = mustSync(t, y, "limited")
			if got := bank.calls() - first; got != 1 {
				t.Errorf("%d transaction calls on the second sync, want 1", got)
			}
			if rep.Added() != 0 {
				t.Errorf("second sync added %d", rep.Added())
			}
			assertLimitedStore(t, st, bank, tc.wantLm)
		})
	}
}

// assertLimitedStore: exactly the bank's rows on or after its oldest day,
// each once, and the limit remembered.
func assertLimitedStore(t *testing.T, st *Store, bank *limitedBank, limit string) {
	t.Helper()
	ctx := context.Background()
	stored := storedAmounts(t, st, "a1", false)
	got := map[string]bool{}
	for _, s := range stored {
		if got[s.id] {
			t.Errorf("%s stored twice", s.id)
		}
		got[s.id] = true
	}
	want := 0
	for _, row := range bank.rows {
		if row.ts.Before(bank.firstRefuse) {
			if got[row.id] {
				t.Errorf("%s of %s is beyond the limit", row.id, row.ts.Format(time.DateOnly))
			}
			continue
		}
		want++
		if !got[row.id] {
			t.Errorf("missing %s of %s", row.id, row.ts.Format(time.DateOnly))
		}
	}
	if len(stored) != want {
		t.Errorf("%d rows stored, want %d", len(stored), want)
	}
	views, err := st.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(views) != 1 || views[0].HistoryLimit != limit || !views[0].HistoryFrom.Equal(bank.firstRefuse) {
		t.Errorf("view limit %q from %v, want %q from %v", views[0].HistoryLimit, views[0].HistoryFrom, limit, bank.firstRefuse)
	}
}

// A request failing in the middle of the search leaves a consistent store
// (the rows fetched so far, committed with the oldest day reached); the
// next sync resumes the search and ends with exactly the bank's history.
func TestSyncResumesAnInterruptedLimitSearch(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for _, failAt := range []int{2, 3, 6, 9} {
		t.Run(fmt.Sprint("fail at call ", failAt), func(t *testing.T) {
			t.Parallel()
			bank, url := newLimitedBank(t, now, 3*365, 5*365, 400, "invalid_date_range")
			bank.failAt = failAt
			st := openTest(t)
			clients := func(ctx context.Context, id string) (*truelayer.Client, error) {
				return truelayer.NewClient(nil, truelayer.WithBaseURL(url), truelayer.WithRetry(truelayer.NoRetry()), attended), nil
			}
			y := NewSyncer(st, clients, WithClock(func() time.Time { return now }))
			rep, err := y.Sync(context.Background(), []string{"limited"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Errors()) == 0 {
				t.Fatal("the failed request is not reported")
			}
			// Consistent: no duplicates, nothing beyond the limit, and every
			// row from the oldest day reached on.
			views, _ := st.Accounts(context.Background())
			from := views[0].HistoryFrom
			if views[0].HistoryLimit != "" {
				t.Errorf("limit %q after a failed search", views[0].HistoryLimit)
			}
			stored := storedAmounts(t, st, "a1", false)
			got := map[string]bool{}
			for _, s := range stored {
				got[s.id] = true
			}
			want := 0
			for _, row := range bank.rows {
				if !row.ts.Before(from) {
					want++
					if !got[row.id] {
						t.Errorf("gap: %s of %s missing, history from %v", row.id, row.ts.Format(time.DateOnly), from)
					}
				}
			}
			if len(stored) != want || len(got) != want {
				t.Errorf("%d rows (%d ids) stored after the failure, want %d from %v", len(stored), len(got), want, from)
			}
			before := bank.calls()
			mustSync(t, y, "limited")
			t.Logf("fail at %d: %d calls, then %d to finish", failAt, before, bank.calls()-before)
			if n := bank.calls() - before; n > 3+bits.Len(730) {
				t.Errorf("%d calls to finish the search", n)
			}
			assertLimitedStore(t, st, bank, LimitInvalidDateRange)
		})
	}
}
