package auth

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// front is a server in front of the emulator, on another port: it
// forwards every request, except those its intercept answers itself.
type front struct{ srv *httptest.Server }

func newFront(t *testing.T, e *env, intercept func(proxy http.Handler, w http.ResponseWriter, r *http.Request) bool) *front {
	t.Helper()
	target, err := url.Parse(e.srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	f := &front{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if intercept == nil || !intercept(proxy, w, r) {
			proxy.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *front) authURL() string { return f.srv.URL + "/auth" }
func (f *front) apiURL() string  { return f.srv.URL + "/api" }

// heldToken is a token endpoint whose first answer is slow: TrueLayer has
// rotated the refresh token, but the answer is held until release.
type heldToken struct {
	*front
	arrived chan struct{} // closed when the held request has been answered by the emulator
	release chan struct{} // close to send the answer on
}

func newHeldToken(t *testing.T, e *env) *heldToken {
	h := &heldToken{arrived: make(chan struct{}), release: make(chan struct{})}
	var once sync.Once
	arrived, release := h.arrived, h.release
	h.front = newFront(t, e, func(proxy http.Handler, w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/auth/connect/token" {
			return false
		}
		held := false
		once.Do(func() { held = true })
		if !held {
			return false
		}
		rec := httptest.NewRecorder()
		proxy.ServeHTTP(rec, r) // the refresh token is rotated now
		close(arrived)
		<-release
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return true
	})
	return h
}

// assertRotatedAndUsable: the credentials file holds a refresh token other
// than old, and a new process (a new Manager) can refresh with it.
func assertRotatedAndUsable(t *testing.T, e *env, old string) {
	t.Helper()
	issuedFromStore(t, e.store)
	if e.conn(t, "a").RefreshToken == old {
		t.Fatal("the rotated refresh token was not saved: the next run would get invalid_grant")
	}
	e.expireOnDisk(t, "a")
	if _, err := e.manager().Token(context.Background(), "a"); err != nil {
		said(t, err)
		t.Fatalf("the saved refresh token does not work: %v", err)
	}
	issuedFromStore(t, e.store)
	assertNoTempFiles(t, filepath.Dir(e.store.Path()))
}

// TestCloseWaitsForRefresh: a caller that gives up mid-refresh (Ctrl-C)
// gets its error at once; Close waits (bounded) for the refresh and its
// save; afterwards no refresh starts.
func TestCloseWaitsForRefresh(t *testing.T) {
	e := newEnv(t)
	old := e.connect(t, "a", "john", truelayertest.ProviderNorthgate)
	e.connect(t, "b", "john2", truelayertest.ProviderNorthgate)
	e.expireOnDisk(t, "a", "b")
	h := newHeldToken(t, e)
	m := NewManager(e.store, authClientAt(h.authURL(), e.redirect))

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := m.Token(ctx, "a"); errc <- err }()
	<-h.arrived
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		said(t, err)
		t.Fatalf("the cancelled caller got %v", err)
	}

	short, cancelShort := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelShort()
	err := m.Close(short) // the answer is still held: Close gives up
	said(t, err)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "in flight") {
		t.Errorf("Close while the refresh is held = %v, want a deadline error", err)
	}
	close(h.release)
	if err := m.Close(context.Background()); err != nil {
		said(t, err)
		t.Fatalf("Close: %v", err)
	}
	// Closed: no new refresh reaches TrueLayer.
	e.srv.ResetLog()
	_, err = m.Token(context.Background(), "b")
	said(t, err)
	if !errors.Is(err, ErrClosed) || e.countRequests("/auth/connect/token") != 0 {
		t.Errorf("Token after Close = %v, %d refreshes; want ErrClosed and none", err, e.countRequests("/auth/connect/token"))
	}
	assertRotatedAndUsable(t, e, old.RefreshToken)
}

// TestInterruptDuringRefreshLosesNothing: a real process gets SIGINT while
// TrueLayer's answer to its refresh is on the way (the refresh token
// already rotated there); it stops waiting, closes its Manager and exits,
// and the next run works from the saved refresh token.
func TestInterruptDuringRefreshLosesNothing(t *testing.T) {
	e := newEnv(t)
	old := e.connect(t, "a", "john", truelayertest.ProviderNorthgate)
	e.expireOnDisk(t, "a")
	h := newHeldToken(t, e)

	cmd := e.child("interrupt-mid-refresh", "a")
	cmd.Env = append(cmd.Env, envChildServer+"="+h.authURL())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := bufio.NewScanner(stdout)
	go func() {
		<-h.arrived
		cmd.Process.Signal(os.Interrupt)
	}()
	// The child says when its Token call has returned, interrupted; only
	// then does TrueLayer's answer arrive.
	if !lines.Scan() || lines.Text() != "interrupted" {
		close(h.release)
		t.Fatalf("child: %q %v; stderr: %s", lines.Text(), lines.Err(), stderr.String())
	}
	close(h.release)
	go func() { io.Copy(io.Discard, stdout); exited <- cmd.Wait() }()
	if err := <-exited; err != nil {
		said(t, stderr.String())
		t.Fatalf("child: %v: %s", err, stderr.String())
	}
	assertRotatedAndUsable(t, e, old.RefreshToken)
}

// TestTokenStaysOnItsHost: the access token goes to the API host only,
// and the client secret and refresh token to the auth host only: a
// redirect to another host is refused, naming it, and the other host sees
// nothing.
func TestTokenStaysOnItsHost(t *testing.T) {
	e := newEnv(t)
	old := e.connect(t, "a", "john", truelayertest.ProviderNorthgate)
	var mu sync.Mutex
	var stolen []string
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		stolen = append(stolen, r.Method+" "+r.URL.Path)
		mu.Unlock()
	}))
	defer evil.Close()
	evilHost := evil.Listener.Addr().String()
	f := newFront(t, e, func(_ http.Handler, w http.ResponseWriter, r *http.Request) bool {
		switch r.URL.Path {
		case "/api/data/v1/me":
			http.Redirect(w, r, evil.URL+"/me", http.StatusFound)
		case "/auth/connect/token":
			http.Redirect(w, r, evil.URL+"/token", http.StatusTemporaryRedirect)
		default:
			return false
		}
		return true
	})
	m := NewManager(e.store, authClientAt(f.authURL(), e.redirect))
	c, err := m.Client(context.Background(), "a", truelayer.WithBaseURL(f.apiURL()), truelayer.WithRetry(truelayer.NoRetry()))
	if err != nil {
		t.Fatal(err)
	}
	wantRefused := func(what string, err error) {
		t.Helper()
		said(t, err)
		if !errors.Is(err, truelayer.ErrForeignHost) || !strings.Contains(err.Error(), evilHost) {
			t.Errorf("%s: err = %v, want ErrForeignHost naming %s", what, err, evilHost)
		}
	}
	_, err = c.Me(context.Background())
	wantRefused("Data API redirect", err)

	// A client whose base was changed after the fact: the token stays home.
	c.BaseURL, _ = url.Parse(evil.URL + "/data/v1/")
	_, err = c.Accounts(context.Background())
	wantRefused("request to another host", err)

	// The token endpoint redirects: the secret and refresh token stay home,
	// and the connection is not marked as needing a reconnect.
	e.expireOnDisk(t, "a")
	_, err = NewManager(e.store, authClientAt(f.authURL(), e.redirect)).Token(context.Background(), "a")
	wantRefused("token endpoint redirect", err)
	if cn := e.conn(t, "a"); cn.NeedsReconnect || cn.RefreshToken != old.RefreshToken {
		t.Errorf("after a refused redirect: needs reconnect %v, refresh token changed %v", cn.NeedsReconnect, cn.RefreshToken != old.RefreshToken)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(stolen) > 0 {
		t.Errorf("the other host received: %v", stolen)
	}
}

// TestManagerDeadlines: a Data API host that accepts and never answers
// fails the call, with the Manager's default transport or the caller's.
func TestManagerDeadlines(t *testing.T) {
	e := newEnv(t)
	e.connect(t, "a", "john", truelayertest.ProviderNorthgate)
	// Accepts, reads the request, never answers.
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer silent.Close()
	short := truelayer.Timeouts{Connect: 50 * time.Millisecond, TLSHandshake: 50 * time.Millisecond, ResponseHeader: 100 * time.Millisecond, Body: 200 * time.Millisecond}
	backstop, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for name, opts := range map[string][]ManagerOption{
		"default transport":                 {WithTimeouts(short)},
		"http.DefaultTransport, as the CLI": {WithTimeouts(short), WithTransport(http.DefaultTransport)},
	} {
		c, err := e.manager(opts...).Client(backstop, "a", truelayer.WithBaseURL(silent.URL), truelayer.WithRetry(truelayer.NoRetry()))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Me(backstop)
		said(t, err)
		var ae *truelayer.APIError
		if !errors.As(err, &ae) || ae.Code != "timeout" {
			t.Errorf("%s: err = %v, want a timeout", name, err)
		}
	}
	if backstop.Err() != nil {
		t.Fatal("the backstop fired: a call had no deadline")
	}
	// Nothing passed: the default transport has the default deadlines.
	tr, ok := e.manager().base.(*http.Transport)
	if d := truelayer.DefaultTimeouts(); !ok || tr.ResponseHeaderTimeout != d.ResponseHeader || tr.TLSHandshakeTimeout != d.TLSHandshake {
		t.Errorf("default transport %T lacks the default timeouts", e.manager().base)
	}
}

// TestDiskErrorsAreNotNetworkErrors: a full disk (or a permission error)
// while saving refreshed tokens during a Data API call is reported as
// itself, not as the bank being unavailable.
func TestDiskErrorsAreNotNetworkErrors(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EACCES} {
		e := newEnv(t)
		e.connect(t, "a", "john", truelayertest.ProviderNorthgate)
		e.expireOnDisk(t, "a")
		m := e.manager()
		m.beforeSave = func() error { return &fs.PathError{Op: "write", Path: e.store.Path(), Err: errno} }
		c, err := m.Client(context.Background(), "a", truelayer.WithBaseURL(e.srv.APIURL()))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Me(context.Background())
		said(t, err)
		var se *SaveError
		var ae *truelayer.APIError
		if !errors.Is(err, errno) || !errors.As(err, &se) || errors.As(err, &ae) || errors.Is(err, truelayer.ErrTemporary) {
			t.Errorf("%v: err = %v, want the *SaveError, not a network error", errno, err)
		}
		if errno == syscall.EACCES && !errors.Is(err, fs.ErrPermission) {
			t.Errorf("EACCES is not fs.ErrPermission: %v", err)
		}
		for _, tok := range m.tokens {
			issued(tok.AccessToken, tok.RefreshToken)
		}
		// Close retries the save: still failing, it says so; with room
		// again, it saves them.
		err = m.Close(context.Background())
		said(t, err)
		if !errors.As(err, &se) || !errors.Is(err, errno) {
			t.Errorf("%v: Close = %v, want the unsaved tokens' *SaveError", errno, err)
		}
		m.beforeSave = nil
		if err := m.Close(context.Background()); err != nil {
			said(t, err)
			t.Errorf("%v: Close with room again: %v", errno, err)
		}
		if got, want := e.conn(t, "a").RefreshToken, m.tokens["a"].RefreshToken; got != want {
			t.Errorf("%v: Close did not save the tokens kept in memory", errno)
		}
	}
}
