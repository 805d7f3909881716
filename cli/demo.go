package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// demoProviders are the banks the demo connects: a full bank and one without
// cards, so the demo shows both. L in the demo TUI connects demoExtraProvider.
var demoProviders = []string{"ob-northgate", "ob-nova"}

const demoExtraProvider = "ob-castle"

// demoBank is the emulator in-process on loopback with a temporary config
// directory and ledger (real credentials are never touched), connected
// through the real auth.Login (auto-approved) and synced.
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

// useDemo points a subcommand at the demo bank (banktui --demo balance, say):
// its temporary files, its settings and its connections replace the user's,
// which are never read or written.
func (f *Factory) useDemo(ctx context.Context) error {
	d, err := f.startDemo(ctx)
	if err != nil {
		return fmt.Errorf("cannot start the demo bank: %w", err)
	}
	f.closers = append(f.closers, func() error { d.close(); return nil })
	real, err := f.Paths()
	if err != nil {
		return err
	}
	f.paths = &config.Paths{
		ConfigFile:      filepath.Join(d.dir, "config.toml"),
		CredentialsFile: filepath.Join(d.dir, "credentials.json"),
		DataDir:         d.dir,
		LedgerDB:        filepath.Join(d.dir, "ledger.db"),
		StateDir:        real.StateDir,
		DebugLog:        real.DebugLog,
	}
	f.settings = &config.Settings{
		ClientID: d.client.ID, ClientSecret: d.client.Secret, RedirectURI: d.client.RedirectURIs[0],
		AuthURL: d.server.AuthURL(), APIURL: d.server.APIURL(), Scopes: slices.Clone(auth.DefaultScopes),
		Sources: map[string]string{config.KeyAuthURL: "the demo bank", config.KeyAPIURL: "the demo bank"},
		File:    filepath.Join(d.dir, "config.toml"),
	}
	f.secrets.add(d.client.Secret)
	f.store, f.manager, f.syncer = d.store, d.manager, d.syncer
	return nil
}

// startDemo sets up the demo bank and syncs it.
func (f *Factory) startDemo(ctx context.Context) (_ *demoBank, err error) {
	d := &demoBank{}
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	if d.dir, err = os.MkdirTemp("", "banktui-demo-"); err != nil {
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
	d.client = truelayertest.ClientRegistration{
		ID: fmt.Sprintf("banktui-demo-%d", port), Secret: fmt.Sprintf("demo-secret-%d", os.Getpid()),
		RedirectURIs: []string{fmt.Sprintf("http://127.0.0.1:%d/callback", port)},
	}
	d.server.RegisterClient(d.client)
	hc := f.httpClient()
	ac := truelayer.NewAuthClient(hc, truelayer.AuthConfig{
		ClientID: d.client.ID, ClientSecret: d.client.Secret, RedirectURI: d.client.RedirectURIs[0],
		AuthURL: d.server.AuthURL(),
	}, truelayer.WithUserAgent(f.userAgent()))
	creds := config.OpenCredentials(filepath.Join(d.dir, "credentials.json"))
	d.manager = auth.NewManager(creds, ac, auth.WithTransport(hc.Transport))
	d.closeFns = append(d.closeFns, func() { _ = closeManager(d.manager)() })
	if d.store, err = ledger.Open(filepath.Join(d.dir, "ledger.db")); err != nil {
		return nil, err
	}
	d.closeFns = append(d.closeFns, func() { d.store.Close() })
	// The demo is interactive: its clients say the user is present, and it
	// calls what each connection was granted, as banktui does for a bank.
	psu := routeAddress(d.server.APIURL())
	d.syncer = ledger.NewSyncer(d.store, func(ctx context.Context, id string) (*truelayer.Client, error) {
		return d.manager.Client(ctx, id, truelayer.WithBaseURL(d.server.APIURL()), truelayer.WithUserAgent(f.userAgent()),
			truelayer.WithPSUIP(psu))
	}, ledger.WithGrantedScopes(func(id string) []string { return grantedIn(d.manager.Connections, id) }))
	err = d.connect(ctx, auth.LoginOptions{
		Auth: ac, APIURL: d.server.APIURL(), RedirectURI: d.client.RedirectURIs[0], Scopes: auth.DefaultScopes,
		Store: creds, HTTPClient: hc, Timeout: 30 * time.Second, Open: followLink(hc),
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// connect logs in to the demo providers and syncs them; d.login then
// connects one more demo bank, through the same real flow.
func (d *demoBank) connect(ctx context.Context, o auth.LoginOptions) error {
	loginAs := func(ctx context.Context, provider string, show func(string)) (*config.Connection, error) {
		o := o
		o.ProviderID, o.ShowURL = provider, show
		return auth.Login(ctx, o)
	}
	var ids []string
	for _, p := range demoProviders {
		conn, err := loginAs(ctx, p, nil)
		if err != nil {
			return fmt.Errorf("demo login to %s: %w", p, err)
		}
		ids = append(ids, conn.ID)
	}
	if _, err := d.syncer.Sync(ctx, ids, nil); err != nil {
		return fmt.Errorf("demo sync: %w", err)
	}
	d.login = func(ctx context.Context, show func(string)) (ledger.Consent, error) {
		conn, err := loginAs(ctx, demoExtraProvider, show)
		if err != nil {
			return ledger.Consent{}, err
		}
		return consentOf(*conn), nil
	}
	return nil
}

// followLink "opens the browser" on an auto-approving dialog: an HTTP GET
// that follows the redirect to the login's loopback listener. In the
// background: the callback page answers only once Login has exchanged the code.
func followLink(hc *http.Client) func(string) error {
	return func(u string) error {
		go func() {
			resp, err := hc.Get(u)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
		return nil
	}
}

// grantedIn is the scopes saved for a connection, or nil.
func grantedIn(load func() ([]config.Connection, error), id string) []string {
	conns, err := load()
	if err != nil {
		return nil
	}
	for _, c := range conns {
		if c.ID == id && len(c.Scopes) > 0 {
			return c.Scopes
		}
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
