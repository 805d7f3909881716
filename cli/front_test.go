package cli

// A small hostile server on loopback in front of the emulator: each request
// goes to the newest rule whose pattern matches its path; the rest reach
// the emulator unchanged. The hostile-text and fault-matrix tests build on it.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

type front struct {
	*httptest.Server
	emulator http.Handler
	stop     chan struct{} // closed on Close: rules that hold a request let go

	mu    sync.Mutex
	rules []*frontRule
}

// frontRule serves the requests whose path matches pattern (path.Match, on
// the front's path: "/api/data/v1/accounts/*/transactions"); next is the
// emulator.
type frontRule struct {
	pattern string
	serve   func(w http.ResponseWriter, r *http.Request, next http.Handler)
}

// newFront starts a front for srv, closed when the test ends.
func newFront(t testing.TB, srv *truelayertest.Server) *front {
	t.Helper()
	f := &front{emulator: srv.Handler(), stop: make(chan struct{})}
	f.Server = httptest.NewServer(http.HandlerFunc(f.route))
	t.Cleanup(func() {
		close(f.stop)
		f.Server.Close()
	})
	return f
}

func (f *front) route(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	var rule *frontRule
	for _, x := range f.rules {
		if ok, _ := path.Match(x.pattern, r.URL.Path); ok {
			rule = x
			break
		}
	}
	f.mu.Unlock()
	if rule == nil {
		f.emulator.ServeHTTP(w, r)
		return
	}
	rule.serve(w, r, f.emulator)
}

// on adds a rule; remove takes it away again.
func (f *front) on(pattern string, serve func(w http.ResponseWriter, r *http.Request, next http.Handler)) (remove func()) {
	rule := &frontRule{pattern: pattern, serve: serve}
	f.mu.Lock()
	f.rules = append([]*frontRule{rule}, f.rules...) // the newest rule wins
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, x := range f.rules {
			if x == rule {
				f.rules = append(f.rules[:i], f.rules[i+1:]...)
				return
			}
		}
	}
}

// use points h's banktui at the front instead of the emulator.
func (f *front) use(h *home) {
	h.set(config.EnvAuthURL, f.URL+"/auth")
	h.set(config.EnvAPIURL, f.URL+"/api")
}

// rewriteJSON passes the request to the emulator and hands its JSON answer
// to mutate before sending it on (numbers kept as their text).
func rewriteJSON(mutate func(v any)) func(w http.ResponseWriter, r *http.Request, next http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var v any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if rec.Code == http.StatusOK && dec.Decode(&v) == nil {
			mutate(v)
			body, _ = json.Marshal(v)
		}
		for k, vs := range rec.Header() {
			if !strings.EqualFold(k, "Content-Length") {
				w.Header()[k] = vs
			}
		}
		w.WriteHeader(rec.Code)
		w.Write(body)
	}
}

// taint appends text to every string held under one of keys, however deep
// (in lists too).
func taint(v any, text string, keys ...string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && containsKey(keys, k) {
				v[k] = s + text
				continue
			}
			if list, ok := x.([]any); ok && containsKey(keys, k) {
				for i, e := range list {
					if s, ok := e.(string); ok {
						list[i] = s + text
					}
				}
				continue
			}
			taint(x, text, keys...)
		}
	case []any:
		for _, x := range v {
			taint(x, text, keys...)
		}
	}
}

func containsKey(keys []string, k string) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

// apiError answers with status and a TrueLayer error body.
func apiError(status int, code, description string) func(w http.ResponseWriter, r *http.Request, next http.Handler) {
	return func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
	}
}

// elsewhere is another host, recording what reaches it.
type elsewhere struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // method, path, Authorization and body of each request
}

func newElsewhere(t *testing.T) *elsewhere {
	e := &elsewhere{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.seen = append(e.seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization")+" "+string(body))
		e.mu.Unlock()
		w.Write([]byte(`{"results":[]}`))
	}))
	t.Cleanup(e.Close)
	return e
}

// redirectTo answers with status and a Location on another host.
func redirectTo(status int, other string) func(w http.ResponseWriter, r *http.Request, next http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		http.Redirect(w, r, other+r.URL.Path, status)
	}
}

// holdUntilGone holds a request until its client goes (or the test ends),
// telling arrived when it comes in; nothing reaches the emulator.
func (f *front) holdUntilGone(arrived chan<- struct{}) func(w http.ResponseWriter, r *http.Request, next http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		if arrived != nil {
			select {
			case arrived <- struct{}{}:
			default:
			}
		}
		select {
		case <-r.Context().Done():
		case <-f.stop:
		}
	}
}

// trickle sends headers, then a byte of body now and then, forever.
func (f *front) trickle(w http.ResponseWriter, r *http.Request, _ http.Handler) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(`{"results":[`))
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			w.Write([]byte(" "))
			w.(http.Flusher).Flush()
		case <-r.Context().Done():
			return
		case <-f.stop:
			return
		}
	}
}

// huge answers 200 with 40 MiB of JSON whitespace inside a valid start.
func huge(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"results":[`))
	chunk := bytes.Repeat([]byte(" "), 1<<20)
	for range 40 {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
	w.Write([]byte(`]}`))
}

// mustNotHave fails if a token, the refresh token or the client secret
// reached the other host.
func (e *elsewhere) mustNotHave(t *testing.T, c config.Connection) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.seen {
		for _, secret := range []string{c.AccessToken, c.RefreshToken, "e2e-secret", url.QueryEscape("e2e-secret")} {
			if secret != "" && strings.Contains(s, secret) {
				t.Errorf("a credential reached the other host: %.40s…", s)
			}
		}
	}
}
