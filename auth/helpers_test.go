package auth

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// The secret-leak check: every token, code and secret the emulator issued
// in these tests is registered here, everything the code under test said
// (errors, pages, the test binary's own stdout and stderr) is collected,
// and TestMain fails the run if any secret appears in it.
var leaks struct {
	mu      sync.Mutex
	secrets map[string]bool
	said    bytes.Buffer
}

// issued registers secrets the emulator handed out.
func issued(secrets ...string) {
	leaks.mu.Lock()
	defer leaks.mu.Unlock()
	if leaks.secrets == nil {
		leaks.secrets = map[string]bool{}
	}
	for _, s := range secrets {
		if len(s) >= 8 { // short strings would match by accident
			leaks.secrets[s] = true
		}
	}
}

// said records output of the code under test: error texts, page bodies (t
// may be nil, from a goroutine of the test).
func said(t *testing.T, what ...any) {
	if t != nil {
		t.Helper()
	}
	leaks.mu.Lock()
	defer leaks.mu.Unlock()
	for _, w := range what {
		if w == nil {
			continue
		}
		fmt.Fprintln(&leaks.said, w)
	}
}

func issuedToken(tok *truelayer.Token) {
	if tok != nil {
		issued(tok.AccessToken, tok.RefreshToken)
	}
}

// issuedFromStore registers every token saved in the credentials file.
func issuedFromStore(t testing.TB, store *config.CredentialStore) {
	t.Helper()
	c, err := store.Load()
	if err != nil {
		return
	}
	for _, cn := range c.Connections {
		issued(cn.AccessToken, cn.RefreshToken)
	}
}

const (
	envChild       = "BANKTUI_AUTH_TEST_CHILD"
	envChildStore  = "BANKTUI_AUTH_TEST_STORE"
	envChildServer = "BANKTUI_AUTH_TEST_SERVER"
)

func TestMain(m *testing.M) {
	if role := os.Getenv(envChild); role != "" {
		os.Exit(runChild(role))
	}
	// Tee our own stdout and stderr (test logs, anything printed) into
	// the leak check.
	realOut, realErr := os.Stdout, os.Stderr
	var wg sync.WaitGroup
	tee := func(real *os.File) *os.File {
		r, w, err := os.Pipe()
		if err != nil {
			panic(err)
		}
		wg.Go(func() {
			buf := make([]byte, 32<<10)
			for {
				n, err := r.Read(buf)
				if n > 0 {
					real.Write(buf[:n])
					leaks.mu.Lock()
					leaks.said.Write(buf[:n])
					leaks.mu.Unlock()
				}
				if err != nil {
					return
				}
			}
		})
		return w
	}
	outW, errW := tee(realOut), tee(realErr)
	os.Stdout, os.Stderr = outW, errW
	code := m.Run()
	// Close our own pipe ends, not os.Stdout/os.Stderr: under -json
	// (-test.v=test2json) m.Run sets os.Stderr = os.Stdout, and the
	// stderr pipe would never close, so wg.Wait would hang forever.
	outW.Close()
	errW.Close()
	wg.Wait()
	os.Stdout, os.Stderr = realOut, realErr

	leaks.mu.Lock()
	defer leaks.mu.Unlock()
	if len(leaks.secrets) < 20 && code == 0 && testingAll() {
		fmt.Fprintf(os.Stderr, "secret-leak check: only %d secrets registered, the tests did not run as expected\n", len(leaks.secrets))
		code = 1
	}
	text := leaks.said.String()
	for s := range leaks.secrets {
		if strings.Contains(text, s) {
			fmt.Fprintf(os.Stderr, "SECRET LEAK: an issued secret (%d chars, starts %q) appears in errors, pages or test output\n", len(s), s[:4])
			code = 1
		}
	}
	if code == 0 {
		fmt.Fprintf(realOut, "secret-leak check: %d issued secrets, %d bytes of output searched, none found\n", len(leaks.secrets), len(text))
	}
	os.Exit(code)
}

// testingAll: the whole package ran (no -run filter), so the secret count is meaningful.
func testingAll() bool {
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.run") {
			return false
		}
	}
	return true
}

// env is an emulator, a client registered for a free loopback port, and a
// credentials store in a temporary directory.
type env struct {
	srv      *truelayertest.Server
	redirect string // http://127.0.0.1:PORT/callback
	port     int
	ac       *truelayer.AuthClient
	store    *config.CredentialStore
}

const (
	testClientID     = "sandbox-auth-tests"
	testClientSecret = "auth-tests-client-secret-0123456789"
)

func newEnv(t testing.TB, opts ...truelayertest.Option) *env {
	t.Helper()
	port := freePort(t)
	redirect := fmt.Sprintf("http://127.0.0.1:%d/callback", port)
	reg := truelayertest.ClientRegistration{ID: testClientID, Secret: testClientSecret,
		RedirectURIs: []string{redirect, fmt.Sprintf("http://localhost:%d/callback", port)}}
	srv := truelayertest.NewServer(append(opts, truelayertest.WithClient(reg))...)
	t.Cleanup(srv.Close)
	issued(testClientSecret)
	return &env{
		srv:      srv,
		redirect: redirect,
		port:     port,
		ac:       authClient(srv, redirect),
		store:    config.OpenCredentials(filepath.Join(t.TempDir(), "banktui", "credentials.json")),
	}
}

func authClient(srv *truelayertest.Server, redirect string) *truelayer.AuthClient {
	return authClientAt(srv.AuthURL(), redirect)
}

func authClientAt(authURL, redirect string) *truelayer.AuthClient {
	return truelayer.NewAuthClient(nil, truelayer.AuthConfig{
		ClientID: testClientID, ClientSecret: testClientSecret, RedirectURI: redirect, AuthURL: authURL,
	})
}

// freePort finds a loopback port nobody listens on (the registered
// redirect URI must name it before the login listens).
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// connect mints a connection at the emulator and saves it as connection id.
func (e *env) connect(t testing.TB, id, user, provider string) config.Connection {
	t.Helper()
	tok, err := e.srv.Connect(testClientID, user, provider, truelayer.DefaultScopes)
	if err != nil {
		t.Fatal(err)
	}
	issuedToken(tok)
	cn := config.Connection{ID: id, ProviderID: provider, Scopes: truelayer.DefaultScopes,
		AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry}
	if err := e.store.Update(func(c *config.Credentials) error {
		c.Connections = append(c.Connections, cn)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return cn
}

func (e *env) countRequests(path string) int {
	n := 0
	for _, r := range e.srv.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

// browser plays the user's browser: it follows the auth link to the
// emulator's dialog (auto-approved or answered) and back to our listener,
// submitting form_post pages as a browser's script would.
type fakeBrowser struct {
	t      *testing.T
	client *http.Client
	codes  []string // codes seen in redirects (registered as secrets)
}

func newBrowser(t *testing.T) *fakeBrowser {
	b := &fakeBrowser{t: t}
	b.client = &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if c := req.URL.Query().Get("code"); c != "" {
			b.codes = append(b.codes, c)
			issued(c)
		}
		return nil
	}}
	return b
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
var formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)

// open follows url to the end and returns the last status and body.
func (b *fakeBrowser) open(u string) (int, string) {
	b.t.Helper()
	resp, err := b.client.Get(u)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	body := readBody(b.t, resp)
	if m := formAction.FindStringSubmatch(body); m != nil && strings.Contains(body, "document.forms[0].submit()") {
		form := url.Values{}
		for _, f := range hiddenInput.FindAllStringSubmatch(body, -1) {
			form.Add(htmlUnescape(f[1]), htmlUnescape(f[2]))
		}
		if c := form.Get("code"); c != "" {
			b.codes = append(b.codes, c)
			issued(c)
		}
		return b.post(htmlUnescape(m[1]), form)
	}
	return resp.StatusCode, body
}

func (b *fakeBrowser) post(action string, form url.Values) (int, string) {
	b.t.Helper()
	resp, err := b.client.PostForm(action, form)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return resp.StatusCode, readBody(b.t, resp)
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	// Record what our listener said; the emulator's own pages (the
	// dialog, its form_post page) legitimately carry codes.
	if !strings.HasPrefix(resp.Request.URL.Path, "/auth") {
		said(t, string(body))
	}
	return string(body)
}

func htmlUnescape(s string) string {
	r := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`)
	return r.Replace(s)
}

func regexpMust(p string) *regexp.Regexp { return regexp.MustCompile(p) }
