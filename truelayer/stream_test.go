package truelayer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"
)

// collect is a ResultSink that keeps what it is given, counting Begins.
type collect[T any] struct {
	got    []T
	begins int
	stopAt int   // > 0: Add fails on this result
	err    error // what it fails with
}

func (c *collect[T]) Begin() error { c.begins++; c.got = nil; return nil }

func (c *collect[T]) Add(v T) error {
	if c.stopAt > 0 && len(c.got)+1 == c.stopAt {
		return c.err
	}
	c.got = append(c.got, v)
	return nil
}

func transactionIDs(txs []Transaction) []string {
	out := make([]string, len(txs))
	for i, t := range txs {
		out[i] = t.TransactionID
	}
	return out
}

func TestStreamTransactionsGivesWhatTransactionsReturns(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/accounts/acc-1/transactions", nil, "data-transactions.json")
	ctx := context.Background()
	want, err := f.client.Transactions(ctx, "acc-1", time.Time{}, time.Time{})
	if err != nil || len(want) == 0 {
		t.Fatal(len(want), err)
	}
	var c collect[Transaction]
	if err := f.client.StreamTransactions(ctx, "acc-1", time.Time{}, time.Time{}, &c); err != nil {
		t.Fatal(err)
	}
	if c.begins != 1 || !slices.Equal(transactionIDs(c.got), transactionIDs(want)) {
		t.Errorf("streamed %v (%d begins), want %v", transactionIDs(c.got), c.begins, transactionIDs(want))
	}
	// The sink's own error ends the call, as it is.
	stop := errors.New("disk full")
	c = collect[Transaction]{stopAt: 2, err: stop}
	if err := f.client.StreamTransactions(ctx, "acc-1", time.Time{}, time.Time{}, &c); err != stop {
		t.Errorf("a failing sink: err = %v, want its own error", err)
	}
}

// TestStreamStartsOverOnRetry: a body cut short is asked again, and the sink
// hears Begin again so it drops the half it got.
func TestStreamStartsOverOnRetry(t *testing.T) {
	f := newFixture(t)
	calls := 0
	f.api.HandleFunc("/data/v1/cards/c1/transactions", func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("Content-Length", "1000")
			w.Write([]byte(`{"results":[{"transaction_id":"a","timestamp":"2026-01-01T00:00:00Z","amount":1,"currency":"GBP","description":"x"},`))
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		fmt.Fprint(w, `{"results":[{"transaction_id":"a","timestamp":"2026-01-01T00:00:00Z","amount":1,"currency":"GBP","description":"x"},
			{"transaction_id":"b","timestamp":"2026-01-02T00:00:00Z","amount":2,"currency":"GBP","description":"y"}],"status":"Succeeded"}`)
	})
	var c collect[Transaction]
	if err := f.client.StreamCardTransactions(context.Background(), "c1", time.Time{}, time.Time{}, &c); err != nil {
		t.Fatal(err)
	}
	if calls != 2 || c.begins != 2 || !slices.Equal(transactionIDs(c.got), []string{"a", "b"}) {
		t.Errorf("calls %d, begins %d, got %v; want 2, 2, [a b]", calls, c.begins, transactionIDs(c.got))
	}
}

// TestStreamHasItsOwnLimit: a streamed response is bounded by
// WithMaxStreamedBytes, not by the limit of responses kept in memory.
func TestStreamHasItsOwnLimit(t *testing.T) {
	body := `{"results":[` + `{"transaction_id":"a","amount":1,"currency":"GBP","description":"x"}` + `]}`
	for _, c := range []struct {
		opts    []Option
		wantErr bool
	}{
		{[]Option{WithMaxResponseBytes(10)}, false},
		{[]Option{WithMaxStreamedBytes(10)}, true},
	} {
		f := newFixture(t, c.opts...)
		f.api.HandleFunc("/data/v1/accounts/x/transactions", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) })
		var s collect[Transaction]
		err := f.client.StreamTransactions(context.Background(), "x", time.Time{}, time.Time{}, &s)
		if got := errors.Is(err, ErrResponseTooLarge); got != c.wantErr || (!c.wantErr && err != nil) {
			t.Errorf("options %d: err = %v, want too large: %v", len(c.opts), err, c.wantErr)
		}
	}
}
