package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/gofrs/flock"
)

// CredentialsVersion is the schema version this build writes and reads.
const CredentialsVersion = 1

// Connection is one bank connection (one TrueLayer consent) and its tokens.
type Connection struct {
	ID            string   `json:"id"` // local, short, stable: "ob-northgate", "ob-northgate-2"
	ProviderID    string   `json:"provider_id"`
	ProviderName  string   `json:"provider_name,omitempty"`
	CredentialsID string   `json:"credentials_id,omitempty"`
	Scopes        []string `json:"scopes,omitempty"`

	RefreshToken string    `json:"refresh_token,omitempty"`
	AccessToken  string    `json:"access_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`

	ConsentCreatedAt time.Time `json:"consent_created_at,omitzero"`
	ConsentExpiresAt time.Time `json:"consent_expires_at,omitzero"`
	LastRefresh      time.Time `json:"last_refresh,omitzero"`

	NeedsReconnect bool   `json:"needs_reconnect,omitempty"`
	Reason         string `json:"reason,omitempty"` // why it needs reconnecting, for the user
}

// Credentials is the content of credentials.json.
type Credentials struct {
	Version     int          `json:"version"`
	Connections []Connection `json:"connections"`
}

// Connection returns the connection with the given local id, or nil.
func (c *Credentials) Connection(id string) *Connection {
	for i := range c.Connections {
		if c.Connections[i].ID == id {
			return &c.Connections[i]
		}
	}
	return nil
}

// Remove forgets the connection with the given local id; it reports whether there was one.
func (c *Credentials) Remove(id string) bool {
	n := len(c.Connections)
	c.Connections = slices.DeleteFunc(c.Connections, func(cn Connection) bool { return cn.ID == id })
	return len(c.Connections) != n
}

// CorruptError is a credentials file that cannot be read. The file is left
// exactly as it is: banktui never replaces it silently.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("credentials file %s is unreadable (%v); it was left untouched: move it aside (your bank connections in it are lost) and connect again with `banktui login`", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// CredentialStore reads and updates credentials.json. Reads see whole
// files (writes are atomic renames); Update and Begin hold an exclusive
// file lock (credentials.json.lock) so that concurrent banktui processes
// never lose each other's changes.
type CredentialStore struct {
	path string

	// beforeRename, in tests only, runs after the temporary file is
	// complete and synced and before it replaces the real one, to
	// simulate a crash at the worst moment.
	beforeRename func() error
	// grow, in tests only, runs before a write makes a temporary file
	// bigger (from and to are sizes in bytes); its error is what the
	// write fails with, to simulate a full disk deterministically.
	grow func(from, to int64) error
}

// OpenCredentials returns the store for the file at path. Nothing is read
// or created until Load, Update or Begin.
func OpenCredentials(path string, opts ...CredentialsOption) *CredentialStore {
	s := &CredentialStore{path: path}
	for _, o := range opts {
		o(s)
	}
	return s
}

// CredentialsOption configures a CredentialStore.
type CredentialsOption func(*CredentialStore)

// WithSpaceLimit makes the store's writes fail as on a full disk (ENOSPC,
// nothing changed) once a temporary file would grow past bytes. Tests of
// programs built on config use it to fill the disk deterministically.
func WithSpaceLimit(bytes int64) CredentialsOption {
	return func(s *CredentialStore) {
		s.grow = func(_, to int64) error {
			if to > bytes {
				return syscall.ENOSPC
			}
			return nil
		}
	}
}

// Path is the credentials file.
func (s *CredentialStore) Path() string { return s.path }

// NotRegularError: something other than a file (a directory, a named
// pipe, a device) is where the credentials file should be. banktui
// neither reads nor replaces it.
type NotRegularError struct {
	Path string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	kind := "not a regular file"
	switch {
	case e.Mode.IsDir():
		kind = "a directory"
	case e.Mode&fs.ModeNamedPipe != 0:
		kind = "a named pipe"
	case e.Mode&fs.ModeSocket != 0:
		kind = "a socket"
	case e.Mode&fs.ModeDevice != 0:
		kind = "a device"
	}
	return fmt.Sprintf("%s is %s, but banktui keeps its tokens in a file of that name; it was left untouched: move it elsewhere, then connect your banks with `banktui login`", e.Path, kind)
}

// Load reads the credentials. A missing file is an empty set; a file
// others can read is a *PermissionError; a directory (or other non-file)
// a *NotRegularError; an unreadable file a *CorruptError. Temporary files
// left by a crashed writer (they may hold tokens) are removed first, when
// no other writer holds the lock.
func (s *CredentialStore) Load() (*Credentials, error) {
	s.removeStaleTemps(false)
	return s.load()
}

func (s *CredentialStore) load() (*Credentials, error) {
	// Stat first: opening a named pipe would block.
	info, err := os.Stat(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Credentials{Version: CredentialsVersion}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, &NotRegularError{Path: s.path, Mode: info.Mode()}
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	if !info.Mode().IsRegular() { // replaced since the Stat above
		return nil, &NotRegularError{Path: s.path, Mode: info.Mode()}
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, &PermissionError{Path: s.path, Mode: info.Mode()}
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	var c Credentials
	dec := json.NewDecoder(&buf)
	if err := dec.Decode(&c); err != nil {
		// json errors quote at most a character or a type, never the token values.
		return nil, &CorruptError{Path: s.path, Err: err}
	}
	if dec.More() {
		return nil, &CorruptError{Path: s.path, Err: errors.New("trailing data after the JSON object")}
	}
	switch {
	case c.Version == 0:
		return nil, &CorruptError{Path: s.path, Err: errors.New("no schema version")}
	case c.Version > CredentialsVersion:
		return nil, fmt.Errorf("credentials file %s has schema version %d, newer than this banktui understands (%d): upgrade banktui", s.path, c.Version, CredentialsVersion)
	}
	for i, cn := range c.Connections {
		if cn.ID == "" {
			return nil, &CorruptError{Path: s.path, Err: fmt.Errorf("connection #%d has no id", i+1)}
		}
	}
	return &c, nil
}

// Update runs fn on the current credentials while holding the file lock,
// then writes the result atomically. If fn returns an error nothing is
// written. A corrupt or too-open file is never overwritten.
func (s *CredentialStore) Update(fn func(*Credentials) error) error {
	tx, err := s.Begin()
	if err != nil {
		return err
	}
	defer tx.Close()
	if err := fn(tx.Credentials()); err != nil {
		return err
	}
	return tx.Commit()
}

// ReserveError: the space for the next save of the credentials file could
// not be set aside (disk full, quota exceeded, read-only file system).
// Nothing was changed.
type ReserveError struct {
	Path string
	Err  error
}

func (e *ReserveError) Error() string {
	return fmt.Sprintf("cannot set aside space to save the credentials file %s (%v): free some space on its disk (or make its directory writable) and try again; the file was left unchanged", e.Path, e.Err)
}

func (e *ReserveError) Unwrap() error { return e.Err }

// CredentialsTx is a read-modify-write of the credentials file under its
// lock, for changes that must not fail to be saved once made elsewhere
// (a token refresh, which kills the old refresh token at the bank):
//
//	tx, err := store.Begin()   // lock, read
//	defer tx.Close()           // unlock; abandons what was not committed
//	tx.Reserve(n)              // the next file, written and synced now, n bytes to spare
//	... the irreversible step, then change tx.Credentials() ...
//	tx.Commit()                // rewritten in place within the reservation, renamed
//
// Without Reserve, Commit writes a new temporary file as Update does.
type CredentialsTx struct {
	s     *CredentialStore
	lock  *flock.Flock
	c     *Credentials
	tmp   *os.File // the reserved next file, nil until Reserve
	size  int64    // its reserved size
	ended bool
}

// Begin locks the credentials file and reads it. The caller must Close
// the transaction. A corrupt or too-open file is an error, as for Load.
func (s *CredentialStore) Begin() (*CredentialsTx, error) {
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	lock := s.lock()
	if err := lock.Lock(); err != nil {
		return nil, fmt.Errorf("credentials: lock %s: %w", lock.Path(), err)
	}
	s.removeStaleTemps(true)
	c, err := s.load()
	if err != nil {
		lock.Unlock()
		return nil, err
	}
	return &CredentialsTx{s: s, lock: lock, c: c}, nil
}

// Credentials are the credentials read by Begin, to change before Commit.
func (tx *CredentialsTx) Credentials() *Credentials { return tx.c }

// Reserve makes sure the coming Commit cannot fail for lack of space: it
// writes the next credentials file now (the current content plus extra
// bytes of padding, synced to disk) in a temporary file that Commit
// rewrites in place. If that fails (disk full, quota, read-only), it
// returns a *ReserveError and nothing is changed; the caller should then
// not take the step whose result must be saved.
func (tx *CredentialsTx) Reserve(extra int) (err error) {
	if tx.ended || tx.tmp != nil {
		return errors.New("credentials: Reserve on a finished or reserved transaction")
	}
	data, err := encode(tx.c)
	if err != nil {
		return err
	}
	tmp, err := tx.s.createTemp()
	if err != nil {
		return &ReserveError{Path: tx.s.path, Err: err}
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// Real bytes, not a hole: the blocks are allocated once synced.
	buf := pad(data, len(data)+max(extra, 0))
	if err := tx.s.writeAt(tmp, buf, 0); err != nil {
		return &ReserveError{Path: tx.s.path, Err: err}
	}
	if err := tmp.Sync(); err != nil {
		return &ReserveError{Path: tx.s.path, Err: err}
	}
	tx.tmp, tx.size = tmp, int64(len(buf))
	return nil
}

// Commit writes the credentials atomically: into the reserved temporary
// file when there is one (in place, padded with trailing whitespace, so it
// needs no new space unless the content outgrew the reservation), else a
// new one; then it is synced, renamed over the file and the directory
// synced. On error the file is unchanged.
func (tx *CredentialsTx) Commit() (err error) {
	if tx.ended {
		return errors.New("credentials: Commit on a finished transaction")
	}
	tx.ended = true
	data, err := encode(tx.c)
	if err != nil {
		tx.abandon()
		return err
	}
	if tx.tmp == nil {
		return tx.s.writeAtomic(data)
	}
	tmp := tx.tmp
	tx.tmp = nil
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	buf := data
	if int64(len(data)) <= tx.size {
		buf = pad(data, int(tx.size))
	}
	if err := tx.s.writeAt(tmp, buf, 0); err != nil {
		return fmt.Errorf("credentials: write: %w", err)
	}
	// The padding is valid JSON whitespace; dropping it is only tidiness
	// (shrinking needs no space), so a failure here changes nothing.
	tmp.Truncate(int64(len(data)))
	return tx.s.finish(tmp)
}

// Close ends the transaction: an uncommitted one changes nothing (its
// reserved file is removed). Close is safe to call after Commit.
func (tx *CredentialsTx) Close() error {
	if !tx.ended {
		tx.ended = true
		tx.abandon()
	}
	return tx.lock.Unlock()
}

func (tx *CredentialsTx) abandon() {
	if tx.tmp != nil {
		tx.tmp.Close()
		os.Remove(tx.tmp.Name())
		tx.tmp = nil
	}
}
