package ledger

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tt "github.com/banktui/banktui/truelayer/truelayertest"
)

// TestTwoProcessesSyncOneStoreAtOnce: a scheduled `banktui sync` and the
// TUI's sync on start, each with its own handle on the one store, sync the
// same banks at the same moment: both succeed and the store holds each
// bank's history exactly once.
func TestTwoProcessesSyncOneStoreAtOnce(t *testing.T) {
	t.Parallel()
	e := newSyncEnv(t, tt.WithClock(demoClock))
	other, err := Open(e.st.path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var conns []string
	for _, p := range demoProviders {
		conns = append(conns, e.connect("john", p))
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, st := range []*Store{e.st, other} {
		wg.Go(func() {
			errs[i] = syncErr(NewSyncer(st, e.clients, WithClock(e.srv.Now), WithGrantedScopes(e.scopes)).Sync(context.Background(), conns, nil))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("sync %d: %v", i+1, err)
		}
	}
	for _, c := range conns {
		assertMatchesTruth(t, e.st, e.truth(c), time.Time{})
		assertConsistent(t, e.st, e.truth(c))
	}
}

// syncErr is a sync's error and every error its report holds, joined.
func syncErr(rep *Report, err error) error {
	if rep == nil {
		return err
	}
	return errors.Join(append([]error{err}, rep.Errors()...)...)
}

// underAnotherLock is a store opened with cfg, a connection to john's
// Northgate bank on the emulator, and another program holding the store's
// write lock until release.
func underAnotherLock(t *testing.T, cfg openConfig) (e *syncEnv, conn string, release func()) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.db")
	st, err := open(path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e = newSyncEnvWith(t, st, tt.WithClock(demoClock))
	return e, e.connect("john", tt.ProviderNorthgate), holdWriteLock(t, path)
}

// holdWriteLock opens another handle on path and takes its write lock, as
// another banktui committing a long window does; release gives it back.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
			db.Close()
		})
	}
	t.Cleanup(release)
	return release
}

// TestSyncWaitsForAnotherProgramsWrite: while another program holds the
// ledger's write lock past SQLite's five seconds, a sync says it waits
// (WithLockWaitNotice) and, once the lock is given back, stores the bank.
// It used to fail at once: "database is locked (5) (SQLITE_BUSY)".
func TestSyncWaitsForAnotherProgramsWrite(t *testing.T) {
	t.Parallel()
	waiting := make(chan struct{}, 1)
	e, conn, release := underAnotherLock(t, openConfig{lockWaiting: func() { waiting <- struct{}{} }})
	done := make(chan error, 1)
	go func() { done <- syncErr(e.syncer().Sync(context.Background(), []string{conn}, nil)) }()
	select {
	case <-waiting:
	case err := <-done:
		t.Fatalf("the sync ended without waiting for the lock: %v", err)
	}
	release()
	if err := <-done; err != nil {
		t.Fatalf("sync after the lock was given back: %v", err)
	}
	assertMatchesTruth(t, e.st, e.truth(conn), time.Time{})
}

// TestWriteGivesUpOnALockHeldTooLong: past the wait, a write fails with
// ErrBusy naming the ledger, whose advice says what to do, and nothing is
// written; the next sync stores everything.
func TestWriteGivesUpOnALockHeldTooLong(t *testing.T) {
	t.Parallel()
	e, conn, release := underAnotherLock(t, openConfig{lockWait: time.Millisecond})
	st, path := e.st, e.st.path
	failed := syncErr(e.syncer().Sync(context.Background(), []string{conn}, nil))
	if !errors.Is(failed, ErrBusy) {
		t.Fatalf("sync under another program's lock: %v, want ErrBusy", failed)
	}
	text := Explain(failed).Text(CLI)
	for _, want := range []string{"another program", path, "nothing was written", "try again in a few minutes"} {
		if !strings.Contains(text, want) {
			t.Errorf("advice %q does not say %q", text, want)
		}
	}
	if n, err := st.CountTransactions(context.Background(), TxQuery{}); err != nil || n != 0 {
		t.Errorf("%d transactions stored under another program's lock (%v)", n, err)
	}
	release()
	mustSync(t, e.syncer(), conn)
	assertMatchesTruth(t, st, e.truth(conn), time.Time{})
}
