package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

var errWatchClosed = errors.New("ledger: the store is closed")

// changeWatch remembers SQLite's data_version on one connection kept for
// it: the number changes whenever another connection commits to the file,
// in this process or another (a cron `banktui sync` while the TUI is open).
type changeWatch struct {
	mu      sync.Mutex
	conn    *sql.Conn // nil until the first Changed
	version int64
	closed  bool
}

// Changed reports whether anything was committed to the store since the
// previous call (the first call only takes note, and reports false). It
// costs one PRAGMA on a connection kept for it, so a screen can ask every
// few seconds whether what it shows may be out of date.
func (s *Store) Changed(ctx context.Context) (bool, error) {
	w := &s.changes
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return false, errWatchClosed
	}
	first := w.conn == nil
	if first {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return false, fmt.Errorf("ledger: %w", err)
		}
		w.conn = conn
	}
	var version int64
	if err := w.conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&version); err != nil {
		return false, fmt.Errorf("ledger: %w", err)
	}
	changed := !first && version != w.version
	w.version = version
	return changed, nil
}

// close gives the watch's connection back, before the store closes.
func (w *changeWatch) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
}
