//go:build !(linux || darwin || freebsd)

package auth

import "errors"

func limitFileSize(n uint64) error { return errors.ErrUnsupported }
