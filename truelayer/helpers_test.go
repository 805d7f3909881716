package truelayer

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Base paths are deliberately non-empty so that an endpoint path written as
// absolute ("/accounts") escapes them and hits the loud catch-all.
const (
	apiPath    = "/tl-api"
	authPath   = "/tl-auth"
	statusPath = "/tl-status"
)

// fixture holds a test server with one mux per host role, and clients aimed at it.
type fixture struct {
	t          *testing.T
	server     *httptest.Server
	api        *http.ServeMux // Data API: patterns are /data/v1/...
	auth       *http.ServeMux // auth server: /connect/token, /api/providers...
	status     *http.ServeMux // status API: /api/v1/data/status
	client     *Client
	authClient *AuthClient
	sleeps     *sleepRecorder
}

const (
	testClientID     = "sandbox-banktui-test"
	testClientSecret = "s3cr3t-client-secret-value"
	testRedirectURI  = "http://127.0.0.1:3000/callback"
)

func newFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	f := &fixture{t: t, api: http.NewServeMux(), auth: http.NewServeMux(), status: http.NewServeMux()}
	for _, m := range []*http.ServeMux{f.api, f.auth, f.status} {
		m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			t.Errorf("unexpected request %s %s (no handler in this test)", r.Method, r.URL)
			http.Error(w, "no handler in this test", http.StatusTeapot)
		})
	}
	root := http.NewServeMux()
	root.Handle(apiPath+"/", http.StripPrefix(apiPath, f.api))
	root.Handle(authPath+"/", http.StripPrefix(authPath, f.auth))
	root.Handle(statusPath+"/", http.StripPrefix(statusPath, f.status))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside every base path: %s %s", r.Method, r.URL)
		http.Error(w, "outside base paths", http.StatusTeapot)
	})
	f.server = httptest.NewServer(root)
	t.Cleanup(f.server.Close)

	f.sleeps = &sleepRecorder{}
	all := append([]Option{WithBaseURL(f.server.URL + apiPath)}, opts...)
	f.client = NewClient(f.server.Client(), all...)
	f.client.req.sleep = f.sleeps.sleep
	f.client.req.rand = func() float64 { return 0.5 }

	f.authClient = NewAuthClient(f.server.Client(), AuthConfig{
		ClientID: testClientID, ClientSecret: testClientSecret, RedirectURI: testRedirectURI,
		AuthURL: f.server.URL + authPath,
	})
	f.authClient.req.sleep = f.sleeps.sleep
	return f
}

// sleepRecorder replaces real waits: it records them and returns at once
// (or the context's error), so retry tests are fast and exact.
type sleepRecorder struct {
	mu     sync.Mutex
	waits  []time.Duration
	before func(d time.Duration) // optional hook, e.g. to cancel a context
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	hook := s.before
	s.mu.Unlock()
	if hook != nil {
		hook(d)
	}
	return ctx.Err()
}

func (s *sleepRecorder) recorded() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.waits)
}

func loadFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func serveFixture(t *testing.T, name string) http.HandlerFunc {
	body := loadFixture(t, name)
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	}
}

func serveError(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("method = %s, want %s", r.Method, want)
	}
}

func testHeader(t *testing.T, r *http.Request, key, want string) {
	t.Helper()
	if got := r.Header.Get(key); got != want {
		t.Errorf("header %s = %q, want %q", key, got, want)
	}
}

// testQuery checks the whole query: nothing missing, nothing extra.
func testQuery(t *testing.T, r *http.Request, want url.Values) {
	t.Helper()
	got := r.URL.Query()
	if len(want) == 0 && len(got) == 0 {
		return
	}
	if got.Encode() != want.Encode() {
		t.Errorf("query = %q, want %q", got.Encode(), want.Encode())
	}
}

// testForm checks the whole urlencoded form body.
func testForm(t *testing.T, r *http.Request, want url.Values) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		t.Errorf("Content-Type = %q, want a form", ct)
	}
	if err := r.ParseForm(); err != nil {
		t.Fatal(err)
	}
	if got := r.PostForm.Encode(); got != want.Encode() {
		// Redacted: test output never shows secret values, even fake ones.
		t.Errorf("form = %q, want %q (secret values redacted)", redactQuery(got), redactQuery(want.Encode()))
	}
}

// noSecrets fails if s contains any of the secrets.
func noSecrets(t *testing.T, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("%q leaks a secret", strings.ReplaceAll(s, sec, "<SECRET>"))
		}
	}
}
