package main

// End-to-end tests: the real banktui binary (built once in TestMain) against
// the TrueLayer emulator on 127.0.0.1, a real Chromium for the login, and the
// TUI in tmux. Every test runs with its own XDG directories, so nothing here
// reads or writes the user's real settings, tokens or ledger.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/sys/unix"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// binary is the banktui built for these tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "banktui-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "banktui")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=e2e", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building banktui for the end-to-end tests:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// home is an isolated set of XDG directories for one test.
type home struct {
	t    testing.TB
	root string
	env  []string
}

func newHome(t testing.TB, extra ...string) *home {
	t.Helper()
	root := t.TempDir()
	h := &home{t: t, root: root}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TRUELAYER_") || strings.HasPrefix(k, "XDG_") || k == "BANKTUI_CONFIG" || k == "HOME" {
			continue
		}
		h.env = append(h.env, kv)
	}
	h.env = append(h.env,
		"HOME="+filepath.Join(root, "home"),
		"XDG_CONFIG_HOME="+filepath.Join(root, "config"),
		"XDG_DATA_HOME="+filepath.Join(root, "data"),
		"XDG_STATE_HOME="+filepath.Join(root, "state"),
		"XDG_CACHE_HOME="+filepath.Join(root, "cache"),
		"NO_COLOR=1",
	)
	h.env = append(h.env, extra...)
	return h
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
	h.env = append(h.env,
		config.EnvClientID+"="+clientID,
		config.EnvClientSecret+"=e2e-secret",
		config.EnvRedirectURI+"="+redirect,
		config.EnvAuthURL+"="+srv.AuthURL(),
		config.EnvAPIURL+"="+srv.APIURL(),
	)
	return clientID, redirect
}

// connect saves a connection minted by the emulator, as a login would.
func (h *home) connect(srv *truelayertest.Server, clientID, providerID string, expired bool) {
	h.t.Helper()
	tok, err := srv.Connect(clientID, "john", providerID, truelayer.DefaultScopes)
	if err != nil {
		h.t.Fatal(err)
	}
	expiry := tok.Expiry
	if expired {
		expiry = time.Now().Add(-time.Hour) // the next call must refresh
	}
	err = config.OpenCredentials(h.credentialsFile()).Update(func(c *config.Credentials) error {
		c.Connections = append(c.Connections, config.Connection{
			ID: providerID, ProviderID: providerID, ProviderName: providerID, Scopes: truelayer.DefaultScopes,
			AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: expiry,
			ConsentCreatedAt: time.Now(), ConsentExpiresAt: time.Now().Add(90 * 24 * time.Hour),
		})
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs banktui to completion.
func (h *home) run(args ...string) result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = h.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		h.t.Fatalf("banktui %s: %v", strings.Join(args, " "), err)
	}
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

// expect runs banktui and checks the exit code and that stderr is one clear
// line containing every phrase.
func (h *home) expect(code int, phrases []string, args ...string) result {
	h.t.Helper()
	r := h.run(args...)
	if r.code != code {
		h.t.Fatalf("banktui %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	for _, p := range phrases {
		if !strings.Contains(strings.ToLower(r.stderr), strings.ToLower(p)) {
			h.t.Errorf("banktui %s: stderr lacks %q:\n%s", strings.Join(args, " "), p, r.stderr)
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
	} `json:"results"`
	Totals []struct {
		Currency string           `json:"currency"`
		Total    truelayer.Amount `json:"total"`
	} `json:"totals"`
}

func parseBalance(t *testing.T, s string) balanceOut {
	t.Helper()
	var b balanceOut
	if err := json.Unmarshal([]byte(s), &b); err != nil {
		t.Fatalf("balance --json is not JSON: %v\n%s", err, s)
	}
	return b
}

// checkBalances compares balance --json with the emulator's truth.
func checkBalances(t *testing.T, got balanceOut, truth *truelayertest.BankData) {
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

// ---- 1. a real browser logs in ----

// chromiumPath finds the browser; the test fails (never skips) without one.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("chromium is not installed: install it (apt-get install -y chromium, or run .ci/run) to run the browser login test")
	return ""
}

// pendingLogin is a `banktui login --no-browser` waiting for the browser.
type pendingLogin struct {
	url    string
	exited chan error
	stderr *lockedBuffer
}

// startLogin runs banktui login --no-browser and returns the link it prints.
func (h *home) startLogin(ctx context.Context, args ...string) *pendingLogin {
	h.t.Helper()
	login := exec.CommandContext(ctx, binary, append([]string{"login", "--no-browser", "--timeout", "90s"}, args...)...)
	login.Env = h.env
	stdout, err := login.StdoutPipe()
	if err != nil {
		h.t.Fatal(err)
	}
	p := &pendingLogin{exited: make(chan error, 1), stderr: &lockedBuffer{}}
	login.Stderr = p.stderr
	if err := login.Start(); err != nil {
		h.t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "http") {
				urls <- line
			}
		}
		p.exited <- login.Wait()
	}()
	select {
	case p.url = <-urls:
	case err := <-p.exited:
		h.t.Fatalf("login exited before printing a link: %v\n%s", err, p.stderr.String())
	case <-ctx.Done():
		h.t.Fatalf("login printed no link\n%s", p.stderr.String())
	}
	return p
}

// wait waits for the login to succeed.
func (p *pendingLogin) wait(ctx context.Context, t *testing.T) {
	t.Helper()
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("login failed: %v\n%s", err, p.stderr.String())
		}
	case <-ctx.Done():
		t.Fatalf("login did not finish\n%s", p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "Connected") {
		t.Errorf("login did not say it connected:\n%s", p.stderr.String())
	}
}

// newBrowser starts a headless Chromium for the test.
func newBrowser(ctx context.Context, t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return bctx
}

// waitConnectedPage waits for banktui's success page. The page navigates
// (auto-submitted form_post, then the callback page), so a read may hit a
// page being replaced: poll until the deadline.
func waitConnectedPage(bctx context.Context, t *testing.T, redirect string) {
	t.Helper()
	var page string
	var readErr error
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(page, "connected") {
		page, readErr = chromedp.Run(bctx, chromedp.Text(chromedp.CSS("body")))
		if readErr != nil {
			time.Sleep(50 * time.Millisecond) // polling interval, not synchronisation
		}
	}
	if !strings.Contains(page, "connected") {
		t.Fatalf("the callback page does not say the bank is connected (last error %v):\n%s", readErr, page)
	}
	// The browser ended on banktui's loopback listener, where the form was posted.
	if loc, err := chromedp.Run(bctx, chromedp.Location()); err != nil || !strings.HasPrefix(loc, redirect) {
		t.Errorf("the browser ended on %q (%v), want the redirect URI %s", loc, err, redirect)
	}
}

func TestLoginWithRealBrowser(t *testing.T) {
	chromiumPath(t) // fail first, and clearly, without a browser
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	h := newHome(t)
	_, redirect := h.useEmulator(srv)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// banktui login --no-browser prints the link on stdout and waits.
	login := h.startLogin(ctx)
	if !strings.HasPrefix(login.url, srv.AuthURL()) {
		t.Fatalf("login link %q is not on the emulator's auth server %s", login.url, srv.AuthURL())
	}
	if !strings.Contains(login.url, "response_mode=form_post") || !strings.Contains(login.url, "code_challenge=") {
		t.Errorf("login link asks for no form_post or no PKCE: %s", login.url)
	}

	// Chromium: choose the mock bank, sign in as john/doe, Allow.
	bctx := newBrowser(ctx, t)
	err := chromedp.Do(bctx,
		chromedp.Navigate(login.url),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.Click(chromedp.CSS(`input[name="provider"][value="mock"]`)),
		chromedp.SendKeys(chromedp.ID("username"), "john"),
		chromedp.SendKeys(chromedp.ID("password"), "doe"),
		// The emulator answers with a form_post page that submits itself to
		// banktui's loopback listener, which shows its success page.
		chromedp.Click(chromedp.ID("allow")),
	)
	if err != nil {
		t.Fatalf("browser consent: %v\nlogin stderr:\n%s", err, login.stderr.String())
	}
	waitConnectedPage(bctx, t, redirect)
	login.wait(ctx, t)

	// The tokens are saved, 0600.
	fi, err := os.Stat(h.credentialsFile())
	if err != nil {
		t.Fatalf("credentials.json was not written: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials.json has mode %04o, want 0600", fi.Mode().Perm())
	}
	creds, err := config.OpenCredentials(h.credentialsFile()).Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(creds.Connections) != 1 || creds.Connections[0].ProviderID != "mock" || creds.Connections[0].RefreshToken == "" {
		t.Fatalf("credentials hold %+v connections, want one mock connection with a refresh token", len(creds.Connections))
	}

	// balance --json shows the mock bank's balances, exactly.
	r := h.must("balance", "--json")
	checkBalances(t, parseBalance(t, r.stdout), srv.Truth("john", "mock"))
	assertNoSecrets(t, creds, r.stdout, r.stderr, login.stderr.String())
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

// assertNoSecrets checks that no token or secret reached any output.
func assertNoSecrets(t *testing.T, creds *config.Credentials, outputs ...string) {
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

// ---- 2. the TUI in tmux ----

// tmux drives one program in a private tmux server.
type tmux struct {
	t      *testing.T
	socket string
}

func newTmux(t *testing.T) *tmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed: install it (apt-get install -y tmux, or run .ci/run) to run the TUI test")
	}
	x := &tmux{t: t, socket: fmt.Sprintf("banktui-e2e-%d", os.Getpid())}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", x.socket, "kill-server").Run() })
	return x
}

func (x *tmux) cmd(args ...string) string {
	x.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", x.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		x.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (x *tmux) screen() string { return x.cmd("capture-pane", "-p", "-t", "e2e") }

// waitFor polls the screen until ok says yes, or fails with the last screen.
func (x *tmux) waitFor(what string, ok func(screen string) bool) string {
	x.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := x.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("the TUI never showed %s; last screen:\n%s", what, s)
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not synchronisation
	}
}

func (x *tmux) waitText(text string) string {
	x.t.Helper()
	return x.waitFor(fmt.Sprintf("%q", text), func(s string) bool { return strings.Contains(s, text) })
}

func TestTUIOnDemoBank(t *testing.T) {
	x := newTmux(t)
	h := newHome(t)
	var env []string
	for _, kv := range h.env {
		env = append(env, "-e", kv)
	}
	// The demo bank's truth: the same deterministic bank the demo serves.
	truthSrv := truelayertest.NewServer()
	t.Cleanup(truthSrv.Close)
	truth := truthSrv.Truth("john", demoProviders[0])
	current := truth.Accounts[0]

	args := append([]string{"new-session", "-d", "-s", "e2e", "-x", "120", "-y", "35"}, env...)
	args = append(args, binary+" --demo; echo EXIT=$?; sleep 600")
	x.cmd(args...)

	// Launch: balances visible, from the demo bank.
	want := ledger.FormatMoney(current.Balance.Current, current.Currency)
	x.waitText(current.Account.DisplayName)
	x.waitText(want)
	x.waitText("DEMO")
	// The TUI's total is the CLI's: both come from the ledger.
	totals := parseBalance(t, h.must("--demo", "balance", "--offline", "--json").stdout).Totals
	if len(totals) == 0 {
		t.Fatal("--demo balance has no totals")
	}
	x.waitText(ledger.FormatMoney(totals[0].Total, totals[0].Currency))

	// Move to the transactions and filter.
	x.cmd("send-keys", "-t", "e2e", "3")
	x.cmd("send-keys", "-t", "e2e", "/")
	x.cmd("send-keys", "-t", "e2e", "-l", "tesco")
	x.cmd("send-keys", "-t", "e2e", "Enter")
	screen := x.waitFor("only Tesco rows", func(s string) bool {
		return strings.Contains(s, "/tesco") && strings.Contains(s, "Tesco") && !strings.Contains(s, "Transport for London")
	})
	if strings.Contains(screen, "Greggs") {
		t.Errorf("the filter left other merchants:\n%s", screen)
	}

	// Open a detail: every field, ids included.
	x.cmd("send-keys", "-t", "e2e", "Enter")
	x.waitText("Transaction ID")
	x.waitText("TESCO")

	// Back and quit.
	// Escape, then wait: an escape followed at once by q reads as alt+q.
	x.cmd("send-keys", "-t", "e2e", "Escape")
	x.waitFor("the detail closed", func(s string) bool { return !strings.Contains(s, "Transaction ID") })
	x.cmd("send-keys", "-t", "e2e", "q")
	x.waitText("EXIT=0")

	// The demo never touched the real (here: the test's) credentials or ledger.
	for _, p := range []string{h.credentialsFile(), filepath.Join(h.root, "data", "banktui", "ledger.db")} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the demo created %s", p)
		}
	}
}

// ---- 3. the CLI against the emulator with faults ----

func TestCLIWithFaults(t *testing.T) {
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	h := newHome(t)
	clientID, _ := h.useEmulator(srv)
	h.connect(srv, clientID, "ob-northgate", false)
	truth := srv.Truth("john", "ob-northgate")

	// A 429 storm while syncing: retried, the sync completes.
	remove := srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/**", Kind: truelayertest.Status, Status: 429, Count: 6})
	r := h.must("sync")
	remove()
	if !strings.Contains(r.stdout, "new transactions") {
		t.Errorf("sync printed no summary:\n%s", r.stdout)
	}
	if strings.Contains(r.stderr, "\r") {
		t.Errorf("sync drew a progress bar on a pipe:\n%q", r.stderr)
	}
	checkBalances(t, parseBalance(t, h.must("balance", "--offline", "--json").stdout), truth)
	settled := 0
	for _, a := range append(truth.Accounts, truth.Cards...) {
		settled += len(a.Transactions)
	}
	var txs []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(h.must("transactions", "--settled", "--json").stdout), &txs); err != nil {
		t.Fatal(err)
	}
	if len(txs) != settled {
		t.Errorf("transactions --settled lists %d, the bank has %d", len(txs), settled)
	}
	before := h.must("balance", "--offline", "--json").stdout
	beforeTx := h.must("transactions", "--json").stdout

	// A storm that does not end: a clear message, exit 1, stored data intact.
	remove = srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/**", Kind: truelayertest.Status, Status: 429})
	h.expect(exitFailure, []string{"rate limit", "try again"}, "balance")
	remove()

	// 503s: a few are retried away; a lasting outage is reported.
	srv.ResetLog()
	remove = srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/**", Kind: truelayertest.Status, Status: 503, Count: 3})
	h.must("balance")
	remove()
	saw503 := 0
	for _, q := range srv.Requests() {
		if q.Status == 503 {
			saw503++
		}
	}
	if saw503 != 3 {
		t.Errorf("the emulator answered %d requests with 503, want 3 (retried)", saw503)
	}
	remove = srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/**", Kind: truelayertest.Status, Status: 503})
	h.expect(exitFailure, []string{"temporarily unavailable"}, "balance")
	remove()

	// Consent gone: the refresh gets invalid_grant; exit 3 and a reconnect hint.
	h2 := newHome(t)
	clientID2, _ := h2.useEmulator(srv)
	h2.connect(srv, clientID2, "ob-northgate", false)
	h2.must("sync")
	storedBefore := h2.must("balance", "--offline", "--json").stdout
	if err := config.OpenCredentials(h2.credentialsFile()).Update(func(c *config.Credentials) error {
		c.Connections[0].Expiry = time.Now().Add(-time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	remove = srv.Inject(truelayertest.Fault{Kind: truelayertest.InvalidGrant})
	h2.expect(exitNeedsLogin, []string{"banktui login"}, "balance")
	h2.expect(exitNeedsLogin, []string{"banktui login"}, "sync")
	remove()
	var conns []connectionJSON
	if err := json.Unmarshal([]byte(h2.must("connections", "--json").stdout), &conns); err != nil {
		t.Fatal(err)
	}
	if len(conns) != 1 || !conns[0].NeedsReconnect {
		t.Errorf("connections after invalid_grant: %+v, want the connection marked for reconnecting", conns)
	}
	if got := h2.must("balance", "--offline", "--json").stdout; !sameBalances(t, got, storedBefore) {
		t.Errorf("stored balances changed after invalid_grant:\n%s\nwant\n%s", got, storedBefore)
	} else if !strings.Contains(got, ledger.SyncErrConsentExpired) {
		t.Errorf("stored balances do not say the consent expired:\n%s", got)
	}

	// The first home's stored data survived every fault.
	if got := h.must("balance", "--offline", "--json").stdout; !sameBalances(t, got, before) {
		t.Errorf("stored balances changed across faults:\n%s\nwant\n%s", got, before)
	}
	if got := h.must("transactions", "--json").stdout; got != beforeTx {
		t.Error("stored transactions changed across faults")
	}

	// --debug logs every request to a 0600 file, secrets redacted.
	d := h.must("--debug", "balance")
	logFile := filepath.Join(h.root, "state", "banktui", "debug.log")
	fi, err := os.Stat(logFile)
	if err != nil {
		t.Fatalf("--debug wrote no log: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("debug.log has mode %04o, want 0600", fi.Mode().Perm())
	}
	logText, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(logText), "/data/v1/accounts") {
		t.Errorf("debug.log does not show the requests:\n%s", logText)
	}
	creds, err := config.OpenCredentials(h.credentialsFile()).Load()
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecrets(t, creds, r.stdout, r.stderr, d.stdout, d.stderr, string(logText))
}

// sameBalances compares balances and totals, ignoring when they were fetched
// (a successful refresh stores a new snapshot with the same amounts).
func sameBalances(t *testing.T, a, b string) bool {
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

// ---- bad input: one clear line, the right exit code ----

func TestBadInput(t *testing.T) {
	h := newHome(t)
	h.expect(exitUsage, []string{"unknown flag", "--help"}, "balance", "--bogus")
	h.expect(exitUsage, []string{"unknown command"}, "balanse")
	h.expect(exitUsage, []string{"YYYY-MM-DD"}, "transactions", "--from", "2026-13-01")
	h.expect(exitUsage, []string{"--json and --csv"}, "transactions", "--json", "--csv")
	h.expect(exitUsage, []string{"csv, json, ofx, ledger, beancount"}, "export", "--format", "xls")
	h.expect(exitNeedsLogin, []string{"banktui login"}, "balance", "--offline")
	h.expect(exitUsage, []string{"TRUELAYER_CLIENT_ID"}, "login")
	h.expect(exitUsage, []string{"needs a terminal", "banktui balance"}, "--demo") // stdout is a pipe here

	// With data: an unknown account names the command that lists them.
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	clientID, _ := h.useEmulator(srv)
	h.expect(exitNeedsLogin, []string{"banktui login"}, "balance")
	h.connect(srv, clientID, "ob-nova", false)
	h.must("sync")
	h.expect(exitUsage, []string{"no account", "banktui accounts"}, "transactions", "no-such-account")

	// Unreadable settings: which file, and exit 2.
	cfg := filepath.Join(h.root, "bad.toml")
	if err := os.WriteFile(cfg, []byte("client_id = [unclosed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.expect(exitUsage, []string{"bad.toml"}, "--config", cfg, "balance")

	for _, args := range [][]string{{"balance", "--bogus"}, {"transactions", "--from", "x"}, {"transactions", "nope"}} {
		if r := h.run(args...); strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("banktui %s: want one line on stderr, got:\n%s", strings.Join(args, " "), r.stderr)
		}
	}
}

// ---- the emulator command and the two-command setup ----

func TestEmulatorCommandServesTheCLI(t *testing.T) {
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	callbackPort, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	redirect := fmt.Sprintf("http://127.0.0.1:%d/callback", callbackPort)
	h := newHome(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	emu := exec.CommandContext(ctx, binary, "emulator", "--addr", fmt.Sprintf("127.0.0.1:%d", port),
		"--redirect-uri", redirect, "--auto-approve", "john")
	emu.Env = h.env
	out, err := emu.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Process.Signal(os.Interrupt); _ = emu.Wait() })

	// It prints the five settings; banktui works with exactly those.
	exports := map[string]string{}
	sc := bufio.NewScanner(out)
	for len(exports) < 5 && sc.Scan() {
		if kv, ok := strings.CutPrefix(sc.Text(), "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			exports[k] = v
		}
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	for _, k := range []string{config.EnvClientID, config.EnvClientSecret, config.EnvRedirectURI, config.EnvAuthURL, config.EnvAPIURL} {
		if exports[k] == "" {
			t.Fatalf("emulator did not print %s (got %v)", k, exports)
		}
	}
	if want := fmt.Sprintf("http://127.0.0.1:%d/api", port); exports[config.EnvAPIURL] != want {
		t.Errorf("%s=%s, want %s", config.EnvAPIURL, exports[config.EnvAPIURL], want)
	}
	for k, v := range exports {
		h.env = append(h.env, k+"="+v)
	}
	r := h.must("providers", "--json")
	var providers []truelayer.ProviderInfo
	if err := json.Unmarshal([]byte(r.stdout), &providers); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, p := range providers {
		ids[p.ProviderID] = true
	}
	for _, want := range []string{"ob-northgate", "mock"} {
		if !ids[want] {
			t.Errorf("providers from the emulator lack %s: %v", want, ids)
		}
	}
	if exports[config.EnvRedirectURI] != redirect {
		t.Errorf("%s=%s, want the --redirect-uri %s", config.EnvRedirectURI, exports[config.EnvRedirectURI], redirect)
	}
	r = h.must("doctor")
	if !strings.Contains(r.stdout, exports[config.EnvAPIURL]) || !strings.Contains(r.stdout, "env "+config.EnvAPIURL) {
		t.Errorf("doctor does not show the API URL and where it came from:\n%s", r.stdout)
	}

	// Log in through it (auto-approved: the browser only follows the form_post)
	// and read data.
	login := h.startLogin(ctx, "--provider", "ob-northgate")
	bctx := newBrowser(ctx, t)
	if err := chromedp.Do(bctx, chromedp.Navigate(login.url)); err != nil {
		t.Fatalf("opening the link: %v", err)
	}
	waitConnectedPage(bctx, t, redirect)
	login.wait(ctx, t)
	h.must("sync")
	bal := parseBalance(t, h.must("balance", "--json").stdout)
	if len(bal.Results) == 0 || len(bal.Totals) == 0 {
		t.Fatalf("no balances through banktui emulator: %+v", bal)
	}
	for _, r := range bal.Results {
		if r.Current == nil {
			t.Errorf("%s has no balance", r.AccountID)
		}
	}
	var txs []json.RawMessage
	if err := json.Unmarshal([]byte(h.must("transactions", "--json").stdout), &txs); err != nil || len(txs) == 0 {
		t.Errorf("no transactions through banktui emulator (%v)", err)
	}
}

// ---- export formats ----

func TestExportFormats(t *testing.T) {
	h, srv := syncedHome(t)
	truth := srv.Truth("john", "ob-northgate")
	wantCount := 0
	wantSum := map[string]truelayer.Amount{} // per account id: sum of settled amounts
	for _, a := range append(truth.Accounts, truth.Cards...) {
		wantCount += len(a.Transactions)
		for _, x := range a.Transactions {
			wantSum[a.ID] = wantSum[a.ID].Add(x.Amount)
		}
	}
	amount := func(s string) truelayer.Amount {
		t.Helper()
		a, err := truelayer.NewAmount(strings.TrimSpace(s))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	checkSums := func(format string, got map[string]truelayer.Amount) {
		t.Helper()
		for id, w := range wantSum {
			if !got[id].Equal(w) {
				t.Errorf("%s: account %s sums to %s, the bank's transactions to %s", format, id, got[id], w)
			}
		}
	}

	// CSV: one row per settled transaction, exact amounts.
	rows, err := csv.NewReader(strings.NewReader(h.must("export", "--format", "csv").stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != wantCount {
		t.Errorf("csv has %d rows, the bank %d settled transactions", len(rows)-1, wantCount)
	}
	got := map[string]truelayer.Amount{}
	for _, row := range rows[1:] {
		got[row[2]] = got[row[2]].Add(amount(row[8]))
	}
	checkSums("csv", got)

	// JSON: TrueLayer's field names.
	var j struct {
		Accounts     []ledger.AccountJSON `json:"accounts"`
		Transactions []struct {
			AccountID     string           `json:"account_id"`
			TransactionID string           `json:"transaction_id"`
			Amount        truelayer.Amount `json:"amount"`
		} `json:"transactions"`
	}
	if err := json.Unmarshal([]byte(h.must("export", "--format", "json").stdout), &j); err != nil {
		t.Fatal(err)
	}
	got = map[string]truelayer.Amount{}
	for _, x := range j.Transactions {
		got[x.AccountID] = got[x.AccountID].Add(x.Amount)
	}
	checkSums("json", got)
	if len(j.Accounts) != len(truth.Accounts)+len(truth.Cards) {
		t.Errorf("json lists %d accounts and cards, want %d", len(j.Accounts), len(truth.Accounts)+len(truth.Cards))
	}

	// OFX: well-formed XML, one STMTTRN per transaction.
	ofx := h.must("export", "--format", "ofx").stdout
	dec := xml.NewDecoder(strings.NewReader(ofx))
	n := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("ofx is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "STMTTRN" {
			n++
		}
	}
	if n != wantCount {
		t.Errorf("ofx has %d STMTTRN, want %d", n, wantCount)
	}

	// Ledger and beancount: every transaction balances, the bank side sums
	// to the bank's transactions, every beancount account is opened.
	for _, format := range []string{"ledger", "beancount"} {
		out := h.must("export", "--format", format).stdout
		postings := map[string]truelayer.Amount{}
		opened := map[string]bool{}
		txCount := 0
		var txSum truelayer.Amount
		inTx := false
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			switch {
			case len(f) >= 3 && f[1] == "open":
				opened[f[2]] = true
			case len(f) >= 2 && (f[1] == "*" || f[1] == "!") && len(f[0]) == 10:
				if inTx && !txSum.IsZero() {
					t.Errorf("%s: a transaction does not balance: %s", format, txSum)
				}
				inTx, txSum = true, truelayer.Amount{}
				txCount++
			case inTx && strings.HasPrefix(line, "  ") && len(f) == 3 && (strings.HasPrefix(f[0], "Assets:") || strings.HasPrefix(f[0], "Liabilities:") || strings.HasPrefix(f[0], "Expenses:") || strings.HasPrefix(f[0], "Income:")):
				a := amount(f[1])
				txSum = txSum.Add(a)
				postings[f[0]] = postings[f[0]].Add(a)
				if format == "beancount" && !opened[f[0]] {
					t.Errorf("beancount uses %s without opening it", f[0])
				}
			}
		}
		if txCount != wantCount {
			t.Errorf("%s has %d transactions, want %d", format, txCount, wantCount)
		}
		for _, v := range append(truth.Accounts, truth.Cards...) {
			view := ledger.AccountView{Kind: ledger.KindAccount, ProviderName: truth.ProviderName, DisplayName: v.Account.DisplayName}
			if v.IsCard {
				view.Kind, view.DisplayName = ledger.KindCard, v.Card.DisplayName
			}
			acct := ledger.JournalAccount(view)
			if !postings[acct].Equal(wantSum[v.ID]) {
				t.Errorf("%s: %s sums to %s, want %s", format, acct, postings[acct], wantSum[v.ID])
			}
		}
	}

	// -o writes a private file.
	file := filepath.Join(h.root, "out.beancount")
	h.must("export", "--format", "beancount", "-o", file)
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("export -o: %v, mode %v; want a 0600 file", err, fi)
	}
}

// ---- logout ----

func TestLogout(t *testing.T) {
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	h := newHome(t)
	clientID, _ := h.useEmulator(srv)
	h.connect(srv, clientID, "ob-northgate", false)
	h.connect(srv, clientID, "ob-nova", false)
	h.must("sync")
	h.expect(exitUsage, []string{"banktui connections"}, "logout", "no-such-connection")
	h.expect(exitUsage, []string{"--all"}, "logout")
	h.expect(exitOK, []string{"ob-nova: revoked"}, "logout", "ob-nova")

	var conns []connectionJSON
	if err := json.Unmarshal([]byte(h.must("connections", "--json").stdout), &conns); err != nil {
		t.Fatal(err)
	}
	if len(conns) != 1 || conns[0].ID != "ob-northgate" {
		t.Errorf("after logout ob-nova: %+v, want only ob-northgate", conns)
	}
	// The revoked token no longer works at the bank.
	revoked := 0
	for _, q := range srv.Requests() {
		if q.Method == "DELETE" && strings.HasSuffix(q.Path, "/api/delete") && q.Status == 200 {
			revoked++
		}
	}
	if revoked != 1 {
		t.Errorf("the emulator saw %d successful revocations, want 1", revoked)
	}
	// The history stays for offline reading...
	var accounts []ledger.AccountJSON
	if err := json.Unmarshal([]byte(h.must("accounts", "--json").stdout), &accounts); err != nil {
		t.Fatal(err)
	}
	kept := false
	for _, a := range accounts {
		kept = kept || a.ConnectionID == "ob-nova"
	}
	if !kept {
		t.Error("logout deleted ob-nova's history without --forget-history")
	}
	// ...unless asked to go too.
	h.expect(exitOK, []string{"history deleted"}, "logout", "--all", "--forget-history")
	h.expect(exitNeedsLogin, []string{"banktui login"}, "sync")
	h.expect(exitNeedsLogin, []string{"no accounts"}, "accounts")
}

// ---- formatting ----

func TestBankTextIsDefused(t *testing.T) {
	if got := ledger.Sanitize("TESCO\x1b]0;pwned\x07 \x1b[31mRED\u202e"); strings.ContainsAny(got, "\x1b\x07\u202e") {
		t.Errorf("clean left control characters: %q", got)
	}
}

// ---- --demo on subcommands ----

func TestDemoSubcommands(t *testing.T) {
	h := newHome(t)
	truthSrv := truelayertest.NewServer()
	t.Cleanup(truthSrv.Close)
	got := parseBalance(t, h.must("--demo", "balance", "--json").stdout)

	// The demo connects the demo providers as john; compare with their truth.
	want := &truelayertest.BankData{}
	for _, p := range demoProviders {
		b := truthSrv.Truth("john", p)
		want.Accounts = append(want.Accounts, b.Accounts...)
		want.Cards = append(want.Cards, b.Cards...)
	}
	checkBalances(t, got, want)

	r := h.must("--demo", "export", "--format", "ledger")
	if !strings.Contains(r.stdout, "Assets:Northgate-Bank:") {
		t.Errorf("--demo export has no Northgate accounts:\n%.500s", r.stdout)
	}
	// Nothing of the user's was created or read.
	for _, dir := range []string{"config", "data"} {
		if entries, _ := os.ReadDir(filepath.Join(h.root, dir)); len(entries) > 0 {
			t.Errorf("--demo wrote into the user's %s directory: %v", dir, entries)
		}
	}
}

// ---- benchmarks: the CLI as people run it, process start to last byte ----

// syncedHome is a home connected to john's Northgate Bank on a fresh
// emulator, with everything synced into its ledger.
func syncedHome(tb testing.TB) (*home, *truelayertest.Server) {
	tb.Helper()
	srv := truelayertest.NewServer()
	tb.Cleanup(srv.Close)
	h := newHome(tb)
	clientID, _ := h.useEmulator(srv)
	h.connect(srv, clientID, "ob-northgate", false)
	h.must("sync")
	return h, srv
}

// BenchmarkBalanceOffline: the quick balance check from the store.
func BenchmarkBalanceOffline(b *testing.B) {
	h, _ := syncedHome(b)
	for b.Loop() {
		h.must("balance", "--offline")
	}
}

// BenchmarkTransactionsJSON: every stored transaction as JSON.
func BenchmarkTransactionsJSON(b *testing.B) {
	h, _ := syncedHome(b)
	for b.Loop() {
		h.must("transactions", "--json")
	}
}

// BenchmarkBalanceOnline: balances of every account and card fetched in
// parallel from the emulator, stored, printed.
func BenchmarkBalanceOnline(b *testing.B) {
	h, _ := syncedHome(b)
	for b.Loop() {
		h.must("balance")
	}
}

// BenchmarkDemoBalance: the whole demo: emulator, two auto-approved logins,
// a full sync of two banks, the balances.
func BenchmarkDemoBalance(b *testing.B) {
	h := newHome(b)
	for b.Loop() {
		h.must("--demo", "balance")
	}
}

// ---- sync on a terminal: a progress bar, then the report ----

func TestSyncProgressOnTerminal(t *testing.T) {
	x := newTmux(t)
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	h := newHome(t)
	clientID, _ := h.useEmulator(srv)
	h.connect(srv, clientID, "ob-northgate", false)
	// Slow transactions down so the bar is on screen long enough to be seen.
	remove := srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/accounts/*/transactions", Kind: truelayertest.Latency, Latency: 300 * time.Millisecond})
	t.Cleanup(remove)

	args := []string{"new-session", "-d", "-s", "e2e", "-x", "100", "-y", "20"}
	for _, kv := range h.env {
		args = append(args, "-e", kv)
	}
	x.cmd(append(args, binary+" sync; echo EXIT=$?; sleep 600")...)
	x.waitFor("a progress bar", func(s string) bool { return strings.Contains(s, "░") && strings.Contains(s, "ob-northgate") })
	screen := x.waitText("EXIT=0")
	if !strings.Contains(screen, "new transactions") {
		t.Errorf("sync printed no report:\n%s", screen)
	}
	if strings.Contains(screen, "░") {
		t.Errorf("the progress bar was left on screen:\n%s", screen)
	}
}

// ---- doctor ----

func TestDoctor(t *testing.T) {
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	h := newHome(t)
	clientID, redirect := h.useEmulator(srv)
	h.connect(srv, clientID, "ob-northgate", false)

	r := h.must("doctor")
	for _, want := range []string{
		h.credentialsFile() + "  mode 0600",
		"env " + config.EnvClientID,
		"env " + config.EnvAPIURL,
		"prefix sandbox-: a sandbox client",
		redirect,
		"is free",
		"consent until",
		"/me",
		"Northgate Bank",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor does not show %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "e2e-secret") {
		t.Error("doctor printed the client secret")
	}

	// A busy callback port, and a token file others can read: FAIL lines
	// that say what to do, and a non-zero exit.
	port := strings.TrimSuffix(strings.TrimPrefix(redirect, "http://127.0.0.1:"), "/callback")
	busy, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if err := os.Chmod(h.credentialsFile(), 0o644); err != nil {
		t.Fatal(err)
	}
	r = h.expect(exitFailure, []string{"doctor found"}, "doctor")
	for _, want := range []string{"is busy", "chmod 0600"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor does not say %q:\n%s", want, r.stdout)
		}
	}
	// The login says the port is busy, in one line.
	if err := os.Chmod(h.credentialsFile(), 0o600); err != nil {
		t.Fatal(err)
	}
	h.expect(exitFailure, []string{"port", "TRUELAYER_REDIRECT_URI"}, "login", "--no-browser")
}

// ---- --json keeps the bank's names and number text ----

func TestJSONKeepsTheBanksText(t *testing.T) {
	h, srv := syncedHome(t)
	truth := srv.Truth("john", "ob-northgate")
	account := truth.Accounts[0].ID

	// What the bank sends, byte for byte (numbers kept as text).
	tok, err := srv.Connect(truelayertest.DefaultClientID, "john", "ob-northgate", truelayer.DefaultScopes)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.APIURL()+"/data/v1/accounts/"+account+"/transactions", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sent struct {
		Results []map[string]any `json:"results"`
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&sent); err != nil {
		t.Fatal(err)
	}
	bank := map[string]map[string]any{}
	for _, x := range sent.Results {
		bank[x["transaction_id"].(string)] = x
	}

	var ours []map[string]any
	dec = json.NewDecoder(strings.NewReader(h.must("transactions", account, "--settled", "--json").stdout))
	dec.UseNumber()
	if err := dec.Decode(&ours); err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, x := range ours {
		b, ok := bank[x["transaction_id"].(string)]
		if !ok {
			continue // older than the bank's default window
		}
		compared++
		for field, v := range b {
			if fmt.Sprint(x[field]) != fmt.Sprint(v) {
				t.Errorf("%s %s: banktui says %v, the bank sent %v", x["transaction_id"], field, x[field], v)
			}
		}
		if x["account_id"] != account {
			t.Errorf("%s: account_id %v, want %s", x["transaction_id"], x["account_id"], account)
		}
	}
	if compared == 0 {
		t.Fatal("no transaction of the bank's default window is in banktui's output")
	}

	// Balances too: the same number text as the bank's balance endpoint.
	req, _ = http.NewRequest("GET", srv.APIURL()+"/data/v1/accounts/"+account+"/balance", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	var sentBal struct {
		Results []struct {
			Current, Available json.Number
		} `json:"results"`
	}
	if err := json.NewDecoder(resp2.Body).Decode(&sentBal); err != nil || len(sentBal.Results) != 1 {
		t.Fatalf("bank balance: %v", err)
	}
	var ourBal struct {
		Results []struct {
			AccountID          string `json:"account_id"`
			Current, Available json.Number
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(h.must("balance", "--json").stdout), &ourBal); err != nil {
		t.Fatal(err)
	}
	for _, r := range ourBal.Results {
		if r.AccountID == account && (r.Current != sentBal.Results[0].Current || r.Available != sentBal.Results[0].Available) {
			t.Errorf("balance --json says %s/%s, the bank sent %s/%s", r.Current, r.Available, sentBal.Results[0].Current, sentBal.Results[0].Available)
		}
	}
}

// ---- the TUI's first frame, end to end on the built binary ----

// openPTY opens a pseudo-terminal pair of cols x rows: the program gets the
// slave as its terminal, the benchmark reads what it draws from the master.
func openPTY(cols, rows uint16) (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: cols, Row: rows}); err != nil {
		master.Close()
		slave.Close()
		return nil, nil, err
	}
	return master, slave, nil
}

// firstFrame starts the TUI on a terminal and returns how long it took from
// process start until the stored balances were drawn.
func firstFrame(b *testing.B, h *home, want string) time.Duration {
	b.Helper()
	master, slave, err := openPTY(120, 36)
	if err != nil {
		b.Fatalf("opening a pseudo-terminal: %v", err)
	}
	defer master.Close()
	cmd := exec.Command(binary)
	cmd.Env = append(h.env, "TERM=xterm-256color")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		slave.Close()
		b.Fatal(err)
	}
	slave.Close()
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	found := make(chan time.Duration, 1)
	go func() {
		var seen []byte
		buf := make([]byte, 64<<10)
		for {
			n, err := master.Read(buf)
			seen = append(seen, buf[:n]...)
			if bytes.Contains(seen, []byte(want)) {
				found <- time.Since(start)
				io.Copy(io.Discard, master) // keep the program unblocked until it is killed
				return
			}
			if err != nil {
				close(found)
				return
			}
		}
	}()
	select {
	case d, ok := <-found:
		if !ok {
			b.Fatalf("the TUI ended before drawing %q", want)
		}
		return d
	case <-time.After(20 * time.Second):
		b.Fatalf("no %q on the terminal after 20 s", want)
	}
	return 0
}

// BenchmarkTUIFirstFrame: process start until the first frame shows the
// stored balances (target: under 50 ms), on the built binary in a real
// pseudo-terminal. The bank's name is drawn in the same frame as the balances.
func BenchmarkTUIFirstFrame(b *testing.B) {
	h, _ := syncedHome(b)
	var total time.Duration
	n := 0
	for b.Loop() {
		total += firstFrame(b, h, "Northgate")
		n++
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(n), "ms-to-balances")
}
