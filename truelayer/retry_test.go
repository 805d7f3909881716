package truelayer

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// flaky answers with the given statuses in turn, then serves the fixture.
func flaky(t *testing.T, calls *atomic.Int32, fixtureName string, fail func(n int, w http.ResponseWriter) bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1))
		if fail(n, w) {
			return
		}
		serveFixture(t, fixtureName)(w, r)
	}
}

func TestRetryTransientStatuses(t *testing.T) {
	for _, status := range []int{429, 502, 503, 504} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := newFixture(t, WithRetry(RetryPolicy{MaxAttempts: 4, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, MaxTotal: time.Minute}))
			var calls atomic.Int32
			f.api.HandleFunc("/data/v1/accounts", flaky(t, &calls, "data-accounts.json", func(n int, w http.ResponseWriter) bool {
				if n <= 2 {
					w.WriteHeader(status)
					return true
				}
				return false
			}))
			accts, err := f.client.Accounts(context.Background())
			if err != nil || len(accts) != 2 {
				t.Fatalf("Accounts = %v, %v", accts, err)
			}
			if got := calls.Load(); got != 3 {
				t.Errorf("attempts = %d, want 3", got)
			}
			// Equal jitter with rand=0.5: 75% of 100ms, then of 200ms.
			waits := f.sleeps.recorded()
			if len(waits) != 2 || waits[0] != 75*time.Millisecond || waits[1] != 150*time.Millisecond {
				t.Errorf("waits = %v, want [75ms 150ms]", waits)
			}
		})
	}
}

func TestNoRetryOnPermanentErrors(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 500, 501} {
		f := newFixture(t)
		var calls atomic.Int32
		f.api.HandleFunc("/data/v1/accounts", func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			w.WriteHeader(status)
		})
		if _, err := f.client.Accounts(context.Background()); err == nil {
			t.Errorf("%d: no error", status)
		}
		if calls.Load() != 1 {
			t.Errorf("%d: %d attempts, want 1", status, calls.Load())
		}
	}
}

func TestRetryBoundedAttempts(t *testing.T) {
	f := newFixture(t, WithRetry(RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond}))
	var calls atomic.Int32
	f.api.HandleFunc("/data/v1/accounts", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(503)
	})
	_, err := f.client.Accounts(context.Background())
	if !errors.Is(err, ErrTemporary) {
		t.Errorf("err = %v, want the last 503", err)
	}
	if calls.Load() != 3 || len(f.sleeps.recorded()) != 2 {
		t.Errorf("attempts = %d, waits = %v; want 3 and 2", calls.Load(), f.sleeps.recorded())
	}
}

func TestBackoffGrowsAndCaps(t *testing.T) {
	r := newRequester(nil)
	r.rand = func() float64 { return 0.999999 }
	p := RetryPolicy{MaxAttempts: 10, BaseDelay: 100 * time.Millisecond, MaxDelay: 500 * time.Millisecond}
	var prev time.Duration
	for attempt := 1; attempt <= 8; attempt++ {
		d := r.backoff(p, attempt, errors.New("x"))
		if d > p.MaxDelay || d < prev && d < p.MaxDelay/2 {
			t.Errorf("attempt %d: wait %v (prev %v)", attempt, d, prev)
		}
		prev = d
	}
	r.rand = func() float64 { return 0 }
	if d := r.backoff(p, 1, errors.New("x")); d != 50*time.Millisecond {
		t.Errorf("jitter floor = %v, want half the base", d)
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	f := newFixture(t)
	var calls atomic.Int32
	f.api.HandleFunc("/data/v1/accounts", flaky(t, &calls, "data-accounts.json", func(n int, w http.ResponseWriter) bool {
		if n == 1 {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
			return true
		}
		return false
	}))
	if _, err := f.client.Accounts(context.Background()); err != nil {
		t.Fatal(err)
	}
	if waits := f.sleeps.recorded(); len(waits) != 1 || waits[0] != 7*time.Second {
		t.Errorf("waits = %v, want [7s] from Retry-After", waits)
	}
}

// TestRetryAfterBeyondBudget: a Retry-After that would overrun MaxTotal is
// not waited for; the caller gets the 429 (with RetryAfter) at once.
func TestRetryAfterBeyondBudget(t *testing.T) {
	f := newFixture(t, WithRetry(RetryPolicy{MaxAttempts: 5, BaseDelay: time.Millisecond, MaxTotal: 10 * time.Second}))
	var calls atomic.Int32
	f.api.HandleFunc("/data/v1/accounts", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(429)
	})
	_, err := f.client.Accounts(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || ae.RetryAfter != time.Hour || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v", err)
	}
	if calls.Load() != 1 || len(f.sleeps.recorded()) != 0 {
		t.Errorf("attempts = %d, waits = %v; want 1 and none", calls.Load(), f.sleeps.recorded())
	}
}

func TestRetryTotalTimeBound(t *testing.T) {
	f := newFixture(t, WithRetry(RetryPolicy{MaxAttempts: 100, BaseDelay: time.Second, MaxDelay: time.Second, MaxTotal: 5 * time.Second}))
	// A fake clock that the recorded sleeps advance.
	var now atomic.Int64
	f.client.req.now = func() time.Time { return time.Unix(0, now.Load()) }
	f.sleeps.before = func(d time.Duration) { now.Add(int64(d)) }
	var calls atomic.Int32
	f.api.HandleFunc("/data/v1/accounts", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(503)
	})
	if _, err := f.client.Accounts(context.Background()); !errors.Is(err, ErrTemporary) {
		t.Fatalf("err = %v", err)
	}
	var total time.Duration
	for _, w := range f.sleeps.recorded() {
		total += w
	}
	if total > 5*time.Second || calls.Load() < 2 || calls.Load() > 7 {
		t.Errorf("attempts = %d, total wait = %v; want bounded by 5s", calls.Load(), total)
	}
}

func TestRetryCancelledByContext(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.sleeps.before = func(time.Duration) { cancel() } // the user gives up while we wait
	var calls atomic.Int32
	f.api.HandleFunc("/data/v1/accounts", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(503)
	})
	_, err := f.client.Accounts(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if errors.Is(err, ErrTemporary) {
		t.Error("a cancelled call must not look temporary")
	}
	if calls.Load() != 1 {
		t.Errorf("attempts = %d after cancel, want 1", calls.Load())
	}
}

func TestCancelledBeforeSend(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.client.Me(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

// TestRetryConnectionReset: the server drops the connection without an
// answer; the GET is retried.
func TestRetryConnectionReset(t *testing.T) {
	f := newFixture(t)
	var calls atomic.Int32
	f.api.HandleFunc("/data/v1/accounts", flaky(t, &calls, "data-accounts.json", func(n int, w http.ResponseWriter) bool {
		if n == 1 {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return true
			}
			conn.Close()
			return true
		}
		return false
	}))
	accts, err := f.client.Accounts(context.Background())
	if err != nil || len(accts) != 2 {
		t.Fatalf("Accounts = %v, %v", accts, err)
	}
	if calls.Load() != 2 {
		t.Errorf("attempts = %d, want 2", calls.Load())
	}
}

// TestRetryTruncatedBody: a body cut short of its Content-Length is retried.
func TestRetryTruncatedBody(t *testing.T) {
	f := newFixture(t)
	var calls atomic.Int32
	f.api.HandleFunc("/data/v1/accounts", flaky(t, &calls, "data-accounts.json", func(n int, w http.ResponseWriter) bool {
		if n == 1 {
			w.Header().Set("Content-Length", "1000")
			w.Write([]byte(`{"results":[`))
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return true
		}
		return false
	}))
	if _, err := f.client.Accounts(context.Background()); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 {
		t.Errorf("attempts = %d, want 2", calls.Load())
	}
}

func TestPostIsNeverRetried(t *testing.T) {
	f := newFixture(t)
	var calls atomic.Int32
	f.api.HandleFunc("/data/v1/connections/extend", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(503)
	})
	_, err := f.client.ExtendConnection(context.Background(), ExtendRequest{RefreshToken: "rt"})
	if !errors.Is(err, ErrTemporary) || calls.Load() != 1 {
		t.Errorf("err = %v, attempts = %d; want one 503", err, calls.Load())
	}
}
