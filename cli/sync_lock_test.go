package cli

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"
)

// phraseWriter is a buffer that closes seen the first time what was
// written holds phrase.
type phraseWriter struct {
	mu     sync.Mutex
	b      bytes.Buffer
	phrase string
	seen   chan struct{}
}

func (w *phraseWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := strings.Contains(w.b.String(), w.phrase)
	n, err := w.b.Write(p)
	if !had && strings.Contains(w.b.String(), w.phrase) {
		close(w.seen)
	}
	return n, err
}

func (w *phraseWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestSyncWaitsForAnotherProgramWritingTheLedger: while another program
// (here a plain SQLite handle; in life another banktui committing a long
// window) holds the ledger's write lock, banktui sync says on stderr that
// it waits, and once the lock is given back it syncs and exits 0. It used
// to fail after five seconds with "database is locked (5) (SQLITE_BUSY)".
func TestSyncWaitsForAnotherProgramWritingTheLedger(t *testing.T) {
	t.Parallel()
	h, _ := syncedHome(t)
	db, err := sql.Open("sqlite", "file:"+h.paths().LedgerDB)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lock, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	errw := &phraseWriter{phrase: "waiting for it to finish", seen: make(chan struct{})}
	done := make(chan int, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		done <- run(ctx, h.factory(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: errw}), []string{"sync"})
	}()
	select {
	case <-errw.seen:
	case code := <-done:
		t.Fatalf("sync ended (exit %d) without waiting for the lock:\n%s", code, errw)
	}
	if _, err := lock.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 0 {
		t.Fatalf("sync after the lock was given back: exit %d\n%s", code, errw)
	}
	if n := strings.Count(errw.String(), "waiting for it to finish"); n != 1 {
		t.Errorf("the wait is said %d times, want once:\n%s", n, errw)
	}
	if !strings.Contains(errw.String(), h.paths().LedgerDB) {
		t.Errorf("the notice does not name the ledger:\n%s", errw)
	}
}
