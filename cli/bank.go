package cli

import (
	"context"
	"net/http"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer"
)

// The clients of the auth server and the Data API: the only place the
// command line builds truelayer clients for the user's own bank (demo.go
// builds the demo bank's).

// userAgent names this banktui in every request (per client: the truelayer
// package keeps no global version).
func (f *Factory) userAgent() string { return "banktui/" + f.Version }

// httpClient is the base client for every call banktui makes: its dialer,
// TLS handshake and wait for headers are bounded by [timeouts] (every
// truelayer client adds the body's deadline), and with --debug it logs each
// request (logging.go).
func (f *Factory) httpClient() *http.Client {
	return &http.Client{Transport: &loggingTransport{base: truelayer.NewTransport(f.requestTimeouts()), f: f}}
}

// authClient is the auth-server client for the settings in effect.
// withSecret=false skips the client secret (the provider list needs none,
// and a client_secret_command may ask for a passphrase).
func (f *Factory) authClient(ctx context.Context, s *config.Settings, withSecret bool) (*truelayer.AuthClient, error) {
	cfg := truelayer.AuthConfig{ClientID: s.ClientID, RedirectURI: s.RedirectURI, AuthURL: environment(s).AuthURL}
	if withSecret {
		secret, err := s.Secret(ctx)
		if err != nil {
			return nil, err
		}
		f.secrets.add(secret)
		cfg.ClientSecret = secret
	}
	return truelayer.NewAuthClient(f.httpClient(), cfg, truelayer.WithUserAgent(f.userAgent()), truelayer.WithTimeouts(f.requestTimeouts())), nil
}

// dataClient is the Data API client of one connection (a ledger.ClientFunc).
// When the user is present it says so (X-PSU-IP), so banks do not count its
// calls against their unattended limit; a run without a terminal does not.
func (f *Factory) dataClient(ctx context.Context, connectionID string) (*truelayer.Client, error) {
	m, s, err := f.Manager(ctx)
	if err != nil {
		return nil, err
	}
	api := environment(s).APIURL
	opts := []truelayer.Option{truelayer.WithBaseURL(api), truelayer.WithUserAgent(f.userAgent())}
	if ip := f.psuIP(s.PSUIP, api); ip != "" && f.userPresent() {
		opts = append(opts, truelayer.WithPSUIP(ip))
	}
	return m.Client(ctx, connectionID, append(opts, f.clientOptions...)...)
}

// loginOptions are the options of a login with the user's settings; the
// caller adds how the link is shown and opened.
func (f *Factory) loginOptions(ctx context.Context, s *config.Settings) (auth.LoginOptions, error) {
	p, err := f.Paths()
	if err != nil {
		return auth.LoginOptions{}, err
	}
	ac, err := f.authClient(ctx, s, true)
	if err != nil {
		return auth.LoginOptions{}, err
	}
	return auth.LoginOptions{
		Auth: ac, APIURL: environment(s).APIURL, RedirectURI: s.RedirectURI, Scopes: s.Scopes,
		Providers: s.Providers, ProviderID: s.ProviderID, ResponseMode: truelayer.ResponseModeFormPost,
		Store: f.credentials(p.CredentialsFile), HTTPClient: f.httpClient(),
	}, nil
}

// providers lists the banks the client can connect to.
func (f *Factory) providers(ctx context.Context, s *config.Settings, country, kind string) ([]truelayer.ProviderInfo, error) {
	ac, err := f.authClient(ctx, s, false)
	if err != nil {
		return nil, err
	}
	return ac.Providers(ctx, truelayer.ProvidersQuery{Type: kind, Country: country})
}
