package config

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestCredentialsNotAFile: a directory (or a named pipe) where the
// credentials file should be gets an error saying so, not "chmod 600",
// and is left alone; reading a pipe does not block.
func TestCredentialsNotAFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials.json")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(path, "keep"), []byte("x"), 0o600)
	store := OpenCredentials(path)
	for name, call := range map[string]func() error{
		"Load":   func() error { _, err := store.Load(); return err },
		"Update": func() error { return store.Update(func(c *Credentials) error { return increment(c, "a") }) },
	} {
		err := call()
		var ne *NotRegularError
		if !errors.As(err, &ne) || !strings.Contains(err.Error(), path+" is a directory") || strings.Contains(err.Error(), "chmod") {
			t.Errorf("%s on a directory = %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(path, "keep")); err != nil {
		t.Errorf("the directory was touched: %v", err)
	}

	fifo := filepath.Join(t.TempDir(), "credentials.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := OpenCredentials(fifo).Load()
	if !strings.Contains(err.Error(), "is a named pipe") {
		t.Errorf("Load on a named pipe = %v", err)
	}
}

// TestCredentialsNoTempFileOutlivesItsWrite: whichever step of a write
// fails, its temporary file (which holds tokens) is removed, and the
// credentials file is unchanged.
func TestCredentialsNoTempFileOutlivesItsWrite(t *testing.T) {
	failure := errors.New("simulated failure")
	cases := map[string]func(t *testing.T, s *CredentialStore) error{
		"write of an update": func(t *testing.T, s *CredentialStore) error {
			s.grow = func(from, to int64) error { return syscall.ENOSPC }
			return s.Update(func(c *Credentials) error { return increment(c, "a") })
		},
		"rename of an update": func(t *testing.T, s *CredentialStore) error {
			s.beforeRename = func() error { return failure }
			return s.Update(func(c *Credentials) error { return increment(c, "a") })
		},
		"reservation": func(t *testing.T, s *CredentialStore) error {
			tx := begin(t, s)
			defer tx.Close()
			s.grow = func(from, to int64) error { return syscall.EDQUOT }
			return tx.Reserve(1 << 10)
		},
		"reserved commit outgrowing its reservation": func(t *testing.T, s *CredentialStore) error {
			tx := begin(t, s)
			defer tx.Close()
			if err := tx.Reserve(16); err != nil {
				t.Fatal(err)
			}
			s.grow = func(from, to int64) error { return syscall.ENOSPC }
			c := tx.Credentials()
			c.Connections = append(c.Connections, Connection{ID: "b", RefreshToken: strings.Repeat("r", 4<<10)})
			return tx.Commit()
		},
		"rename of a reserved commit": func(t *testing.T, s *CredentialStore) error {
			tx := begin(t, s)
			defer tx.Close()
			if err := tx.Reserve(1 << 10); err != nil {
				t.Fatal(err)
			}
			s.beforeRename = func() error { return failure }
			increment(tx.Credentials(), "a")
			return tx.Commit()
		},
		"reserved, then abandoned": func(t *testing.T, s *CredentialStore) error {
			tx := begin(t, s)
			if err := tx.Reserve(1 << 10); err != nil {
				t.Fatal(err)
			}
			tx.Close()
			return failure
		},
	}
	for name, fail := range cases {
		dir := t.TempDir()
		store := OpenCredentials(filepath.Join(dir, "credentials.json"))
		if err := store.Update(func(c *Credentials) error { return increment(c, "a") }); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(store.Path())
		if err := fail(t, store); err == nil {
			t.Errorf("%s: no error", name)
		}
		if after, _ := os.ReadFile(store.Path()); !bytes.Equal(before, after) {
			t.Errorf("%s: the credentials file changed", name)
		}
		t.Run(name, func(t *testing.T) { assertNoTempFiles(t, dir) })
	}

	// The rename itself fails: something took the file's place.
	dir := t.TempDir()
	store := OpenCredentials(filepath.Join(dir, "credentials.json"))
	tx := begin(t, store)
	os.Mkdir(store.Path(), 0o700)
	os.WriteFile(filepath.Join(store.Path(), "x"), nil, 0o600)
	increment(tx.Credentials(), "a")
	if err := tx.Commit(); err == nil {
		t.Error("rename over a directory: no error")
	}
	tx.Close()
	assertNoTempFiles(t, dir)
}

func begin(t *testing.T, s *CredentialStore) *CredentialsTx {
	t.Helper()
	tx, err := s.Begin()
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

// TestCredentialsStaleTempFilesRemoved: a writer killed with its temporary
// file on disk (mid-refresh after its reservation, or before its rename)
// leaves tokens in it; the next Load or Begin removes it. A temporary file
// of a writer still at work is kept.
func TestCredentialsStaleTempFilesRemoved(t *testing.T) {
	for _, role := range []string{"crash-after-reserve", "crash-before-rename"} {
		dir := t.TempDir()
		path := filepath.Join(dir, "credentials.json")
		store := OpenCredentials(path)
		if err := store.Update(func(c *Credentials) error { return increment(c, "a") }); err != nil {
			t.Fatal(err)
		}
		out, err := child(t, role, path, "a", 0).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 7 {
			t.Fatalf("%s: child: %v %s", role, err, out)
		}
		left := store.staleTemps()
		if len(left) != 1 {
			t.Fatalf("%s: the crash left %d temporary files, want 1", role, len(left))
		}
		if b, _ := os.ReadFile(left[0]); !bytes.Contains(b, []byte(`"refresh_token"`)) {
			t.Fatalf("%s: the leftover does not hold a token: the test proves nothing", role)
		}
		c, err := store.Load()
		if err != nil || counter(t, c, "a") < 1 {
			t.Fatalf("%s: Load after the crash: %v", role, err)
		}
		assertNoTempFiles(t, dir)
	}

	// A reserved transaction in progress: Load leaves its file alone.
	dir := t.TempDir()
	store := OpenCredentials(filepath.Join(dir, "credentials.json"))
	tx := begin(t, store)
	defer tx.Close()
	if err := tx.Reserve(1 << 10); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Load(); err != nil {
		t.Fatal(err)
	}
	if len(store.staleTemps()) != 1 {
		t.Fatal("Load removed the temporary file of a writer holding the lock")
	}
	increment(tx.Credentials(), "a")
	if err := tx.Commit(); err != nil {
		t.Fatalf("Commit after a Load: %v", err)
	}
	assertNoTempFiles(t, dir)
}
