package cli

// Helpers shared by the in-process tests (commands called with buffer
// streams) and the end-to-end tests (the built binary): a home is one
// user's banktui with its own files, so nothing here reads or writes the
// real settings, tokens or ledger; the bank is the emulator on 127.0.0.1.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// TestMain removes the binary the end-to-end tests built and the shared
// home, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.path != "" {
		os.RemoveAll(filepath.Dir(built.path))
	}
	removeShared()
	os.Exit(code)
}

// home is an isolated set of XDG directories and an environment.
type home struct {
	t    testing.TB
	root string

	mu      sync.Mutex
	env     map[string]string // what the user exported (TRUELAYER_*, ...)
	browser func(url string) error
	adjust  func(*Factory) // changes the next in-process runs' Factory (a full disk)
}

func newHome(t testing.TB) *home {
	t.Helper()
	return &home{t: t, root: t.TempDir(), env: map[string]string{"NO_COLOR": "1"}}
}

func (h *home) set(key, value string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.env[key] = value
}

func (h *home) getenv(key string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.env[key]
}

// paths are the files banktui uses in this home: what config.DefaultPaths
// resolves from the XDG variables of environ.
func (h *home) paths() config.Paths {
	return config.Paths{
		ConfigFile:      filepath.Join(h.root, "config", "banktui", "config.toml"),
		CredentialsFile: h.credentialsFile(),
		DataDir:         filepath.Join(h.root, "data", "banktui"),
		LedgerDB:        filepath.Join(h.root, "data", "banktui", "ledger.db"),
		StateDir:        filepath.Join(h.root, "state", "banktui"),
		DebugLog:        filepath.Join(h.root, "state", "banktui", "debug.log"),
	}
}

func (h *home) credentialsFile() string {
	return filepath.Join(h.root, "config", "banktui", "credentials.json")
}

// useEmulator points banktui at srv with a client registered for a free
// loopback port (so that tests never fight over port 3000).
func (h *home) useEmulator(srv *truelayertest.Server) (clientID, redirect string) {
	h.t.Helper()
	port, err := freePort()
	if err != nil {
		h.t.Fatal(err)
	}
	clientID = fmt.Sprintf("sandbox-e2e-%d", port)
	redirect = fmt.Sprintf("http://127.0.0.1:%d/callback", port)
	srv.RegisterClient(truelayertest.ClientRegistration{ID: clientID, Secret: "e2e-secret", RedirectURIs: []string{redirect}})
	h.set(config.EnvClientID, clientID)
	h.set(config.EnvClientSecret, "e2e-secret")
	h.set(config.EnvRedirectURI, redirect)
	h.set(config.EnvAuthURL, srv.AuthURL())
	h.set(config.EnvAPIURL, srv.APIURL())
	return clientID, redirect
}

// connect saves a connection minted by the emulator with the scopes banktui
// asks for, as a login would.
func (h *home) connect(srv *truelayertest.Server, clientID, providerID string, expired bool) {
	h.t.Helper()
	h.connectWith(srv, clientID, providerID, expired, auth.DefaultScopes)
}

// connectWith is connect granting scopes.
func (h *home) connectWith(srv *truelayertest.Server, clientID, providerID string, expired bool, scopes []string) {
	h.t.Helper()
	tok, err := srv.Connect(clientID, "john", providerID, scopes)
	if err != nil {
		h.t.Fatal(err)
	}
	expiry := tok.Expiry
	if expired {
		expiry = time.Now().Add(-time.Hour) // the next call must refresh
	}
	err = config.OpenCredentials(h.credentialsFile()).Update(func(c *config.Credentials) error {
		c.Connections = append(c.Connections, config.Connection{
			ID: providerID, ProviderID: providerID, ProviderName: providerID, Scopes: tok.GrantedScopes(),
			AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: expiry,
			ConsentCreatedAt: time.Now(), ConsentExpiresAt: time.Now().Add(90 * 24 * time.Hour),
		})
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// emulatedHome is a home on a fresh emulator with john's connections to
// providers saved (nothing synced yet); redirect is its login's URI.
func emulatedHome(tb testing.TB, providers ...string) (h *home, srv *truelayertest.Server, redirect string) {
	tb.Helper()
	srv = truelayertest.NewServer()
	tb.Cleanup(srv.Close)
	h = newHome(tb)
	clientID, redirect := h.useEmulator(srv)
	for _, p := range providers {
		h.connect(srv, clientID, p, false)
	}
	return h, srv, redirect
}

// syncedHome is a home connected to john's Northgate Bank on a fresh
// emulator, with everything synced into its ledger.
func syncedHome(tb testing.TB) (*home, *truelayertest.Server) {
	tb.Helper()
	h, srv, _ := emulatedHome(tb, "ob-northgate")
	h.must("sync")
	return h, srv
}

// shared is one synced home for the tests that only read it (a full sync
// costs seconds under -race): built on first use, removed by TestMain.
var shared struct {
	once sync.Once
	root string
	env  map[string]string
	srv  *truelayertest.Server
	err  error
}

// sharedHome is the shared synced home, for a test that writes nothing to
// it but balance snapshots and files in its own directories.
func sharedHome(t *testing.T) (*home, *truelayertest.Server) {
	t.Helper()
	shared.once.Do(func() {
		shared.err = errors.New("setting up the shared home failed in another test")
		root, err := os.MkdirTemp("", "banktui-shared-")
		if err != nil {
			shared.err = err
			return
		}
		clock := &stoppableClock{}
		shared.root, shared.srv = root, truelayertest.NewServer(truelayertest.WithClock(clock.now))
		h := &home{t: t, root: root, env: map[string]string{"NO_COLOR": "1"}}
		clientID, _ := h.useEmulator(shared.srv)
		h.connect(shared.srv, clientID, "ob-northgate", false)
		h.must("sync")
		clock.stop()
		shared.env, shared.err = maps.Clone(h.env), nil
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return &home{t: t, root: shared.root, env: maps.Clone(shared.env)}, shared.srv
}

// stoppableClock is the wall clock until stop, then the moment it stopped.
// The shared home's bank stops when its sync ends: its tests compare what
// was synced with the bank's truth minutes later, and a purchase, or one
// settling, in between made them fail (in 23 of 2,372 three-minute
// windows of john's Northgate bank over four weeks).
type stoppableClock struct {
	mu      sync.Mutex
	stopped time.Time
}

func (c *stoppableClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped.IsZero() {
		return c.stopped
	}
	return time.Now()
}

func (c *stoppableClock) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = time.Now()
}

// removeShared ends what sharedHome started.
func removeShared() {
	if shared.srv != nil {
		shared.srv.Close()
	}
	if shared.root != "" {
		os.RemoveAll(shared.root)
	}
}

type result struct {
	stdout, stderr string
	code           int
}

// factory is the Factory of one in-process run in this home.
func (h *home) factory(streams *IOStreams) *Factory {
	f := NewFactory(streams, h.getenv, "test")
	f.DefaultPaths = func() (config.Paths, error) { return h.paths(), nil }
	f.OpenBrowser = func(string) error { return errors.New("no browser in this test") }
	if h.browser != nil {
		f.OpenBrowser = h.browser
	}
	if h.adjust != nil {
		h.adjust(f)
	}
	return f
}

// run runs banktui in-process, over buffers, to completion.
func (h *home) run(args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	return h.runStreams(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}, &out, &errb, args...)
}

func (h *home) runStreams(streams *IOStreams, out, errb *bytes.Buffer, args ...string) result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := run(ctx, h.factory(streams), args)
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// must runs banktui and requires exit code 0.
func (h *home) must(args ...string) result {
	h.t.Helper()
	r := h.run(args...)
	if r.code != 0 {
		h.t.Fatalf("banktui %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// expect runs banktui and checks the exit code and that stderr contains
// every phrase (case-insensitively).
func (h *home) expect(code int, phrases []string, args ...string) result {
	h.t.Helper()
	return checkResult(h.t, h.run(args...), code, phrases, args)
}

func checkResult(t testing.TB, r result, code int, phrases, args []string) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("banktui %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	for _, p := range phrases {
		if !strings.Contains(strings.ToLower(r.stderr), strings.ToLower(p)) {
			t.Errorf("banktui %s: stderr lacks %q:\n%s", strings.Join(args, " "), p, r.stderr)
		}
	}
	return r
}

type balanceOut struct {
	Results []struct {
		AccountID string            `json:"account_id"`
		Kind      string            `json:"kind"`
		Currency  string            `json:"currency"`
		Current   *truelayer.Amount `json:"current"`
		Available *truelayer.Amount `json:"available"`
		SyncError string            `json:"sync_error"`
	} `json:"results"`
	Totals []struct {
		Currency string           `json:"currency"`
		Total    truelayer.Amount `json:"total"`
	} `json:"totals"`
}

func parseBalance(t testing.TB, s string) balanceOut {
	t.Helper()
	var b balanceOut
	if err := json.Unmarshal([]byte(s), &b); err != nil {
		t.Fatalf("balance --json is not JSON: %v\n%s", err, s)
	}
	return b
}

// checkBalances compares balance --json with the emulator's truth.
func checkBalances(t testing.TB, got balanceOut, truth *truelayertest.BankData) {
	t.Helper()
	want := map[string]truelayer.Amount{}
	for _, a := range truth.Accounts {
		want[a.ID] = a.Balance.Current
	}
	for _, c := range truth.Cards {
		want[c.ID] = c.CardBalance.Current
	}
	if len(got.Results) != len(want) {
		t.Fatalf("balance lists %d accounts and cards, the bank has %d", len(got.Results), len(want))
	}
	for _, r := range got.Results {
		w, ok := want[r.AccountID]
		switch {
		case !ok:
			t.Errorf("balance lists %s, which the bank does not have", r.AccountID)
		case r.Current == nil:
			t.Errorf("%s has no balance", r.AccountID)
		case !r.Current.Equal(w):
			t.Errorf("%s: current %s, the bank says %s", r.AccountID, r.Current, w)
		}
	}
}

// sameBalances compares balances and totals, ignoring when they were fetched
// (a successful refresh stores a new snapshot with the same amounts).
func sameBalances(t testing.TB, a, b string) bool {
	x, y := parseBalance(t, a), parseBalance(t, b)
	if len(x.Results) != len(y.Results) || len(x.Totals) != len(y.Totals) {
		return false
	}
	for i := range x.Results {
		p, q := x.Results[i], y.Results[i]
		if p.AccountID != q.AccountID || (p.Current == nil) != (q.Current == nil) || (p.Current != nil && !p.Current.Equal(*q.Current)) {
			return false
		}
	}
	for i := range x.Totals {
		if !x.Totals[i].Total.Equal(y.Totals[i].Total) {
			return false
		}
	}
	return true
}

// assertNoSecrets checks that no token or secret reached any output.
func assertNoSecrets(t testing.TB, creds *config.Credentials, outputs ...string) {
	t.Helper()
	for _, c := range creds.Connections {
		for _, secret := range []string{c.AccessToken, c.RefreshToken} {
			for _, out := range outputs {
				if secret != "" && strings.Contains(out, secret) {
					t.Errorf("a token of %s appears in banktui's output", c.ID)
				}
			}
		}
	}
	for _, out := range outputs {
		if strings.Contains(out, "e2e-secret") {
			t.Error("the client secret appears in banktui's output")
		}
	}
}

// authorizeAs is a browser for in-process logins: it follows the consent
// link through the emulator's dialog as john/doe at provider, then lands
// on banktui's loopback listener as the browser would.
func authorizeAs(srv *truelayertest.Server, provider string) func(string) error {
	return authorizeAsUser(srv, "john", "doe", provider)
}

// authorizeAsUser is authorizeAs as user/password: it posts the answer for
// a form_post link, and follows the redirect for any other (a renewal
// link, a --no-browser login).
func authorizeAsUser(srv *truelayertest.Server, user, password, provider string) func(string) error {
	return func(link string) error {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			loc, err := srv.Authorize(ctx, link, user, password, provider)
			if err != nil {
				return
			}
			var resp *http.Response
			if strings.Contains(link, "response_mode=form_post") {
				form := loc.Query()
				loc.RawQuery = ""
				resp, err = http.PostForm(loc.String(), form)
			} else {
				resp, err = http.Get(loc.String())
			}
			if err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}
}

// runTerminal runs banktui in-process as on a terminal: the user is
// present.
func (h *home) runTerminal(args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	return h.runStreams(&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb, InTTY: true, ErrTTY: true}, &out, &errb, args...)
}

// lockedBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// environ is the environment of the built binary in this home.
func (h *home) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TRUELAYER_") || strings.HasPrefix(k, "XDG_") || k == "BANKTUI_CONFIG" || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+filepath.Join(h.root, "home"),
		"XDG_CONFIG_HOME="+filepath.Join(h.root, "config"),
		"XDG_DATA_HOME="+filepath.Join(h.root, "data"),
		"XDG_STATE_HOME="+filepath.Join(h.root, "state"),
		"XDG_CACHE_HOME="+filepath.Join(h.root, "cache"),
	)
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, v := range h.env {
		env = append(env, k+"="+v)
	}
	return env
}
