package cli

// End-to-end tests: the real banktui binary (built once per test run, on
// first use) against the TrueLayer emulator on 127.0.0.1, a real Chromium
// for the login, the TUI and the progress bar in tmux, and the signals and
// exit codes of the real process. Everything else is tested in-process.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

var built struct {
	once sync.Once
	path string
	err  error
}

// binary builds banktui once per test run, when a test first needs it.
func binary(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "banktui-e2e-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "banktui")
		out, err := exec.Command("go", "build", "-ldflags", "-X main.version=e2e", "-o", built.path, "github.com/banktui/banktui").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatalf("building banktui for the end-to-end tests: %v", built.err)
	}
	return built.path
}

// exec runs the built banktui to completion in this home.
func (h *home) exec(args ...string) result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(h.t), args...)
	cmd.Env = h.environ()
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

// execMust runs the built banktui and requires exit code 0.
func (h *home) execMust(args ...string) result {
	h.t.Helper()
	return checkResult(h.t, h.exec(args...), exitOK, nil, args)
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
	login := exec.CommandContext(ctx, binary(h.t), append([]string{"login", "--no-browser", "--timeout", "90s"}, args...)...)
	login.Env = h.environ()
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
	// The browser ended on banktui's loopback listener, with the code in the
	// URL: what a user over SSH would paste.
	if loc, err := chromedp.Run(bctx, chromedp.Location()); err != nil || !strings.HasPrefix(loc, redirect) || !strings.Contains(loc, "code=") {
		t.Errorf("the browser ended on a URL without the code (%v), want the redirect URI %s with it", err, redirect)
	}
}

func TestLoginWithRealBrowser(t *testing.T) {
	chromiumPath(t) // fail first, and clearly, without a browser
	h, srv, redirect := emulatedHome(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// banktui login --no-browser prints the link on stdout and waits.
	login := h.startLogin(ctx)
	if !strings.HasPrefix(login.url, srv.AuthURL()) {
		t.Fatalf("login link %q is not on the emulator's auth server %s", login.url, srv.AuthURL())
	}
	// --no-browser: the browser may be elsewhere, so the code must be in the
	// URL it ends on (pasteable), not POSTed (form_post).
	if strings.Contains(login.url, "response_mode=form_post") || !strings.Contains(login.url, "code_challenge=") {
		t.Errorf("--no-browser link asks for form_post, or no PKCE: %s", login.url)
	}

	// Chromium: choose the mock bank, sign in as john/doe, Allow.
	bctx := newBrowser(ctx, t)
	err := chromedp.Do(bctx,
		chromedp.Navigate(login.url),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.Click(chromedp.CSS(`input[name="provider"][value="mock"]`)),
		chromedp.SendKeys(chromedp.ID("username"), "john"),
		chromedp.SendKeys(chromedp.ID("password"), "doe"),
		// The emulator redirects to banktui's loopback listener with the
		// code in the URL, and the listener shows its success page.
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
	r := h.execMust("balance", "--json")
	checkBalances(t, parseBalance(t, r.stdout), srv.Truth("john", "mock"))
	assertNoSecrets(t, creds, r.stdout, r.stderr, login.stderr.String())
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
	emu := exec.CommandContext(ctx, binary(t), "emulator", "--addr", fmt.Sprintf("127.0.0.1:%d", port),
		"--redirect-uri", redirect, "--auto-approve", "john")
	emu.Env = h.environ()
	out, err := emu.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		_ = emu.Process.Kill()
		<-exited
	})

	// It prints the five settings; banktui works with exactly those.
	exports := map[string]string{}
	sc := bufio.NewScanner(out)
	for len(exports) < 5 && sc.Scan() {
		if kv, ok := strings.CutPrefix(sc.Text(), "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			exports[k] = v
		}
	}
	go func() {
		_, _ = io.Copy(io.Discard, out)
		exited <- emu.Wait()
	}()
	for _, k := range []string{config.EnvClientID, config.EnvClientSecret, config.EnvRedirectURI, config.EnvAuthURL, config.EnvAPIURL} {
		if exports[k] == "" {
			t.Fatalf("emulator did not print %s (got %v)", k, exports)
		}
	}
	if want := fmt.Sprintf("http://127.0.0.1:%d/api", port); exports[config.EnvAPIURL] != want {
		t.Errorf("%s=%s, want %s", config.EnvAPIURL, exports[config.EnvAPIURL], want)
	}
	for k, v := range exports {
		h.set(k, v)
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

	// Ctrl+C stops it cleanly: exit code 0.
	if err := emu.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("the emulator did not stop cleanly on SIGINT: %v", err)
		}
		exited <- err // for the cleanup
	case <-ctx.Done():
		t.Fatal("the emulator did not stop on SIGINT")
	}
}

// ---- the real process: exit codes and signals ----

// TestProcessExitCodesAndSignals checks the contract scripts rely on, on
// the real process: 2 for bad input, 3 when a login is needed, and a sync
// stopped by SIGTERM exits 1 with one line, its stored data intact.
func TestProcessExitCodesAndSignals(t *testing.T) {
	h, srv := syncedHome(t)
	checkResult(t, h.exec("transactions", "--limit", "abc"), exitUsage, []string{"--limit", "whole number", "banktui transactions --help"}, nil)
	checkResult(t, h.exec("completion", "nosh"), exitUsage, []string{"bash, zsh, fish, powershell"}, nil)
	empty := newHome(t)
	checkResult(t, empty.exec("balance", "--offline"), exitNeedsLogin, []string{"banktui login"}, nil)
	before := h.execMust("balance", "--offline", "--json").stdout

	// A bank that holds every transactions call: the sync is under way when
	// SIGTERM arrives.
	gate := make(chan struct{})
	remove := srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/accounts/*/transactions", Kind: truelayertest.Latency, Gate: gate})
	t.Cleanup(func() { close(gate); remove() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), "sync")
	cmd.Env = h.environ()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.Contains(sc.Text(), ": transactions ") {
			break // waiting on the slow bank
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailure {
		t.Fatalf("sync after SIGTERM: %v, want exit code %d\n%s", err, exitFailure, strings.Join(lines, "\n"))
	}
	if len(lines) == 0 {
		t.Fatal("sync printed nothing on stderr")
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "banktui: ") || !strings.Contains(last, "cancelled") {
		t.Errorf("sync after SIGTERM ends with %q, want one line saying it was cancelled", last)
	}
	if got := h.execMust("balance", "--offline", "--json").stdout; !sameBalances(t, got, before) {
		t.Errorf("stored balances changed after an interrupted sync:\n%s\nwant\n%s", got, before)
	}
}
