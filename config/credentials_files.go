package config

// The files behind CredentialStore: encoding, temporary files, the lock,
// atomic replacement.

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gofrs/flock"
)

func encode(c *Credentials) ([]byte, error) {
	c.Version = CredentialsVersion
	if c.Connections == nil {
		c.Connections = []Connection{}
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("credentials: encode: %w", err)
	}
	return append(data, '\n'), nil
}

// pad returns data followed by spaces up to size bytes, ending in a newline.
func pad(data []byte, size int) []byte {
	if size <= len(data) {
		return data
	}
	buf := make([]byte, size)
	copy(buf, data)
	for i := len(data); i < size; i++ {
		buf[i] = ' '
	}
	buf[size-1] = '\n'
	return buf
}

func (s *CredentialStore) lock() *flock.Flock {
	return flock.New(s.path+".lock", flock.SetPermissions(0o600))
}

// tempPattern names this store's temporary files: ".credentials-*.tmp"
// beside credentials.json.
func (s *CredentialStore) tempPattern() string { return s.tempPrefix() + "*.tmp" }

func (s *CredentialStore) tempPrefix() string {
	return "." + strings.TrimSuffix(filepath.Base(s.path), ".json") + "-"
}

// staleTemps lists this store's temporary files.
func (s *CredentialStore) staleTemps() []string {
	dir := filepath.Dir(s.path)
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, s.tempPrefix()) && strings.HasSuffix(n, ".tmp") && e.Type().IsRegular() {
			out = append(out, filepath.Join(dir, n))
		}
	}
	return out
}

// removeStaleTemps removes temporary files a crashed writer left behind
// (the next file of a refresh killed mid-way holds a refresh token).
// Writers hold the lock while their temporary file exists, so any found
// by the lock's holder are stale; without the lock (locked false), it is
// taken if free, else the cleaning is left to the next time.
func (s *CredentialStore) removeStaleTemps(locked bool) {
	if len(s.staleTemps()) == 0 {
		return
	}
	if !locked {
		lock := s.lock()
		if ok, err := lock.TryLock(); !ok || err != nil {
			return
		}
		defer lock.Unlock()
	}
	// Listed again: only what is there while the lock is ours.
	for _, name := range s.staleTemps() {
		os.Remove(name)
	}
}

func (s *CredentialStore) createTemp() (*os.File, error) {
	tmp, err := os.CreateTemp(filepath.Dir(s.path), s.tempPattern()) // CreateTemp makes it 0600
	if err != nil {
		return nil, err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	return tmp, nil
}

// writeAt writes data at off in f, through the test hook for growth.
func (s *CredentialStore) writeAt(f *os.File, data []byte, off int64) error {
	if s.grow != nil {
		info, err := f.Stat()
		if err != nil {
			return err
		}
		if end := off + int64(len(data)); end > info.Size() {
			if err := s.grow(info.Size(), end); err != nil {
				return &fs.PathError{Op: "write", Path: f.Name(), Err: err}
			}
		}
	}
	_, err := f.WriteAt(data, off)
	return err
}

// writeAtomic writes a temporary file in the same directory, syncs it,
// renames it over the real file and syncs the directory, so that after a
// crash the file holds either the whole old or the whole new content.
func (s *CredentialStore) writeAtomic(data []byte) (err error) {
	tmp, err := s.createTemp()
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := s.writeAt(tmp, data, 0); err != nil {
		return fmt.Errorf("credentials: write: %w", err)
	}
	return s.finish(tmp)
}

// finish syncs and closes the complete temporary file, renames it over
// the real one and syncs the directory. The caller removes tmp on error.
func (s *CredentialStore) finish(tmp *os.File) error {
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
	return syncDir(filepath.Dir(s.path))
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
