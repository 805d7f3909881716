package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// writeOutput writes what write produces to stdout ("" or "-"), or to path:
//
//   - a regular file (or nothing yet) is replaced atomically: a 0600
//     temporary file beside it (bank data is private), synced, renamed over
//     it, the directory synced; a crash or a full disk leaves the old file
//     whole, never half a new one;
//   - a symbolic link to a regular file has its target replaced, the link
//     kept;
//   - anything else (a FIFO, a terminal, /dev/null, /dev/stdout and other
//     links through /proc that name an open file) is written directly,
//     appending: it can be written, never replaced. Renaming over it would
//     swap a system file such as /dev/stdout for a regular one.
func writeOutput(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(stdout)
	}
	target, direct, err := outputTarget(path)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if direct {
		return writeDirect(path, write)
	}
	return writeReplacing(target, write)
}

// outputTarget is the regular file path names (path itself, or a link's
// target) and whether path must instead be written directly.
func outputTarget(path string) (target string, direct bool, err error) {
	info, err := os.Stat(path) // through links: what a write would reach
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, lerr := os.Lstat(path); lerr == nil {
			return "", false, errors.New("it is a symbolic link to nothing: remove it or give another name")
		}
		return path, false, nil
	case err != nil:
		return "", false, err
	case info.IsDir():
		return "", false, errors.New("it is a directory")
	case !info.Mode().IsRegular():
		return path, true, nil
	}
	if throughProc(path) {
		return path, true, nil // an open file (/dev/stdout > file): append to it
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", false, err
	}
	return real, false, nil
}

// throughProc reports whether path, or a link on the way from it, lies in
// /proc: a magic link (/proc/self/fd/1, which /dev/stdout and /dev/fd/1
// lead to) names an open file, not a place to put a new one.
func throughProc(path string) bool {
	for range 40 { // the kernel's limit on links followed
		if abs, err := filepath.Abs(path); err == nil && (abs == "/proc" || strings.HasPrefix(abs, "/proc/")) {
			return true
		}
		info, err := os.Lstat(path)
		if err != nil || info.Mode()&fs.ModeSymlink == 0 {
			return false
		}
		next, err := os.Readlink(path)
		if err != nil {
			return false
		}
		if !filepath.IsAbs(next) {
			next = filepath.Join(filepath.Dir(path), next)
		}
		path = next
	}
	return false
}

// writeDirect writes into an existing file that is not to be replaced.
func writeDirect(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// writeReplacing puts a new regular file at path atomically.
func writeReplacing(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("cannot write %s: %w", path, err)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
