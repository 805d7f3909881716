package cli

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// startLogging opens the debug log when --debug is given. Without it,
// nothing is logged anywhere: the TUI owns the terminal.
func (f *Factory) startLogging() error {
	if f.log != nil {
		return nil
	}
	if !f.debug {
		f.log = slog.New(slog.DiscardHandler)
		return nil
	}
	p, err := f.Paths()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.DebugLog), 0o700); err != nil {
		return fmt.Errorf("debug log: %w", err)
	}
	file, err := os.OpenFile(p.DebugLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("debug log: %w", err)
	}
	if err := file.Chmod(0o600); err != nil { // an older, looser file is tightened
		file.Close()
		return fmt.Errorf("debug log: %w", err)
	}
	f.closers = append(f.closers, file.Close)
	f.log = slog.New(slog.NewTextHandler(file, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: f.redactAttr}))
	f.log.Info("start", "version", f.Version, "args", strings.Join(f.args, " "))
	return nil
}

// logger is the debug log, or one that discards (before flags are parsed).
func (f *Factory) logger() *slog.Logger {
	if f.log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.log
}

// secretKeys are attribute names whose values never reach the log.
var secretKeys = []string{"secret", "token", "code", "password", "authorization", "verifier", "cookie"}

func (f *Factory) redactAttr(_ []string, at slog.Attr) slog.Attr {
	key := strings.ToLower(at.Key)
	for _, k := range secretKeys {
		if strings.Contains(key, k) {
			return slog.String(at.Key, "[redacted]")
		}
	}
	if at.Value.Kind() == slog.KindString || at.Value.Kind() == slog.KindAny {
		return slog.String(at.Key, truelayer.RedactString(f.secrets.redact(at.Value.String())))
	}
	return at
}

// secretSet holds values the debug log must never contain (the client
// secret, once known).
type secretSet struct {
	mu     sync.Mutex
	values []string
}

func (s *secretSet) add(v string) {
	if v == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values = append(s.values, v)
}

func (s *secretSet) redact(text string) string {
	s.mu.Lock()
	values := slices.Clone(s.values)
	s.mu.Unlock()
	for _, v := range values {
		text = strings.ReplaceAll(text, v, "[redacted]")
	}
	return text
}

// loggingTransport logs each request with --debug (method, redacted URL,
// status, time, correlation id), never bodies.
type loggingTransport struct {
	base http.RoundTripper
	f    *Factory
}

func (t *loggingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(r)
	if t.f.debug {
		attrs := []any{"method", r.Method, "url", truelayer.RedactURL(r.URL), "took", time.Since(start).Round(time.Millisecond)}
		if err != nil {
			attrs = append(attrs, "error", err.Error())
		} else {
			attrs = append(attrs, "status", resp.StatusCode)
			if id := resp.Header.Get("X-Tl-Correlation-Id"); id != "" {
				attrs = append(attrs, "correlation_id", id)
			}
		}
		t.f.logger().Debug("http", attrs...)
	}
	return resp, err
}
