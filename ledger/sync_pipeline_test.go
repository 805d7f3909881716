package ledger

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// The back-fill's pipeline (windowPipe): window k+1 is fetched while
// window k commits. These tests hold a commit open in its transaction
// (stage.merged) until the bank has received the next window's request:
// a back-fill asking k+1 only after k committed never gets there, and the
// test fails after overlapWait.

// overlapWait bounds every wait for the other side of the overlap: only a
// failing test waits it out, so it is long (CI runs every package at once).
const overlapWait = time.Minute

// pipeWindow is the back-fill window of these tests: 100 days of rows
// come in four windows with rows, then an empty one.
const pipeWindow = 30 * day

// watchedBank is a limitedBank (all of its 100 days given) behind a
// proxy that tells when each transactions request arrives, and can hold
// one until the sync gives it up.
type watchedBank struct {
	*limitedBank
	url   string
	mu    sync.Mutex
	calls int
	asked [16]chan struct{} // asked[i] closes when transactions call i arrives (1-based)
	// hold: this transactions call is answered only once the sync gives
	// it up, or after overlapWait; released then says which (true: given up).
	hold     int
	released chan bool
}

func newWatchedBank(t *testing.T, now time.Time) *watchedBank {
	lb, bankURL := newLimitedBank(t, now, 1000, 100, http.StatusBadRequest, "invalid_date_range")
	target, err := url.Parse(bankURL)
	if err != nil {
		t.Fatal(err)
	}
	w := &watchedBank{limitedBank: lb, released: make(chan bool, 1)}
	for i := range w.asked {
		w.asked[i] = make(chan struct{})
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	w.url = httptestServer(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/data/v1/accounts/a1/transactions" {
			proxy.ServeHTTP(rw, r)
			return
		}
		w.mu.Lock()
		w.calls++
		call, hold := w.calls, w.calls == w.hold
		w.mu.Unlock()
		if call < len(w.asked) {
			close(w.asked[call])
		}
		if hold {
			select {
			case <-r.Context().Done():
				w.released <- true
				return
			case <-time.After(overlapWait):
				w.released <- false
			}
		}
		proxy.ServeHTTP(rw, r)
	}))
	return w
}

// transactionCalls is how many transactions requests arrived.
func (w *watchedBank) transactionCalls() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.calls
}

// givenUp waits for the held request to be released, and says whether the
// sync gave it up.
func (w *watchedBank) givenUp() bool {
	select {
	case up := <-w.released:
		return up
	case <-time.After(2 * overlapWait):
		return false
	}
}

// waitAsked waits for transactions call n, and says whether it came.
func (w *watchedBank) waitAsked(n int) bool {
	select {
	case <-w.asked[n]:
		return true
	case <-time.After(overlapWait):
		return false
	}
}

func (w *watchedBank) syncer(st *Store, now time.Time, merged func(*sql.Tx, time.Time) error) *Syncer {
	clients := func(ctx context.Context, id string) (*truelayer.Client, error) {
		return truelayer.NewClient(nil, truelayer.WithBaseURL(w.url), truelayer.WithRetry(truelayer.NoRetry()), attended), nil
	}
	y := NewSyncer(st, clients, WithClock(func() time.Time { return now }), WithBackfillWindow(pipeWindow))
	y.opts.windowMerged = merged
	return y
}

// assertWholeHistory: every row of the bank once, the back-fill done at
// the empty fifth window.
func assertWholeHistory(t *testing.T, st *Store, bank *watchedBank) {
	t.Helper()
	assertRowsFrom(t, st, bank, bank.now.Truncate(day).Add(-5*pipeWindow-4*day))
	views, err := st.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if views[0].HistoryLimit != LimitEmpty {
		t.Errorf("history limit %q, want %q", views[0].HistoryLimit, LimitEmpty)
	}
}

// assertRowsFrom: exactly the bank's rows dated from on, each once, and
// the account's history said to start at from (the oldest window's).
func assertRowsFrom(t *testing.T, st *Store, bank *watchedBank, from time.Time) {
	t.Helper()
	got := map[string]int{}
	for _, s := range storedAmounts(t, st, "a1", false) {
		got[s.id]++
	}
	want := 0
	for _, row := range bank.rows {
		n := got[row.id]
		switch {
		case row.ts.Before(from) && n > 0:
			t.Errorf("%s of %s stored, older than the history's start %s", row.id, row.ts.Format(time.DateOnly), from.Format(time.DateOnly))
		case !row.ts.Before(from) && n != 1:
			t.Errorf("%s of %s stored %d times, want once", row.id, row.ts.Format(time.DateOnly), n)
		}
		if !row.ts.Before(from) {
			want++
		}
	}
	if len(got) != want {
		t.Errorf("%d ids stored, want %d", len(got), want)
	}
	views, err := st.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !views[0].HistoryFrom.Equal(from) {
		t.Errorf("history from %s, want %s", views[0].HistoryFrom.Format(time.DateOnly), from.Format(time.DateOnly))
	}
}

// assertConnectionsGiven: no connection of the store is still held.
func assertConnectionsGiven(t *testing.T, st *Store) {
	t.Helper()
	if n := st.db.Stats().InUse; n != 0 {
		t.Errorf("%d connections of the store still in use after the sync", n)
	}
}

// Each window's commit runs while the bank is asked the next window.
func TestBackfillFetchesTheNextWindowWhileOneCommits(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	bank := newWatchedBank(t, now)
	st := openTest(t)
	commits := 0
	var onConn []int // per commit: the commits its connection has made
	merged := func(tx *sql.Tx, _ time.Time) error {
		commits++ // one commit at a time: no race
		n, err := commitsOnConnection(tx)
		onConn = append(onConn, n)
		// Windows 1-4 have rows, so the next is asked; window 5 is empty.
		if commits <= 4 && !bank.waitAsked(commits+1) {
			t.Errorf("window %d committed without window %d asked within %v: the back-fill does not overlap them", commits, commits+1, overlapWait)
		}
		return err
	}
	mustSync(t, bank.syncer(st, now, merged), "limited")
	if n := bank.transactionCalls(); commits != 5 || n != 5 {
		t.Errorf("%d windows committed, %d asked; want 5 and 5", commits, n)
	}
	// Window 1 commits on its stage's connection; from window 2 on, while
	// the next is staged on another, every window commits on one.
	if want := []int{1, 1, 2, 3, 4}; !slices.Equal(onConn, want) {
		t.Errorf("commits made by each window's connection %v, want %v: the windows from the second on did not commit on one connection", onConn, want)
	}
	assertWholeHistory(t, st, bank)
	assertConnectionsGiven(t, st)
}

// commitsOnConnection counts the commits made on tx's connection, this
// one included, in a temporary table of that connection.
func commitsOnConnection(tx *sql.Tx) (int, error) {
	var n int
	err := tx.QueryRow(`CREATE TEMP TABLE IF NOT EXISTS commits_here (n INTEGER);
INSERT INTO commits_here VALUES (1);
SELECT count(*) FROM commits_here`).Scan(&n)
	return n, err
}

// inSecondCommit makes a stage.merged hook that, in window 2's commit,
// waits until window 3 is asked (held by the bank), then returns what
// then returns. commits counts the commits it saw.
func inSecondCommit(t *testing.T, bank *watchedBank, then func() error) (merged func(*sql.Tx, time.Time) error, commits *int) {
	bank.hold = 3
	commits = new(int)
	return func(*sql.Tx, time.Time) error {
		*commits++ // one commit at a time: no race
		if *commits != 2 {
			return nil
		}
		if !bank.waitAsked(3) {
			t.Errorf("window 2 committed without window 3 asked within %v", overlapWait)
		}
		return then()
	}, commits
}

// A commit failing while the next window is in flight: that fetch is
// given up, the store stays as the window before left it, and the next
// sync resumes from there to the whole history, each row once.
func TestBackfillFailedCommitCancelsTheNextWindow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	bank := newWatchedBank(t, now)
	st := openTest(t)
	injected := errors.New("injected commit failure")
	merged, commits := inSecondCommit(t, bank, func() error { return injected })
	_, err := bank.syncer(st, now, merged).Sync(context.Background(), []string{"limited"}, nil)
	if !errors.Is(err, injected) {
		t.Fatalf("Sync: %v, want the commit's failure", err)
	}
	if !bank.givenUp() {
		t.Error("window 3's request was not given up when window 2's commit failed")
	}
	if *commits != 2 {
		t.Errorf("%d commits, want 2 (none after the failure)", *commits)
	}
	today := now.Truncate(day)
	assertRowsFrom(t, st, bank, today.Add(-pipeWindow)) // window 1's
	assertConnectionsGiven(t, st)

	mustSync(t, bank.syncer(st, now, nil), "limited")
	assertWholeHistory(t, st, bank)
	assertConnectionsGiven(t, st)
}

// The user quitting while a window commits and the next is in flight
// stops both: Sync returns, no connection is left held, whole windows
// only are stored, and the next sync ends with the whole history.
func TestBackfillCancelledMidPipeline(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	bank := newWatchedBank(t, now)
	st := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	merged, _ := inSecondCommit(t, bank, func() error { cancel(); return nil })
	if _, err := bank.syncer(st, now, merged).Sync(ctx, []string{"limited"}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync after cancel: %v", err)
	}
	if !bank.givenUp() {
		t.Error("window 3's request was not given up when the sync was cancelled")
	}
	views, err := st.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Window 2's commit may land or not, as the cancel finds it.
	today := now.Truncate(day)
	from := views[0].HistoryFrom
	if !from.Equal(today.Add(-pipeWindow)) && !from.Equal(today.Add(-2*pipeWindow-day)) {
		t.Errorf("history from %s, want the start of window 1 or 2", from.Format(time.DateOnly))
	}
	assertRowsFrom(t, st, bank, from)
	assertConnectionsGiven(t, st)

	mustSync(t, bank.syncer(st, now, nil), "limited")
	assertWholeHistory(t, st, bank)
}
