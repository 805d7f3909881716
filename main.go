// Command banktui is a terminal browser for your own bank accounts, cards and
// transactions, through the TrueLayer Data API.
//
// Without a subcommand it opens the TUI (the built-in demo bank when no
// TrueLayer client is configured); every view of the TUI has a scriptable twin
// among the subcommands, and both compute their numbers through the ledger.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/charmbracelet/fang"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
	"github.com/banktui/banktui/ui"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

// Exit codes: a contract with scripts (design.md, Command line).
const (
	exitOK         = 0
	exitFailure    = 1
	exitUsage      = 2
	exitNeedsLogin = 3
)

func main() {
	// go install …@vX.Y.Z records the module version; make sets -X main.version.
	if info, ok := debug.ReadBuildInfo(); ok && version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		version = info.Main.Version
	}
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	defer a.close()
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := fang.Execute(ctx, root,
		fang.WithVersion(version),
		fang.WithoutManpage(),
		fang.WithErrorHandler(a.printError),
		fang.WithNotifySignal(os.Interrupt, syscall.SIGTERM),
	)
	if err != nil && a.log != nil {
		a.log.Error("exit", "code", exitCode(err), "error", err.Error())
	}
	return exitCode(err)
}

// app holds what one invocation needs; built lazily so that `banktui version`
// or `banktui --help` never touch the disk or the network.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string

	// global flags
	demo       bool
	debug      bool
	configPath string

	closers []func() error

	// resolved lazily
	paths     *config.Paths
	store     *ledger.Store
	manager   *auth.Manager
	syncer    *ledger.Syncer
	settings  *config.Settings
	log       *slog.Logger
	managerMu sync.Mutex
	secretsMu sync.Mutex
	secrets   []string // values the debug log must never contain
}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
	a.closers = nil
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "banktui",
		Short: "A terminal browser for your bank accounts, cards and transactions",
		Long: "banktui shows your bank accounts, cards and transactions in the terminal, through the\n" +
			"TrueLayer Data API. Without a subcommand it opens the TUI; with no TrueLayer client\n" +
			"configured (or with --demo) it opens the built-in demo bank.",
		Example: "  banktui --demo\n" +
			"  banktui login\n" +
			"  banktui balance --json\n" +
			"  banktui transactions --from 2026-01-01 --csv",
		Args:          usageArgs(cobra.NoArgs),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          a.runTUI,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%s", err) })
	pf := root.PersistentFlags()
	pf.BoolVar(&a.demo, "demo", false, "use the built-in demo bank (never touches real credentials)")
	pf.BoolVar(&a.debug, "debug", false, "write a debug log (secrets redacted) to $XDG_STATE_HOME/banktui/debug.log")
	pf.StringVar(&a.configPath, "config", "", "config file (default $BANKTUI_CONFIG or $XDG_CONFIG_HOME/banktui/config.toml)")

	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		truelayer.Version = version // the User-Agent says which banktui calls
		if err := a.startLogging(); err != nil {
			return err
		}
		switch cmd.Name() {
		case "banktui", "emulator", "version", "help", "completion", "__complete":
			return nil
		}
		if a.demo {
			return a.useDemo(cmd.Context())
		}
		return nil
	}
	root.AddCommand(a.versionCommand(), a.providersCommand(), a.doctorCommand(),
		a.accountsCommand(), a.cardsCommand(), a.transactionsCommand(), a.exportCommand(),
		a.balanceCommand(), a.connectionsCommand(), a.loginCommand(), a.logoutCommand(), a.syncCommand(),
		a.emulatorCommand())
	return root
}

// runTUI opens the TUI: on the user's connections when a TrueLayer client is
// configured, otherwise (or with --demo) on the built-in demo bank.
func (a *app) runTUI(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	s, err := a.loadSettings(config.Overrides{})
	if err != nil {
		return err
	}
	if _, err := ui.KeyMapWith(s.Keys); err != nil {
		return usageErr("%s: %v (see banktui doctor)", s.File, err)
	}
	if f, ok := a.stdout.(*os.File); !ok || !term.IsTerminal(f.Fd()) {
		return usageErr("the TUI needs a terminal; in scripts use a subcommand such as banktui balance or banktui transactions --json")
	}
	if a.demo || !s.Configured() {
		return a.runDemo(ctx, s.Keys)
	}
	// The first frame comes from the store alone: the client secret (maybe a
	// slow client_secret_command) and the token manager are only needed once
	// the TUI refreshes or connects a bank.
	st, err := a.openStore()
	if err != nil {
		return err
	}
	p, err := a.loadPaths()
	if err != nil {
		return err
	}
	login := func(ctx context.Context, show func(string)) (ledger.Consent, error) {
		ac, err := a.authClient(ctx, s, true)
		if err != nil {
			return ledger.Consent{}, err
		}
		conn, err := auth.Login(ctx, auth.LoginOptions{
			Auth: ac, APIURL: s.Env().APIURL, RedirectURI: s.RedirectURI, Scopes: s.Scopes,
			Providers: s.Providers, ProviderID: s.ProviderID, ResponseMode: truelayer.ResponseModeFormPost,
			Open: auth.OpenBrowser, ShowURL: show, Store: config.OpenCredentials(p.CredentialsFile), HTTPClient: a.httpClient(),
		})
		if err != nil {
			return ledger.Consent{}, err // the TUI explains it (ledger.Explain)
		}
		return consentOf(*conn), a.afterLogin(ctx, conn)
	}
	return ui.Run(ctx, ui.Options{
		Store: st, Syncer: ledger.NewSyncer(st, a.dataClient), Connections: consentsOf(a.loadConnections),
		Login: login, Keys: s.Keys,
	})
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(a.stdout, "banktui %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}

// ---- errors and exit codes ----

// usageError is bad input: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// usageArgs turns cobra's argument validation errors into usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageErr("%s (see %s --help)", err, cmd.CommandPath())
		}
		return nil
	}
}

// needsLoginError: no connection, or consent expired. Exit code 3.
type needsLoginError struct{ msg string }

func (e *needsLoginError) Error() string { return e.msg }

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	var nl *needsLoginError
	switch {
	case errors.As(err, &ue), isCobraUsage(err):
		return exitUsage
	case errors.As(err, &nl):
		return exitNeedsLogin
	}
	return exitFailure
}

// isCobraUsage recognises the errors cobra returns before any RunE (unknown
// command, bad flag) that do not pass through our hooks.
func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "required flag"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// printError writes one line: what went wrong and what to do.
func (a *app) printError(w io.Writer, _ fang.Styles, err error) {
	// One line, whatever the error's own layout.
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
		if i < len(lines)-1 {
			lines[i] = strings.TrimSuffix(lines[i], ":")
		}
	}
	msg := strings.Join(slices.DeleteFunc(lines, func(l string) bool { return l == "" }), "; ")
	if isCobraUsage(err) && !strings.Contains(msg, "--help") {
		msg += " (see banktui --help)"
	}
	fmt.Fprintf(w, "banktui: %s\n", msg)
}

// ---- paths, settings, logging ----

// loadPaths resolves the files banktui uses; --config overrides the settings
// file (and so the credentials file beside it).
func (a *app) loadPaths() (config.Paths, error) {
	if a.paths != nil {
		return *a.paths, nil
	}
	p, err := config.DefaultPaths()
	if err != nil {
		return config.Paths{}, fmt.Errorf("cannot find banktui's directories: %w", err)
	}
	if a.configPath != "" {
		abs, err := filepath.Abs(a.configPath)
		if err != nil {
			return config.Paths{}, usageErr("--config %q: %v", a.configPath, err)
		}
		p.ConfigFile = abs
		p.CredentialsFile = filepath.Join(filepath.Dir(abs), "credentials.json")
	}
	a.paths = &p
	return p, nil
}

// loadSettings applies flag > environment > config.toml > default.
func (a *app) loadSettings(o config.Overrides) (*config.Settings, error) {
	if a.settings != nil {
		return a.settings, nil
	}
	p, err := a.loadPaths()
	if err != nil {
		return nil, err
	}
	s, err := config.Load(p, a.getenv, o)
	if err != nil {
		return nil, usageErr("%v (fix the setting, or run banktui doctor)", err)
	}
	a.settings = s
	a.addSecret(s.ClientSecret)
	return s, nil
}

// startLogging opens the debug log when --debug is given. Without it, nothing
// is logged anywhere: the TUI owns the terminal.
func (a *app) startLogging() error {
	if a.log != nil {
		return nil
	}
	if !a.debug {
		a.log = slog.New(slog.DiscardHandler)
		slog.SetDefault(a.log)
		return nil
	}
	p, err := a.loadPaths()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.DebugLog), 0o700); err != nil {
		return fmt.Errorf("debug log: %w", err)
	}
	f, err := os.OpenFile(p.DebugLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("debug log: %w", err)
	}
	if err := f.Chmod(0o600); err != nil { // an older, looser file is tightened
		f.Close()
		return fmt.Errorf("debug log: %w", err)
	}
	a.closers = append(a.closers, f.Close)
	a.log = slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: a.redactAttr}))
	slog.SetDefault(a.log)
	a.log.Info("start", "version", version, "args", strings.Join(os.Args[1:], " "))
	return nil
}

// secretKeys are attribute names whose values never reach the log.
var secretKeys = []string{"secret", "token", "code", "password", "authorization", "verifier", "cookie"}

func (a *app) redactAttr(_ []string, at slog.Attr) slog.Attr {
	key := strings.ToLower(at.Key)
	for _, k := range secretKeys {
		if strings.Contains(key, k) {
			return slog.String(at.Key, "[redacted]")
		}
	}
	if at.Value.Kind() == slog.KindString || at.Value.Kind() == slog.KindAny {
		return slog.String(at.Key, a.redact(at.Value.String()))
	}
	return at
}

func (a *app) addSecret(v string) {
	if v == "" {
		return
	}
	a.secretsMu.Lock()
	defer a.secretsMu.Unlock()
	a.secrets = append(a.secrets, v)
}

// redact removes known secret values and anything that looks like a token.
func (a *app) redact(s string) string {
	a.secretsMu.Lock()
	secrets := slices.Clone(a.secrets)
	a.secretsMu.Unlock()
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return truelayer.RedactString(s)
}

// httpClient is the base client for every call banktui makes; with --debug
// it logs each request (method, redacted URL, status, time), never bodies.
func (a *app) httpClient() *http.Client {
	return &http.Client{Transport: &loggingTransport{base: http.DefaultTransport, app: a}, Timeout: 2 * time.Minute}
}

type loggingTransport struct {
	base http.RoundTripper
	app  *app
}

func (t *loggingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(r)
	if t.app.log != nil && t.app.debug {
		attrs := []any{"method", r.Method, "url", truelayer.RedactURL(r.URL), "took", time.Since(start).Round(time.Millisecond)}
		if err != nil {
			attrs = append(attrs, "error", err.Error())
		} else {
			attrs = append(attrs, "status", resp.StatusCode)
			if id := resp.Header.Get("X-Tl-Correlation-Id"); id != "" {
				attrs = append(attrs, "correlation_id", id)
			}
		}
		t.app.log.Debug("http", attrs...)
	}
	return resp, err
}

// authClient is the auth-server client for the settings in effect.
// withSecret=false skips the client secret (the provider list needs none).
func (a *app) authClient(ctx context.Context, s *config.Settings, withSecret bool) (*truelayer.AuthClient, error) {
	cfg := truelayer.AuthConfig{ClientID: s.ClientID, RedirectURI: s.RedirectURI, AuthURL: s.Env().AuthURL}
	if withSecret {
		secret, err := s.Secret(ctx)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		a.addSecret(secret)
		cfg.ClientSecret = secret
	}
	return truelayer.NewAuthClient(a.httpClient(), cfg), nil
}

// ---- providers ----

func (a *app) providersCommand() *cobra.Command {
	var asJSON bool
	var country, kind string
	cmd := &cobra.Command{
		Use:   "providers",
		Short: "List the banks your TrueLayer client can connect to",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.loadSettings(config.Overrides{})
			if err != nil {
				return err
			}
			if !s.Configured() {
				return usageErr("no TrueLayer client configured: set TRUELAYER_CLIENT_ID (see banktui doctor), or try banktui emulator")
			}
			ac, err := a.authClient(cmd.Context(), s, false)
			if err != nil {
				return err
			}
			list, err := ac.Providers(cmd.Context(), truelayer.ProvidersQuery{Type: kind, Country: country})
			if err != nil {
				return explain(err)
			}
			if asJSON {
				return writeJSON(a.stdout, list)
			}
			t := newTable("PROVIDER", "NAME", "COUNTRY", "STAGE", "SCOPES")
			for _, p := range list {
				t.row(p.ProviderID, p.DisplayName, p.Country, p.ReleaseStage, strings.Join(p.Scopes, " "))
			}
			return t.write(a.stdout)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON with TrueLayer's field names")
	cmd.Flags().StringVar(&country, "country", "", "only this country, e.g. uk")
	cmd.Flags().StringVar(&kind, "type", "", "provider type: oauth, oauth/openbanking or credentialssharing")
	return cmd
}

// ---- doctor ----

func (a *app) doctorCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check paths, permissions, settings, the redirect URI and every connection",
		Args:  usageArgs(cobra.NoArgs),
		RunE:  a.runDoctor,
	}
}

// doctorReport prints checks as "ok", "warn" or "FAIL" lines.
type doctorReport struct {
	w     io.Writer
	fails int
}

func (d *doctorReport) line(status, what, detail string) {
	if status == "FAIL" {
		d.fails++
	}
	fmt.Fprintf(d.w, "  %-4s  %-22s %s\n", status, what, detail)
}

func (d *doctorReport) section(title string) { fmt.Fprintf(d.w, "\n%s\n", title) }

func (a *app) runDoctor(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	d := &doctorReport{w: a.stdout}
	fmt.Fprintf(d.w, "banktui %s\n", version)

	p, err := a.loadPaths()
	if err != nil {
		return err
	}
	d.section("Files")
	checkPath(d, "settings", p.ConfigFile, 0o600, false)
	checkPath(d, "credentials", p.CredentialsFile, 0o600, true)
	checkTokenDir(d, filepath.Dir(p.CredentialsFile), p.CredentialsFile)
	checkPath(d, "ledger", p.LedgerDB, 0o600, true)
	if _, err := os.Stat(p.LedgerDB); err == nil {
		if st, err := a.openStore(); err != nil {
			d.line("FAIL", "ledger", err.Error())
		} else if err := st.Check(ctx); err != nil {
			d.line("FAIL", "ledger integrity", fmt.Sprintf("%v: move %s aside and run banktui sync", err, p.LedgerDB))
		} else {
			d.line("ok", "ledger integrity", "ok")
		}
	}
	checkPath(d, "debug log", p.DebugLog, 0o600, true)

	d.section("Settings")
	s, err := config.Load(p, a.getenv, config.Overrides{})
	if err != nil {
		d.line("FAIL", "config.toml", err.Error())
		return fmt.Errorf("doctor found %d problem(s)", d.fails)
	}
	a.settings = s
	show := func(key, value string) {
		src := s.Sources[key]
		if src == "" {
			src = "unset"
		}
		if value == "" {
			value = "-"
		}
		d.line("ok", key, fmt.Sprintf("%s  (%s)", value, src))
	}
	if !s.Configured() {
		d.line("warn", "client_id", "not set: banktui runs the demo bank. Set TRUELAYER_CLIENT_ID (see README, Connecting a real bank)")
	} else {
		show(config.KeyClientID, s.ClientID)
	}
	switch {
	case s.ClientSecret != "":
		show(config.KeyClientSecret, "(set, hidden)")
	case s.ClientSecretCommand != "":
		show(config.KeyClientSecretCommand, s.ClientSecretCommand)
		if _, err := s.Secret(ctx); err != nil {
			d.line("FAIL", "client_secret_command", err.Error())
		} else {
			d.line("ok", "client_secret_command", "runs and prints a secret")
		}
	case s.Configured():
		d.line("FAIL", "client_secret", config.ErrNoClientSecret.Error())
	}
	env := s.Env()
	show(config.KeyEnvironment, env.Name)
	if s.Configured() {
		implied := truelayer.EnvironmentFor(s.ClientID).Name
		prefix := "no sandbox- prefix"
		if strings.HasPrefix(s.ClientID, truelayer.SandboxClientPrefix) {
			prefix = "prefix sandbox-"
		}
		switch {
		case (s.Environment == "live" || s.Environment == "sandbox") && implied != s.Environment:
			d.line("FAIL", "environment", fmt.Sprintf("%s, but the client id (%s) is a %s client: TrueLayer will reject it; fix TRUELAYER_ENV or the client id", s.Environment, prefix, implied))
		default:
			d.line("ok", "client id prefix", fmt.Sprintf("%s: a %s client", prefix, implied))
		}
	}
	show(config.KeyAuthURL, env.AuthURL)
	show(config.KeyAPIURL, env.APIURL)
	show(config.KeyScopes, strings.Join(s.Scopes, " "))
	show(config.KeyRedirectURI, s.RedirectURI)
	checkRedirect(d, s.RedirectURI)
	if _, err := ui.KeyMapWith(s.Keys); err != nil {
		d.line("FAIL", "[keys]", err.Error())
	} else if len(s.Keys) > 0 {
		d.line("ok", "[keys]", fmt.Sprintf("%d rebound action(s)", len(s.Keys)))
	}

	d.section("Connections")
	a.doctorConnections(ctx, d, p, s)

	if d.fails > 0 {
		return fmt.Errorf("doctor found %d problem(s); fix the FAIL lines above", d.fails)
	}
	fmt.Fprintln(d.w, "\nall good")
	return nil
}

// checkPath reports a file's existence and mode; secret files must not be
// readable by others.
func checkPath(d *doctorReport, what, path string, want os.FileMode, secret bool) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		d.line("ok", what, path+"  (not created yet)")
	case err != nil:
		d.line("FAIL", what, err.Error())
	case secret && fi.Mode().Perm()&0o077 != 0:
		d.line("FAIL", what, fmt.Sprintf("%s  mode %04o: others can read it; run chmod %04o %s", path, fi.Mode().Perm(), want, path))
	default:
		d.line("ok", what, fmt.Sprintf("%s  mode %04o", path, fi.Mode().Perm()))
	}
}

// checkTokenDir checks the directory credentials.json lives in. banktui's
// own directory should be 0700; a shared one (a --config in /tmp, say) is a
// reason to move the settings file, never to chmod the shared directory.
func checkTokenDir(d *doctorReport, dir, credentials string) {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		d.line("ok", "config directory", dir+"  (not created yet)")
		return
	case err != nil:
		d.line("FAIL", "config directory", err.Error())
		return
	case fi.Mode().Perm()&0o077 == 0:
		d.line("ok", "config directory", fmt.Sprintf("%s  mode %04o", dir, fi.Mode().Perm()))
		return
	}
	status := "warn"
	if _, err := os.Stat(credentials); err == nil {
		status = "FAIL"
	}
	if filepath.Base(dir) == config.AppName {
		d.line(status, "config directory", fmt.Sprintf("%s  mode %04o: others can list it; run chmod 0700 %s", dir, fi.Mode().Perm(), dir))
		return
	}
	d.line(status, "config directory", fmt.Sprintf("%s  mode %04o is shared: tokens would be kept beside the settings file, so keep it in a private directory", dir, fi.Mode().Perm()))
}

// checkRedirect says whether the loopback listener can bind the redirect URI's port.
func checkRedirect(d *doctorReport, redirect string) {
	u, err := url.Parse(redirect)
	if err != nil || u.Host == "" {
		d.line("FAIL", "redirect_uri", fmt.Sprintf("%q is not a URL; use http://localhost:3000/callback", redirect))
		return
	}
	host := u.Hostname()
	if host != "localhost" && host != "127.0.0.1" && host != "::1" {
		d.line("warn", "redirect_uri", "not a loopback address: banktui cannot receive the callback itself (use banktui login --no-browser and paste the URL)")
		return
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		d.line("FAIL", "callback port", fmt.Sprintf("127.0.0.1:%s is busy (%v): stop what uses it, or register another redirect URI", port, err))
		return
	}
	l.Close()
	d.line("ok", "callback port", "127.0.0.1:"+port+" is free")
}

func (a *app) doctorConnections(ctx context.Context, d *doctorReport, p config.Paths, s *config.Settings) {
	creds, err := config.OpenCredentials(p.CredentialsFile).Load()
	if err != nil {
		d.line("FAIL", "credentials", err.Error())
		return
	}
	if len(creds.Connections) == 0 {
		d.line("warn", "connections", "none yet: run banktui login")
		return
	}
	now := time.Now()
	for _, c := range creds.Connections {
		name := c.ID
		switch {
		case c.NeedsReconnect:
			d.line("FAIL", name, fmt.Sprintf("needs reconnecting (%s): run banktui login --provider %s", c.Reason, c.ProviderID))
			continue
		case !c.ConsentExpiresAt.IsZero() && c.ConsentExpiresAt.Before(now):
			d.line("FAIL", name, fmt.Sprintf("consent expired %s: run banktui login --provider %s", c.ConsentExpiresAt.Format(time.DateOnly), c.ProviderID))
			continue
		case !c.ConsentExpiresAt.IsZero():
			d.line("ok", name, fmt.Sprintf("%s, consent until %s (%d days)", c.ProviderName, c.ConsentExpiresAt.Format(time.DateOnly), int(c.ConsentExpiresAt.Sub(now).Hours()/24)))
		default:
			d.line("ok", name, c.ProviderName+", consent expiry unknown")
		}
		a.doctorMe(ctx, d, s, c)
	}
}

// ---- output helpers ----

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// table prints aligned columns; columns whose header starts with a space are
// right-aligned (amounts).
type table struct {
	header []string
	rows   [][]string
}

func newTable(header ...string) *table { return &table{header: header} }

func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) error {
	widths := make([]int, len(t.header))
	right := make([]bool, len(t.header))
	for i, h := range t.header {
		right[i] = strings.HasPrefix(h, " ")
		t.header[i] = strings.TrimSpace(h)
		widths[i] = ansi.StringWidth(t.header[i])
	}
	for _, r := range t.rows {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], ansi.StringWidth(c))
			}
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		for i := range widths {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			pad := strings.Repeat(" ", widths[i]-ansi.StringWidth(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if right[i] {
				b.WriteString(pad + c)
			} else if i < len(widths)-1 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(c)
			}
		}
		b.WriteString("\n")
	}
	line(t.header)
	for _, r := range t.rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// explain turns errors from the bank or the auth server into one line that
// says what to do, keeping the error chain for exit codes.
func explain(err error) error {
	if err == nil {
		return nil
	}
	var ae *truelayer.APIError
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("interrupted")
	case errors.Is(err, truelayer.ErrConsentNeeded):
		msg := "the bank's consent has expired or was revoked: reconnect with banktui login"
		if code := shortErr(err); code != "" {
			msg += " (" + code + ")"
		}
		return &needsLoginError{msg: msg}
	case errors.Is(err, truelayer.ErrRateLimited):
		return fmt.Errorf("the bank is rate limiting requests; try again in a few minutes (%s)", shortErr(err))
	case errors.Is(err, truelayer.ErrTemporary):
		return fmt.Errorf("the bank or TrueLayer is temporarily unavailable; try again later (%s)", shortErr(err))
	case errors.Is(err, truelayer.ErrUnauthorized):
		return &needsLoginError{msg: "the bank refused the access token: run banktui login to reconnect (" + shortErr(err) + ")"}
	case errors.As(err, &ae) && ae.StatusCode == 0:
		return fmt.Errorf("cannot reach %s: check your network, or TRUELAYER_AUTH_URL/TRUELAYER_API_URL (%v)", hostOf(ae.URL), ae.Err)
	}
	return err
}

// shortErr is the status, code and correlation id of an API error (what
// TrueLayer support asks for); "" for a connection the token manager already
// marked for reconnecting; else the error text.
func shortErr(err error) string {
	var ae *truelayer.APIError
	if errors.As(err, &ae) && ae.StatusCode != 0 {
		s := fmt.Sprintf("%d %s", ae.StatusCode, ae.Code)
		if ae.CorrelationID != "" {
			s += ", correlation id " + ae.CorrelationID
		}
		return s
	}
	var re *auth.ReconnectError
	if errors.As(err, &re) {
		return ""
	}
	return err.Error()
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "the server"
}

// ---- the store ----

// openStore opens the local history; reads never touch the network.
func (a *app) openStore() (*ledger.Store, error) {
	if a.store != nil {
		return a.store, nil
	}
	p, err := a.loadPaths()
	if err != nil {
		return nil, err
	}
	st, err := ledger.Open(p.LedgerDB)
	switch {
	case errors.Is(err, ledger.ErrCorrupt):
		return nil, fmt.Errorf("%s is damaged or not a banktui ledger; it was left untouched: move it aside and run banktui sync to rebuild it", p.LedgerDB)
	case errors.Is(err, ledger.ErrNewerSchema):
		return nil, fmt.Errorf("%s was written by a newer banktui: upgrade banktui (go install github.com/banktui/banktui@latest)", p.LedgerDB)
	case err != nil:
		return nil, fmt.Errorf("cannot open the ledger %s: %w", p.LedgerDB, err)
	}
	a.store = st
	a.closers = append(a.closers, st.Close)
	return st, nil
}

// storedAccounts returns the accounts and cards in the store, or a
// needs-login error when there are none yet.
func (a *app) storedAccounts(ctx context.Context) ([]ledger.AccountView, error) {
	st, err := a.openStore()
	if err != nil {
		return nil, err
	}
	views, err := st.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	if len(views) == 0 {
		return nil, &needsLoginError{msg: "no accounts yet: connect a bank with banktui login, then run banktui sync (or try banktui --demo)"}
	}
	return views, nil
}

// ---- accounts, cards ----

func (a *app) accountsCommand() *cobra.Command { return a.listCommand(ledger.KindAccount) }
func (a *app) cardsCommand() *cobra.Command    { return a.listCommand(ledger.KindCard) }

func (a *app) listCommand(kind string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   kind + "s",
		Short: "List your " + kind + "s (from the local store; banktui sync refreshes it)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			views, err := a.storedAccounts(cmd.Context())
			if err != nil {
				return err
			}
			views = slices.DeleteFunc(views, func(v ledger.AccountView) bool { return v.Kind != kind })
			if asJSON {
				out := make([]ledger.AccountJSON, 0, len(views))
				for _, v := range views {
					out = append(out, ledger.NewAccountJSON(v))
				}
				return writeJSON(a.stdout, out)
			}
			if len(views) == 0 {
				fmt.Fprintf(a.stdout, "no %ss\n", kind)
				return nil
			}
			var t *table
			if kind == ledger.KindCard {
				t = newTable("ID", "BANK", "CARD", "NETWORK", "NUMBER", " BALANCE", " CREDIT LIMIT", "NOTE")
			} else {
				t = newTable("ID", "BANK", "ACCOUNT", "TYPE", "NUMBER", " CURRENT", " AVAILABLE", "NOTE")
			}
			for _, v := range views {
				cur, avail := "-", "-"
				if v.HasBalance {
					cur, avail = ledger.FormatMoney(v.Current, v.Currency), ledger.FormatMoney(v.Available, v.Currency)
				}
				if kind == ledger.KindCard {
					limit := "-"
					if v.CreditLimit != nil {
						limit = ledger.FormatMoney(*v.CreditLimit, v.Currency)
					}
					t.row(v.ID, ledger.Sanitize(v.ProviderName), ledger.Sanitize(v.DisplayName), v.CardNetwork, "…"+v.PartialCardNumber, cur, limit, v.SyncError)
				} else {
					t.row(v.ID, ledger.Sanitize(v.ProviderName), ledger.Sanitize(v.DisplayName), v.Type, ledger.Sanitize(v.Number), cur, avail, v.SyncError)
				}
			}
			return t.write(a.stdout)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON with TrueLayer's field names")
	return cmd
}

// ---- balance ----

type balanceEntryJSON struct {
	AccountID       string              `json:"account_id"`
	Kind            string              `json:"kind"`
	ConnectionID    string              `json:"connection_id"`
	DisplayName     string              `json:"display_name"`
	Provider        ledger.ProviderJSON `json:"provider"`
	Currency        string              `json:"currency"`
	Current         *truelayer.Amount   `json:"current"`
	Available       *truelayer.Amount   `json:"available"`
	Overdraft       *truelayer.Amount   `json:"overdraft,omitempty"`
	CreditLimit     *truelayer.Amount   `json:"credit_limit,omitempty"`
	UpdateTimestamp time.Time           `json:"update_timestamp,omitzero"`
	SyncError       string              `json:"sync_error,omitempty"`
}

type totalJSON struct {
	Currency string           `json:"currency"`
	Total    truelayer.Amount `json:"total"`
	Accounts truelayer.Amount `json:"accounts"`
	Cards    truelayer.Amount `json:"cards"`
}

func (a *app) balanceCommand() *cobra.Command {
	var asJSON, offline bool
	cmd := &cobra.Command{
		Use:   "balance",
		Short: "Quick balance check of every account and card",
		Long: "balance fetches the balances of every account and card of every connection in\n" +
			"parallel, stores them, and prints them with totals per currency. With --offline it\n" +
			"prints the last stored balances without touching the network.",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var problems []problem
			if !offline {
				errs, err := a.refreshBalances(ctx)
				if err != nil {
					return err
				}
				problems = errs
			}
			views, err := a.storedAccounts(ctx)
			if err != nil {
				return err
			}
			totals, err := a.store.Totals(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				err = writeBalanceJSON(a.stdout, views, totals)
			} else {
				err = writeBalanceTable(a.stdout, views, totals)
			}
			if err != nil {
				return err
			}
			return a.partialFailure(problems)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON with TrueLayer's field names and the bank's exact amounts")
	cmd.Flags().BoolVar(&offline, "offline", false, "print the stored balances without contacting the bank")
	return cmd
}

func writeBalanceJSON(w io.Writer, views []ledger.AccountView, totals []ledger.CurrencyTotal) error {
	out := struct {
		Results []balanceEntryJSON `json:"results"`
		Totals  []totalJSON        `json:"totals"`
	}{Results: []balanceEntryJSON{}, Totals: []totalJSON{}}
	for _, v := range views {
		e := balanceEntryJSON{AccountID: v.ID, Kind: v.Kind, ConnectionID: v.ConnectionID, DisplayName: v.DisplayName,
			Provider: ledger.ProviderJSON{ProviderID: v.ProviderID, DisplayName: v.ProviderName}, Currency: v.Currency,
			Overdraft: v.Overdraft, CreditLimit: v.CreditLimit, SyncError: v.SyncError}
		if v.HasBalance {
			cur, avail := v.Current, v.Available
			e.Current, e.Available, e.UpdateTimestamp = &cur, &avail, v.BalanceAsOf.UTC()
		}
		out.Results = append(out.Results, e)
	}
	for _, t := range totals {
		out.Totals = append(out.Totals, totalJSON(t))
	}
	return writeJSON(w, out)
}

func writeBalanceTable(w io.Writer, views []ledger.AccountView, totals []ledger.CurrencyTotal) error {
	t := newTable("BANK", "ACCOUNT", "TYPE", " CURRENT", " AVAILABLE", "AS OF", "NOTE")
	for _, v := range views {
		cur, avail, asOf := "-", "-", "never"
		if v.HasBalance {
			cur, avail, asOf = ledger.FormatMoney(v.Current, v.Currency), ledger.FormatMoney(v.Available, v.Currency), age(v.BalanceAsOf)
		}
		name := ledger.Sanitize(v.DisplayName)
		if v.Kind == ledger.KindCard && v.PartialCardNumber != "" {
			name += " …" + v.PartialCardNumber
		}
		t.row(ledger.Sanitize(v.ProviderName), name, strings.ToLower(v.Type), cur, avail, asOf, v.SyncError)
	}
	if err := t.write(w); err != nil {
		return err
	}
	for _, tot := range totals {
		fmt.Fprintf(w, "\ntotal %s: %s (accounts %s, cards %s)", tot.Currency, ledger.FormatMoney(tot.Total, tot.Currency),
			ledger.FormatMoney(tot.Accounts, tot.Currency), ledger.FormatMoney(tot.Cards, tot.Currency))
	}
	if len(totals) > 0 {
		fmt.Fprintln(w)
	}
	return nil
}

// age says how old a stored figure is: "09:41" today, else the date.
func age(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	t = t.Local()
	if y, m, d := t.Date(); y == time.Now().Year() && m == time.Now().Month() && d == time.Now().Day() {
		return t.Format("15:04")
	}
	return t.Format(time.DateOnly)
}

// problem is one connection's or account's failure within a run.
type problem struct {
	where string // "ob-northgate" or "ob-northgate Current Account"
	err   error
}

// partialFailure turns per-connection or per-account errors of a run into the
// command's error, after the output was printed: one line per problem, and
// an exit code saying that not everything is fresh (3 when a consent needs
// renewing).
func (a *app) partialFailure(problems []problem) error {
	if len(problems) == 0 {
		return nil
	}
	for _, p := range problems[:len(problems)-1] {
		fmt.Fprintf(a.stderr, "banktui: %s: %s\n", p.where, explain(p.err))
	}
	last := problems[len(problems)-1]
	err := fmt.Errorf("%s: %w", last.where, explain(last.err))
	for _, p := range problems {
		if errors.Is(p.err, truelayer.ErrConsentNeeded) || errors.Is(p.err, truelayer.ErrUnauthorized) {
			return &needsLoginError{msg: err.Error()}
		}
	}
	return err
}

// ---- transactions ----

type txFlags struct {
	from, to         string
	pending, settled bool
	search, category string
	limit            int
}

func (f *txFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.from, "from", "", "first day, YYYY-MM-DD")
	cmd.Flags().StringVar(&f.to, "to", "", "last day (inclusive), YYYY-MM-DD")
	cmd.Flags().StringVar(&f.search, "search", "", "only transactions whose description or merchant contain these words")
	cmd.Flags().StringVar(&f.category, "category", "", "only this category or classification, e.g. PURCHASE or Shopping")
}

// query builds the ledger query; account arguments are ids, names or numbers.
func (a *app) txQuery(ctx context.Context, f txFlags, accounts []string) (ledger.TxQuery, []ledger.AccountView, error) {
	var q ledger.TxQuery
	var err error
	if q.From, err = parseDay("--from", f.from); err != nil {
		return q, nil, err
	}
	if f.to != "" {
		to, err := parseDay("--to", f.to)
		if err != nil {
			return q, nil, err
		}
		q.To = to.AddDate(0, 0, 1) // the ledger's To is exclusive; people mean the whole day
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return q, nil, usageErr("--from %s is after --to %s", f.from, f.to)
	}
	if f.limit < 0 {
		return q, nil, usageErr("--limit must be 0 (no limit) or more")
	}
	views, err := a.storedAccounts(ctx)
	if err != nil {
		return q, nil, err
	}
	for _, name := range accounts {
		v, err := findAccount(views, name)
		if err != nil {
			return q, nil, err
		}
		q.AccountIDs = append(q.AccountIDs, v.ID)
	}
	switch {
	case f.pending && f.settled:
		return q, nil, usageErr("--pending and --settled exclude each other; give one or neither")
	case f.pending:
		q.Pending = ledger.PendingOnly
	case f.settled:
		q.Pending = ledger.PendingExclude
	}
	q.Text, q.Category, q.Limit = f.search, f.category, f.limit
	return q, views, nil
}

func parseDay(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, usageErr("%s %q is not a date: use YYYY-MM-DD, e.g. %s", flag, s, time.Now().Format(time.DateOnly))
	}
	return t, nil
}

// findAccount matches an id, a display name or the end of a number.
func findAccount(views []ledger.AccountView, name string) (ledger.AccountView, error) {
	var matches []ledger.AccountView
	for _, v := range views {
		if v.ID == name {
			return v, nil
		}
	}
	for _, v := range views {
		if strings.EqualFold(v.DisplayName, name) ||
			(len(name) >= 4 && (strings.HasSuffix(strings.ReplaceAll(v.Number, " ", ""), name) || v.PartialCardNumber == name)) {
			matches = append(matches, v)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return ledger.AccountView{}, usageErr("no account or card matches %q: run banktui accounts or banktui cards to see their ids", name)
	}
	ids := make([]string, len(matches))
	for i, m := range matches {
		ids[i] = m.ID
	}
	return ledger.AccountView{}, usageErr("%q matches %d accounts (%s): give the id", name, len(matches), strings.Join(ids, ", "))
}

func (a *app) transactionsCommand() *cobra.Command {
	var f txFlags
	var asJSON, asCSV bool
	cmd := &cobra.Command{
		Use:     "transactions [ACCOUNT...]",
		Aliases: []string{"tx"},
		Short:   "List transactions from the local store (all accounts, or the ones named)",
		Long: "transactions lists stored transactions, newest first. ACCOUNT is an account or card id,\n" +
			"its display name, or the last digits of its number. Run banktui sync first to fetch\n" +
			"what is new.",
		Example: "  banktui transactions --from 2026-01-01 --to 2026-01-31\n" +
			"  banktui transactions \"Current Account\" --pending --json\n" +
			"  banktui transactions --csv > transactions.csv",
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON && asCSV {
				return usageErr("--json and --csv exclude each other; give one")
			}
			q, views, err := a.txQuery(cmd.Context(), f, args)
			if err != nil {
				return err
			}
			q.Sort, q.Desc = "date", true
			txs, err := a.store.Transactions(cmd.Context(), q)
			if err != nil {
				return err
			}
			switch {
			case asJSON:
				return writeTransactionsJSON(a.stdout, txs)
			case asCSV:
				return ledger.Export(a.stdout, "csv", views, txs, time.Now())
			}
			return writeTransactionsTable(a.stdout, views, txs)
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&f.pending, "pending", false, "only pending transactions")
	cmd.Flags().BoolVar(&f.settled, "settled", false, "only settled transactions")
	cmd.Flags().IntVar(&f.limit, "limit", 0, "at most this many (newest first); 0 = all")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON with TrueLayer's field names and the bank's exact amounts")
	cmd.Flags().BoolVar(&asCSV, "csv", false, "print CSV")
	cmd.ValidArgsFunction = a.completeAccounts
	return cmd
}

// completeAccounts offers account and card ids for shell completion.
func (a *app) completeAccounts(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	views, err := a.storedAccounts(cmd.Context())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, v := range views {
		out = append(out, v.ID+"\t"+v.ProviderName+" "+v.DisplayName)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func writeTransactionsJSON(w io.Writer, txs []ledger.TxView) error {
	out := make([]json.RawMessage, 0, len(txs))
	for _, t := range txs {
		m, err := ledger.TransactionJSON(t)
		if err != nil {
			return err
		}
		out = append(out, m)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := writeJSON(bw, out); err != nil {
		return err
	}
	return bw.Flush()
}

func accountNames(views []ledger.AccountView) map[string]string {
	names := make(map[string]string, len(views))
	for _, v := range views {
		names[v.ID] = v.DisplayName
	}
	return names
}

func writeTransactionsTable(w io.Writer, views []ledger.AccountView, txs []ledger.TxView) error {
	if len(txs) == 0 {
		_, err := fmt.Fprintln(w, "no transactions match")
		return err
	}
	names := accountNames(views)
	t := newTable("DATE", "ACCOUNT", "DESCRIPTION", "CATEGORY", " AMOUNT", " BALANCE", "")
	for _, x := range txs {
		desc := x.Merchant
		if desc == "" {
			desc = x.Description
		}
		bal := ""
		if x.RunningBalance != nil {
			bal = ledger.FormatMoney(*x.RunningBalance, x.Currency)
		}
		state := ""
		if x.Pending {
			state = "pending"
		}
		amount := ledger.FormatMoney(x.Amount, x.Currency)
		if x.Amount.Sign() > 0 {
			amount = "+" + amount // money in is readable without colour
		}
		t.row(x.Timestamp.Format(time.DateOnly), ledger.Sanitize(names[x.AccountID]), ledger.Sanitize(truncate(desc, 40)), ledger.Sanitize(category(x)), amount, bal, state)
	}
	return t.write(w)
}

// category is the most specific label the bank gave.
func category(x ledger.TxView) string {
	if len(x.Classification) > 0 {
		return strings.Join(x.Classification, " / ")
	}
	return x.Category
}

func truncate(s string, n int) string {
	if ansi.StringWidth(s) <= n {
		return s
	}
	return ansi.Truncate(s, n, "…")
}

// clean makes bank text safe for the terminal: the TUI's sanitiser, so both
// strip the same escape sequences, control characters and bidi overrides.

// ---- connections ----

type connectionJSON struct {
	ID               string    `json:"id"`
	ProviderID       string    `json:"provider_id"`
	ProviderName     string    `json:"provider_name,omitempty"`
	CredentialsID    string    `json:"credentials_id,omitempty"`
	Scopes           []string  `json:"scopes,omitempty"`
	ConsentCreatedAt time.Time `json:"consent_created_at,omitzero"`
	ConsentExpiresAt time.Time `json:"consent_expires_at,omitzero"`
	TokenState       string    `json:"token_state"`
	NeedsReconnect   bool      `json:"needs_reconnect"`
	Reason           string    `json:"reason,omitempty"`
	LastSync         time.Time `json:"last_sync,omitzero"`
}

func (a *app) loadConnections() ([]config.Connection, error) {
	p, err := a.loadPaths()
	if err != nil {
		return nil, err
	}
	creds, err := config.OpenCredentials(p.CredentialsFile).Load()
	if err != nil {
		return nil, fmt.Errorf("%v (see banktui doctor)", err)
	}
	return creds.Connections, nil
}

// consentOf is what the TUI shows of a saved connection.
func consentOf(c config.Connection) ledger.Consent {
	return ledger.Consent{
		ConnectionID: c.ID, ProviderID: c.ProviderID, ProviderName: c.ProviderName,
		ExpiresAt: c.ConsentExpiresAt, NeedsReconnect: c.NeedsReconnect, Reason: c.Reason,
	}
}

// consentsOf adapts a source of saved connections to the TUI's.
func consentsOf(load func() ([]config.Connection, error)) func() ([]ledger.Consent, error) {
	return func() ([]ledger.Consent, error) {
		conns, err := load()
		if err != nil {
			return nil, err
		}
		out := make([]ledger.Consent, len(conns))
		for i, c := range conns {
			out[i] = consentOf(c)
		}
		return out, nil
	}
}

func tokenState(c config.Connection, now time.Time) string {
	switch {
	case c.NeedsReconnect:
		return "needs reconnect"
	case !c.ConsentExpiresAt.IsZero() && c.ConsentExpiresAt.Before(now):
		return "consent expired"
	case c.AccessToken != "" && c.Expiry.After(now):
		return "valid until " + c.Expiry.Local().Format("15:04")
	case c.RefreshToken != "":
		return "refreshes on next use"
	}
	return "no refresh token: reconnect when it expires"
}

func (a *app) connectionsCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "connections",
		Short: "Saved bank connections, consent expiry and token state",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			conns, err := a.loadConnections()
			if err != nil {
				return err
			}
			lastSync := map[string]time.Time{}
			if st, err := a.openStore(); err == nil {
				if cv, err := st.Connections(cmd.Context()); err == nil {
					for _, c := range cv {
						lastSync[c.ID] = c.LastSync
					}
				}
			}
			now := time.Now()
			if asJSON {
				out := make([]connectionJSON, 0, len(conns))
				for _, c := range conns {
					out = append(out, connectionJSON{ID: c.ID, ProviderID: c.ProviderID, ProviderName: c.ProviderName,
						CredentialsID: c.CredentialsID, Scopes: c.Scopes, ConsentCreatedAt: c.ConsentCreatedAt,
						ConsentExpiresAt: c.ConsentExpiresAt, TokenState: tokenState(c, now), NeedsReconnect: c.NeedsReconnect,
						Reason: c.Reason, LastSync: lastSync[c.ID]})
				}
				return writeJSON(a.stdout, out)
			}
			if len(conns) == 0 {
				fmt.Fprintln(a.stdout, "no connections yet: run banktui login")
				return nil
			}
			t := newTable("ID", "BANK", "CONSENT UNTIL", "TOKEN", "LAST SYNC")
			for _, c := range conns {
				until := "-"
				if !c.ConsentExpiresAt.IsZero() {
					until = c.ConsentExpiresAt.Local().Format(time.DateOnly)
				}
				ls := "never"
				if t := lastSync[c.ID]; !t.IsZero() {
					ls = t.Local().Format("2006-01-02 15:04")
				}
				t.row(c.ID, ledger.Sanitize(c.ProviderName), until, tokenState(c, now), ls)
			}
			return t.write(a.stdout)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (never tokens)")
	return cmd
}

// ---- export ----

func (a *app) exportCommand() *cobra.Command {
	var f txFlags
	var format, output string
	var accounts []string
	var withPending bool
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export stored transactions: --format csv, json, ofx, ledger or beancount",
		Long: "export writes stored transactions (settled only, unless --pending) to stdout or -o FILE:\n" +
			"  csv        one row per transaction\n" +
			"  json       accounts with balances, and transactions with TrueLayer's field names\n" +
			"  ofx        OFX 2.2 bank and credit card statements (for GnuCash, Money, ...)\n" +
			"  ledger     a plain-text journal readable by hledger and ledger-cli\n" +
			"  beancount  a beancount file (bean-check clean)",
		Example: "  banktui export --format ledger -o bank.journal && hledger -f bank.journal balance\n" +
			"  banktui export --format beancount --from 2026-01-01 -o bank.beancount",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains(ledger.ExportFormats, format) {
				return usageErr("--format %q is not one of %s", format, strings.Join(ledger.ExportFormats, ", "))
			}
			if !withPending {
				f.settled = true
			}
			q, views, err := a.txQuery(cmd.Context(), f, accounts)
			if err != nil {
				return err
			}
			q.Sort = "date"
			txs, err := a.store.Transactions(cmd.Context(), q)
			if err != nil {
				return err
			}
			if len(q.AccountIDs) > 0 {
				views = slices.DeleteFunc(views, func(v ledger.AccountView) bool { return !slices.Contains(q.AccountIDs, v.ID) })
			}
			return writeOutput(a.stdout, output, func(w io.Writer) error {
				return ledger.Export(w, format, views, txs, time.Now())
			})
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&format, "format", "", "one of csv, json, ofx, ledger, beancount (required)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to FILE (0600) instead of stdout")
	cmd.Flags().StringSliceVar(&accounts, "account", nil, "only these accounts or cards (id, name or last digits); repeatable")
	cmd.Flags().BoolVar(&withPending, "pending", false, "include pending transactions (marked as such)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(ledger.ExportFormats, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.MarkFlagRequired("format")
	return cmd
}

// writeOutput writes to stdout, or atomically to a 0600 file (bank data is private).
func writeOutput(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ---- connections to the bank: manager, syncer ----

// configured loads the settings and insists on a TrueLayer client.
func (a *app) configured() (*config.Settings, error) {
	s, err := a.loadSettings(config.Overrides{})
	if err != nil {
		return nil, err
	}
	if !s.Configured() {
		return nil, usageErr("no TrueLayer client configured: set TRUELAYER_CLIENT_ID and TRUELAYER_CLIENT_SECRET (README: Connecting a real bank), or try banktui --demo")
	}
	return s, nil
}

// loadManager builds the token manager over credentials.json.
func (a *app) loadManager(ctx context.Context) (*auth.Manager, *config.Settings, error) {
	a.managerMu.Lock() // the syncer asks for clients from several goroutines
	defer a.managerMu.Unlock()
	s, err := a.configured()
	if err != nil {
		return nil, nil, err
	}
	if a.manager != nil {
		return a.manager, s, nil
	}
	p, err := a.loadPaths()
	if err != nil {
		return nil, nil, err
	}
	ac, err := a.authClient(ctx, s, true)
	if err != nil {
		return nil, nil, err
	}
	a.manager = auth.NewManager(config.OpenCredentials(p.CredentialsFile), ac, auth.WithTransport(a.httpClient().Transport))
	return a.manager, s, nil
}

// dataClient is the Data API client of one connection.
func (a *app) dataClient(ctx context.Context, connectionID string) (*truelayer.Client, error) {
	m, s, err := a.loadManager(ctx)
	if err != nil {
		return nil, err
	}
	return m.Client(ctx, connectionID, truelayer.WithBaseURL(s.Env().APIURL))
}

// loadSyncer returns the ledger's sync engine and every connection id.
func (a *app) loadSyncer(ctx context.Context) (*ledger.Syncer, []string, error) {
	m, _, err := a.loadManager(ctx)
	if err != nil {
		return nil, nil, err
	}
	conns, err := m.Connections()
	if err != nil {
		return nil, nil, fmt.Errorf("%v (see banktui doctor)", err)
	}
	if len(conns) == 0 {
		return nil, nil, &needsLoginError{msg: "no bank connected yet: run banktui login"}
	}
	st, err := a.openStore()
	if err != nil {
		return nil, nil, err
	}
	if a.syncer == nil {
		a.syncer = ledger.NewSyncer(st, a.dataClient)
	}
	ids := make([]string, len(conns))
	for i, c := range conns {
		ids[i] = c.ID
	}
	return a.syncer, ids, nil
}

// refreshBalances is the quick balance check over every connection, in
// parallel (the ledger's Balances). It returns the per-connection and
// per-account problems; the error is for a failure of the whole run.
func (a *app) refreshBalances(ctx context.Context) ([]problem, error) {
	y, ids, err := a.loadSyncer(ctx)
	if err != nil {
		return nil, err
	}
	rep, err := y.Balances(ctx, ids, nil)
	if err != nil {
		return nil, explain(err)
	}
	return reportProblems(rep), nil
}

// reportProblems lists the failures of a sync report, keeping the error
// chains for exit codes. A bank without an endpoint (501) or with history
// behind SCA is a property of the bank, not a failure.
func reportProblems(rep *ledger.Report) []problem {
	var out []problem
	for _, c := range rep.Connections {
		if c.Err != nil {
			out = append(out, problem{where: c.ConnectionID, err: c.Err})
			continue
		}
		for _, acc := range c.Accounts {
			if acc.Err != nil && !errors.Is(acc.Err, truelayer.ErrNotSupported) && !errors.Is(acc.Err, truelayer.ErrSCAExceeded) {
				out = append(out, problem{where: c.ConnectionID + " " + ledger.Sanitize(acc.DisplayName), err: acc.Err})
			}
		}
	}
	return out
}

// doctorMe checks a connection live: a /me call through the token manager.
func (a *app) doctorMe(ctx context.Context, d *doctorReport, s *config.Settings, c config.Connection) {
	if !s.Configured() {
		d.line("warn", "  /me", "skipped: no client configured")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cl, err := a.dataClient(ctx, c.ID)
	if err == nil {
		var me *truelayer.Me
		if me, err = cl.Me(ctx); err == nil {
			d.line("ok", "  /me", fmt.Sprintf("%s, consent %s, scopes %s", me.Provider.DisplayName, orDash(me.ConsentStatus), strings.Join(me.Scopes, " ")))
			return
		}
	}
	d.line("FAIL", "  /me", explain(err).Error())
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ---- login, logout ----

func (a *app) loginCommand() *cobra.Command {
	var noBrowser bool
	var provider string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Connect a bank (opens the TrueLayer consent page in your browser)",
		Long: "login opens TrueLayer's consent page, waits for the browser to come back to the\n" +
			"redirect URI (http://localhost:3000/callback by default) on this machine, and saves the\n" +
			"connection's tokens in credentials.json (0600). With --no-browser it prints the link;\n" +
			"when the browser runs elsewhere (SSH), paste the URL it ends on.",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := a.configured()
			if err != nil {
				return err
			}
			p, err := a.loadPaths()
			if err != nil {
				return err
			}
			ac, err := a.authClient(ctx, s, true)
			if err != nil {
				return err
			}
			if provider == "" {
				provider = s.ProviderID
			}
			o := auth.LoginOptions{
				Auth: ac, APIURL: s.Env().APIURL, RedirectURI: s.RedirectURI, Scopes: s.Scopes,
				Providers: s.Providers, ProviderID: provider, ResponseMode: truelayer.ResponseModeFormPost,
				Timeout: timeout, Store: config.OpenCredentials(p.CredentialsFile), HTTPClient: a.httpClient(),
				ShowURL: func(u string) {
					fmt.Fprintln(a.stderr, "Open this link to connect your bank:")
					fmt.Fprintln(a.stdout, u)
					fmt.Fprintf(a.stderr, "Waiting for the browser on %s", s.RedirectURI)
					if a.stdinIsTerminal() {
						fmt.Fprint(a.stderr, " (or paste the URL the browser ends on)")
					}
					fmt.Fprintln(a.stderr, "...")
				},
			}
			if !noBrowser {
				o.Open = auth.OpenBrowser
			}
			if a.stdinIsTerminal() {
				o.Pasted = a.pastedLines(ctx)
				o.PasteError = func(err error) { fmt.Fprintf(a.stderr, "banktui: %v; paste the whole URL from the address bar\n", err) }
			}
			conn, err := auth.Login(ctx, o)
			if err != nil {
				return explainLogin(err, s)
			}
			if err := a.afterLogin(ctx, conn); err != nil {
				return err
			}
			msg := fmt.Sprintf("Connected %s as %s", conn.ProviderName, conn.ID)
			if !conn.ConsentExpiresAt.IsZero() {
				msg += fmt.Sprintf(" (consent until %s)", conn.ConsentExpiresAt.Local().Format(time.DateOnly))
			}
			fmt.Fprintln(a.stderr, msg+". Run banktui sync to fetch its history.")
			return nil
		},
	}
	cmd.Flags().BoolVar(&noBrowser, "no-browser", false, "print the link instead of opening a browser")
	cmd.Flags().StringVar(&provider, "provider", "", "skip the bank choice, e.g. ob-monzo or mock (see banktui providers)")
	cmd.Flags().DurationVar(&timeout, "timeout", auth.DefaultLoginTimeout, "how long to wait for the browser")
	return cmd
}

// afterLogin lets the next sync fetch history the bank had held back until
// the user authenticated again (sca_exceeded).
func (a *app) afterLogin(ctx context.Context, conn *config.Connection) error {
	st, err := a.openStore()
	if err != nil {
		return err
	}
	return st.RetryOlderHistory(ctx, conn.ID)
}

func (a *app) stdinIsTerminal() bool {
	f, ok := a.stdin.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// pastedLines reads lines from stdin until ctx ends.
func (a *app) pastedLines(ctx context.Context) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(a.stdin)
		sc.Buffer(make([]byte, 64<<10), 64<<10)
		for sc.Scan() {
			select {
			case ch <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// explainLogin says what to do about a failed login.
func explainLogin(err error, s *config.Settings) error {
	switch {
	case errors.Is(err, auth.ErrPortInUse):
		return fmt.Errorf("another program listens on the redirect URI's port (%s): stop it, or register another redirect URI in the TrueLayer console and set TRUELAYER_REDIRECT_URI", s.RedirectURI)
	case errors.Is(err, auth.ErrNotLoopback):
		return usageErr("the redirect URI %s is not on this machine: use http://localhost:3000/callback (registered in the TrueLayer console)", s.RedirectURI)
	case errors.Is(err, auth.ErrLoginTimeout):
		return errors.New("nothing came back from the browser in time: run banktui login again (--timeout waits longer)")
	case errors.Is(err, auth.ErrLoginDenied):
		return fmt.Errorf("the bank connection was not allowed (%v): run banktui login again to retry", err)
	}
	var ae *truelayer.APIError
	if errors.As(err, &ae) && (ae.Code == "invalid_client" || ae.Code == "unauthorized_client") {
		return usageErr("TrueLayer rejected the client id or secret (%s): check TRUELAYER_CLIENT_ID, the secret, and sandbox vs live (banktui doctor)", ae.Code)
	}
	return explain(err)
}

func (a *app) logoutCommand() *cobra.Command {
	var all, forgetHistory bool
	cmd := &cobra.Command{
		Use:   "logout [CONNECTION | --all]",
		Short: "Revoke a bank connection at TrueLayer and forget its tokens",
		Long: "logout revokes the connection at TrueLayer and deletes its tokens. Its history stays\n" +
			"in the local store (offline reading, exports) unless --forget-history is given.",
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if all == (len(args) == 1) {
				return usageErr("give a connection id (see banktui connections) or --all")
			}
			m, _, err := a.loadManager(ctx)
			if err != nil {
				return err
			}
			conns, err := m.Connections()
			if err != nil {
				return err
			}
			var ids []string
			saved := map[string]bool{}
			for _, c := range conns {
				if all || c.ID == args[0] {
					ids = append(ids, c.ID)
					saved[c.ID] = true
				}
			}
			if forgetHistory { // also the history of connections logged out before
				st, err := a.openStore()
				if err != nil {
					return err
				}
				stored, err := st.Connections(ctx)
				if err != nil {
					return err
				}
				for _, c := range stored {
					if (all || c.ID == args[0]) && !slices.Contains(ids, c.ID) {
						ids = append(ids, c.ID)
					}
				}
			}
			if len(ids) == 0 {
				if all {
					fmt.Fprintln(a.stderr, "no connections to forget")
					return nil
				}
				return usageErr("no connection %q: run banktui connections to see their ids", args[0])
			}
			var failed []error
			for _, id := range ids {
				var err error
				if saved[id] {
					err = m.Logout(ctx, id)
				}
				switch {
				case !saved[id]:
				case errors.Is(err, auth.ErrRevokeFailed):
					fmt.Fprintf(a.stderr, "%s: forgotten here, but TrueLayer could not be told (%v); it expires on its own\n", id, shortErr(err))
				case err != nil:
					failed = append(failed, fmt.Errorf("%s: %w", id, err))
				default:
					fmt.Fprintf(a.stderr, "%s: revoked and forgotten\n", id)
				}
				if forgetHistory {
					st, err := a.openStore()
					if err == nil {
						err = st.ForgetConnection(ctx, id)
					}
					if err != nil {
						failed = append(failed, fmt.Errorf("%s: deleting its history: %w", id, err))
					} else {
						fmt.Fprintf(a.stderr, "%s: history deleted\n", id)
					}
				}
			}
			return errors.Join(failed...)
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "every connection")
	cmd.Flags().BoolVar(&forgetHistory, "forget-history", false, "also delete its accounts and transactions from the local store")
	cmd.ValidArgsFunction = func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		conns, _ := a.loadConnections()
		var out []string
		for _, c := range conns {
			out = append(out, c.ID+"\t"+c.ProviderName)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	return cmd
}

// ---- sync ----

func (a *app) syncCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "sync [CONNECTION...]",
		Short: "Fetch everything new from the bank into the local store",
		Long: "sync fetches accounts, cards, balances and transactions of every connection (or the\n" +
			"ones named) into the local store; the first sync of an account back-fills all the\n" +
			"history the bank gives. On a terminal it shows a progress bar, otherwise plain lines\n" +
			"(for cron).",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			y, ids, err := a.loadSyncer(ctx)
			if err != nil {
				return err
			}
			if len(args) > 0 {
				for _, id := range args {
					if !slices.Contains(ids, id) {
						return usageErr("no connection %q: run banktui connections to see their ids", id)
					}
				}
				ids = args
			}
			progress := a.newProgress()
			rep, err := y.Sync(ctx, ids, progress.event)
			progress.done()
			if err != nil {
				return explain(err)
			}
			if asJSON {
				if err := writeSyncJSON(a.stdout, rep); err != nil {
					return err
				}
			} else {
				writeSyncReport(a.stdout, rep)
			}
			return a.partialFailure(reportProblems(rep))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// progress shows sync events: a bar rewritten in place on a terminal, one
// line per event otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	mu    sync.Mutex
	state map[string]ledger.Event // latest event per connection
	added int
	width int
}

func (a *app) newProgress() *progress {
	p := &progress{w: a.stderr, state: map[string]ledger.Event{}, width: 80}
	if f, ok := a.stderr.(*os.File); ok && term.IsTerminal(f.Fd()) {
		p.tty = true
		if w, _, err := term.GetSize(f.Fd()); err == nil && w > 20 {
			p.width = w
		}
	}
	return p
}

func (p *progress) event(e ledger.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.added += e.Added
	if !p.tty {
		line := e.ConnectionID + ": " + e.Phase
		if e.AccountID != "" {
			line += " " + e.AccountID
		}
		if e.Total > 0 {
			line += fmt.Sprintf(" %d/%d", e.Done, e.Total)
		}
		if e.Added > 0 {
			line += fmt.Sprintf(" +%d", e.Added)
		}
		if e.Err != nil {
			line += " error: " + explain(e.Err).Error()
		}
		fmt.Fprintln(p.w, line)
		return
	}
	p.state[e.ConnectionID] = e
	done, total := 0, 0
	var phases []string
	for _, id := range slices.Sorted(maps.Keys(p.state)) {
		s := p.state[id]
		phase := s.Phase
		if s.Phase == ledger.PhaseDone && s.AccountID == "" {
			done++
		} else if s.Total > 0 {
			phase += fmt.Sprintf(" %d/%d", s.Done, s.Total)
		}
		total++
		phases = append(phases, id+" "+phase)
	}
	const barWidth = 24
	fill := 0
	if total > 0 {
		frac := 0.0
		for _, s := range p.state {
			frac += connectionProgress(s)
		}
		fill = min(barWidth, int(frac/float64(total)*barWidth))
	}
	line := fmt.Sprintf("[%s%s] %d new  %s", strings.Repeat("█", fill), strings.Repeat("░", barWidth-fill), p.added, strings.Join(phases, ", "))
	fmt.Fprint(p.w, "\r"+ansi.Truncate(line, p.width-1, "…")+"\x1b[K")
}

// connectionProgress estimates how far a connection's sync is from its
// latest event; transactions are most of the work.
func connectionProgress(e ledger.Event) float64 {
	part := 0.0
	if e.Total > 0 {
		part = float64(e.Done) / float64(e.Total)
	}
	switch {
	case e.Phase == ledger.PhaseDone && e.AccountID == "":
		return 1
	case e.Phase == ledger.PhaseTransactions, e.Phase == ledger.PhaseDone:
		return 0.2 + 0.8*part
	case e.Phase == ledger.PhaseBalances:
		return 0.05 + 0.15*part
	}
	return 0.02
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

func writeSyncReport(w io.Writer, rep *ledger.Report) {
	t := newTable("CONNECTION", "ACCOUNT", " NEW", " PENDING", "NOTE")
	for _, c := range rep.Connections {
		if c.Err != nil {
			t.row(c.ConnectionID, "-", "", "", explain(c.Err).Error())
			continue
		}
		for _, acc := range c.Accounts {
			note := ""
			switch {
			case errors.Is(acc.Err, truelayer.ErrNotSupported):
				note = "not supported by the bank"
			case errors.Is(acc.Err, truelayer.ErrSCAExceeded):
				note = "older history needs you to re-authenticate (banktui login)"
			case acc.Err != nil:
				note = explain(acc.Err).Error()
			case acc.HistoryLimit == ledger.SyncErrSCAExceeded:
				note = "older history needs you to re-authenticate (banktui login)"
			case acc.HistoryLimit != "":
				note = "all the history the bank gives"
			}
			t.row(c.ConnectionID, ledger.Sanitize(acc.DisplayName), fmt.Sprint(acc.Added), fmt.Sprint(acc.Pending), note)
		}
	}
	_ = t.write(w)
	fmt.Fprintf(w, "\n%d new transactions in %s\n", rep.Added(), rep.Duration.Round(time.Millisecond))
}

func writeSyncJSON(w io.Writer, rep *ledger.Report) error {
	type accountOut struct {
		AccountID    string `json:"account_id"`
		Kind         string `json:"kind"`
		DisplayName  string `json:"display_name"`
		Added        int    `json:"added"`
		Pending      int    `json:"pending"`
		HistoryLimit string `json:"history_limit,omitempty"`
		Error        string `json:"error,omitempty"`
	}
	type connOut struct {
		ConnectionID string       `json:"connection_id"`
		ProviderID   string       `json:"provider_id"`
		Error        string       `json:"error,omitempty"`
		Accounts     []accountOut `json:"accounts"`
	}
	out := struct {
		Connections []connOut `json:"connections"`
		Added       int       `json:"added"`
		DurationMS  int64     `json:"duration_ms"`
	}{Connections: []connOut{}, Added: rep.Added(), DurationMS: rep.Duration.Milliseconds()}
	for _, c := range rep.Connections {
		co := connOut{ConnectionID: c.ConnectionID, ProviderID: c.ProviderID, Accounts: []accountOut{}}
		if c.Err != nil {
			co.Error = explain(c.Err).Error()
		}
		for _, acc := range c.Accounts {
			ao := accountOut{AccountID: acc.AccountID, Kind: acc.Kind, DisplayName: acc.DisplayName, Added: acc.Added, Pending: acc.Pending, HistoryLimit: acc.HistoryLimit}
			if acc.Err != nil {
				ao.Error = explain(acc.Err).Error()
			}
			co.Accounts = append(co.Accounts, ao)
		}
		out.Connections = append(out.Connections, co)
	}
	return writeJSON(w, out)
}

// ---- the emulator and the demo bank ----

func (a *app) emulatorCommand() *cobra.Command {
	var addr, approve, redirect string
	var seed int64
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Serve the demo bank: a TrueLayer auth server and Data API on this machine",
		Long: "emulator serves a TrueLayer-compatible auth server and Data API with a deterministic\n" +
			"demo bank, for trying banktui (or your own TrueLayer app) offline. It prints the client\n" +
			"id, secret, redirect URI and the two base URLs to use with it.",
		Example: "  banktui emulator --addr 127.0.0.1:8787\n" +
			"  banktui login --provider ob-northgate\n" +
			"  banktui sync",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := []truelayertest.Option{truelayertest.WithSeed(seed)}
			if approve != "" {
				opts = append(opts, truelayertest.WithAutoApprove(approve, ""))
			}
			srv, err := truelayertest.Listen(addr, opts...)
			if err != nil {
				return fmt.Errorf("cannot listen on %s (%v): pick another with --addr", addr, err)
			}
			defer srv.Close()
			if !slices.Contains(truelayertest.DefaultRedirectURIs, redirect) {
				u, err := url.Parse(redirect)
				if err != nil || u.Scheme == "" || u.Host == "" {
					return usageErr("--redirect-uri %q is not a URL, e.g. http://127.0.0.1:3001/callback", redirect)
				}
				srv.RegisterClient(truelayertest.ClientRegistration{
					ID: truelayertest.DefaultClientID, Secret: truelayertest.DefaultClientSecret,
					RedirectURIs: append(slices.Clone(truelayertest.DefaultRedirectURIs), redirect),
				})
			}
			fmt.Fprintf(a.stdout, "banktui emulator: TrueLayer auth server and Data API with the demo bank on %s\n\n", srv.URL())
			fmt.Fprintf(a.stdout, "export %s=%s\n", config.EnvClientID, truelayertest.DefaultClientID)
			fmt.Fprintf(a.stdout, "export %s=%s\n", config.EnvClientSecret, truelayertest.DefaultClientSecret)
			fmt.Fprintf(a.stdout, "export %s=%s\n", config.EnvRedirectURI, redirect)
			fmt.Fprintf(a.stdout, "export %s=%s\n", config.EnvAuthURL, srv.AuthURL())
			fmt.Fprintf(a.stdout, "export %s=%s\n", config.EnvAPIURL, srv.APIURL())
			fmt.Fprintf(a.stdout, "\nBanks: ob-northgate (Northgate Bank), ob-nova (Nova), ob-castle (Castle Bank), mock.\n")
			fmt.Fprintf(a.stdout, "Users: john / doe (and johnN / doeN), john / eternal, error.<code> / error.\n")
			fmt.Fprintf(a.stdout, "Then: banktui login. Stop with Ctrl+C.\n")
			if f, ok := a.stdout.(*os.File); ok {
				_ = f.Sync()
			}
			<-cmd.Context().Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8787", "address to listen on")
	cmd.Flags().Int64Var(&seed, "seed", 1, "demo bank seed (another seed, another deterministic bank)")
	cmd.Flags().StringVar(&approve, "auto-approve", "", "approve every consent at once as this user (e.g. john), skipping the dialog")
	cmd.Flags().StringVar(&redirect, "redirect-uri", config.DefaultRedirectURI, "redirect URI to register for the demo client (when port 3000 is taken)")
	return cmd
}

// demoProviders are the banks the demo connects: a full bank and one without
// cards, so the demo shows both.
var demoProviders = []string{"ob-northgate", "ob-nova"}

// useDemo points a subcommand at the demo bank (banktui --demo balance, say):
// its temporary files, its settings and its connections replace the user's,
// which are never read or written.
func (a *app) useDemo(ctx context.Context) error {
	d, err := a.startDemo(ctx)
	if err != nil {
		return fmt.Errorf("cannot start the demo bank: %w", err)
	}
	a.closers = append(a.closers, func() error { d.close(); return nil })
	real, err := a.loadPaths()
	if err != nil {
		return err
	}
	a.paths = &config.Paths{
		ConfigFile:      filepath.Join(d.dir, "config.toml"),
		CredentialsFile: filepath.Join(d.dir, "credentials.json"),
		DataDir:         d.dir,
		LedgerDB:        filepath.Join(d.dir, "ledger.db"),
		StateDir:        real.StateDir,
		DebugLog:        real.DebugLog,
	}
	a.settings = &config.Settings{
		ClientID: d.client.ID, ClientSecret: d.client.Secret, RedirectURI: d.client.RedirectURIs[0],
		AuthURL: d.server.AuthURL(), APIURL: d.server.APIURL(), Scopes: truelayer.DefaultScopes,
		Sources: map[string]string{}, File: filepath.Join(d.dir, "config.toml"),
	}
	a.addSecret(d.client.Secret)
	a.store, a.manager, a.syncer = d.store, d.manager, d.syncer
	return nil
}

// runDemo runs the TUI on the demo bank: the emulator in-process on loopback,
// a temporary config dir and ledger (real credentials are never touched), a
// real auth.Login against it (auto-approved), a sync, then the TUI.
func (a *app) runDemo(ctx context.Context, keys map[string][]string) error {
	demo, err := a.startDemo(ctx)
	if err != nil {
		return fmt.Errorf("cannot start the demo bank: %w", err)
	}
	defer demo.close()
	return ui.Run(ctx, ui.Options{
		Store: demo.store, Syncer: demo.syncer, Connections: consentsOf(demo.manager.Connections),
		Login: demo.login, Demo: true, Keys: keys,
	})
}

type demoBank struct {
	server   *truelayertest.Server
	client   truelayertest.ClientRegistration
	dir      string
	store    *ledger.Store
	manager  *auth.Manager
	syncer   *ledger.Syncer
	login    func(ctx context.Context, show func(string)) (ledger.Consent, error)
	closeFns []func()
}

func (d *demoBank) close() {
	for i := len(d.closeFns) - 1; i >= 0; i-- {
		d.closeFns[i]()
	}
}

// startDemo sets up the demo bank and syncs it.
func (a *app) startDemo(ctx context.Context) (_ *demoBank, err error) {
	d := &demoBank{}
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	d.dir, err = os.MkdirTemp("", "banktui-demo-")
	if err != nil {
		return nil, err
	}
	d.closeFns = append(d.closeFns, func() { os.RemoveAll(d.dir) })

	d.server = truelayertest.NewServer(truelayertest.WithAutoApprove("john", demoProviders[0]))
	d.closeFns = append(d.closeFns, d.server.Close)

	// The login's loopback listener needs a port; register a client for it.
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	client := truelayertest.ClientRegistration{
		ID: "banktui-demo-" + fmt.Sprint(port), Secret: "demo-secret-" + fmt.Sprint(os.Getpid()),
		RedirectURIs: []string{fmt.Sprintf("http://127.0.0.1:%d/callback", port)},
	}
	d.server.RegisterClient(client)
	d.client = client
	hc := a.httpClient()
	ac := truelayer.NewAuthClient(hc, truelayer.AuthConfig{
		ClientID: client.ID, ClientSecret: client.Secret, RedirectURI: client.RedirectURIs[0], AuthURL: d.server.AuthURL(),
	})
	creds := config.OpenCredentials(filepath.Join(d.dir, "credentials.json"))
	d.manager = auth.NewManager(creds, ac, auth.WithTransport(hc.Transport))
	d.store, err = ledger.Open(filepath.Join(d.dir, "ledger.db"))
	if err != nil {
		return nil, err
	}
	d.closeFns = append(d.closeFns, func() { d.store.Close() })
	clients := func(ctx context.Context, id string) (*truelayer.Client, error) {
		return d.manager.Client(ctx, id, truelayer.WithBaseURL(d.server.APIURL()))
	}
	d.syncer = ledger.NewSyncer(d.store, clients)

	// The auto-approving dialog redirects straight to the loopback listener,
	// so "opening the browser" is an HTTP GET that follows the redirect.
	loginAs := func(ctx context.Context, provider string, show func(string)) (*config.Connection, error) {
		return auth.Login(ctx, auth.LoginOptions{
			Auth: ac, APIURL: d.server.APIURL(), RedirectURI: client.RedirectURIs[0], ProviderID: provider,
			Store: creds, HTTPClient: hc, ShowURL: show, Timeout: 30 * time.Second,
			Open: func(u string) error {
				// In the background: the callback page answers only once
				// Login has exchanged the code.
				go func() {
					resp, err := hc.Get(u)
					if err == nil {
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}()
				return nil
			},
		})
	}
	var ids []string
	for _, p := range demoProviders {
		conn, err := loginAs(ctx, p, nil)
		if err != nil {
			return nil, fmt.Errorf("demo login to %s: %w", p, err)
		}
		ids = append(ids, conn.ID)
	}
	if _, err := d.syncer.Sync(ctx, ids, nil); err != nil {
		return nil, fmt.Errorf("demo sync: %w", err)
	}
	// L in the demo connects one more demo bank, through the same real flow.
	d.login = func(ctx context.Context, show func(string)) (ledger.Consent, error) {
		conn, err := loginAs(ctx, "ob-castle", show)
		if err != nil {
			return ledger.Consent{}, err
		}
		return consentOf(*conn), nil
	}
	return d, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
