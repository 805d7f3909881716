// Package ledger is banktui's local history: a SQLite store of connections,
// accounts, cards, balance snapshots, transactions (settled and pending),
// standing orders and direct debits, and the sync engine that fills it from
// the TrueLayer Data API.
//
// Reads are instant and never touch the network, so the TUI can draw the last
// known balances on its first frame and the CLI can answer offline. Sync is
// incremental: the first sync of an account back-fills all the history the
// bank gives, later ones fetch only the recent days again.
//
// Money is exact: amounts are stored as the decimal text the bank sent, plus
// an integer in millionths for indexing, sorting and exact sums.
package ledger

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Errors of Open. Both leave the file untouched.
var (
	// ErrCorrupt: the file is not a SQLite database, or its pages are damaged.
	ErrCorrupt = errors.New("ledger: the database file is corrupt or not a banktui ledger")
	// ErrNewerSchema: the file was written by a newer banktui.
	ErrNewerSchema = errors.New("ledger: the database was written by a newer banktui")
)

// sqliteHeader starts every SQLite 3 database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// Store is the ledger database. It is safe for concurrent use.
type Store struct {
	db     *sql.DB
	path   string
	hasFTS bool // full-text index over description and merchant
	// ftsDrive replaces ftsDriveLimit when > 0 (tests).
	ftsDrive int

	// writeMu serialises this process's write transactions, so concurrent
	// account commits queue in Go rather than spin on SQLITE_BUSY.
	writeMu sync.Mutex
	now     func() time.Time
}

// openConfig holds Open's knobs; only tests use them today.
type openConfig struct {
	maxPageCount int // >0: cap the file size (simulates a full disk)
	now          func() time.Time
}

// Open opens (creating if needed) the ledger at path: the file is created
// 0600 in a 0700 directory, journaled with WAL and migrated to the current
// schema. A file that is not a SQLite database, or is damaged, gives an error
// wrapping ErrCorrupt; one written by a newer version gives ErrNewerSchema.
// Neither is ever modified.
func Open(path string) (*Store, error) { return open(path, openConfig{}) }

func open(path string, cfg openConfig) (*Store, error) {
	if path == "" {
		return nil, errors.New("ledger: empty database path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	if err := createOrCheckFile(path); err != nil {
		return nil, err
	}

	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "cache_size(-16384)") // 16 MiB of pages per connection
	q.Add("_pragma", "mmap_size(268435456)")
	if cfg.maxPageCount > 0 {
		q.Add("_pragma", fmt.Sprintf("max_page_count(%d)", cfg.maxPageCount))
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("ledger: open %s: %w", path, err)
	}
	s := &Store{db: db, path: path, now: cfg.now}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.init(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// createOrCheckFile creates path 0600 if absent, tightens a looser mode, and
// rejects a non-empty file without the SQLite header before SQLite sees it.
func createOrCheckFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
	}
	if st.Size() == 0 {
		return nil
	}
	head := make([]byte, len(sqliteHeader))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, sqliteHeader) {
		return fmt.Errorf("%w: %s has no SQLite header", ErrCorrupt, path)
	}
	return nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// init checks the schema version before anything writes, then switches to
// WAL and migrates.
func (s *Store) init(ctx context.Context) error {
	version, err := s.schemaVersion(ctx)
	if err != nil {
		return s.wrapOpenErr(err)
	}
	if version > len(migrations) {
		return fmt.Errorf("%w: %s has schema version %d, this banktui knows up to %d",
			ErrNewerSchema, s.path, version, len(migrations))
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return s.wrapOpenErr(err)
	}
	if err := s.migrate(ctx, version); err != nil {
		return s.wrapOpenErr(err)
	}
	var n int
	err = s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'tx_fts'").Scan(&n)
	if err != nil {
		return s.wrapOpenErr(err)
	}
	s.hasFTS = n > 0
	return nil
}

// schemaVersion is 0 for a new, empty database.
func (s *Store) schemaVersion(ctx context.Context) (int, error) {
	var tables int
	if err := s.db.QueryRowContext(ctx,
		"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").Scan(&tables); err != nil {
		return 0, err
	}
	if tables == 0 {
		var others int
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&others); err != nil {
			return 0, err
		}
		if others > 0 {
			return 0, fmt.Errorf("%w: %s is a SQLite database of another program", ErrCorrupt, s.path)
		}
		return 0, nil
	}
	var v int
	if err := s.db.QueryRowContext(ctx, "SELECT version FROM schema_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("%w: %s: unreadable schema version: %v", ErrCorrupt, s.path, err)
	}
	return v, nil
}

func (s *Store) wrapOpenErr(err error) error {
	if errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNewerSchema) {
		return err
	}
	if isCorruption(err) {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, s.path, err)
	}
	return fmt.Errorf("ledger: open %s: %w", s.path, err)
}

// isCorruption reports SQLite's "not a database" and "malformed" errors.
func isCorruption(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return true
		}
	}
	return false
}

// isDiskFull reports SQLITE_FULL (disk or max_page_count).
func isDiskFull(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL
}

// Check runs SQLite's integrity check (for `banktui doctor`); it reads every
// page, so it is not part of Open.
func (s *Store) Check(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return s.wrapOpenErr(err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return s.wrapOpenErr(err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrCorrupt, strings.Join(problems, "; "))
	}
	if s.hasFTS {
		// FTS5 compares its index with the transactions it indexes.
		if _, err := s.db.ExecContext(ctx, "INSERT INTO tx_fts(tx_fts, rank) VALUES ('integrity-check', 1)"); err != nil {
			return fmt.Errorf("%w: full-text index: %v", ErrCorrupt, err)
		}
	}
	return nil
}

// write runs fn in one write transaction: all of it lands or none of it.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
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

// ErrDiskFull: a write failed for lack of space; the previous state is kept.
var ErrDiskFull = errors.New("ledger: disk full, nothing was written")

func (s *Store) wrapWriteErr(err error) error {
	if isDiskFull(err) && !errors.Is(err, ErrDiskFull) {
		return fmt.Errorf("%w (%v)", ErrDiskFull, err)
	}
	return err
}
