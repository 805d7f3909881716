package config

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"time"
)

// secretCommandTimeout bounds client_secret_command (pass may ask gpg-agent
// for a passphrase, which takes a human).
const secretCommandTimeout = 2 * time.Minute

// Secret returns the client secret: ClientSecret, or the trimmed output of
// ClientSecretCommand run through sh -c. The secret is never logged, and
// errors never contain it: the command's stderr is quoted only with the
// secret's text removed.
func (s *Settings) Secret(ctx context.Context) (string, error) {
	if s.ClientSecret != "" {
		return s.ClientSecret, nil
	}
	if s.ClientSecretCommand == "" {
		return "", ErrNoClientSecret
	}
	ctx, cancel := context.WithTimeout(ctx, secretCommandTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "sh", "-c", s.ClientSecretCommand)
	cmd.Stdin = os.Stdin // pinentry and friends may need the terminal
	cmd.Stdout = &stdout
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: 4096}
	cmd.WaitDelay = time.Second
	runErr := cmd.Run()
	secret := strings.TrimSpace(stdout.String())
	if runErr != nil {
		return "", &SettingError{File: s.sourceFile(KeyClientSecretCommand), Line: s.sourceLine(KeyClientSecretCommand),
			Key: KeyClientSecretCommand, Msg: "failed (" + exitReason(runErr) + ")" + stderrHint(stderr.String(), secret)}
	}
	if secret == "" {
		return "", &SettingError{File: s.sourceFile(KeyClientSecretCommand), Line: s.sourceLine(KeyClientSecretCommand),
			Key: KeyClientSecretCommand, Msg: "printed nothing on its standard output"}
	}
	return secret, nil
}

func (s *Settings) sourceFile(key string) string {
	f, _ := splitFileSource(strings.TrimPrefix(s.Sources[key], "file "))
	return f
}

func (s *Settings) sourceLine(key string) int {
	_, n := splitFileSource(strings.TrimPrefix(s.Sources[key], "file "))
	return n
}

func exitReason(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ProcessState.String()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return "could not run sh"
}

// stderrHint quotes the first line of the command's stderr, with anything
// it printed on stdout removed, so a failing `pass` still explains itself.
func stderrHint(stderr, stdout string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n")
	if stdout != "" {
		line = strings.ReplaceAll(line, stdout, "[redacted]")
	}
	line = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, line)
	if len(line) > 200 {
		line = line[:200] + "…"
	}
	if line == "" {
		return ""
	}
	return ": " + line
}

type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
