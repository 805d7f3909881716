package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/ledger"
)

type doctorOptions struct {
	IO      *IOStreams
	Factory *Factory
	Now     func() time.Time
}

func newCmdDoctor(f *Factory) *cobra.Command {
	opts := &doctorOptions{IO: f.IO, Factory: f, Now: time.Now}
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check paths, permissions, settings, the redirect URI and every connection",
		Long: "doctor prints every file with its permissions, each setting in effect and where it\n" +
			"came from, whether the redirect URI's port is free, and each connection's consent and\n" +
			"a live /me call. It exits 1 when a FAIL line needs fixing; each says what to do.",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runDoctor(cmd.Context(), opts) },
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
	fmt.Fprintf(d.w, "  %-4s  %-22s %s\n", status, what, ledger.Sanitize(detail))
}

func (d *doctorReport) section(title string) { fmt.Fprintf(d.w, "\n%s\n", title) }

func runDoctor(ctx context.Context, opts *doctorOptions) error {
	f := opts.Factory
	d := &doctorReport{w: opts.IO.Out}
	fmt.Fprintf(d.w, "banktui %s\n", f.Version)
	p, err := f.Paths()
	if err != nil {
		return err
	}
	d.section("Files")
	doctorFiles(ctx, d, f, p)

	d.section("Settings")
	s, err := f.Settings()
	if err != nil {
		d.line("FAIL", "config.toml", oneLine(err.Error()))
		return fmt.Errorf("doctor found %d problem(s); fix the FAIL lines above", d.fails)
	}
	doctorSecret(ctx, d, s)
	doctorEnvironment(d, s)
	doctorPresence(d, f, s)
	if err := checkKeys(s); err != nil {
		d.line("FAIL", "[keys]", err.Error())
	} else if len(s.Keys) > 0 {
		d.line("ok", "[keys]", fmt.Sprintf("%d rebound action(s)", len(s.Keys)))
	}

	d.section("Connections")
	doctorConnections(ctx, d, f, s, opts.Now())
	if d.fails > 0 {
		return fmt.Errorf("doctor found %d problem(s); fix the FAIL lines above", d.fails)
	}
	_, err = fmt.Fprintln(d.w, "\nall good")
	return err
}

func doctorFiles(ctx context.Context, d *doctorReport, f *Factory, p config.Paths) {
	checkPath(d, "settings", p.ConfigFile, 0o600, false)
	checkPath(d, "credentials", p.CredentialsFile, 0o600, true)
	checkTokenDir(d, filepath.Dir(p.CredentialsFile), p.CredentialsFile)
	checkPath(d, "ledger", p.LedgerDB, 0o600, true)
	if _, err := os.Stat(p.LedgerDB); err == nil {
		if st, err := f.Store(); err != nil {
			d.line("FAIL", "ledger", err.Error())
		} else if err := st.Check(ctx); err != nil {
			d.line("FAIL", "ledger integrity", ledger.Explain(err).Text(ledger.CLI))
		} else {
			d.line("ok", "ledger integrity", "ok")
		}
	}
	checkPath(d, "debug log", p.DebugLog, 0o600, true)
}

// show prints a setting in effect with where it came from.
func show(d *doctorReport, s *config.Settings, key, value string) {
	src := s.Sources[key]
	if src == "" {
		src = "unset"
	}
	d.line("ok", key, fmt.Sprintf("%s  (%s)", orDash(value), src))
}

func doctorSecret(ctx context.Context, d *doctorReport, s *config.Settings) {
	if !s.Configured() {
		d.line("warn", "client_id", "not set: banktui runs the demo bank. Set TRUELAYER_CLIENT_ID (see README, Connecting a real bank)")
	} else {
		show(d, s, config.KeyClientID, s.ClientID)
	}
	switch {
	case s.ClientSecret != "":
		show(d, s, config.KeyClientSecret, "(set, hidden)")
	case s.ClientSecretCommand != "":
		show(d, s, config.KeyClientSecretCommand, s.ClientSecretCommand)
		if _, err := s.Secret(ctx); err != nil {
			d.line("FAIL", "client_secret_command", err.Error())
		} else {
			d.line("ok", "client_secret_command", "runs and prints a secret")
		}
	case s.Configured():
		d.line("FAIL", "client_secret", config.ErrNoClientSecret.Error())
	}
}

// doctorEnvironment shows the TrueLayer hosts in effect and where they came
// from, and checks the client id against a named environment.
func doctorEnvironment(d *doctorReport, s *config.Settings) {
	env := environment(s)
	d.line("ok", config.KeyEnvironment, fmt.Sprintf("%s  (%s)", env.Name, environmentSource(s)))
	if s.Configured() {
		kind, why := clientKind(s.ClientID)
		if s.Environment != "" && namedEnvironment(s).Name != kind {
			d.line("FAIL", "environment", fmt.Sprintf("%s, but the client id (%s) is a %s client: TrueLayer will reject it; fix %s or the client id",
				s.Environment, why, kind, sourceName(s, config.KeyEnvironment)))
		} else {
			d.line("ok", "client id prefix", fmt.Sprintf("%s: a %s client", why, kind))
		}
	}
	// Hosts not set come from the environment: say which.
	for _, h := range []struct{ key, url string }{{config.KeyAuthURL, env.AuthURL}, {config.KeyAPIURL, env.APIURL}} {
		if s.Sources[h.key] == "" {
			d.line("ok", h.key, fmt.Sprintf("%s  (the %s environment's)", h.url, namedEnvironment(s).Name))
		} else {
			show(d, s, h.key, h.url)
		}
	}
	show(d, s, config.KeyScopes, strings.Join(s.Scopes, " "))
	show(d, s, config.KeyRedirectURI, s.RedirectURI)
	checkRedirect(d, s.RedirectURI)
	if s.Timezone == "" {
		d.line("ok", config.KeyTimezone, fmt.Sprintf("%s  (the system's)", s.Zone()))
	} else {
		show(d, s, config.KeyTimezone, s.Zone().String())
	}
}

// sourceName is where to fix a setting: the variable, the flag or the file.
func sourceName(s *config.Settings, key string) string {
	e := s.Invalid(key, "", nil)
	if e.File != "" {
		return fmt.Sprintf("%s in %s:%d", key, e.File, e.Line)
	}
	return e.Key
}
