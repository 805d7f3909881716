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
	"cmp"
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

// Errors of the ledger file, each within a *FileError naming the file. None
// of them ever leaves the file changed.
var (
	// ErrCorrupt: the file is not a SQLite database, or its pages are damaged.
	ErrCorrupt = errors.New("ledger: the database file is corrupt or not a banktui ledger")
	// ErrNewerSchema: the file was written by a newer banktui.
	ErrNewerSchema = errors.New("ledger: the database was written by a newer banktui")
	// ErrDiskFull: a write failed for lack of space; the previous state is kept.
	ErrDiskFull = errors.New("ledger: disk full, nothing was written")
	// ErrBusy: another program held the ledger's write lock for longer
	// than a write waits (writeLockWait); nothing was written.
	ErrBusy = errors.New("ledger: another program is writing the ledger, nothing was written")
)

// FileError is a failure of the ledger file itself, naming it: Err is
// ErrCorrupt, ErrNewerSchema, ErrDiskFull or ErrBusy (errors.Is matches it), Detail
// what SQLite or the check found.
type FileError struct {
	Path   string
	Err    error
	Detail string
}

func (e *FileError) Error() string {
	s := e.Err.Error() + ": " + e.Path
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *FileError) Unwrap() error { return e.Err }

// sqliteHeader starts every SQLite 3 database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// Store is the ledger database. It is safe for concurrent use.
type Store struct {
	db     *sql.DB
	path   string
	hasFTS bool // full-text index over description and merchant
	// ftsDrive replaces ftsDriveLimit, walkLimit walkRows times the page
	// (accountPage), when > 0 (tests).
	ftsDrive, walkLimit int

	// writeMu serialises this process's write transactions, so concurrent
	// account commits queue in Go rather than spin on SQLITE_BUSY.
	writeMu sync.Mutex
	// stageSweep removes dead processes' stage files, at the first stage.
	stageSweep    sync.Once
	stageMaxPages int           // openConfig's
	lockWait      time.Duration // openConfig's
	lockWaiting   func()        // openConfig's
	check         fileCheck     // the file's check before this process first writes
	now           func() time.Time
	changes       changeWatch // Changed's connection
}

// openConfig holds Open's knobs.
type openConfig struct {
	maxPageCount  int           // >0: cap the file size (simulates a full disk)
	stageMaxPages int           // >0: cap each stage file (tests: the disk fills while a window is staged)
	lockWait      time.Duration // >0: replaces writeLockWait (tests)
	lockWaiting   func()        // WithLockWaitNotice's
	now           func() time.Time
	upgrading     func(from, to int)
}

// OpenOption configures Open.
type OpenOption func(*openConfig)

// WithUpgradeNotice has Open call fn before it brings a ledger written by
// an older banktui to this version's schema (never for a new one): some
// steps build an index over every stored row, seconds for a long history,
// and the user should know why the program is waiting.
func WithUpgradeNotice(fn func(from, to int)) OpenOption {
	return func(c *openConfig) { c.upgrading = fn }
}

// WithLockWaitNotice has a write that finds another program (another
// banktui syncing, a sqlite3 shell) holding the ledger's write lock call
// fn as it starts waiting for it (up to two minutes, then ErrBusy): a
// command can say why it pauses. fn runs once per write that waits.
func WithLockWaitNotice(fn func()) OpenOption {
	return func(c *openConfig) { c.lockWaiting = fn }
}

// WithSizeLimit caps the database file at about bytes (SQLite's
// max_page_count): a write that would grow it further fails as on a full
// disk, with ErrDiskFull and nothing written. Tests of programs built on the
// ledger use it to fill the disk deterministically.
func WithSizeLimit(bytes int64) OpenOption {
	return func(c *openConfig) { c.maxPageCount = int(max(bytes/pageSize, 1)) }
}

// pageSize is SQLite's default page size, which the ledger keeps.
const pageSize = 4096

// Open opens (creating if needed) the ledger at path: the file is created
// 0600 in a 0700 directory, journaled with WAL and migrated to the current
// schema. A file that is not a SQLite database, or is damaged, gives a
// *FileError wrapping ErrCorrupt; one written by a newer version
// ErrNewerSchema. Neither is ever modified. Before this process first
// writes, the file's structure is checked (quickCheck): a damaged one is
// refused for writing.
func Open(path string, opts ...OpenOption) (*Store, error) {
	var cfg openConfig
	for _, o := range opts {
		o(&cfg)
	}
	return open(path, cfg)
}

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
	// 4 MiB of pages per connection, and no memory map: measured on the
	// TUI's keys and a sync, both were as quick or quicker than 16 MiB and
	// a 256 MiB map, and the process stays small (every mapped page read
	// counts in its resident size, and each of up to five connections
	// fills its own cache).
	q.Add("_pragma", "cache_size(-4096)")
	q.Add("_pragma", "mmap_size(0)")
	if cfg.maxPageCount > 0 {
		q.Add("_pragma", fmt.Sprintf("max_page_count(%d)", cfg.maxPageCount))
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("ledger: open %s: %w", path, err)
	}
	// database/sql keeps two idle connections by default: the TUI reads a
	// page and its counts at once, so a third was closed after every key
	// and the next read opened a new one, its page cache cold.
	db.SetMaxIdleConns(4)
	s := &Store{db: db, path: path, now: cfg.now, stageMaxPages: cfg.stageMaxPages,
		lockWait: cmp.Or(cfg.lockWait, writeLockWait), lockWaiting: cfg.lockWaiting}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.init(context.Background(), cfg.upgrading); err != nil {
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
		return &FileError{Path: path, Err: ErrCorrupt, Detail: "no SQLite header"}
	}
	return nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database (stopping a check of the file still running).
func (s *Store) Close() error {
	s.check.stop()
	s.changes.close()
	return s.db.Close()
}

// init checks the schema version before anything writes, then switches to
// WAL and migrates.
func (s *Store) init(ctx context.Context, upgrading func(from, to int)) error {
	version, err := s.schemaVersion(ctx)
	if err != nil {
		return s.wrapOpenErr(err)
	}
	if version > len(migrations) {
		return &FileError{Path: s.path, Err: ErrNewerSchema,
			Detail: fmt.Sprintf("schema version %d, this banktui knows up to %d", version, len(migrations))}
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return s.wrapOpenErr(err)
	}
	if version > 0 && version < len(migrations) && upgrading != nil {
		upgrading(version, len(migrations))
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
			return 0, &FileError{Path: s.path, Err: ErrCorrupt, Detail: "a SQLite database of another program"}
		}
		return 0, nil
	}
	var v int
	if err := s.db.QueryRowContext(ctx, "SELECT version FROM schema_version").Scan(&v); err != nil {
		return 0, &FileError{Path: s.path, Err: ErrCorrupt, Detail: "unreadable schema version: " + err.Error()}
	}
	return v, nil
}

func (s *Store) wrapOpenErr(err error) error {
	if errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNewerSchema) {
		return err
	}
	if isCorruption(err) {
		return &FileError{Path: s.path, Err: ErrCorrupt, Detail: err.Error()}
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
		return &FileError{Path: s.path, Err: ErrCorrupt, Detail: strings.Join(problems, "; ")}
	}
	if s.hasFTS {
		// FTS5 compares its index with the transactions it indexes.
		if _, err := s.db.ExecContext(ctx, "INSERT INTO tx_fts(tx_fts, rank) VALUES ('integrity-check', 1)"); err != nil {
			return &FileError{Path: s.path, Err: ErrCorrupt, Detail: "full-text index: " + err.Error()}
		}
	}
	return nil
}

// quickCheck runs SQLite's quick_check: it reads every page and verifies
// each b-tree's structure (integrity_check, which doctor runs, also matches
// indexes to their tables). A file damaged in place, pages overwritten but
// its size intact, opens without complaint; this catches it before the
// first write of this process, which is then refused with the file named,
// rather than built on top of the damage. It reads the whole file: about
// 0.33 s for a 100k-transaction ledger of 53 MiB (BenchmarkQuickCheck100k),
// so a sync starts it in the background (checkAhead), where it overlaps
// the bank's first answers.
func (s *Store) quickCheck(ctx context.Context) error {
	var first string
	err := s.db.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&first)
	switch {
	case err != nil && isCorruption(err):
		return &FileError{Path: s.path, Err: ErrCorrupt, Detail: err.Error()}
	case err != nil:
		return fmt.Errorf("ledger: checking %s: %w", s.path, err)
	case first != "ok":
		return &FileError{Path: s.path, Err: ErrCorrupt, Detail: first}
	}
	return nil
}

// fileCheck is the one quickCheck of a Store, started by checkAhead or by
// the first write, whichever comes first.
type fileCheck struct {
	mu     sync.Mutex
	done   chan struct{} // closed with err set; nil until started
	err    error
	cancel context.CancelFunc
}

// checkAhead starts checking the file in the background, when writes are
// coming (a sync): the first write waits for its answer.
func (s *Store) checkAhead() { s.check.start(s.quickCheck) }

func (c *fileCheck) start(check func(context.Context) error) chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		ctx, cancel := context.WithCancel(context.Background())
		c.done, c.cancel = make(chan struct{}), cancel
		go func() {
			defer close(c.done)
			c.err = check(ctx)
		}()
	}
	return c.done
}

// writable waits for the check of the file: a damaged file is refused for
// writing, by every write of this process.
func (s *Store) writable(ctx context.Context) error {
	select {
	case <-s.check.start(s.quickCheck):
		return s.check.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *fileCheck) stop() {
	c.mu.Lock()
	done, cancel := c.done, c.cancel
	c.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// wrapWriteErr names the file in SQLite's errors about it: full (disk or
// size limit) and damaged.
func (s *Store) wrapWriteErr(err error) error {
	var fe *FileError
	switch {
	case errors.As(err, &fe):
		return err
	case isDiskFull(err):
		return &FileError{Path: s.path, Err: ErrDiskFull, Detail: err.Error()}
	case isCorruption(err):
		return &FileError{Path: s.path, Err: ErrCorrupt, Detail: err.Error()}
	}
	return err
}
