//go:build linux || darwin || freebsd

package auth

import (
	"os/signal"
	"syscall"
)

// limitFileSize makes this process unable to write a file beyond n bytes
// (RLIMIT_FSIZE; writes past it fail with EFBIG instead of killing the
// process): a real, deterministic "no space" for the credentials file.
func limitFileSize(n uint64) error {
	signal.Ignore(syscall.SIGXFSZ)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		return err
	}
	lim.Cur = n
	return syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim)
}
