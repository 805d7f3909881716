package truelayertest_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

func TestFaults(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	api := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate))
	me := func() error { _, err := api.Me(ctx); return err }

	cases := []struct {
		name   string
		fault  truelayertest.Fault
		check  func(t *testing.T, err error)
		status int // logged status
	}{
		{"429 with Retry-After", truelayertest.Fault{Kind: truelayertest.Status, Status: 429, RetryAfter: 2 * time.Second}, func(t *testing.T, err error) {
			if ae := apiErr(t, err); !errors.Is(err, truelayer.ErrRateLimited) || ae.RetryAfter != 2*time.Second {
				t.Errorf("%v, RetryAfter %v", err, ae.RetryAfter)
			}
		}, 429},
		{"429 without Retry-After", truelayertest.Fault{Kind: truelayertest.Status, Status: 429}, func(t *testing.T, err error) {
			if ae := apiErr(t, err); !errors.Is(err, truelayer.ErrRateLimited) || ae.RetryAfter != 0 || ae.Code != "provider_too_many_requests" {
				t.Errorf("%v, RetryAfter %v", err, ae.RetryAfter)
			}
		}, 429},
		{"500", truelayertest.Fault{Kind: truelayertest.Status, Status: 500}, temporary(500), 500},
		{"502", truelayertest.Fault{Kind: truelayertest.Status, Status: 502}, temporary(502), 502},
		{"503", truelayertest.Fault{Kind: truelayertest.Status}, temporary(503), 503},
		{"504", truelayertest.Fault{Kind: truelayertest.Status, Status: 504}, temporary(504), 504},
		{"truncated", truelayertest.Fault{Kind: truelayertest.Truncated}, temporary(0), 200},
		{"malformed JSON", truelayertest.Fault{Kind: truelayertest.MalformedJSON}, func(t *testing.T, err error) {
			if !errors.Is(err, truelayer.ErrMalformedResponse) {
				t.Errorf("%v, want ErrMalformedResponse", err)
			}
		}, 200},
		{"unauthorized", truelayertest.Fault{Kind: truelayertest.Unauthorized}, func(t *testing.T, err error) {
			if ae := apiErr(t, err); !errors.Is(err, truelayer.ErrUnauthorized) || ae.Code != "invalid_token" {
				t.Errorf("%v", err)
			}
		}, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := c.fault
			f.Endpoint, f.Count = "/data/v1/me", 1
			srv.Inject(f)
			srv.ResetLog()
			c.check(t, me())
			if err := me(); err != nil {
				t.Errorf("the fault (Count 1) outlived its count: %v", err)
			}
			log := srv.Requests()
			if len(log) != 2 || log[0].Fault != f.Kind || log[0].Status != c.status || log[1].Fault != 0 {
				t.Errorf("log: %+v", log)
			}
		})
	}

	t.Run("reset", func(t *testing.T) {
		// Go's transport silently retries a GET once when a reused connection
		// is reset, so the fault stays until removed.
		remove := srv.Inject(truelayertest.Fault{Kind: truelayertest.Reset, Endpoint: "/data/v1/me"})
		srv.ResetLog()
		temporary(0)(t, me())
		remove()
		log := srv.Requests()
		if len(log) == 0 {
			t.Error("reset requests not logged")
		}
		for _, r := range log {
			if r.Fault != truelayertest.Reset || r.Status != 0 {
				t.Errorf("log: %+v", r)
			}
		}
		if err := me(); err != nil {
			t.Errorf("after remove: %v", err)
		}
	})
	t.Run("slow body", func(t *testing.T) {
		remove := srv.Inject(truelayertest.Fault{Kind: truelayertest.SlowBody, Endpoint: "/data/v1/accounts", Latency: 20 * time.Millisecond, Chunks: 4})
		defer remove()
		srv.ResetLog()
		accounts, err := api.Accounts(ctx)
		if err != nil || len(accounts) != 2 {
			t.Fatalf("slow body: %d accounts, %v", len(accounts), err)
		}
		if r := srv.Requests()[0]; r.End.Sub(r.Start) < 60*time.Millisecond || r.Fault != truelayertest.SlowBody {
			t.Errorf("slow body took %v, want at least 3 pauses of 20ms (%+v)", r.End.Sub(r.Start), r)
		}
	})
	t.Run("latency", func(t *testing.T) {
		remove := srv.Inject(truelayertest.Fault{Kind: truelayertest.Latency, Latency: 30 * time.Millisecond, Jitter: 10 * time.Millisecond})
		srv.ResetLog()
		if err := me(); err != nil {
			t.Fatal(err)
		}
		remove()
		if d := srv.Requests()[0]; d.End.Sub(d.Start) < 30*time.Millisecond {
			t.Errorf("latency: request took %v, want at least 30ms", d.End.Sub(d.Start))
		}
	})
	t.Run("401 for the next N calls", func(t *testing.T) {
		srv.Inject(truelayertest.Fault{Kind: truelayertest.Unauthorized, Count: 2})
		for i := range 2 {
			if err := me(); !errors.Is(err, truelayer.ErrUnauthorized) {
				t.Errorf("call %d: %v", i, err)
			}
		}
		if err := me(); err != nil {
			t.Errorf("call 3: %v", err)
		}
	})
	t.Run("endpoint pattern", func(t *testing.T) {
		acct := srv.Truth("john", truelayertest.ProviderNorthgate).Accounts[0].ID
		remove := srv.Inject(truelayertest.Fault{Kind: truelayertest.Status, Status: 500, Endpoint: "/data/v1/accounts/*/transactions"})
		if _, err := api.Transactions(ctx, acct, time.Time{}, time.Time{}); !errors.Is(err, truelayer.ErrTemporary) {
			t.Errorf("transactions: %v", err)
		}
		if _, err := api.PendingTransactions(ctx, acct); err != nil {
			t.Errorf("pending transactions must not match: %v", err)
		}
		if _, err := api.Balance(ctx, acct); err != nil {
			t.Errorf("balance must not match: %v", err)
		}
		remove()
		if _, err := api.Transactions(ctx, acct, time.Time{}, time.Time{}); err != nil {
			t.Errorf("after remove: %v", err)
		}
	})
	t.Run("client retries transient faults", func(t *testing.T) {
		retrying := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate),
			truelayer.WithRetry(truelayer.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxTotal: 5 * time.Second}))
		srv.Inject(truelayertest.Fault{Kind: truelayertest.Status, Status: 503, Count: 1, Endpoint: "/data/v1/me"})
		srv.Inject(truelayertest.Fault{Kind: truelayertest.Reset, Count: 1, Endpoint: "/data/v1/me"})
		srv.ResetLog()
		if _, err := retrying.Me(ctx); err != nil {
			t.Fatalf("Me through two transient faults: %v", err)
		}
		var statuses []int
		for _, r := range srv.Requests() {
			statuses = append(statuses, r.Status)
		}
		if len(statuses) != 3 || statuses[0] != 503 || statuses[1] != 0 || statuses[2] != 200 {
			t.Errorf("attempts' statuses %v, want [503 0 200]", statuses)
		}
	})
}

func temporary(status int) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if ae := apiErr(t, err); !errors.Is(err, truelayer.ErrTemporary) || ae.StatusCode != status {
			t.Errorf("%v (status %d), want temporary with status %d", err, ae.StatusCode, status)
		}
	}
}

func TestTokenFaults(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	ac := authClient(srv, redirect)
	tok := connect(t, srv, "john", truelayertest.ProviderNorthgate)

	srv.Inject(truelayertest.Fault{Kind: truelayertest.InvalidGrant, Count: 1})
	if _, err := ac.Refresh(ctx, tok.RefreshToken); apiErr(t, err).Code != "invalid_grant" || !errors.Is(err, truelayer.ErrConsentNeeded) {
		t.Errorf("injected invalid_grant: %v", err)
	}
	fresh, err := ac.Refresh(ctx, tok.RefreshToken) // the fault did not rotate it
	if err != nil {
		t.Fatalf("refresh after the fault: %v", err)
	}

	skew := 10 * time.Minute
	remove := srv.Inject(truelayertest.Fault{Kind: truelayertest.ClockSkew, Endpoint: "/connect/token", Skew: skew})
	skewed, err := ac.Refresh(ctx, fresh.RefreshToken)
	remove()
	if err != nil {
		t.Fatal(err)
	}
	claims, err := truelayer.ParseClaims(skewed.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if want := srv.Now().Add(skew); !claims.NotBefore.Equal(want) {
		t.Errorf("nbf %v, want the skewed clock %v", claims.NotBefore, want)
	}
	// The Data API's clock is not skewed: a token from the future is not valid yet.
	if _, err := apiClient(srv, skewed).Me(ctx); !errors.Is(err, truelayer.ErrUnauthorized) {
		t.Errorf("token issued 10 minutes ahead: %v, want unauthorized", err)
	}
	srv.AdvanceClock(skew)
	if _, err := apiClient(srv, skewed).Me(ctx); err != nil {
		t.Errorf("once the clocks agree: %v", err)
	}

	srv.Inject(truelayertest.Fault{Kind: truelayertest.Status, Status: 503, Endpoint: "/connect/token", Count: 1})
	if _, err := ac.Refresh(ctx, skewed.RefreshToken); !errors.Is(err, truelayer.ErrTemporary) {
		t.Errorf("503 at the token endpoint: %v", err)
	}
}

func TestRequestLog(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	tok := connect(t, srv, "john", truelayertest.ProviderNorthgate)
	api := apiClient(srv, tok)
	claims, _ := truelayer.ParseClaims(tok.AccessToken)

	const n = 4
	gate := make(chan struct{})
	remove := srv.Inject(truelayertest.Fault{Kind: truelayertest.Latency, Endpoint: "/data/v1/accounts", Gate: gate})
	srv.ResetLog()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := api.Accounts(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	deadline := time.Now().Add(10 * time.Second)
	for srv.InFlight() < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // polling a condition, not waiting for luck
	}
	if got := srv.InFlight(); got != n {
		t.Fatalf("in flight %d, want %d", got, n)
	}
	close(gate)
	wg.Wait()
	remove()
	if _, err := api.Me(ctx); err != nil {
		t.Fatal(err)
	}
	if got := srv.PeakConcurrency(); got != n {
		t.Errorf("peak concurrency %d, want %d", got, n)
	}
	log := srv.Requests()
	if len(log) != n+1 || log[n].Path != "/api/data/v1/me" || log[n].Concurrent != 1 {
		t.Fatalf("log: %+v", log)
	}
	for i, r := range log {
		if r.Seq != i+1 || r.Subject != claims.Subject || r.ClientID != truelayertest.DefaultClientID || r.TokenHash == "" || r.TokenHash != log[0].TokenHash {
			t.Errorf("entry %d: %+v", i, r)
		}
		if strings.Contains(r.TokenHash, tok.AccessToken[:20]) {
			t.Error("the log holds the token")
		}
	}
	srv.ResetLog()
	if len(srv.Requests()) != 0 || srv.PeakConcurrency() != 0 {
		t.Error("ResetLog did not reset")
	}
}

func TestFaultFilters(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	tok := connect(t, srv, "john", truelayertest.ProviderNorthgate)
	api := apiClient(srv, tok)
	ac := authClient(srv, redirect)

	// A method filter: only DELETE /api/delete fails.
	srv.Inject(truelayertest.Fault{Kind: truelayertest.Status, Status: 500, Method: "DELETE"})
	if _, err := api.Me(ctx); err != nil {
		t.Errorf("GET under a DELETE fault: %v", err)
	}
	if err := ac.Revoke(ctx, tok.AccessToken); !errors.Is(err, truelayer.ErrTemporary) {
		t.Errorf("DELETE under a DELETE fault: %v", err)
	}
	srv.ClearFaults()
	// "/data/v1/**" hits the whole Data API and nothing of the auth server.
	srv.Inject(truelayertest.Fault{Kind: truelayertest.Status, Status: 502, Endpoint: "/data/v1/**"})
	if _, err := api.Cards(ctx); !errors.Is(err, truelayer.ErrTemporary) {
		t.Errorf("cards under /data/v1/**: %v", err)
	}
	if _, err := ac.Providers(ctx, truelayer.ProvidersQuery{}); err != nil {
		t.Errorf("providers under /data/v1/**: %v", err)
	}
	srv.ClearFaults()
	if _, err := api.Cards(ctx); err != nil {
		t.Errorf("after ClearFaults: %v", err)
	}
	// Unauthorized never hits the auth server.
	srv.Inject(truelayertest.Fault{Kind: truelayertest.Unauthorized})
	if _, err := ac.Refresh(ctx, tok.RefreshToken); err != nil {
		t.Errorf("refresh under an Unauthorized fault: %v", err)
	}
	if info, err := ac.Debug(ctx, tok.AccessToken); err != nil || info.ProviderID != truelayertest.ProviderNorthgate {
		t.Errorf("Debug: %+v, %v", info, err)
	}
}
