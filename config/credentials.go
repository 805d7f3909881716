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
// files (writes are atomic renames); Update holds an exclusive file lock
// (credentials.json.lock) so that concurrent banktui processes never lose
// each other's changes.
type CredentialStore struct {
	path string

	// beforeRename, in tests only, runs after the temporary file is
	// complete and synced and before it replaces the real one, to
	// simulate a crash at the worst moment.
	beforeRename func() error
}

// OpenCredentials returns the store for the file at path. Nothing is read
// or created until Load or Update.
func OpenCredentials(path string) *CredentialStore {
	return &CredentialStore{path: path}
}

// Path is the credentials file.
func (s *CredentialStore) Path() string { return s.path }

// Load reads the credentials. A missing file is an empty set; a file
// others can read is a *PermissionError; an unreadable one a *CorruptError.
func (s *CredentialStore) Load() (*Credentials, error) {
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Credentials{Version: CredentialsVersion}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
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
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	lock := flock.New(s.path+".lock", flock.SetPermissions(0o600))
	if err := lock.Lock(); err != nil {
		return fmt.Errorf("credentials: lock %s: %w", lock.Path(), err)
	}
	defer lock.Unlock()

	c, err := s.Load()
	if err != nil {
		return err
	}
	if err := fn(c); err != nil {
		return err
	}
	c.Version = CredentialsVersion
	if c.Connections == nil {
		c.Connections = []Connection{}
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("credentials: encode: %w", err)
	}
	return s.writeAtomic(append(data, '\n'))
}

// writeAtomic writes a temporary file in the same directory, syncs it,
// renames it over the real file and syncs the directory, so that after a
// crash the file holds either the whole old or the whole new content.
func (s *CredentialStore) writeAtomic(data []byte) (err error) {
	dir := filepath.Dir(s.path)
	tmp, err := os.CreateTemp(dir, ".credentials-*.tmp") // CreateTemp makes it 0600
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("credentials: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("credentials: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	if s.beforeRename != nil {
		if err := s.beforeRename(); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("credentials: sync directory: %w", err)
	}
	return nil
}
