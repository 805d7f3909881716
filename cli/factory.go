package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

// Factory holds what one invocation needs and opens it on first use: the
// paths, the settings, the store, the token manager and the syncer. So
// `banktui version` or `--help` never touch the disk or the network, and a
// command reading the store never runs a client_secret_command.
type Factory struct {
	IO      *IOStreams
	Getenv  func(string) string
	Version string

	// DefaultPaths finds banktui's files (config.DefaultPaths); tests point
	// it at a temporary home.
	DefaultPaths func() (config.Paths, error)
	// OpenBrowser shows the consent page (auth.OpenBrowser); tests follow
	// the link over HTTP instead.
	OpenBrowser func(url string) error

	args []string // as given, for the debug log

	// global flags
	demo, debug bool
	configPath  string

	// present: the user is at this run whatever the streams are (the TUI,
	// a login); see userPresent.
	present bool
	// tuiRuns: the TUI owns the terminal, so nothing may be printed.
	tuiRuns atomic.Bool
	psuOnce sync.Once
	psu     string

	log      *slog.Logger
	secrets  secretSet
	closers  []func() error
	deadline context.Context // the command's, if it has one (deadline.go)

	paths    *config.Paths
	settings *config.Settings
	store    *ledger.Store

	// storeOptions and credentialOptions open the ledger and the
	// credentials file; tests fill their disks with them. clientOptions
	// go to every Data API client; tests lower its limits with them.
	storeOptions      []ledger.OpenOption
	credentialOptions []config.CredentialsOption
	clientOptions     []truelayer.Option

	mu      sync.Mutex // the syncer asks for clients from several goroutines
	manager *auth.Manager
	syncer  *ledger.Syncer
}

// NewFactory returns a Factory over streams, with getenv as the environment.
func NewFactory(streams *IOStreams, getenv func(string) string, version string) *Factory {
	return &Factory{
		IO: streams, Getenv: getenv, Version: version,
		DefaultPaths: config.DefaultPaths, OpenBrowser: auth.OpenBrowser,
	}
}

// close releases what the run opened, newest first, and reports what
// failed to close.
func (f *Factory) close() error {
	var errs []error
	for i := len(f.closers) - 1; i >= 0; i-- {
		errs = append(errs, f.closers[i]())
	}
	f.closers = nil
	return errors.Join(errs...)
}

// refreshGrace bounds how long an exiting banktui waits for a token refresh
// in flight, so the rotated refresh token is saved rather than lost.
const refreshGrace = 30 * time.Second

// closeManager waits (bounded) for m's refreshes in flight and their saves.
func closeManager(m *auth.Manager) func() error {
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), refreshGrace)
		defer cancel()
		return m.Close(ctx)
	}
}

// Paths resolves the files banktui uses; --config overrides the settings
// file (and so the credentials file beside it).
func (f *Factory) Paths() (config.Paths, error) {
	if f.paths != nil {
		return *f.paths, nil
	}
	p, err := f.DefaultPaths()
	if err != nil {
		return config.Paths{}, fmt.Errorf("cannot find banktui's directories: %w", err)
	}
	if f.configPath != "" {
		abs, err := filepath.Abs(f.configPath)
		if err != nil {
			return config.Paths{}, usageErr("--config %q: %v", f.configPath, err)
		}
		p.ConfigFile = abs
		p.CredentialsFile = filepath.Join(filepath.Dir(abs), "credentials.json")
	}
	f.paths = &p
	return p, nil
}

// Settings applies flag > environment > config.toml > default, then
// TrueLayer's rules (settings.go).
func (f *Factory) Settings() (*config.Settings, error) {
	if f.settings != nil {
		return f.settings, nil
	}
	p, err := f.Paths()
	if err != nil {
		return nil, err
	}
	s, err := config.Load(p, f.Getenv, config.Overrides{})
	if err != nil {
		return nil, err
	}
	if err := applyTrueLayer(s); err != nil {
		return nil, err
	}
	f.settings = s
	f.secrets.add(s.ClientSecret)
	return s, nil
}

// Configured is Settings, insisting on a TrueLayer client.
func (f *Factory) Configured() (*config.Settings, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	if !s.Configured() {
		return nil, usageErr("no TrueLayer client configured: set TRUELAYER_CLIENT_ID and TRUELAYER_CLIENT_SECRET (README: Connecting a real bank), or try banktui --demo")
	}
	return s, nil
}

// Store opens the local history; reads never touch the network.
func (f *Factory) Store() (*ledger.Store, error) {
	if f.store != nil {
		return f.store, nil
	}
	p, err := f.Paths()
	if err != nil {
		return nil, err
	}
	// Before the TUI owns the terminal: the one line says why a long
	// history's first open by a new version waits.
	upgrading := ledger.WithUpgradeNotice(func(from, to int) {
		fmt.Fprintf(f.IO.ErrOut, "banktui: updating your history to this version's format (once; a long history takes a few seconds): %s\n", p.LedgerDB)
	})
	// A sync in another terminal (or a cron job's) can hold the write lock
	// for a window's commit: say why this command pauses, once.
	var waitOnce sync.Once
	waiting := ledger.WithLockWaitNotice(func() {
		waitOnce.Do(func() {
			if !f.tuiRuns.Load() {
				fmt.Fprintf(f.IO.ErrOut, "banktui: another program (another banktui syncing?) is writing %s; waiting for it to finish\n", p.LedgerDB)
			}
		})
	})
	st, err := ledger.Open(p.LedgerDB, append([]ledger.OpenOption{upgrading, waiting}, f.storeOptions...)...)
	if err != nil {
		return nil, err // ledger.Explain names the file
	}
	f.store = st
	f.closers = append(f.closers, st.Close)
	return st, nil
}

// StoredAccounts returns the accounts and cards in the store. When it holds
// none yet: with no bank connected, a needs-login error; with connections
// saved, a sync first when someone is at a terminal, else an error that
// says to run banktui sync (never "connect a bank" to someone who has).
func (f *Factory) StoredAccounts(ctx context.Context) ([]ledger.AccountView, error) {
	st, err := f.Store()
	if err != nil {
		return nil, err
	}
	views, err := st.Accounts(ctx)
	if err != nil || len(views) > 0 {
		return views, err
	}
	conns, err := f.Connections()
	if err != nil {
		return nil, err
	}
	if len(conns) == 0 {
		return nil, needsLoginErr("no bank connected yet: connect one with banktui login (or try banktui --demo)")
	}
	notYet := &cliError{msg: fmt.Sprintf("nothing synced yet from your %d bank connection(s): run banktui sync", len(conns)), code: exitFailure}
	if !f.userPresent() {
		return nil, notYet
	}
	fmt.Fprintln(f.IO.ErrOut, "Nothing synced yet: syncing your banks first.")
	serr := f.syncAll(ctx)
	if views, err = st.Accounts(ctx); err != nil || len(views) > 0 {
		if serr != nil && err == nil {
			fmt.Fprintf(f.IO.ErrOut, "banktui: %v\n", serr) // what did not sync; the rest is shown
		}
		return views, err
	}
	if serr != nil {
		return nil, serr
	}
	return nil, notYet
}

// syncAll syncs every connection with the progress display; the failures
// are the error.
func (f *Factory) syncAll(ctx context.Context) error {
	rep, err := f.syncShown(ctx, nil)
	if err != nil {
		return err
	}
	return partialFailure(f.IO, reportProblems(rep))
}

// credentials is the store of the credentials file at path.
func (f *Factory) credentials(path string) *config.CredentialStore {
	return config.OpenCredentials(path, f.credentialOptions...)
}

// Connections are the saved bank connections (credentials.json).
func (f *Factory) Connections() ([]config.Connection, error) {
	p, err := f.Paths()
	if err != nil {
		return nil, err
	}
	creds, err := f.credentials(p.CredentialsFile).Load()
	if err != nil {
		return nil, err
	}
	return creds.Connections, nil
}

// Manager is the token manager over credentials.json.
func (f *Factory) Manager(ctx context.Context) (*auth.Manager, *config.Settings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.Configured()
	if err != nil {
		return nil, nil, err
	}
	if f.manager != nil {
		return f.manager, s, nil
	}
	p, err := f.Paths()
	if err != nil {
		return nil, nil, err
	}
	ac, err := f.authClient(ctx, s, true)
	if err != nil {
		return nil, nil, err
	}
	f.manager = auth.NewManager(f.credentials(p.CredentialsFile), ac, auth.WithTransport(f.httpClient().Transport),
		auth.WithTimeouts(f.requestTimeouts()))
	f.closers = append(f.closers, closeManager(f.manager))
	return f.manager, s, nil
}

// Syncer returns the ledger's sync engine and every connection's id.
func (f *Factory) Syncer(ctx context.Context) (*ledger.Syncer, []string, error) {
	m, _, err := f.Manager(ctx)
	if err != nil {
		return nil, nil, err
	}
	conns, err := m.Connections()
	if err != nil {
		return nil, nil, err
	}
	if len(conns) == 0 {
		return nil, nil, needsLoginErr("no bank connected yet: run banktui login")
	}
	st, err := f.Store()
	if err != nil {
		return nil, nil, err
	}
	if f.syncer == nil {
		f.syncer = f.newSyncer(st)
	}
	ids := make([]string, len(conns))
	for i, c := range conns {
		ids[i] = c.ID
	}
	return f.syncer, ids, nil
}

// newSyncer is the sync engine over st for the user's connections: it calls
// only what each was granted, and their clients say whether the user is
// present (dataClient).
func (f *Factory) newSyncer(st *ledger.Store) *ledger.Syncer {
	return ledger.NewSyncer(st, f.dataClient, ledger.WithGrantedScopes(f.grantedScopes), ledger.WithConsentLost(f.consentLost))
}

// consentLost marks a connection whose bank denied its account list as
// needing a reconnect, as a refused refresh is.
func (f *Factory) consentLost(connectionID, reason string) {
	m, _, err := f.Manager(context.Background())
	if err == nil {
		err = m.MarkNeedsReconnect(connectionID, reason)
	}
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "banktui: %s: could not record that it needs reconnecting: %v\n", connectionID, err)
	}
}

// grantedScopes are the scopes credentials.json records for a connection;
// nil (every endpoint tried) when it cannot be read or records none.
func (f *Factory) grantedScopes(connectionID string) []string {
	return grantedIn(f.Connections, connectionID)
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
