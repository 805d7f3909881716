package ledger

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A stage's rows go to a file of its own beside the store rather than to
// a temporary table, so that another connection can attach it: one
// connection then commits every window of a back-fill, its page cache
// warm, while the next window is staged on another (windowPipe). Committed
// on the connections in turn, each commit found the cache of the other's
// writes cold: a 1M-row back-fill in 90-day windows took a fifth longer.
//
// The files are named <store>.stage-<pid>-<random>. One left by a process
// that died mid-sync (a kill) is removed by a later sync of the store,
// once ten minutes old (staleStage); while another process runs under its
// pid, it stays.

// stageFilePrefix is the name of the store's stage files up to the pid.
func stageFilePrefix(store string) string { return filepath.Base(store) + ".stage-" }

// newStageFile creates an empty stage file, readable by its owner alone
// (it holds bank data, as the store does).
func (s *Store) newStageFile() (string, error) {
	s.stageSweep.Do(func() { removeDeadStages(s.path) })
	f, err := os.CreateTemp(filepath.Dir(s.path), stageFilePrefix(s.path)+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return "", fmt.Errorf("ledger: staging: %w", err)
	}
	f.Close()
	return f.Name(), nil
}

// staleStage is how long a dead process's stage file is left alone: the
// file of a live process in another pid namespace sharing the store's
// directory is written to as its window arrives, far more often.
const staleStage = 10 * time.Minute

// removeDeadStages removes the store's stage files whose process is gone.
func removeDeadStages(store string) {
	dir, prefix := filepath.Dir(store), stageFilePrefix(store)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() || !processGone(pid) {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleStage {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// processGone reports whether no process pid runs; when unsure, it runs.
func processGone(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return true // Windows: no such process
	}
	err = p.Signal(syscall.Signal(0))
	return errors.Is(err, os.ErrProcessDone) || errors.Is(err, syscall.ESRCH)
}

// attach attaches the stage's file to conn as "stage". It needs no
// rollback journal nor syncing: it is thrown away on any failure.
func (st *stage) attach(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "ATTACH DATABASE ? AS stage", st.path); err != nil {
		return fmt.Errorf("ledger: staging: %w", err)
	}
	pragmas := "PRAGMA stage.journal_mode = OFF; PRAGMA stage.synchronous = OFF"
	if st.s.stageMaxPages > 0 {
		pragmas += fmt.Sprintf("; PRAGMA stage.max_page_count = %d", st.s.stageMaxPages)
	}
	if _, err := conn.ExecContext(ctx, pragmas); err != nil {
		detach(conn)
		return fmt.Errorf("ledger: staging: %w", err)
	}
	return nil
}

// detach detaches the stage from conn, with a fresh context (the sync's
// may be cancelled). A connection it fails on is thrown away rather than
// going back to the pool with the stage still attached.
func detach(conn *sql.Conn) {
	if _, err := conn.ExecContext(context.Background(), "DETACH DATABASE stage"); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// writeStaged runs fn in a write transaction on conn with st's file
// attached (nil: on st's own connection), once the rows still in memory
// are staged: the stage is written before the write lock is taken, and
// never while another connection has it attached.
func (s *Store) writeStaged(ctx context.Context, st *stage, conn *sql.Conn, fn func(tx *sql.Tx) error) error {
	if err := st.flush(ctx); err != nil {
		return s.wrapWriteErr(err)
	}
	if conn == nil {
		return s.writeOn(ctx, st.conn, fn)
	}
	if err := st.attach(ctx, conn); err != nil {
		return err
	}
	defer detach(conn)
	return s.writeOn(ctx, conn, fn)
}
