package cli

// The command line's own machinery: exit codes, one-line errors, tables,
// the progress bar, lazy opening, and the commands not covered elsewhere.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

func TestExplainDecidesWordsAndExitCodes(t *testing.T) {
	t.Parallel()
	settingErr := &config.SettingError{File: "/x/config.toml", Line: 3, Key: "scopes", Msg: "bad"}
	tests := []struct {
		name string
		err  error
		code int
		want string
	}{
		{"ok", nil, exitOK, ""},
		{"usage", usageErr("--from %q is not a date", "x"), exitUsage, `--from "x" is not a date`},
		{"needs login", needsLoginErr("no accounts yet"), exitNeedsLogin, "no accounts yet"},
		{"wrapped usage keeps its code", fmt.Errorf("demo: %w", usageErr("bad")), exitUsage, "demo: bad"},
		{"setting", fmt.Errorf("load: %w", settingErr), exitUsage, "/x/config.toml:3: scopes: bad (fix the setting, or run banktui doctor)"},
		{"readable secret", &config.PermissionError{Path: "/x/config.toml", Mode: 0o644}, exitUsage, "chmod 600 /x/config.toml"},
		{"unknown keys, one line", fmt.Errorf("%w in F:\n  F:2: unknown key \"a\"\n  F:3: unknown key \"b\"", config.ErrUnknownKeys), exitUsage, `unknown settings in F; F:2: unknown key "a"; F:3: unknown key "b"`},
		{"consent", fmt.Errorf("sync: %w", truelayer.ErrConsentNeeded), exitNeedsLogin, "consent expired: reconnect with banktui login"},
		{"not loopback", auth.ErrNotLoopback, exitUsage, "not on this machine"},
		{"cancelled", context.Canceled, exitFailure, "cancelled"},
		{"unknown", errors.New("first line\nsecond line"), exitFailure, "first line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, code := explain(tt.err)
			if code != tt.code || !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("explain = %q, %d; want %d and one line containing %q", msg, code, tt.code, tt.want)
			}
		})
	}
}

func TestPartialFailureReportsEveryProblem(t *testing.T) {
	t.Parallel()
	var errb bytes.Buffer
	streams := &IOStreams{ErrOut: &errb}
	err := partialFailure(streams, []problem{
		{where: "ob-nova", err: fmt.Errorf("refresh: %w", truelayer.ErrConsentNeeded)},
		{where: "ob-northgate Current Account", err: truelayer.ErrTemporary},
	})
	msg, code := explain(err)
	if code != exitNeedsLogin {
		t.Errorf("exit code %d, want %d: one connection needs a login", code, exitNeedsLogin)
	}
	if !strings.HasPrefix(msg, "ob-northgate Current Account: the bank or TrueLayer is temporarily unavailable") {
		t.Errorf("error = %q", msg)
	}
	if got := errb.String(); got != "banktui: ob-nova: consent expired: reconnect with banktui login\n" {
		t.Errorf("stderr = %q", got)
	}
	if partialFailure(streams, nil) != nil {
		t.Error("no problems, yet an error")
	}
}

// version and --help open nothing: no settings read, no file created.
func TestVersionAndHelpTouchNothing(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	if r := h.must("version"); !strings.HasPrefix(r.stdout, "banktui test (go") {
		t.Errorf("version = %q", r.stdout)
	}
	for _, flag := range []string{"--version", "-v"} {
		if r := h.must(flag); r.stdout != h.must("version").stdout {
			t.Errorf("banktui %s printed %q, banktui version %q", flag, r.stdout, h.must("version").stdout)
		}
	}
	for _, args := range [][]string{{"--help"}, {"export", "--help"}} {
		if r := h.must(args...); !strings.Contains(r.stdout, "banktui") {
			t.Errorf("banktui %s printed %q", strings.Join(args, " "), r.stdout)
		}
	}
	if entries, _ := os.ReadDir(h.root); len(entries) != 0 {
		t.Errorf("version and --help created %v", entries)
	}
	var out bytes.Buffer
	streams := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out}
	if code := Main(context.Background(), []string{"version"}, streams, h.getenv, "9.9.9"); code != 0 || !strings.HasPrefix(out.String(), "banktui 9.9.9 ") {
		t.Errorf("Main version: %d %q", code, out.String())
	}
	if s := System(); s.In != os.Stdin || s.Out != os.Stdout || s.ErrOut != os.Stderr {
		t.Error("System does not return the process's streams")
	}
}

func TestTableAlignsAndTruncates(t *testing.T) {
	t.Parallel()
	tb := newTable("NAME", " AMOUNT", "NOTE")
	tb.row("Tesco", "£1.00", "")
	tb.row("Transport for London", "£120.50", "pending")
	var b bytes.Buffer
	if err := tb.write(&b); err != nil {
		t.Fatal(err)
	}
	want := "NAME                   AMOUNT  NOTE\n" +
		"Tesco                   £1.00  \n" +
		"Transport for London  £120.50  pending\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	if got := truncate("Transport for London", 10); got != "Transport…" {
		t.Errorf("truncate = %q", got)
	}
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.Local)
	if age(now.Add(-time.Hour), now) != "11:00" || age(now.AddDate(0, 0, -1), now) != "2026-03-03" || age(time.Time{}, now) != "never" {
		t.Error("age does not say today's time, an older date, or never")
	}
}

func TestProgressBarOnATerminal(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := newProgress(&IOStreams{ErrOut: &b, ErrTTY: true, ErrWidth: 100}, func(id string) string { return "name of " + id })
	p.event(ledger.Event{ConnectionID: "ob-nova", Phase: ledger.PhaseBalances, Done: 1, Total: 2})
	p.event(ledger.Event{ConnectionID: "ob-northgate", AccountID: "a1", Phase: ledger.PhaseDone, Done: 1, Total: 4, Added: 7})
	p.event(ledger.Event{ConnectionID: "ob-nova", Phase: ledger.PhaseDone})
	p.done()
	frames := strings.Split(b.String(), "\r")
	last := frames[len(frames)-2]
	if !strings.HasPrefix(last, "[") || !strings.Contains(last, "7 new") || !strings.Contains(last, "ob-northgate done 1/4, ob-nova done") {
		t.Errorf("last frame %q", last)
	}
	if frames[len(frames)-1] != "\x1b[K" {
		t.Errorf("the bar is not cleared at the end: %q", frames[len(frames)-1])
	}
	for i, want := range []float64{0.02, 0.05, 0.2, 0.6, 1} {
		e := []ledger.Event{
			{Phase: ledger.PhaseConnect}, {Phase: ledger.PhaseBalances}, {Phase: ledger.PhaseTransactions, Total: 2},
			{Phase: ledger.PhaseTransactions, Done: 1, Total: 2}, {Phase: ledger.PhaseDone},
		}[i]
		if got := connectionProgress(e); got < want-0.001 || got > want+0.001 {
			t.Errorf("progress of %+v = %v, want %v", e, got, want)
		}
	}
}

// login in-process: the consent page is "opened" (the emulator's dialog,
// followed as a browser would), the connection saved, the user told.
func TestLoginConnectsABank(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t)
	h.browser = authorizeAs(srv, "mock")
	r := h.must("login", "--provider", "mock", "--no-sync")
	if !strings.HasPrefix(r.stdout, srv.AuthURL()) || !strings.Contains(r.stderr, "Connected") || !strings.Contains(r.stderr, "consent until") {
		t.Errorf("login printed:\nstdout %s\nstderr %s", r.stdout, r.stderr)
	}
	// A browser on this machine gets the code in a POST, never in a URL.
	if !strings.Contains(r.stdout, "response_mode=form_post") {
		t.Errorf("login link without form_post: %s", r.stdout)
	}
	var conns []connectionJSON
	if err := json.Unmarshal([]byte(h.must("connections", "--json").stdout), &conns); err != nil {
		t.Fatal(err)
	}
	if len(conns) != 1 || conns[0].ProviderID != "mock" || conns[0].NeedsReconnect || !strings.HasPrefix(conns[0].TokenState, "valid until") {
		t.Errorf("connections after login: %+v", conns)
	}
	if r := h.must("connections"); !strings.Contains(r.stdout, "CONSENT") || !strings.Contains(r.stdout, "(89 days)") || !strings.Contains(r.stdout, "never") {
		t.Errorf("connections table:\n%s", r.stdout)
	}
	creds, err := config.OpenCredentials(h.credentialsFile()).Load()
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecrets(t, creds, r.stdout, r.stderr)
}

func TestProvidersFromTheAuthServer(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	h.expect(exitUsage, []string{"no TrueLayer client configured", "banktui emulator"}, "providers")
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	h.useEmulator(srv)
	if r := h.must("providers"); !strings.Contains(r.stdout, "PROVIDER") || !strings.Contains(r.stdout, "ob-northgate") {
		t.Errorf("providers:\n%s", r.stdout)
	}
	var list []truelayer.ProviderInfo
	if err := json.Unmarshal([]byte(h.must("providers", "--json", "--country", "uk").stdout), &list); err != nil || len(list) == 0 {
		t.Errorf("providers --json: %v, %d providers", err, len(list))
	}
	if r := h.must("providers", "--type", "oauth/openbanking"); !strings.Contains(r.stdout, "ob-northgate") {
		t.Errorf("providers --type oauth/openbanking:\n%s", r.stdout)
	}
	// A type TrueLayer does not have is bad input, which says the ones it has.
	h.expect(exitUsage, []string{`--type "bank"`, "oauth, oauth/openbanking or credentialssharing"}, "providers", "--type", "bank")
}

// Every listing of stored data, as a table and as JSON.
func TestListingsOfStoredData(t *testing.T) {
	t.Parallel()
	h, srv := sharedHome(t)
	truth := srv.Truth("john", "ob-northgate")
	checks := []struct {
		args  []string
		wants []string
	}{
		{[]string{"accounts"}, []string{"AVAILABLE", truth.Accounts[0].Account.DisplayName}},
		{[]string{"cards"}, []string{"CREDIT LIMIT", truth.Cards[0].Card.DisplayName}},
		{[]string{"balance", "--offline"}, []string{"AS OF", "total GBP:"}},
		{[]string{"transactions", "--limit", "3", "--settled"}, []string{"DESCRIPTION", "BALANCE"}},
		{[]string{"transactions", "--pending"}, []string{"pending"}},
		{[]string{"transactions", "--search", "no such merchant anywhere"}, []string{"no transactions match"}},
		{[]string{"transactions", "--csv", "--limit", "2"}, []string{"transaction_id"}},
		{[]string{"__complete", "transactions", ""}, []string{truth.Accounts[0].ID}},
		{[]string{"__complete", "logout", ""}, []string{"ob-northgate"}},
	}
	for _, c := range checks {
		r := h.must(c.args...)
		for _, w := range c.wants {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("banktui %s lacks %q:\n%s", strings.Join(c.args, " "), w, r.stdout)
			}
		}
	}
	if n := len(strings.Split(strings.TrimSpace(h.must("transactions", "--limit", "3").stdout), "\n")); n != 6 {
		t.Errorf("transactions --limit 3 printed %d lines, want a header, 3 rows, a blank line and the totals line", n)
	}
	var cards []ledger.AccountJSON
	if err := json.Unmarshal([]byte(h.must("cards", "--json").stdout), &cards); err != nil || len(cards) != len(truth.Cards) {
		t.Errorf("cards --json: %v, %d cards, want %d", err, len(cards), len(truth.Cards))
	}
}

// The emulator command in-process: it prints its settings and serves until
// its context ends.
func TestEmulatorCommandPrintsItsSettings(t *testing.T) {
	t.Parallel()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := newLineWriter()
	streams := &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: out}
	h := newHome(t)
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, h.factory(streams), []string{"emulator", "--addr", "127.0.0.1:0", "--redirect-uri", fmt.Sprintf("http://127.0.0.1:%d/callback", port)})
	}()
	exports := map[string]string{}
	for line := range out.lines {
		if kv, ok := strings.CutPrefix(line, "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			exports[k] = v
		}
		if strings.HasPrefix(line, "Then:") {
			break
		}
	}
	if exports[config.EnvClientID] != truelayertest.DefaultClientID || !strings.HasSuffix(exports[config.EnvRedirectURI], fmt.Sprint(port)+"/callback") {
		t.Errorf("emulator printed %v", exports)
	}
	h.set(config.EnvClientID, exports[config.EnvClientID])
	h.set(config.EnvClientSecret, exports[config.EnvClientSecret])
	h.set(config.EnvAuthURL, exports[config.EnvAuthURL])
	if r := h.must("providers"); !strings.Contains(r.stdout, "ob-northgate") {
		t.Errorf("the emulator does not serve providers:\n%s", r.stdout)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("emulator ended with %d, want 0", code)
	}
	h.expect(exitUsage, []string{"--redirect-uri", "is not a URL"}, "emulator", "--redirect-uri", "callback")
}

// lineWriter delivers what is written to it line by line.
type lineWriter struct {
	lines chan string
	buf   []byte
}

func newLineWriter() *lineWriter { return &lineWriter{lines: make(chan string, 100)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.lines <- string(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
}

func TestDebugLogIsPrivateAndRedacted(t *testing.T) {
	t.Parallel()
	h, _ := sharedHome(t)
	h.must("--debug", "balance")
	h.must("--debug", "version")
	log := h.paths().DebugLog
	fi, err := os.Stat(log)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("debug log: %v, %v; want a 0600 file", err, fi)
	}
	text, _ := os.ReadFile(log)
	for _, want := range []string{"/data/v1/accounts", "status=200", "version=test"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("debug log lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(string(text), "e2e-secret") {
		t.Error("the client secret is in the debug log")
	}
	f := &Factory{}
	f.secrets.add("hunter2")
	if got := f.redactAttr(nil, slogString("detail", "the secret is hunter2")).Value.String(); strings.Contains(got, "hunter2") {
		t.Errorf("a known secret reached the log: %q", got)
	}
	if got := f.redactAttr(nil, slogString("refresh_token", "abc")).Value.String(); got != "[redacted]" {
		t.Errorf("a token attribute reached the log: %q", got)
	}
}

// The paths and the data of one home, created by the run and nothing else.
func TestStoreIsOpenedOnlyWhenNeeded(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	h.expect(exitUsage, []string{"TRUELAYER_CLIENT_ID"}, "login")
	h.expect(exitUsage, []string{"needs a terminal"})
	if _, err := os.Stat(filepath.Dir(h.paths().LedgerDB)); err == nil {
		t.Error("login without a client, or the TUI without a terminal, created the ledger")
	}
}

func slogString(key, value string) slog.Attr { return slog.String(key, value) }

// Over SSH the browser cannot reach the listener: the user pastes the URL
// it ended on. A wrong paste is explained and the login keeps waiting.
func TestLoginByPastedURL(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t)
	inR, inW := io.Pipe()
	defer inW.Close()
	out := newLineWriter()
	var errb lockedBuffer
	streams := &IOStreams{In: inR, Out: out, ErrOut: &errb, InTTY: true}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, h.factory(streams), []string{"login", "--no-browser", "--provider", "ob-nova"})
	}()
	link := <-out.lines
	loc, err := srv.Authorize(ctx, link, "john", "doe", "ob-nova")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(inW, "https://example.com/callback?state=wrong&code=x")
	fmt.Fprintln(inW, loc.String())
	if code := <-done; code != exitOK {
		t.Fatalf("login by paste: exit %d\n%s", code, errb.String())
	}
	for _, want := range []string{"or paste here the URL", "does not belong to this login", "paste the whole URL", "Connected", "Try banktui"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("login stderr lacks %q:\n%s", want, errb.String())
		}
	}
}

func TestTransactionFlagsThatExcludeEachOther(t *testing.T) {
	t.Parallel()
	h, _ := sharedHome(t)
	h.expect(exitUsage, []string{"--pending and --settled exclude each other"}, "transactions", "--pending", "--settled")
	h.expect(exitUsage, []string{"--from 2026-02-01 is after --to 2026-01-01"}, "transactions", "--from", "2026-02-01", "--to", "2026-01-01")
	h.expect(exitUsage, []string{"--to \"31/01\" is not a date"}, "export", "--format", "csv", "--to", "31/01")
	h.expect(exitUsage, []string{"--limit must be 0"}, "transactions", "--limit", "-1")
	h.expect(exitUsage, []string{`no account or card matches "nope"`}, "export", "--format", "csv", "--account", "nope")
}

// doctor on a synced home whose settings run a secret command, in a
// directory others can list.
func TestDoctorChecksFilesAndTheSecretCommand(t *testing.T) {
	t.Parallel()
	h, _, _ := emulatedHome(t, "ob-northgate")
	h.set(config.EnvClientSecret, "")
	p := h.paths()
	if err := os.WriteFile(p.ConfigFile, []byte("client_secret_command = \"echo e2e-secret\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.must("connections") // creates the (empty) ledger
	r := h.run("doctor")
	for _, want := range []string{"ledger integrity       ok", "runs and prints a secret", "echo e2e-secret  (file " + p.ConfigFile + ":1)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor lacks %q:\n%s", want, r.stdout)
		}
	}
	if err := os.Chmod(filepath.Dir(p.ConfigFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.ConfigFile, []byte("client_secret_command = \"echo oops >&2; exit 4\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = h.expect(exitFailure, []string{"doctor found"}, "doctor")
	for _, want := range []string{"others can list it; run chmod 0700", "exit status 4", "oops"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor lacks %q:\n%s", want, r.stdout)
		}
	}
}

// A revocation TrueLayer does not confirm still forgets the tokens here.
func TestLogoutWhenTrueLayerCannotBeTold(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t, "ob-northgate")
	remove := srv.Inject(truelayertest.Fault{Endpoint: "/api/delete", Kind: truelayertest.Status, Status: 503})
	defer remove()
	h.expect(exitOK, []string{"ob-northgate: forgotten here, but TrueLayer could not be told", "expires on its own"}, "logout", "ob-northgate")
	if r := h.must("connections"); !strings.Contains(r.stdout, "no connections yet") {
		t.Errorf("the connection is still saved:\n%s", r.stdout)
	}
	h.expect(exitOK, []string{"no connections to forget"}, "logout", "--all")
}

// Tokens that others can read are refused, in one line that says the fix.
func TestReadableCredentialsAreRefused(t *testing.T) {
	t.Parallel()
	h, _, _ := emulatedHome(t, "ob-northgate")
	if err := os.Chmod(h.credentialsFile(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := h.expect(exitUsage, []string{"chmod 600 " + h.credentialsFile()}, "connections")
	if strings.Count(r.stderr, "\n") != 1 || strings.Count(r.stderr, "banktui doctor") > 1 {
		t.Errorf("want one line with one hint, got %q", r.stderr)
	}
	h.expect(exitUsage, []string{"chmod 600"}, "sync")
}
