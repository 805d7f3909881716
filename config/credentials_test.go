package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Subprocess roles: the test binary re-executes itself with these set.
const (
	envChildRole = "BANKTUI_CONFIG_TEST_CHILD"
	envChildPath = "BANKTUI_CONFIG_TEST_PATH"
	envChildID   = "BANKTUI_CONFIG_TEST_ID"
	envChildN    = "BANKTUI_CONFIG_TEST_N"
)

func TestMain(m *testing.M) {
	if role := os.Getenv(envChildRole); role != "" {
		os.Exit(runChild(role))
	}
	os.Exit(m.Run())
}

// runChild is one "banktui process" working on the credentials file.
func runChild(role string) int {
	store := OpenCredentials(os.Getenv(envChildPath))
	id := os.Getenv(envChildID)
	n, _ := strconv.Atoi(os.Getenv(envChildN))
	switch role {
	case "increment": // n read-modify-write updates of its own connection
		for range n {
			if err := store.Update(func(c *Credentials) error { return increment(c, id) }); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		return 0
	case "crash-before-rename":
		store.beforeRename = func() error { os.Exit(7); return nil }
		store.Update(func(c *Credentials) error { return increment(c, id) })
		return 1 // not reached
	case "crash-after-reserve": // killed mid-refresh: the next file is reserved, holding tokens
		tx, err := store.Begin()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := tx.Reserve(1 << 10); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		os.Exit(7)
	case "forever": // updates until killed, announcing each saved state
		for i := 1; ; i++ {
			if err := store.Update(func(c *Credentials) error { return increment(c, id) }); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			fmt.Println(i)
		}
	}
	return 2
}

// increment bumps a counter kept in the connection's access token, with a
// long refresh token so that a torn write would be visible.
func increment(c *Credentials, id string) error {
	cn := c.Connection(id)
	if cn == nil {
		c.Connections = append(c.Connections, Connection{ID: id, ProviderID: "ob-test"})
		cn = &c.Connections[len(c.Connections)-1]
	}
	v, _ := strconv.Atoi(cn.AccessToken)
	cn.AccessToken = strconv.Itoa(v + 1)
	cn.RefreshToken = strings.Repeat(strconv.Itoa((v+1)%10), 64<<10)
	return nil
}

func child(t *testing.T, role, path, id string, n int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChildRole+"="+role, envChildPath+"="+path, envChildID+"="+id, envChildN+"="+strconv.Itoa(n))
	return cmd
}

func counter(t *testing.T, c *Credentials, id string) int {
	t.Helper()
	cn := c.Connection(id)
	if cn == nil {
		t.Fatalf("connection %s missing", id)
	}
	v, err := strconv.Atoi(cn.AccessToken)
	if err != nil {
		t.Fatalf("connection %s counter %q", id, cn.AccessToken)
	}
	if want := strings.Repeat(strconv.Itoa(v%10), 64<<10); cn.RefreshToken != want {
		t.Fatalf("connection %s: refresh token does not belong with counter %d (torn state)", id, v)
	}
	return v
}

func TestCredentialsRoundTripModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "banktui")
	store := OpenCredentials(filepath.Join(dir, "credentials.json"))

	c, err := store.Load()
	if err != nil || c.Version != CredentialsVersion || len(c.Connections) != 0 {
		t.Fatalf("missing file: %+v, %v", c, err)
	}
	want := Connection{
		ID: "ob-northgate", ProviderID: "ob-northgate", ProviderName: "Northgate Bank", CredentialsID: "cred-1",
		Scopes: []string{"info", "accounts"}, RefreshToken: "rt", AccessToken: "at",
		Expiry:           time.Date(2026, 11, 28, 23, 0, 0, 0, time.UTC),
		ConsentCreatedAt: time.Date(2026, 11, 28, 22, 0, 0, 0, time.UTC),
		ConsentExpiresAt: time.Date(2027, 2, 26, 22, 0, 0, 0, time.UTC),
		LastRefresh:      time.Date(2026, 11, 28, 22, 0, 0, 0, time.UTC),
	}
	if err := store.Update(func(c *Credentials) error { c.Connections = append(c.Connections, want); return nil }); err != nil {
		t.Fatal(err)
	}
	c, err = store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Connection("ob-northgate"); got == nil || fmt.Sprint(*got) != fmt.Sprint(want) {
		t.Errorf("round trip: %+v", got)
	}
	for path, mode := range map[string]os.FileMode{dir: 0o700, store.Path(): 0o600, store.Path() + ".lock": 0o600} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != mode {
			t.Errorf("%s mode %04o, want %04o", path, info.Mode().Perm(), mode)
		}
	}
	raw, _ := os.ReadFile(store.Path())
	if !bytes.Contains(raw, []byte(`"version": 1`)) {
		t.Errorf("no schema version in file:\n%s", raw)
	}

	// fn's error: nothing written.
	boom := errors.New("boom")
	if err := store.Update(func(c *Credentials) error { c.Connections = nil; return boom }); !errors.Is(err, boom) {
		t.Errorf("Update = %v", err)
	}
	if after, _ := os.ReadFile(store.Path()); !bytes.Equal(after, raw) {
		t.Errorf("failed Update changed the file")
	}

	if !c.Remove("ob-northgate") || c.Remove("ob-northgate") || len(c.Connections) != 0 {
		t.Errorf("Remove")
	}
	assertNoTempFiles(t, dir)
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestCredentialsReadableByOthersRefused(t *testing.T) {
	dir := t.TempDir()
	store := OpenCredentials(filepath.Join(dir, "credentials.json"))
	if err := store.Update(func(c *Credentials) error { return increment(c, "a") }); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o660} {
		os.Chmod(store.Path(), mode)
		before, _ := os.ReadFile(store.Path())
		_, err := store.Load()
		var pe *PermissionError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "chmod 600 "+store.Path()) {
			t.Errorf("mode %04o: Load = %v", mode, err)
		}
		if err := store.Update(func(c *Credentials) error { return increment(c, "a") }); !errors.As(err, &pe) {
			t.Errorf("mode %04o: Update = %v", mode, err)
		}
		after, _ := os.ReadFile(store.Path())
		info, _ := os.Stat(store.Path())
		if !bytes.Equal(before, after) || info.Mode().Perm() != mode {
			t.Errorf("mode %04o: file changed by a refused Update", mode)
		}
	}
	os.Chmod(store.Path(), 0o600)
	if _, err := store.Load(); err != nil {
		t.Errorf("after chmod 600: %v", err)
	}
}

func TestCredentialsCorruptKept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials.json")
	for name, content := range map[string]string{
		"truncated":  `{"version": 1, "connections": [{"id": "a", "refresh_token": "rt-corrupt-secr`,
		"garbage":    "\x00\x01not json",
		"no version": `{"connections": []}`,
		"no id":      `{"version": 1, "connections": [{"provider_id": "x"}]}`,
		"trailing":   `{"version": 1, "connections": []} {}`,
	} {
		t.Run(name, func(t *testing.T) {
			os.WriteFile(path, []byte(content), 0o600)
			store := OpenCredentials(path)
			_, err := store.Load()
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Load = %v, want *CorruptError", err)
			}
			if strings.Contains(err.Error(), "rt-corrupt-secr") {
				t.Errorf("error quotes the file: %v", err)
			}
			if err := store.Update(func(c *Credentials) error { return increment(c, "b") }); !errors.As(err, &ce) {
				t.Errorf("Update = %v", err)
			}
			if got, _ := os.ReadFile(path); string(got) != content {
				t.Errorf("corrupt file was replaced")
			}
		})
	}
	os.WriteFile(path, []byte(`{"version": 99, "connections": []}`), 0o600)
	if _, err := OpenCredentials(path).Load(); err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("newer version: %v", err)
	}
}

func TestCredentialsFailureBeforeRenameKeepsOldState(t *testing.T) {
	dir := t.TempDir()
	store := OpenCredentials(filepath.Join(dir, "credentials.json"))
	if err := store.Update(func(c *Credentials) error { return increment(c, "a") }); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(store.Path())
	crash := errors.New("simulated crash")
	store.beforeRename = func() error { return crash }
	if err := store.Update(func(c *Credentials) error { return increment(c, "a") }); !errors.Is(err, crash) {
		t.Fatalf("Update = %v", err)
	}
	if now, _ := os.ReadFile(store.Path()); !bytes.Equal(now, old) {
		t.Errorf("file changed")
	}
	assertNoTempFiles(t, dir)
}

// A process that dies between writing the new state and renaming it
// leaves the old state, whole.
func TestCredentialsProcessCrashBeforeRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials.json")
	store := OpenCredentials(path)
	if err := store.Update(func(c *Credentials) error { return increment(c, "a") }); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path)
	out, err := child(t, "crash-before-rename", path, "a", 0).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("child: %v %s", err, out)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, old) {
		t.Errorf("file changed by a crashed writer")
	}
	c, err := store.Load()
	if err != nil || counter(t, c, "a") != 1 {
		t.Errorf("after crash: %v", err)
	}
	// The lock died with the process: the next update goes through.
	if err := store.Update(func(c *Credentials) error { return increment(c, "a") }); err != nil {
		t.Errorf("update after crash: %v", err)
	}
}

// Killing a writer at arbitrary moments never leaves a torn file: it holds
// the last announced state or the one being written.
func TestCredentialsKilledWriterNeverTorn(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials.json")
	store := OpenCredentials(path)
	for round := range 5 {
		cmd := child(t, "forever", path, "a", 0)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stdout)
		announced := 0
		for i := 0; i < 3+round*2 && lines.Scan(); i++ {
			announced, _ = strconv.Atoi(lines.Text())
		}
		cmd.Process.Kill()
		cmd.Wait()
		c, err := store.Load()
		if err != nil {
			t.Fatalf("round %d: file unreadable after kill: %v", round, err)
		}
		got := counter(t, c, "a")
		if announced == 0 {
			t.Fatalf("round %d: child announced nothing", round)
		}
		// Any whole state is fine (counter checked it is not torn), but
		// never one older than a save the writer already announced.
		if got < announced {
			t.Errorf("round %d: file holds %d, but %d was saved", round, got, announced)
		}
	}
}

// Two processes updating different connections keep both sets of updates.
func TestCredentialsTwoProcessesKeepBothUpdates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials.json")
	const n = 40
	var wg sync.WaitGroup
	errs := make([]error, 2)
	outs := make([][]byte, 2)
	for i, id := range []string{"first", "second"} {
		wg.Go(func() {
			outs[i], errs[i] = child(t, "increment", path, id, n).CombinedOutput()
		})
	}
	wg.Wait()
	for i := range errs {
		if errs[i] != nil {
			t.Fatalf("child %d: %v %s", i, errs[i], outs[i])
		}
	}
	c, err := OpenCredentials(path).Load()
	if err != nil {
		t.Fatal(err)
	}
	if a, b := counter(t, c, "first"), counter(t, c, "second"); a != n || b != n {
		t.Errorf("counters %d and %d, want %d each (lost updates)", a, b, n)
	}
}

// BenchmarkUpdate is one locked read-modify-write of credentials.json
// with its fsyncs and rename.
func BenchmarkUpdate(b *testing.B) {
	store := OpenCredentials(filepath.Join(b.TempDir(), "credentials.json"))
	b.ReportAllocs()
	for b.Loop() {
		if err := store.Update(func(c *Credentials) error {
			cn := c.Connection("a")
			if cn == nil {
				c.Connections = append(c.Connections, Connection{ID: "a"})
				cn = &c.Connections[0]
			}
			v, _ := strconv.Atoi(cn.AccessToken)
			cn.AccessToken = strconv.Itoa(v + 1)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// diskFull is a grow hook: once full is set, any write that needs new
// space fails with ENOSPC, as on a full disk.
type diskFull struct{ full bool }

func (d *diskFull) grow(from, to int64) error {
	if d.full {
		return syscall.ENOSPC
	}
	return nil
}

// A full disk: the reservation fails with an error naming the file and
// saying what to do, and nothing changes.
func TestCredentialsReserveOnFullDisk(t *testing.T) {
	dir := t.TempDir()
	store := OpenCredentials(filepath.Join(dir, "credentials.json"))
	if err := store.Update(func(c *Credentials) error { return increment(c, "a") }); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(store.Path())
	disk := &diskFull{full: true}
	store.grow = disk.grow

	tx, err := store.Begin()
	if err != nil {
		t.Fatal(err)
	}
	err = tx.Reserve(64 << 10)
	var re *ReserveError
	if !errors.As(err, &re) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Reserve = %v, want a *ReserveError for ENOSPC", err)
	}
	if msg := err.Error(); !strings.Contains(msg, store.Path()) || !strings.Contains(msg, "free some space") {
		t.Errorf("the error does not name the file and say to free space: %v", err)
	}
	tx.Close()
	if now, _ := os.ReadFile(store.Path()); !bytes.Equal(now, old) {
		t.Errorf("file changed")
	}
	assertNoTempFiles(t, dir)
	// Plain updates fail the same way, leaving the file whole.
	if err := store.Update(func(c *Credentials) error { return increment(c, "a") }); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Update on a full disk = %v", err)
	}
	if now, _ := os.ReadFile(store.Path()); !bytes.Equal(now, old) {
		t.Errorf("file changed")
	}
	assertNoTempFiles(t, dir)
	// The lock was released: with space again, updates go through.
	disk.full = false
	if err := store.Update(func(c *Credentials) error { return increment(c, "a") }); err != nil {
		t.Fatal(err)
	}
	if c, err := store.Load(); err != nil || counter(t, c, "a") != 2 {
		t.Errorf("after freeing space: %v", err)
	}
}

// The disk fills between the reservation and the commit (the moment a
// token refresh happens): the commit still succeeds, in the reserved
// space, where an unreserved save fails.
func TestCredentialsReservedCommitNeedsNoNewSpace(t *testing.T) {
	dir := t.TempDir()
	store := OpenCredentials(filepath.Join(dir, "credentials.json"))
	if err := store.Update(func(c *Credentials) error {
		c.Connections = append(c.Connections, Connection{ID: "a", AccessToken: "short", RefreshToken: "rt-0"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	disk := &diskFull{}
	store.grow = disk.grow

	// Control: without a reservation, a full disk loses the change.
	disk.full = true
	if err := store.Update(func(c *Credentials) error { c.Connection("a").RefreshToken = "rt-lost"; return nil }); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("unreserved Update on a full disk = %v", err)
	}
	disk.full = false

	tx, err := store.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	if err := tx.Reserve(16 << 10); err != nil {
		t.Fatal(err)
	}
	disk.full = true // the disk fills up now
	cn := tx.Credentials().Connection("a")
	cn.AccessToken = strings.Repeat("j", 4000) // a new, much longer access token
	cn.RefreshToken = "rt-1"
	cn.LastRefresh = time.Now().UTC()
	if err := tx.Commit(); err != nil {
		t.Fatalf("Commit into the reservation on a full disk: %v", err)
	}
	tx.Close()
	c, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Connection("a"); got.RefreshToken != "rt-1" || len(got.AccessToken) != 4000 {
		t.Errorf("commit not saved")
	}
	raw, _ := os.ReadFile(store.Path())
	if !bytes.HasSuffix(raw, []byte("}\n")) {
		t.Errorf("the reservation's padding was left in the file (%d bytes)", len(raw))
	}
	info, _ := os.Stat(store.Path())
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o", info.Mode().Perm())
	}
	assertNoTempFiles(t, dir)
}

// Content that outgrows its reservation on a full disk fails cleanly; an
// abandoned or crashed reserved transaction changes nothing.
func TestCredentialsReservedFailuresKeepOldState(t *testing.T) {
	dir := t.TempDir()
	store := OpenCredentials(filepath.Join(dir, "credentials.json"))
	if err := store.Update(func(c *Credentials) error { return increment(c, "a") }); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(store.Path())
	disk := &diskFull{}
	store.grow = disk.grow
	unchanged := func(what string) {
		t.Helper()
		if now, _ := os.ReadFile(store.Path()); !bytes.Equal(now, old) {
			t.Errorf("%s: file changed", what)
		}
		assertNoTempFiles(t, dir)
	}

	tx, err := store.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Reserve(16); err != nil {
		t.Fatal(err)
	}
	disk.full = true
	if err := increment(tx.Credentials(), "b"); err != nil { // a new connection: 64 KiB more than reserved
		t.Fatal(err)
	}
	if err := tx.Commit(); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("outgrown reservation on a full disk: Commit = %v", err)
	}
	tx.Close()
	unchanged("outgrown")
	disk.full = false

	tx, err = store.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Reserve(1 << 10); err != nil {
		t.Fatal(err)
	}
	increment(tx.Credentials(), "b")
	tx.Close() // abandoned
	unchanged("abandoned")

	crash := errors.New("simulated crash")
	store.beforeRename = func() error { return crash }
	tx, err = store.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Reserve(128 << 10); err != nil {
		t.Fatal(err)
	}
	increment(tx.Credentials(), "a")
	if err := tx.Commit(); !errors.Is(err, crash) {
		t.Errorf("Commit = %v", err)
	}
	tx.Close()
	unchanged("crash before rename")
	if err := tx.Commit(); err == nil {
		t.Errorf("a second Commit succeeded")
	}
}
