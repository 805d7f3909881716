package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

func (e *env) loginOptions() LoginOptions {
	return LoginOptions{
		Auth:        e.ac,
		APIURL:      e.srv.APIURL(),
		RedirectURI: e.redirect,
		Store:       e.store,
		Timeout:     time.Minute,
	}
}

type loginResult struct {
	conn *config.Connection
	err  error
}

// startLogin runs Login in the background and returns the auth link it showed.
func startLogin(t *testing.T, ctx context.Context, o LoginOptions) (string, <-chan loginResult) {
	t.Helper()
	shown := make(chan string, 1)
	o.ShowURL = func(u string) { shown <- u }
	done := make(chan loginResult, 1)
	go func() {
		conn, err := Login(ctx, o)
		done <- loginResult{conn, err}
	}()
	select {
	case u := <-shown:
		return u, done
	case r := <-done:
		t.Fatalf("Login ended before showing the URL: %v", r.err)
	}
	return "", nil
}

func TestLoginQueryAndFormPost(t *testing.T) {
	for _, mode := range []string{"", "form_post"} {
		t.Run("mode="+mode, func(t *testing.T) {
			e := newEnv(t, truelayertest.WithAutoApprove("john", truelayertest.ProviderNorthgate))
			o := e.loginOptions()
			o.ResponseMode = mode
			opened := make(chan string, 1)
			o.Open = func(u string) error { opened <- u; return nil }
			link, done := startLogin(t, context.Background(), o)
			if opened := <-opened; opened != link {
				t.Errorf("Open got %q, ShowURL %q", opened, link)
			}
			lq := mustQuery(t, link)
			for _, p := range []string{"state", "nonce", "code_challenge"} {
				if len(lq.Get(p)) < 43 {
					t.Errorf("auth link %s = %q: not 32 random bytes", p, lq.Get(p))
				}
			}
			if lq.Get("code_challenge_method") != "S256" || lq.Get("redirect_uri") != e.redirect || lq.Get("response_mode") != mode {
				t.Errorf("auth link params: %v", lq)
			}

			status, body := newBrowser(t).open(link)
			r := <-done
			said(t, r.err)
			if r.err != nil {
				t.Fatalf("Login: %v", r.err)
			}
			if status != http.StatusOK || !strings.Contains(body, "Northgate Bank is connected") || !strings.Contains(body, "close this tab") {
				t.Errorf("success page: %d %s", status, body)
			}
			if strings.Contains(body, "http://") || strings.Contains(body, "https://") || strings.Contains(body, "src=") {
				t.Errorf("callback page loads external resources")
			}
			c := r.conn
			if c.ID != truelayertest.ProviderNorthgate || c.ProviderID != truelayertest.ProviderNorthgate || c.ProviderName != "Northgate Bank" ||
				c.CredentialsID == "" || c.RefreshToken == "" || c.AccessToken == "" || c.Expiry.IsZero() ||
				c.ConsentCreatedAt.IsZero() || c.ConsentExpiresAt.Before(c.ConsentCreatedAt.AddDate(0, 0, 89)) || len(c.Scopes) == 0 {
				t.Errorf("connection not filled from /me: %+v", redacted(c))
			}
			issuedFromStore(t, e.store)
			saved, err := e.store.Load()
			if err != nil || saved.Connection(c.ID) == nil || saved.Connection(c.ID).RefreshToken != c.RefreshToken {
				t.Errorf("connection not saved: %v", err)
			}
			if e.countRequests("/api/data/v1/me") != 1 || e.countRequests("/auth/connect/token") != 1 {
				t.Errorf("requests: %+v", e.srv.Requests())
			}
			// One use: the listener is gone.
			if _, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", e.port)); err == nil {
				t.Errorf("listener still open after the login")
			}
		})
	}
}

// redacted is a connection fit for test output.
func redacted(c *config.Connection) config.Connection {
	cp := *c
	cp.AccessToken, cp.RefreshToken = "[access]", "[refresh]"
	return cp
}

func mustQuery(t *testing.T, u string) url.Values {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Query()
}

func TestLoginWrongStateThenRightState(t *testing.T) {
	e := newEnv(t, truelayertest.WithAutoApprove("john", truelayertest.ProviderNova))
	link, done := startLogin(t, context.Background(), e.loginOptions())
	b := newBrowser(t)
	callback := fmt.Sprintf("http://127.0.0.1:%d/callback", e.port)

	for _, q := range []string{"?code=forged-code-1&state=wrong", "?code=forged-code-2", "?error=access_denied&state=nope", ""} {
		status, body := b.open(callback + q)
		if status != http.StatusBadRequest || !strings.Contains(body, "still waiting") {
			t.Errorf("%q: %d %s", q, status, body)
		}
	}
	status, _ := b.post(callback, url.Values{"code": {"forged-code-3"}, "state": {"wrong"}})
	if status != http.StatusBadRequest {
		t.Errorf("form_post with wrong state: %d", status)
	}
	// Other paths, methods, hosts: refused, and no CORS.
	req, _ := http.NewRequest(http.MethodOptions, callback, nil)
	req.Header.Set("Origin", "http://evil.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("OPTIONS: %d %v", resp.StatusCode, resp.Header)
	}
	req, _ = http.NewRequest(http.MethodGet, callback+"?code=x&state=y", nil)
	req.Host = fmt.Sprintf("evil.example:%d", e.port)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("foreign Host header: %d", resp.StatusCode)
	}
	if s, _ := b.open(fmt.Sprintf("http://127.0.0.1:%d/other", e.port)); s != http.StatusNotFound {
		t.Errorf("other path: %d", s)
	}
	if e.countRequests("/auth/connect/token") != 0 {
		t.Errorf("a forged code was exchanged")
	}

	// Still waiting: the real answer goes through.
	status, body := b.open(link)
	r := <-done
	said(t, r.err)
	if r.err != nil || status != http.StatusOK || r.conn.ProviderID != truelayertest.ProviderNova {
		t.Fatalf("Login after wrong states: %v (%d %s)", r.err, status, body)
	}
	issuedFromStore(t, e.store)
}

func TestLoginDenied(t *testing.T) {
	e := newEnv(t) // no auto-approve: the dialog is shown and the user presses Deny
	link, done := startLogin(t, context.Background(), e.loginOptions())
	b := newBrowser(t)
	status, body := b.open(link)
	session := regexp1(`name="session" value="([^"]+)"`, body)
	if status != http.StatusOK || session == "" {
		t.Fatalf("dialog: %d %s", status, body)
	}
	status, body = b.post(e.srv.URL()+"/auth/", url.Values{"session": {session}, "action": {"deny"}})
	r := <-done
	said(t, r.err)
	if !errors.Is(r.err, ErrLoginDenied) {
		t.Fatalf("Login = %v, want ErrLoginDenied", r.err)
	}
	if !strings.Contains(r.err.Error(), "declined") || !strings.Contains(r.err.Error(), "access_denied") {
		t.Errorf("message: %v", r.err)
	}
	if status != http.StatusBadRequest || !strings.Contains(body, "Consent declined") || !strings.Contains(body, "banktui login") {
		t.Errorf("failure page: %d %s", status, body)
	}
	if c, _ := e.store.Load(); len(c.Connections) != 0 {
		t.Errorf("a denied login saved a connection")
	}
}

func regexp1(pattern, s string) string {
	m := regexpMust(pattern).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

// A code that was already used (or stolen and used) fails the exchange:
// the login ends with the error and the browser gets the failure page.
func TestLoginCodeReuse(t *testing.T) {
	e := newEnv(t, truelayertest.WithAutoApprove("john", ""))
	e.srv.Inject(truelayertest.Fault{Endpoint: "/connect/token", Kind: truelayertest.Status, Status: 400, Code: "invalid_authorization_code", Count: 1})
	link, done := startLogin(t, context.Background(), e.loginOptions())
	status, body := newBrowser(t).open(link)
	r := <-done
	said(t, r.err)
	if r.err == nil || !strings.Contains(r.err.Error(), "invalid_authorization_code") {
		t.Fatalf("Login = %v", r.err)
	}
	if status != http.StatusBadRequest || !strings.Contains(body, "invalid_authorization_code") {
		t.Errorf("page: %d %s", status, body)
	}

	// And PKCE: someone who intercepts the code cannot use it without the
	// verifier, while the login that holds it still can.
	e2 := newEnv(t, truelayertest.WithAutoApprove("john", ""))
	link, done = startLogin(t, context.Background(), e2.loginOptions())
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	back := resp.Header.Get("Location")
	stolen := mustQuery(t, back).Get("code")
	issued(stolen)
	if _, err := e2.ac.Exchange(context.Background(), stolen, ""); err == nil {
		t.Fatal("code exchanged without the PKCE verifier")
	} else {
		said(t, err)
	}
	status, _ = newBrowser(t).open(back)
	r = <-done
	said(t, r.err)
	if r.err != nil || status != http.StatusOK {
		t.Fatalf("login after a failed theft: %v", r.err)
	}
	issuedFromStore(t, e2.store)
	// Replaying the same callback: nobody listens any more.
	if _, err := http.Get(back); err == nil {
		t.Errorf("callback replay reached a listener")
	}
}

func TestLoginTimeoutAndCancel(t *testing.T) {
	e := newEnv(t)
	o := e.loginOptions()
	o.Timeout = 50 * time.Millisecond
	_, err := Login(context.Background(), o)
	said(t, err)
	if !errors.Is(err, ErrLoginTimeout) || !strings.Contains(err.Error(), "banktui login") {
		t.Errorf("timeout: %v", err)
	}
	if _, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", e.port)); err == nil {
		t.Errorf("listener still open after the timeout")
	}

	ctx, cancel := context.WithCancel(context.Background())
	o.Timeout = time.Minute
	_, done := startLogin(t, ctx, o)
	cancel()
	if r := <-done; !errors.Is(r.err, context.Canceled) {
		t.Errorf("cancel: %v", r.err)
	}
}

func TestLoginPortInUse(t *testing.T) {
	e := newEnv(t)
	busy, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", e.port))
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, err = Login(context.Background(), e.loginOptions())
	said(t, err)
	if !errors.Is(err, ErrPortInUse) {
		t.Fatalf("Login = %v", err)
	}
	for _, w := range []string{fmt.Sprint(e.port), "TrueLayer console", e.redirect} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}

func TestLoginRefusesNonLoopback(t *testing.T) {
	e := newEnv(t)
	for _, uri := range []string{"http://192.0.2.10:3000/callback", "http://example.com:3000/callback", "http://0.0.0.0:3000/callback", "https://console.truelayer.com/redirect-page"} {
		o := e.loginOptions()
		o.RedirectURI = uri
		_, err := Login(context.Background(), o)
		said(t, err)
		if !errors.Is(err, ErrNotLoopback) || !strings.Contains(err.Error(), "127.0.0.1, ::1 or localhost") {
			t.Errorf("%s: %v", uri, err)
		}
	}
}

// The listener is bound to loopback only: the machine's other addresses
// do not reach it.
func TestLoginListenerNotReachableOffLoopback(t *testing.T) {
	var external []net.IP
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && !ipn.IP.IsLinkLocalUnicast() {
			external = append(external, ipn.IP)
		}
	}
	if len(external) == 0 {
		t.Fatal("this machine has no non-loopback address to test against")
	}
	for _, host := range []string{"127.0.0.1", "localhost"} {
		e := newEnv(t)
		o := e.loginOptions()
		o.RedirectURI = fmt.Sprintf("http://%s:%d/callback", host, e.port)
		s, err := StartLogin(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range s.Addrs() {
			if ip := a.(*net.TCPAddr).IP; !ip.IsLoopback() {
				t.Errorf("%s: listening on %v", host, a)
			}
		}
		for _, ip := range external {
			if c, err := net.DialTimeout("tcp", net.JoinHostPort(ip.String(), fmt.Sprint(e.port)), 2*time.Second); err == nil {
				c.Close()
				t.Errorf("%s: listener reachable on %v", host, ip)
			}
		}
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", e.port)); err != nil {
			t.Errorf("%s: not reachable on loopback: %v", host, err)
		} else {
			c.Close()
		}
		s.Close()
	}
}

// The SSH fallback: the browser cannot reach the listener; the user pastes
// the address it ended on.
func TestLoginPastedURL(t *testing.T) {
	e := newEnv(t, truelayertest.WithAutoApprove("john", truelayertest.ProviderCastle))
	pasted := make(chan string)
	var pasteErrs []error
	o := e.loginOptions()
	o.Pasted = pasted
	o.PasteError = func(err error) { pasteErrs = append(pasteErrs, err) }
	link, done := startLogin(t, context.Background(), o)

	// The remote browser's redirect goes nowhere; we read its Location.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	ended := resp.Header.Get("Location")
	issued(mustQuery(t, ended).Get("code"))

	pasted <- "not a url at all"
	pasted <- strings.Replace(ended, "state=", "state=x", 1)
	pasted <- "  " + ended + "\n"
	r := <-done
	said(t, r.err)
	if r.err != nil || r.conn.ProviderID != truelayertest.ProviderCastle {
		t.Fatalf("pasted login: %v", r.err)
	}
	issuedFromStore(t, e.store)
	if len(pasteErrs) != 2 || !errors.Is(pasteErrs[0], ErrPasteMismatch) || !errors.Is(pasteErrs[1], ErrPasteMismatch) {
		t.Errorf("paste errors: %v", pasteErrs)
	}
	for _, err := range pasteErrs {
		said(t, err)
	}
}

// Logging in again to a bank whose consent expired replaces that
// connection; another bank gets its own id.
func TestLoginConnectionIDs(t *testing.T) {
	e := newEnv(t, truelayertest.WithAutoApprove("john", truelayertest.ProviderNorthgate))
	login := func() *config.Connection {
		t.Helper()
		link, done := startLogin(t, context.Background(), e.loginOptions())
		newBrowser(t).open(link)
		r := <-done
		said(t, r.err)
		if r.err != nil {
			t.Fatal(r.err)
		}
		issuedFromStore(t, e.store)
		return r.conn
	}
	if id := login().ID; id != "ob-northgate" {
		t.Errorf("first id %q", id)
	}
	if id := login().ID; id != "ob-northgate-2" {
		t.Errorf("second id %q", id)
	}
	e.store.Update(func(c *config.Credentials) error {
		c.Connection("ob-northgate").NeedsReconnect = true
		return nil
	})
	if id := login().ID; id != "ob-northgate" {
		t.Errorf("reconnect id %q", id)
	}
	c, _ := e.store.Load()
	if len(c.Connections) != 2 || c.Connection("ob-northgate").NeedsReconnect {
		t.Errorf("connections after reconnect: %d", len(c.Connections))
	}
}

var _ = truelayer.DefaultScopes
