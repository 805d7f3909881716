package ledger

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	tt "github.com/banktui/banktui/truelayer/truelayertest"
)

// unattendedEnv is a syncEnv whose clients do not say the user is present
// (a sync from cron): the emulator allows 4 calls per account and endpoint
// a day, as banks do.
func unattendedEnv(t *testing.T, opts ...tt.Option) *syncEnv {
	t.Helper()
	e := newSyncEnv(t, opts...)
	e.psuIP = ""
	return e
}

// refusedCalls are the emulator's 429 answers, by path.
func refusedCalls(e *syncEnv) map[string]int {
	out := map[string]int{}
	for _, r := range e.srv.Requests() {
		if r.Status == http.StatusTooManyRequests {
			out[r.Path]++
		}
	}
	return out
}

// Syncs from cron, one after another: each endpoint of each account is
// called at most 4 times a day, counted in the store across Syncers (so
// across runs); what cannot be afforded is skipped and said, never sent
// into a 429. A day later the budget is back. (Before, every sync called
// every endpoint: the fifth sync of the day met 429s.)
func TestUnattendedSyncStaysWithinBudget(t *testing.T) {
	t.Parallel()
	e := unattendedEnv(t)
	north := e.connect("john", tt.ProviderNorthgate)
	var skipped int
	for run := 1; run <= 6; run++ {
		rep := mustSync(t, e.syncer(), north) // a new Syncer each time, as each cron run
		skipped = len(rep.Connections[0].Skipped)
		for _, a := range rep.Connections[0].Accounts {
			skipped += len(a.Skipped)
			for _, s := range a.Skipped {
				if !errors.Is(s, ErrUnattendedBudget) || s.Next.IsZero() || !Explain(s).BankLimit {
					t.Errorf("run %d: skip %v", run, s)
				}
			}
		}
		if run <= 2 && skipped > 0 {
			t.Errorf("run %d skipped %d endpoints: the budget allows it", run, skipped)
		}
	}
	if skipped == 0 {
		t.Fatal("six syncs in a day skipped nothing: the budget is not applied")
	}
	if r := refusedCalls(e); len(r) > 0 {
		t.Fatalf("the bank refused calls (429): %v", r)
	}
	perPath := map[string]int{}
	for _, r := range e.srv.Requests() {
		if strings.HasPrefix(r.Path, "/api/data/v1/") && r.Path != "/api/data/v1/me" {
			perPath[r.Path]++
		}
	}
	for path, n := range perPath {
		if n > UnattendedLimit {
			t.Errorf("%s called %d times in a day", path, n)
		}
	}
	left, err := e.st.UnattendedCallsLeft(context.Background(), north, e.srv.Now(), []string{""},
		map[string][]string{"": {EndpointAccounts, EndpointCards}})
	if err != nil || len(left) != 2 || left[0].Left != 0 || left[0].Next.IsZero() {
		t.Errorf("calls left %+v, %v", left, err)
	}

	e.srv.AdvanceClock(24*time.Hour + time.Minute)
	e.srv.ResetLog()
	rep := mustSync(t, e.syncer(), north)
	if len(rep.Connections[0].Skipped) > 0 || len(e.srv.Requests()) == 0 {
		t.Errorf("a day later: skipped %v, %d calls", rep.Connections[0].Skipped, len(e.srv.Requests()))
	}
	assertMatchesTruth(t, e.st, e.truth(north), time.Time{})
}

// A bank stricter than banktui's count (another program spent the budget):
// its 429 unattended_calls_limit_exceeded is recorded until its Retry-After,
// and no later sync calls that endpoint before then: one 429 per endpoint,
// never a second into the same wall.
func TestUnattendedLimitFromTheBankIsNotRetried(t *testing.T) {
	t.Parallel()
	e := unattendedEnv(t, tt.WithUnattendedLimit(1))
	north := e.connect("john", tt.ProviderNorthgate)
	for range 3 {
		rep, err := e.syncer().Sync(context.Background(), []string{north}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range rep.Connections[0].Accounts {
			if a.Err != nil && !Explain(a.Err).BankLimit {
				t.Errorf("%s: %v is reported as a failure", a.AccountID, a.Err)
			}
		}
	}
	refused := refusedCalls(e)
	if len(refused) == 0 {
		t.Fatal("the bank never refused: the test does not test")
	}
	for path, n := range refused {
		if n > 1 {
			t.Errorf("%s: %d calls refused with 429, want at most one", path, n)
		}
	}
	statuses, _ := e.st.EndpointStatuses(context.Background())
	limited := 0
	for _, s := range statuses {
		if s.Status == http.StatusTooManyRequests && s.Until.After(e.srv.Now()) {
			limited++
		}
	}
	if limited == 0 {
		t.Errorf("no 429 recorded: %+v", statuses)
	}
}

// With the user present (X-PSU-IP), the sync spends no budget and records
// no calls.
func TestAttendedSyncSpendsNoBudget(t *testing.T) {
	t.Parallel()
	e := newSyncEnv(t)
	north := e.connect("john", tt.ProviderNorthgate)
	for range 6 {
		mustSync(t, e.syncer(), north)
	}
	var n int
	if err := e.st.db.QueryRow("SELECT count(*) FROM unattended_calls").Scan(&n); err != nil || n != 0 {
		t.Errorf("%d unattended calls recorded, %v", n, err)
	}
	if r := refusedCalls(e); len(r) > 0 {
		t.Errorf("429s %v", r)
	}
}
