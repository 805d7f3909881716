package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// runChild is another banktui process using the same credentials file.
func runChild(role string) int {
	store := config.OpenCredentials(os.Getenv(envChildStore))
	ac := truelayer.NewAuthClient(nil, truelayer.AuthConfig{ClientID: testClientID, ClientSecret: testClientSecret, AuthURL: os.Getenv(envChildServer)})
	m := NewManager(store, ac)
	id := os.Getenv("BANKTUI_AUTH_TEST_CONN")
	switch role {
	case "token":
		if _, err := m.Token(context.Background(), id); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case "token-file-size-limit": // no room for a file bigger than the limit
		n, _ := strconv.ParseUint(os.Getenv(envChildFileSize), 10, 64)
		if err := limitFileSize(n); err != nil {
			fmt.Fprintln(os.Stderr, "unsupported:", err)
			return 3
		}
		if _, err := m.Token(context.Background(), id); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case "interrupt-mid-refresh": // Ctrl-C while TrueLayer's answer is on the way
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		if _, err := m.Token(ctx, id); !errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "Token was not interrupted:", err)
			return 1
		}
		fmt.Println("interrupted")
		wait, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := m.Close(wait); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case "crash-after-refresh":
		m.afterRefresh = func() error { os.Exit(9); return nil }
		m.Token(context.Background(), id)
		return 1
	}
	return 2
}

func (e *env) child(role, connID string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+role, envChildStore+"="+e.store.Path(),
		envChildServer+"="+e.srv.AuthURL(), "BANKTUI_AUTH_TEST_CONN="+connID)
	return cmd
}

func (e *env) manager(opts ...ManagerOption) *Manager {
	// The wall clock, like the AuthClient that computes expiry times.
	return NewManager(e.store, e.ac, opts...)
}

func (e *env) conn(t *testing.T, id string) config.Connection {
	t.Helper()
	c, err := e.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	cn := c.Connection(id)
	if cn == nil {
		t.Fatalf("connection %s not saved", id)
	}
	return *cn
}

// expireOnDisk makes the saved access tokens expired (in).
func (e *env) expireOnDisk(t *testing.T, ids ...string) { e.expiresIn(t, -time.Minute, ids...) }

// expiresIn sets the saved access tokens' expiry to now+d.
func (e *env) expiresIn(t *testing.T, d time.Duration, ids ...string) {
	t.Helper()
	if err := e.store.Update(func(c *config.Credentials) error {
		for _, id := range ids {
			c.Connection(id).Expiry = time.Now().Add(d)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentCallersOneRefresh(t *testing.T) {
	e := newEnv(t)
	old := e.connect(t, "a", "john", truelayertest.ProviderNorthgate)
	m := e.manager()
	e.expireOnDisk(t, "a")
	e.srv.ResetLog()

	const callers = 100
	errs := make([]error, callers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range callers {
		wg.Go(func() {
			<-start
			c, err := m.Client(context.Background(), "a", truelayer.WithBaseURL(e.srv.APIURL()))
			if err == nil {
				_, err = c.Me(context.Background())
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()
	issuedFromStore(t, e.store)
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			said(t, err)
			t.Log(err)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d callers failed", failed, callers)
	}
	if n := e.countRequests("/auth/connect/token"); n != 1 {
		t.Errorf("%d refreshes, want exactly 1", n)
	}
	if n := e.countRequests("/api/data/v1/me"); n != callers {
		t.Errorf("%d /me calls, want %d", n, callers)
	}
	now := e.conn(t, "a")
	if now.RefreshToken == old.RefreshToken || now.AccessToken == old.AccessToken || !now.Expiry.After(time.Now()) {
		t.Errorf("refresh not saved: rotated %v, new access %v, expiry %v ", now.RefreshToken != old.RefreshToken, now.AccessToken != old.AccessToken, now.Expiry)
	}
}

// The rotated refresh token is on disk before the new access token is
// sent anywhere, and a later process can refresh with it.
func TestRotatedTokenSavedBeforeUse(t *testing.T) {
	e := newEnv(t)
	old := e.connect(t, "a", "john", truelayertest.ProviderNorthgate)
	var checked int
	check := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		cn := e.conn(t, "a")
		if req.Header.Get("Authorization") != "Bearer "+cn.AccessToken {
			t.Errorf("request sent with a token that is not the saved one")
		}
		if cn.AccessToken != old.AccessToken && cn.RefreshToken == old.RefreshToken {
			t.Errorf("new access token saved without the rotated refresh token")
		}
		checked++
		return http.DefaultTransport.RoundTrip(req)
	})
	m := e.manager(WithTransport(check))
	c, err := m.Client(context.Background(), "a", truelayer.WithBaseURL(e.srv.APIURL()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Me(context.Background()); err != nil { // still valid: no refresh
		t.Fatal(err)
	}
	// Within the skew of expiry: refreshed before use.
	e.expiresIn(t, DefaultExpirySkew/2, "a")
	m = e.manager(WithTransport(check)) // a new process reads the file
	c, err = m.Client(context.Background(), "a", truelayer.WithBaseURL(e.srv.APIURL()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Accounts(context.Background()); err != nil {
		said(t, err)
		t.Fatal(err)
	}
	issuedFromStore(t, e.store)
	rotated := e.conn(t, "a")
	if checked != 2 || rotated.RefreshToken == old.RefreshToken || e.countRequests("/auth/connect/token") != 1 {
		t.Fatalf("checked %d requests, %d refreshes", checked, e.countRequests("/auth/connect/token"))
	}
	if rotated.LastRefresh.IsZero() {
		t.Errorf("LastRefresh not set")
	}
	// The old refresh token is dead at TrueLayer...
	_, err = e.ac.Refresh(context.Background(), old.RefreshToken)
	said(t, err)
	if !errors.Is(err, truelayer.ErrConsentNeeded) {
		t.Errorf("old refresh token: %v", err)
	}
	// ...and a new process (a new Manager) works from the saved one.
	e.expireOnDisk(t, "a")
	c2, err := e.manager().Client(context.Background(), "a", truelayer.WithBaseURL(e.srv.APIURL()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Me(context.Background()); err != nil {
		said(t, err)
		t.Fatalf("after restart: %v", err)
	}
	issuedFromStore(t, e.store)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestUnauthorizedOneRefreshOneRetry(t *testing.T) {
	e := newEnv(t)
	e.connect(t, "a", "john", truelayertest.ProviderNorthgate)
	m := e.manager()
	c, err := m.Client(context.Background(), "a", truelayer.WithBaseURL(e.srv.APIURL()))
	if err != nil {
		t.Fatal(err)
	}
	e.srv.ResetLog()
	remove := e.srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/me", Kind: truelayertest.Unauthorized, Count: 1})
	if _, err := c.Me(context.Background()); err != nil {
		said(t, err)
		t.Fatalf("one 401: %v", err)
	}
	remove()
	issuedFromStore(t, e.store)
	if me, tok := e.countRequests("/api/data/v1/me"), e.countRequests("/auth/connect/token"); me != 2 || tok != 1 {
		t.Errorf("one 401: %d /me, %d refreshes; want 2 and 1", me, tok)
	}

	e.srv.ResetLog()
	e.srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/me", Kind: truelayertest.Unauthorized})
	_, err = c.Me(context.Background())
	said(t, err)
	issuedFromStore(t, e.store)
	if !errors.Is(err, truelayer.ErrUnauthorized) {
		t.Errorf("401 forever: %v", err)
	}
	if me, tok := e.countRequests("/api/data/v1/me"), e.countRequests("/auth/connect/token"); me != 2 || tok != 1 {
		t.Errorf("401 forever: %d /me, %d refreshes; want 2 and 1 (no more)", me, tok)
	}
}

func TestInvalidGrantMarksOnlyThatConnection(t *testing.T) {
	e := newEnv(t)
	e.connect(t, "a", "john", truelayertest.ProviderNorthgate)
	e.connect(t, "b", "john2", truelayertest.ProviderNova)
	m := e.manager()
	e.expireOnDisk(t, "a", "b")
	e.srv.Inject(truelayertest.Fault{Kind: truelayertest.InvalidGrant, Count: 1})

	ca, err := m.Client(context.Background(), "a", truelayer.WithBaseURL(e.srv.APIURL()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ca.Me(context.Background())
	said(t, err)
	if !errors.Is(err, ErrNeedsReconnect) || !errors.Is(err, truelayer.ErrConsentNeeded) {
		t.Fatalf("a: %v", err)
	}
	if _, err := m.Token(context.Background(), "b"); err != nil {
		said(t, err)
		t.Fatalf("b: %v", err)
	}
	issuedFromStore(t, e.store)
	a, b := e.conn(t, "a"), e.conn(t, "b")
	if !a.NeedsReconnect || !strings.Contains(a.Reason, "invalid_grant") || a.AccessToken != "" {
		t.Errorf("a not marked: %v %q", a.NeedsReconnect, a.Reason)
	}
	if b.NeedsReconnect {
		t.Errorf("b marked too")
	}
	// No more refresh attempts for a, in this process or a new one.
	e.srv.ResetLog()
	for _, mm := range []*Manager{m, e.manager()} {
		_, err := mm.Token(context.Background(), "a")
		said(t, err)
		var re *ReconnectError
		if !errors.As(err, &re) || re.ConnectionID != "a" {
			t.Errorf("a again: %v", err)
		}
	}
	if _, err := m.Client(context.Background(), "a"); !errors.Is(err, ErrNeedsReconnect) {
		t.Errorf("Client(a) = %v", err)
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("%d requests for a dead connection", n)
	}
}

// A crash between the refresh (TrueLayer has rotated the token) and the
// save leaves the file with the whole old state. (In process, the token
// is kept in memory: see TestSaveFailsAfterRefresh.)
func TestCrashBetweenRefreshAndSave(t *testing.T) {
	e := newEnv(t)
	e.connect(t, "a", "john", truelayertest.ProviderNorthgate)
	e.connect(t, "b", "john2", truelayertest.ProviderNova)

	// In process: the save is abandoned.
	var before []byte
	m := e.manager()
	crash := errors.New("simulated crash")
	m.afterRefresh = func() error { return crash }
	e.expireOnDisk(t, "a")
	before, _ = os.ReadFile(e.store.Path())
	if _, err := m.Token(context.Background(), "a"); !errors.Is(err, crash) {
		t.Fatalf("Token = %v", err)
	}
	if after, _ := os.ReadFile(e.store.Path()); !bytes.Equal(before, after) {
		t.Errorf("file changed")
	}

	// A real process dying there.
	e.expireOnDisk(t, "b")
	before, _ = os.ReadFile(e.store.Path())
	out, err := e.child("crash-after-refresh", "b").CombinedOutput()
	said(t, string(out))
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 9 {
		t.Fatalf("child: %v %s", err, out)
	}
	if e.countRequests("/auth/connect/token") != 2 {
		t.Errorf("the child did not refresh")
	}
	if after, _ := os.ReadFile(e.store.Path()); !bytes.Equal(before, after) {
		t.Errorf("file changed by the crashed process")
	}
	if _, err := e.store.Load(); err != nil {
		t.Fatalf("file unreadable: %v", err)
	}
	// The old refresh token was rotated away: the next refresh reports a
	// reconnect, cleanly, for that connection only.
	_, err = e.manager().Token(context.Background(), "b")
	said(t, err)
	if !errors.Is(err, ErrNeedsReconnect) {
		t.Errorf("after the crash: %v", err)
	}
}

// Two processes refreshing at once: the same connection is refreshed once
// (the second sees the first's token on disk); different connections both
// keep their rotated tokens.
func TestTwoProcesses(t *testing.T) {
	e := newEnv(t)
	olda := e.connect(t, "a", "john", truelayertest.ProviderNorthgate)
	oldb := e.connect(t, "b", "john2", truelayertest.ProviderNova)
	e.expireOnDisk(t, "a", "b")
	e.srv.ResetLog()

	run := func(ids ...string) {
		t.Helper()
		var wg sync.WaitGroup
		outs := make([][]byte, len(ids))
		errs := make([]error, len(ids))
		for i, id := range ids {
			wg.Go(func() { outs[i], errs[i] = e.child("token", id).CombinedOutput() })
		}
		wg.Wait()
		for i := range ids {
			said(t, string(outs[i]))
			if errs[i] != nil {
				t.Fatalf("child %d: %v %s", i, errs[i], outs[i])
			}
		}
	}
	run("a", "a")
	if n := e.countRequests("/auth/connect/token"); n != 1 {
		t.Errorf("same connection, two processes: %d refreshes, want 1", n)
	}
	run("b", "a")
	issuedFromStore(t, e.store)
	a, b := e.conn(t, "a"), e.conn(t, "b")
	if a.RefreshToken == olda.RefreshToken || b.RefreshToken == oldb.RefreshToken {
		t.Errorf("a rotated token was lost")
	}
	if n := e.countRequests("/auth/connect/token"); n != 2 {
		t.Errorf("%d refreshes in all, want 2", n)
	}
	// Both saved tokens work.
	m := e.manager()
	for _, id := range []string{"a", "b"} {
		c, err := m.Client(context.Background(), id, truelayer.WithBaseURL(e.srv.APIURL()))
		if err == nil {
			_, err = c.Me(context.Background())
		}
		if err != nil {
			said(t, err)
			t.Errorf("%s: %v", id, err)
		}
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	a := e.connect(t, "a", "john", truelayertest.ProviderNorthgate)
	e.connect(t, "b", "john2", truelayertest.ProviderNova)
	m := e.manager()
	if err := m.Logout(context.Background(), "a"); err != nil {
		said(t, err)
		t.Fatal(err)
	}
	if e.countRequests("/auth/api/delete") != 1 {
		t.Errorf("no DELETE /api/delete")
	}
	conns, err := m.Connections()
	if err != nil || len(conns) != 1 || conns[0].ID != "b" {
		t.Errorf("connections after logout: %d %v", len(conns), err)
	}
	_, err = e.ac.Refresh(context.Background(), a.RefreshToken)
	said(t, err)
	if !errors.Is(err, truelayer.ErrConsentNeeded) {
		t.Errorf("revoked refresh token still works: %v", err)
	}
	if err := m.Logout(context.Background(), "a"); !errors.Is(err, ErrUnknownConnection) {
		t.Errorf("second logout: %v", err)
	}

	// Offline: forgotten locally, revocation reported as failed.
	e.srv.Close()
	err = m.Logout(context.Background(), "b")
	said(t, err)
	if !errors.Is(err, ErrRevokeFailed) || !strings.Contains(err.Error(), "forgotten") {
		t.Errorf("offline logout: %v", err)
	}
	if conns, _ := m.Connections(); len(conns) != 0 {
		t.Errorf("offline logout kept the connection")
	}
	if _, err := m.Client(context.Background(), "b"); !errors.Is(err, ErrNoConnections) {
		t.Errorf("Client after logging out of everything: %v", err)
	}
}

func TestUnknownConnection(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	if _, err := m.Client(context.Background(), "x"); !errors.Is(err, ErrNoConnections) {
		t.Errorf("no connections: %v", err)
	}
	e.connect(t, "a", "john", truelayertest.ProviderNorthgate)
	_, err := m.Client(context.Background(), "x")
	said(t, err)
	if !errors.Is(err, ErrUnknownConnection) || !strings.Contains(err.Error(), `"x"`) {
		t.Errorf("unknown: %v", err)
	}
	// The token source has x/oauth2's reuse semantics.
	ts := m.TokenSource(context.Background(), "a")
	t1, err1 := ts.Token()
	t2, err2 := ts.Token()
	if err1 != nil || err2 != nil || t1.AccessToken != t2.AccessToken || e.countRequests("/auth/connect/token") != 0 {
		t.Errorf("TokenSource: %v %v", err1, err2)
	}
}

const envChildFileSize = "BANKTUI_AUTH_TEST_FILE_SIZE"

// No room on disk for the next credentials file: the refresh is not even
// attempted (TrueLayer would rotate the refresh token away), the file is
// untouched and the old refresh token still works once there is room.
// The "full disk" is real: the child process may not write files bigger
// than the credentials file plus 1 KiB (RLIMIT_FSIZE).
func TestFullDiskNoRefresh(t *testing.T) {
	e := newEnv(t)
	old := e.connect(t, "a", "john", truelayertest.ProviderNorthgate)
	e.expireOnDisk(t, "a")
	before, err := os.ReadFile(e.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	e.srv.ResetLog()

	cmd := e.child("token-file-size-limit", "a")
	cmd.Env = append(cmd.Env, envChildFileSize+"="+strconv.Itoa(len(before)+1<<10))
	out, err := cmd.CombinedOutput()
	said(t, string(out))
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		t.Skipf("no file size limit here: %s", out)
	}
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("child: %v %s", err, out)
	}
	for _, want := range []string{"connection a was not refreshed", e.store.Path(), "free some space", "file too large"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the error does not say %q: %s", want, out)
		}
	}
	if n := e.countRequests("/auth/connect/token"); n != 0 {
		t.Errorf("%d refresh requests reached TrueLayer with no room to save their result", n)
	}
	if after, _ := os.ReadFile(e.store.Path()); !bytes.Equal(before, after) {
		t.Errorf("credentials file changed")
	}
	assertNoTempFiles(t, filepath.Dir(e.store.Path()))

	// With room again, the old (never rotated) refresh token works.
	tok, err := e.manager().Token(context.Background(), "a")
	if err != nil {
		said(t, err)
		t.Fatalf("after the full disk: %v", err)
	}
	issuedFromStore(t, e.store)
	now := e.conn(t, "a")
	if now.RefreshToken == old.RefreshToken || now.AccessToken != tok.AccessToken || e.countRequests("/auth/connect/token") != 1 {
		t.Errorf("the refresh with the old token was not saved")
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// The save fails after a successful refresh (the old refresh token is
// dead at TrueLayer): the new tokens stay in this process's memory, the
// session carries on with them, a refresh while they are unsaved uses
// them, and the first save that works writes them, even over another
// process's "needs reconnect" caused by the dead refresh token.
func TestSaveFailsAfterRefresh(t *testing.T) {
	e := newEnv(t)
	old := e.connect(t, "a", "john", truelayertest.ProviderNorthgate)
	var offset atomic.Int64 // the Manager's clock, ahead of the wall clock
	m := e.manager(WithClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }))
	var full atomic.Bool
	m.beforeSave = func() error {
		if full.Load() {
			return syscall.ENOSPC
		}
		return nil
	}
	e.expireOnDisk(t, "a")
	before, _ := os.ReadFile(e.store.Path())
	e.srv.ResetLog()
	unchanged := func(what string) {
		t.Helper()
		if after, _ := os.ReadFile(e.store.Path()); !bytes.Equal(before, after) {
			t.Errorf("%s: file changed", what)
		}
	}

	// 1. Refreshed, not saved: a clear error.
	full.Store(true)
	_, err := m.Token(context.Background(), "a")
	said(t, err)
	var se *SaveError
	if !errors.As(err, &se) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Token = %v, want a *SaveError", err)
	}
	for _, want := range []string{"connection a", "could not be saved to " + e.store.Path(), "keeps them in memory"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	unchanged("failed save")
	if n := e.countRequests("/auth/connect/token"); n != 1 {
		t.Fatalf("%d refreshes", n)
	}

	// 2. The session carries on with the token in memory.
	first, err := m.Token(context.Background(), "a")
	if err != nil {
		said(t, err)
		t.Fatalf("Token with the tokens unsaved: %v", err)
	}
	issued(first.AccessToken, first.RefreshToken)
	c, err := m.Client(context.Background(), "a", truelayer.WithBaseURL(e.srv.APIURL()))
	if err == nil {
		_, err = c.Me(context.Background())
	}
	if err != nil {
		said(t, err)
		t.Fatalf("Data API call with the tokens unsaved: %v", err)
	}
	unchanged("still full")

	// 3. They expire still unsaved: the refresh uses the refresh token in
	// memory (the one on disk is dead), and its result stays in memory too.
	offset.Store(int64(2 * time.Hour))
	_, err = m.Token(context.Background(), "a")
	said(t, err)
	if !errors.As(err, &se) {
		t.Fatalf("second refresh: %v, want a *SaveError", err)
	}
	offset.Store(0)
	second, err := m.Token(context.Background(), "a")
	if err != nil {
		said(t, err)
		t.Fatal(err)
	}
	issued(second.AccessToken, second.RefreshToken)
	if second.RefreshToken == first.RefreshToken || e.countRequests("/auth/connect/token") != 2 {
		t.Fatalf("the unsaved tokens were not refreshed with the refresh token in memory")
	}
	unchanged("full again")

	// 4. Another process tries the dead refresh token on disk meanwhile
	// and marks the connection as needing a reconnect.
	e.expireOnDisk(t, "a")
	out, err := e.child("token", "a").CombinedOutput()
	said(t, string(out))
	if err == nil || e.conn(t, "a").NeedsReconnect != true {
		t.Fatalf("the other process: %v %s", err, out)
	}

	// 5. Room again: the next call saves the tokens in memory, over the
	// mark, without refreshing.
	full.Store(false)
	got, err := m.Token(context.Background(), "a")
	if err != nil {
		said(t, err)
		t.Fatalf("Token once the disk has room: %v", err)
	}
	now := e.conn(t, "a")
	if got.AccessToken != second.AccessToken || now.AccessToken != second.AccessToken || now.RefreshToken != second.RefreshToken || now.NeedsReconnect || now.LastRefresh.IsZero() {
		t.Errorf("the tokens in memory were not saved (needs reconnect: %v)", now.NeedsReconnect)
	}
	if n := e.countRequests("/auth/connect/token"); n != 3 { // 2 here, 1 dead one by the other process
		t.Errorf("%d refresh requests, want 3", n)
	}
	_, err = e.ac.Refresh(context.Background(), old.RefreshToken)
	said(t, err)
	if !errors.Is(err, truelayer.ErrConsentNeeded) {
		t.Errorf("the first refresh token still works: %v", err)
	}

	// 6. A new process works from the saved refresh token.
	e.expireOnDisk(t, "a")
	if _, err := e.manager().Token(context.Background(), "a"); err != nil {
		said(t, err)
		t.Fatalf("after restart: %v", err)
	}
	issuedFromStore(t, e.store)
}
