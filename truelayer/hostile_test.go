package truelayer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// Hostile servers on loopback: redirects to another host, servers that
// never answer or trickle, bodies too big to hold.

// elsewhere is a second host: it records every request that reaches it.
type elsewhere struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string // "METHOD path (Authorization: yes/no, body bytes)"
}

func newElsewhere(t *testing.T) *elsewhere {
	e := &elsewhere{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.seen = append(e.seen, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization")+" body="+string(body))
		e.mu.Unlock()
		w.Write([]byte(`{"results":[{"access_token":"x","token_type":"Bearer"}]}`))
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *elsewhere) requests() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.seen)
}

// redirectTo answers with status and a Location on the other host.
func redirectTo(status int, target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		http.Redirect(w, r, target, status)
	}
}

const testBearer = "at-hostile-0123456789"

// tokenClient is what an oauth2 client is: it adds the bearer token to
// every request it sends, redirects included.
func (f *fixture) tokenClient(opts ...Option) *Client {
	hc := &http.Client{Transport: &oauth2.Transport{Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testBearer}), Base: f.server.Client().Transport}}
	return NewClient(hc, append([]Option{WithBaseURL(f.server.URL + apiPath), WithRetry(NoRetry())}, opts...)...)
}

// TestRedirectToAnotherHostRefused: no request, token or secret reaches
// another host through a redirect, whichever client and status.
func TestRedirectToAnotherHostRefused(t *testing.T) {
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		f := newFixture(t, WithRetry(NoRetry()))
		evil := newElsewhere(t)
		to := evil.srv.URL + "/steal"
		f.api.HandleFunc("/data/v1/me", redirectTo(status, to))
		f.auth.HandleFunc("/connect/token", redirectTo(status, to))
		f.auth.HandleFunc("/api/delete", redirectTo(status, to))
		f.auth.HandleFunc("/api/debug", redirectTo(status, to))
		f.auth.HandleFunc("/api/providers", redirectTo(status, to))
		f.status.HandleFunc("/api/v1/data/status", redirectTo(status, to))
		statusClient := NewStatusClient(f.server.Client(), f.server.URL+statusPath, WithRetry(NoRetry()))

		calls := map[string]func() error{
			"data API with bearer": func() error { _, err := f.tokenClient().Me(context.Background()); return err },
			"refresh (secret + refresh token)": func() error {
				_, err := f.authClient.Refresh(context.Background(), "rt-hostile-0123456789")
				return err
			},
			"exchange (secret + code)": func() error {
				_, err := f.authClient.Exchange(context.Background(), "code-hostile-0123456789", "verifier")
				return err
			},
			"revoke (bearer)":      func() error { return f.authClient.Revoke(context.Background(), testBearer) },
			"debug (access token)": func() error { _, err := f.authClient.Debug(context.Background(), testBearer); return err },
			"providers":            func() error { _, err := f.authClient.Providers(context.Background(), ProvidersQuery{}); return err },
			"status API": func() error {
				_, err := statusClient.Status(context.Background(), StatusQuery{})
				return err
			},
		}
		for name, call := range calls {
			err := call()
			if !errors.Is(err, ErrForeignHost) {
				t.Errorf("%d, %s: err = %v, want ErrForeignHost", status, name, err)
				continue
			}
			var fe *ForeignHostError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), evil.srv.Listener.Addr().String()) {
				t.Errorf("%d, %s: err = %q does not name the other host", status, name, err)
			}
			if errors.Is(err, ErrTemporary) {
				t.Errorf("%d, %s: a refused redirect is not temporary", status, name)
			}
			noSecrets(t, err.Error(), testBearer, testClientSecret, "rt-hostile-0123456789", "code-hostile-0123456789")
		}
		if n := evil.requests(); n != 0 {
			t.Errorf("%d: the other host received %d requests: %v", status, n, evil.seen)
		}
	}
}

// TestRedirectOnSameHostFollowed: a redirect within the configured host
// keeps working, token and all.
func TestRedirectOnSameHostFollowed(t *testing.T) {
	f := newFixture(t)
	f.api.HandleFunc("/data/v1/me", redirectTo(http.StatusFound, apiPath+"/data/v1/me-moved"))
	f.api.HandleFunc("/data/v1/me-moved", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "Authorization", "Bearer "+testBearer)
		serveFixture(t, "data-me.json")(w, r)
	})
	if _, err := f.tokenClient().Me(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestOrigin: the same host name over plain http, on another port, or a
// subdomain is another origin.
func TestOrigin(t *testing.T) {
	same := [][2]string{
		{"https://API.truelayer.com/x", "https://api.truelayer.com:443/y"},
		{"http://127.0.0.1/a", "http://127.0.0.1:80/b"},
	}
	differ := [][2]string{
		{"https://api.truelayer.com/", "http://api.truelayer.com/"},
		{"https://api.truelayer.com/", "https://api.truelayer.com:8443/"},
		{"https://api.truelayer.com/", "https://evil.api.truelayer.com/"},
		{"http://127.0.0.1:1/", "http://127.0.0.1:2/"},
	}
	for _, p := range same {
		if Origin(mustURL(t, p[0])) != Origin(mustURL(t, p[1])) {
			t.Errorf("%s and %s should share an origin", p[0], p[1])
		}
	}
	for _, p := range differ {
		if Origin(mustURL(t, p[0])) == Origin(mustURL(t, p[1])) {
			t.Errorf("%s and %s should not share an origin", p[0], p[1])
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// silentListener accepts connections and never answers them.
func silentListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never read or written
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String()
}

// trickler sends headers, then one byte every few milliseconds, forever.
func trickler(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"results":[`))
		w.(http.Flusher).Flush()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
				w.Write([]byte(" "))
				w.(http.Flusher).Flush()
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

var shortTimeouts = Timeouts{Connect: 50 * time.Millisecond, TLSHandshake: 50 * time.Millisecond, ResponseHeader: 100 * time.Millisecond, Body: 300 * time.Millisecond}

// backstop bounds a test that would hang without deadlines: if it fires,
// the client had none.
func backstop(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func wantTimeout(t *testing.T, what string, err error, phase string) {
	t.Helper()
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != codeTimeout || !errors.Is(err, ErrTemporary) {
		t.Errorf("%s: err = %v, want a timeout *APIError", what, err)
		return
	}
	if !strings.Contains(err.Error(), phase) {
		t.Errorf("%s: err = %q, want it to say %q", what, err, phase)
	}
}

// TestNothingHangs: a server that accepts and never answers, or trickles
// its body forever, fails every kind of call, even through an
// *http.Client with no timeout of its own.
func TestNothingHangs(t *testing.T) {
	silent := silentListener(t)
	slow := trickler(t).URL
	bare := &http.Client{} // no Timeout, http.DefaultTransport: no header timeout
	opts := []Option{WithTimeouts(shortTimeouts), WithRetry(NoRetry())}
	for _, c := range []struct{ host, phase string }{{silent, "no response headers"}, {slow, "did not complete within 300ms"}} {
		api := NewClient(bare, append(opts, WithBaseURL(c.host))...)
		ac := NewAuthClient(bare, AuthConfig{ClientID: testClientID, ClientSecret: testClientSecret, AuthURL: c.host}, opts...)
		sc := NewStatusClient(bare, c.host, opts...)
		ctx := backstop(t)
		_, err := api.Accounts(ctx)
		wantTimeout(t, "accounts", err, c.phase)
		_, err = ac.Refresh(ctx, "rt-hostile-0123456789")
		wantTimeout(t, "refresh", err, c.phase)
		_, err = ac.Providers(ctx, ProvidersQuery{})
		wantTimeout(t, "providers", err, c.phase)
		_, err = sc.Status(ctx, StatusQuery{})
		wantTimeout(t, "status", err, c.phase)
		if ctx.Err() != nil {
			t.Fatal("the backstop fired: a call had no deadline")
		}
	}
}

// TestDefaultClientHasDeadlines: nil means a client on NewTransport with
// the default timeouts, and every client starts from DefaultTimeouts.
func TestDefaultClientHasDeadlines(t *testing.T) {
	d := DefaultTimeouts()
	if d.Connect <= 0 || d.TLSHandshake <= 0 || d.ResponseHeader <= 0 || d.Body <= 0 {
		t.Fatalf("DefaultTimeouts = %+v: every deadline must be set", d)
	}
	for name, req := range map[string]requester{
		"client": NewClient(nil).req, "auth": NewAuthClient(nil, AuthConfig{}).req, "status": NewStatusClient(nil, "").req,
	} {
		tr, ok := req.httpClient.Transport.(*http.Transport)
		if !ok || tr.ResponseHeaderTimeout != d.ResponseHeader || tr.TLSHandshakeTimeout != d.TLSHandshake {
			t.Errorf("%s: default transport %T lacks the default timeouts", name, req.httpClient.Transport)
		}
		if req.timeouts != d {
			t.Errorf("%s: timeouts = %+v, want %+v", name, req.timeouts, d)
		}
	}
	got := NewClient(nil, WithTimeouts(Timeouts{Body: time.Second})).req.timeouts
	if got.Body != time.Second || got.ResponseHeader != d.ResponseHeader {
		t.Errorf("WithTimeouts with one field = %+v, want the others defaulted", got)
	}
}

// endless serves a {"results": [...] body made of item, repeated without
// end (or until n bytes, with a true Content-Length, when n > 0).
func endless(t *testing.T, item string, n int64) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		head, sep, tail := `{"results":[`+item, ","+item, `]}`
		w.Header().Set("Content-Type", "application/json")
		if n > 0 {
			w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		}
		chunk := []byte(strings.Repeat(sep, 64<<10/len(sep)))
		written, _ := io.WriteString(w, head)
		for sent := int64(written); n <= 0 || sent+int64(len(chunk))+int64(len(tail)) <= n; sent += int64(len(chunk)) {
			if _, err := w.Write(chunk); err != nil {
				return // the client stopped reading
			}
			if n > 0 && sent+int64(len(chunk))*2+int64(len(tail)) > n {
				// Pad the rest with white space to the exact length.
				pad := n - (sent + int64(len(chunk))) - int64(len(tail))
				io.WriteString(w, strings.Repeat(" ", int(pad)))
				break
			}
		}
		io.WriteString(w, tail)
	}))
	t.Cleanup(srv.Close)
	return srv
}

const realisticTx = `{"transaction_id":"03c333979b729315545816aaa365c33f","timestamp":"2018-03-06T00:00:00","description":"GOOGLE PLAY STORE","amount":-2.99,"currency":"GBP","transaction_type":"DEBIT","transaction_category":"PURCHASE","transaction_classification":["Entertainment","Games"],"merchant_name":"Google play","running_balance":{"amount":1238.6,"currency":"GBP"},"meta":{"bank_transaction_id":"9882ks-00js","provider_transaction_category":"DEB"}}`

// allocated is the memory allocated while f ran (all goroutines: run
// such tests without t.Parallel).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func wantTooLarge(t *testing.T, what string, err error, limit string) {
	t.Helper()
	if !errors.Is(err, ErrResponseTooLarge) || errors.Is(err, ErrTemporary) || errors.Is(err, ErrMalformedResponse) {
		t.Errorf("%s: err = %v, want only ErrResponseTooLarge", what, err)
		return
	}
	if !strings.Contains(err.Error(), "limit of "+limit) {
		t.Errorf("%s: err = %q does not state the limit %s", what, err, limit)
	}
}

// TestDefaultResponseLimit: a body declared larger than the default limit
// is refused unread, and one that never ends is cut at the limit.
func TestDefaultResponseLimit(t *testing.T) {
	declared := endless(t, realisticTx, 48<<20)
	_, err := NewClient(nil, WithBaseURL(declared.URL), WithRetry(NoRetry())).Transactions(context.Background(), "a", time.Time{}, time.Time{})
	wantTooLarge(t, "declared 48 MiB", err, "32 MiB")

	// Endless white space costs reading time but no memory.
	spaces := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat(" ", 64<<10))
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer spaces.Close()
	var err2 error
	mem := allocated(func() {
		_, err2 = NewClient(nil, WithBaseURL(spaces.URL), WithRetry(NoRetry())).Accounts(context.Background())
	})
	wantTooLarge(t, "endless white space", err2, "32 MiB")
	if mem > 8<<20 {
		t.Errorf("reading 32 MiB of white space allocated %d MiB", mem>>20)
	}
}

// TestResponseMemoryBounded: memory stays within a small multiple of the
// limit whatever the body: endless realistic results, or a million empty
// ones (3 bytes each in JSON, 232 decoded), endless or within the limit.
func TestResponseMemoryBounded(t *testing.T) {
	const limit = 4 << 20
	for _, c := range []struct {
		name, item string
		size       int64 // 0: endless
		maxAlloc   uint64
	}{
		{"endless transactions", realisticTx, 0, 6 * limit},
		{"endless empty results", `{}`, 0, 3 * limit},
		{"4 MiB of empty results", `{}`, limit, 3 * limit},
	} {
		srv := endless(t, c.item, c.size)
		client := NewClient(nil, WithBaseURL(srv.URL), WithRetry(NoRetry()), WithMaxResponseBytes(limit))
		var err error
		mem := allocated(func() { _, err = client.Transactions(context.Background(), "a", time.Time{}, time.Time{}) })
		wantTooLarge(t, c.name, err, "4 MiB")
		t.Logf("%s: %.1f MiB allocated for a limit of 4 MiB", c.name, float64(mem)/(1<<20))
		if mem > c.maxAlloc {
			t.Errorf("%s: %d MiB allocated, want at most %d MiB", c.name, mem>>20, c.maxAlloc>>20)
		}
	}
}

// TestLocalErrorsAreNotNetwork: a transport failing on this machine's
// files (an auth layer saving tokens to a full disk) is not dressed up as
// the network's failure: a syscall.Errno is a net.Error too.
func TestLocalErrorsAreNotNetwork(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EACCES, syscall.EROFS} {
		local := fmt.Errorf("saving tokens: %w", &fs.PathError{Op: "write", Path: "/home/u/.config/banktui/credentials.json", Err: errno})
		c := NewClient(&http.Client{Transport: failingTransport{local}}, WithBaseURL("http://127.0.0.1:1"))
		_, err := c.Accounts(context.Background())
		var ae *APIError
		if !errors.Is(err, errno) || errors.As(err, &ae) || errors.Is(err, ErrTemporary) {
			t.Errorf("%v: err = %v, want the local error, not a network *APIError", errno, err)
		}
	}
	_, err := NewClient(&http.Client{Transport: failingTransport{syscall.ENOSPC}}, WithBaseURL("http://127.0.0.1:1")).Accounts(context.Background())
	if errors.Is(err, ErrTemporary) || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("bare errno: err = %v, want a local error", err)
	}
}
