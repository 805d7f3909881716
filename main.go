// Command banktui is a terminal browser for your own bank accounts, cards and
// transactions, through the TrueLayer Data API.
//
// Without a subcommand it opens the TUI (the built-in demo bank when no
// TrueLayer client is configured); every view of the TUI has a scriptable twin
// among the subcommands, and both compute their numbers through the ledger.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/fang"
	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer"
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
	paths    *config.Paths
	settings *config.Settings
	log      *slog.Logger
	secrets  []string // values the debug log must never contain
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
		Example: "  banktui                 # the TUI (demo bank until you configure a client)\n" +
			"  banktui login           # connect a bank\n" +
			"  banktui balance         # quick balance check\n" +
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

	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return a.startLogging() }
	root.AddCommand(a.versionCommand(), a.providersCommand(), a.doctorCommand())
	return root
}

func (a *app) runTUI(cmd *cobra.Command, _ []string) error {
	return errors.New("the TUI is not wired yet in this build")
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(a.stdout, "banktui %s\n", version)
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
	msg := err.Error()
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
	if s.ClientSecret != "" {
		a.secrets = append(a.secrets, s.ClientSecret)
	}
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

// redact removes known secret values and anything that looks like a token.
func (a *app) redact(s string) string {
	for _, v := range a.secrets {
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
		a.secrets = append(a.secrets, secret)
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
	checkPath(d, "config directory", filepath.Dir(p.CredentialsFile), 0o700, true)
	checkPath(d, "ledger", p.LedgerDB, 0o600, true)
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
	if s.Configured() && s.Environment != "" {
		implied := truelayer.EnvironmentFor(s.ClientID).Name
		if (s.Environment == "live" || s.Environment == "sandbox") && implied != s.Environment {
			d.line("warn", "environment", fmt.Sprintf("%s, but the client id prefix implies %s", s.Environment, implied))
		}
	}
	show(config.KeyAuthURL, env.AuthURL)
	show(config.KeyAPIURL, env.APIURL)
	show(config.KeyScopes, strings.Join(s.Scopes, " "))
	show(config.KeyRedirectURI, s.RedirectURI)
	checkRedirect(d, s.RedirectURI)

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

// currencySymbols are the symbols shown in tables; others print their code.
var currencySymbols = map[string]string{"GBP": "£", "EUR": "€", "USD": "$", "JPY": "¥"}

// minorDigits is the number of decimals a currency shows (ISO 4217).
func minorDigits(currency string) int32 {
	switch currency {
	case "JPY", "KRW", "ISK", "HUF":
		return 0
	}
	return 2
}

// formatMoney renders an amount for people: "-£1,234.50", "1,000.00 CHF".
// It is exact: amounts with more decimals than the currency uses keep them.
func formatMoney(a truelayer.Amount, currency string) string {
	places := minorDigits(currency)
	if exp := a.Decimal().Exponent(); -exp > places {
		places = -exp
	}
	s := a.Abs().StringFixed(places)
	intPart, frac, _ := strings.Cut(s, ".")
	var g strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			g.WriteByte(',')
		}
		g.WriteRune(r)
	}
	num := g.String()
	if frac != "" {
		num += "." + frac
	}
	sign := ""
	if a.Sign() < 0 {
		sign = "-"
	}
	if sym, ok := currencySymbols[currency]; ok {
		return sign + sym + num
	}
	if currency == "" {
		return sign + num
	}
	return sign + num + " " + currency
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
		return &needsLoginError{msg: "the bank's consent has expired or was revoked: run banktui login to reconnect (" + shortErr(err) + ")"}
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

func shortErr(err error) string {
	var ae *truelayer.APIError
	if errors.As(err, &ae) {
		if ae.StatusCode != 0 {
			s := fmt.Sprintf("%d %s", ae.StatusCode, ae.Code)
			if ae.CorrelationID != "" {
				s += ", correlation id " + ae.CorrelationID
			}
			return s
		}
	}
	return err.Error()
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "the server"
}

// doctorMe checks a connection live; filled in once auth's Manager is wired.
func (a *app) doctorMe(ctx context.Context, d *doctorReport, s *config.Settings, c config.Connection) {
}
