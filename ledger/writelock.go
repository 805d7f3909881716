package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// write runs fn in one write transaction: all of it lands or none of it.
// The first write of the process checks the file first (quickCheck).
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.writeWith(ctx, s.db.BeginTx, fn)
}

// writeOn is write on conn (a sync's commit: on a connection its stage's
// file is attached to).
func (s *Store) writeOn(ctx context.Context, conn *sql.Conn, fn func(tx *sql.Tx) error) error {
	return s.writeWith(ctx, conn.BeginTx, fn)
}

func (s *Store) writeWith(ctx context.Context, begin func(context.Context, *sql.TxOptions) (*sql.Tx, error), fn func(tx *sql.Tx) error) error {
	if err := s.writable(ctx); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.beginWaiting(ctx, begin)
	if err != nil {
		return s.wrapWriteErr(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return s.wrapWriteErr(err)
	}
	if err := tx.Commit(); err != nil {
		return s.wrapWriteErr(err)
	}
	return nil
}

// writeLockWait is how long a write waits for another program's write
// lock before ErrBusy. Another banktui's sync holds it for a window's
// commit: seconds at 100k rows, half a minute for a first window of 1M on
// a small machine, more on a slower one.
const writeLockWait = 2 * time.Minute

// beginWaiting begins a write transaction. SQLite waits busy_timeout for
// another connection's write lock; while another program still holds it,
// this tries again, until s.lockWait has gone by (ErrBusy) or ctx is done.
func (s *Store) beginWaiting(ctx context.Context, begin func(context.Context, *sql.TxOptions) (*sql.Tx, error)) (*sql.Tx, error) {
	start := time.Now()
	for tries := 0; ; tries++ {
		tx, err := begin(ctx, nil)
		if err == nil || !isBusy(err) || ctx.Err() != nil {
			return tx, err
		}
		if waited := time.Since(start); waited >= s.lockWait {
			return nil, &FileError{Path: s.path, Err: ErrBusy, Detail: fmt.Sprintf("waited %s for its write lock", waited.Round(time.Second))}
		}
		if tries == 0 && s.lockWaiting != nil {
			s.lockWaiting()
		}
	}
}

// isBusy reports SQLite's "database is locked": another connection holds
// the write lock.
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}
