package cli

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// export -o writes into what cannot be replaced (a FIFO, a device, a link
// to one, an open file through /proc) and replaces only regular files, so
// it never swaps a system file such as /dev/stdout for a regular one.
func TestExportWritesIntoWhatItMustNotReplace(t *testing.T) {
	t.Parallel()
	h, _ := sharedHome(t)
	want := h.must("export", "--format", "csv").stdout
	dir := t.TempDir()

	// A FIFO: a reader gets the export, the FIFO stays a FIFO.
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo) // blocks until banktui opens it for writing
		if err != nil {
			got <- err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	h.must("export", "--format", "csv", "-o", fifo)
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Fatalf("after export -o FIFO: %v, %v; want the FIFO still there", fi, err)
	}
	if s := <-got; s != want {
		t.Errorf("the FIFO's reader got %d bytes, want the %d of the export", len(s), len(want))
	}

	// A link to a device (as /dev/stdout is a link): written, the link kept.
	null := filepath.Join(dir, "null")
	if err := os.Symlink("/dev/null", null); err != nil {
		t.Fatal(err)
	}
	h.must("export", "--format", "csv", "-o", null)
	if target, err := os.Readlink(null); err != nil || target != "/dev/null" {
		t.Errorf("after export -o LINK-TO-/dev/null: %q, %v; want the link kept", target, err)
	}

	// A link through /proc to an open file (/dev/stdout > file, >> file):
	// appended to, the file not replaced.
	out, err := os.Create(filepath.Join(dir, "redirected"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	fmt.Fprint(out, "before\n")
	var before syscall.Stat_t
	syscall.Fstat(int(out.Fd()), &before)
	stdout := filepath.Join(dir, "stdout")
	if err := os.Symlink(fmt.Sprintf("/proc/self/fd/%d", out.Fd()), stdout); err != nil {
		t.Fatal(err)
	}
	h.must("export", "--format", "csv", "-o", stdout)
	if b, err := os.ReadFile(out.Name()); err != nil || string(b) != "before\n"+want {
		t.Errorf("the redirected file holds %d bytes (%v), want what it had and the export after it", len(b), err)
	}
	var after syscall.Stat_t
	if err := syscall.Stat(out.Name(), &after); err != nil || after.Ino != before.Ino {
		t.Errorf("export -o /proc/self/fd/N replaced the open file (inode %d, was %d)", after.Ino, before.Ino)
	}
	if target, err := os.Readlink(stdout); err != nil || !strings.HasPrefix(target, "/proc/self/fd/") {
		t.Errorf("the link through /proc was replaced: %q, %v", target, err)
	}

	// A link to a regular file: the file is replaced (0600), the link kept.
	real := filepath.Join(dir, "real.csv")
	if err := os.WriteFile(real, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink("real.csv", link); err != nil {
		t.Fatal(err)
	}
	h.must("export", "--format", "csv", "-o", link)
	if b, _ := os.ReadFile(real); string(b) != want {
		t.Errorf("the link's target holds %q, want the export", b)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("export -o LINK replaced the link: %v, %v", fi, err)
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o600 {
		t.Errorf("the replaced file has mode %04o, want 0600", fi.Mode().Perm())
	}

	// "-" is stdout.
	if r := h.must("export", "--format", "csv", "-o", "-"); r.stdout != want {
		t.Errorf("export -o - printed %d bytes, want the %d of the export", len(r.stdout), len(want))
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("a temporary file was left behind: %s", e.Name())
		}
	}
}

// A full device (/dev/full answers every write with ENOSPC): one line that
// says the disk is full, exit 1, and the link to it kept.
func TestExportToAFullDevice(t *testing.T) {
	t.Parallel()
	h, _ := sharedHome(t)
	full := filepath.Join(t.TempDir(), "full")
	if err := os.Symlink("/dev/full", full); err != nil {
		t.Fatal(err)
	}
	r := h.expect(exitFailure, []string{"disk is full", full}, "export", "--format", "csv", "-o", full)
	if n := strings.Count(r.stderr, "\n"); n != 1 {
		t.Errorf("export to a full device printed %d lines, want one:\n%s", n, r.stderr)
	}
	if target, err := os.Readlink(full); err != nil || target != "/dev/full" {
		t.Errorf("after export -o LINK-TO-/dev/full: %q, %v; want the link kept", target, err)
	}
	if !bytes.Contains([]byte(r.stderr), []byte("banktui: ")) {
		t.Errorf("no error line:\n%s", r.stderr)
	}
}
