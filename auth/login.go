package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer"
)

// DefaultLoginTimeout is how long a login waits for the browser.
const DefaultLoginTimeout = 5 * time.Minute

// DefaultScopes is what banktui asks a bank for unless config.toml says
// otherwise: identity, accounts, balances, cards, transactions, a refresh
// token (offline_access), and standing orders and direct debits, which are
// scopes of their own (truelayer.DefaultScopes lacks these two).
var DefaultScopes = append(slices.Clone(truelayer.DefaultScopes), truelayer.ScopeStandingOrders, truelayer.ScopeDirectDebits)

var (
	// ErrLoginDenied: the user (or the bank) declined the consent.
	ErrLoginDenied = errors.New("login denied")
	// ErrLoginTimeout: nothing came back from the browser in time.
	ErrLoginTimeout = errors.New("login timed out")
	// ErrNotLoopback: the redirect URI is not on this machine.
	ErrNotLoopback = errors.New("redirect URI is not a loopback address")
	// ErrRedirectNotHTTP: the redirect URI is not an absolute http:// URL
	// (a loopback one cannot be https: there is no certificate for it).
	ErrRedirectNotHTTP = errors.New("redirect URI is not an http:// URL")
	// ErrPortInUse: something already listens on the redirect URI's port.
	ErrPortInUse = errors.New("redirect URI port is in use")
	// ErrPasteMismatch: a pasted URL does not belong to this login.
	ErrPasteMismatch = errors.New("pasted URL does not belong to this login")
)

// LoginError is an error the auth server sent back to the redirect URI
// (error=access_denied and friends).
type LoginError struct {
	Code        string // OAuth error code, e.g. "access_denied"
	Description string // the server's error_description, if any
}

func (e *LoginError) Error() string {
	msg := "the bank connection was not authorised"
	if e.Code == "access_denied" {
		msg = "consent was declined in the browser, so no bank was connected"
	}
	s := fmt.Sprintf("%s (%s", msg, e.Code)
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s + ")"
}

func (e *LoginError) Is(target error) bool {
	return target == ErrLoginDenied || (target == truelayer.ErrConsentNeeded && e.Code == "access_denied")
}

// LoginOptions configure a login.
type LoginOptions struct {
	Auth        *truelayer.AuthClient // built with the client id, secret and RedirectURI
	APIURL      string                // Data API base, for /me; "" = live
	RedirectURI string                // "" = Auth's; must be loopback http
	Scopes      []string              // nil = DefaultScopes
	Providers   []string
	ProviderID  string
	// ResponseMode is "" or truelayer.ResponseModeQuery (the code in the
	// URL the browser ends on: pasteable) or ResponseModeFormPost (the code
	// only in a POST to the redirect URI: for a browser on this machine).
	ResponseMode string

	Open    func(url string) error // opens the browser; nil = do not (--no-browser)
	ShowURL func(url string)       // shows the auth link to the user (always called if set)
	Timeout time.Duration          // 0 = DefaultLoginTimeout
	Store   *config.CredentialStore

	// Pasted delivers what the user pasted: the URL the browser ended on
	// (SSH sessions, where the browser cannot reach our listener). Optional.
	Pasted <-chan string
	// PasteError is told why a pasted line was not accepted. Optional.
	PasteError func(error)
	// HTTPClient is used for the /me call; nil = a new http.Client on
	// truelayer.NewTransport. The call has truelayer's deadlines either way.
	HTTPClient *http.Client
}

// Login connects a bank: it listens on the loopback redirect URI, shows
// (and opens) the auth link, waits for the browser (or a pasted URL),
// exchanges the code with its PKCE verifier, reads /me and saves the
// connection.
func Login(ctx context.Context, o LoginOptions) (*config.Connection, error) {
	s, err := StartLogin(ctx, o)
	if err != nil {
		return nil, err
	}
	return s.interact(ctx)
}

// interact shows (and opens) the session's link, takes pasted URLs, and
// waits for the answer.
func (s *LoginSession) interact(ctx context.Context) (*config.Connection, error) {
	defer s.Close()
	o := s.o
	if o.ShowURL != nil {
		o.ShowURL(s.URL())
	}
	if o.Open != nil {
		// A browser that does not open is not fatal: the URL was shown.
		_ = o.Open(s.URL())
	}
	if o.Pasted != nil {
		go func() {
			for {
				select {
				case line, ok := <-o.Pasted:
					if !ok {
						return
					}
					if err := s.Paste(line); err != nil && o.PasteError != nil {
						o.PasteError(err)
					}
				case <-s.done:
					return
				}
			}
		}()
	}
	return s.Wait(ctx)
}

// LoginSession is one login in progress: for callers (the TUI) that show
// the URL themselves and take pasted URLs from their own input.
type LoginSession struct {
	o           LoginOptions
	renew       string // the connection an extension renews; "" for a login
	redirect    *url.URL
	authURL     string
	state       string
	verifier    string
	listeners   []net.Listener
	server      *http.Server
	answers     chan answer // the first answer carrying the right state
	once        sync.Once   // only one answer is taken
	taken       chan struct{}
	done        chan struct{} // closed by Close
	closeOnce   sync.Once
	serveErrors chan error
}

// answer is what came back: from the listener (reply set) or a paste.
type answer struct {
	code             string
	errCode, errDesc string
	reply            chan pageData // nil for pastes
}

// StartLogin validates the options, listens on the redirect URI and builds
// the auth link; nothing is opened or shown. Close it when done.
func StartLogin(ctx context.Context, o LoginOptions) (*LoginSession, error) {
	s, err := newSession(o)
	if err != nil {
		return nil, err
	}
	s.verifier = oauth2.GenerateVerifier()
	scopes := s.o.Scopes
	if len(scopes) == 0 {
		scopes = DefaultScopes
	}
	s.authURL, err = s.o.Auth.AuthLink(truelayer.AuthLinkParams{
		Scopes:        scopes,
		State:         s.state,
		Nonce:         randomString(),
		ResponseMode:  s.o.ResponseMode,
		Providers:     CoverProvider(s.o.Providers, s.o.ProviderID),
		ProviderID:    s.o.ProviderID,
		CodeChallenge: oauth2.S256ChallengeFromVerifier(s.verifier),
	})
	if err != nil {
		return nil, err
	}
	if err := s.listen(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// newSession checks the options and fills their defaults; the caller sets
// the link (and the PKCE verifier, if any) and listens.
func newSession(o LoginOptions) (*LoginSession, error) {
	if o.Auth == nil || o.Store == nil {
		return nil, errors.New("auth: LoginOptions needs Auth and Store")
	}
	if o.RedirectURI == "" {
		o.RedirectURI = o.Auth.Config().RedirectURI
	}
	if o.RedirectURI == "" {
		o.RedirectURI = config.DefaultRedirectURI
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultLoginTimeout
	}
	redirect, err := loopbackRedirect(o.RedirectURI)
	if err != nil {
		return nil, err
	}
	return &LoginSession{
		o:           o,
		redirect:    redirect,
		state:       randomString(),
		answers:     make(chan answer, 1),
		taken:       make(chan struct{}),
		done:        make(chan struct{}),
		serveErrors: make(chan error, 2),
	}, nil
}

// CoverProvider returns providers with providerID covered, as TrueLayer
// wants a provider_id to be (§1.2): unchanged when it names the id or its
// scheme's group (uk-ob-all for ob-..., uk-oauth-all for oauth-...,
// uk-cs-mock for mock), else with the id added. No providerID, no change.
func CoverProvider(providers []string, providerID string) []string {
	if providerID == "" || len(providers) == 0 {
		return providers // AuthLink sends a lone provider_id as providers too
	}
	if slices.Contains(providers, providerID) || slices.Contains(providers, providerScheme(providerID)) {
		return providers
	}
	return append(slices.Clone(providers), providerID)
}

// providerScheme is the group of TrueLayer's UK providers an id belongs
// to, by its prefix, or "".
func providerScheme(id string) string {
	switch {
	case id == "mock":
		return "uk-cs-mock"
	case strings.HasPrefix(id, "ob-"), strings.HasPrefix(id, "uk-ob-"):
		return "uk-ob-all"
	case strings.HasPrefix(id, "oauth-"), strings.HasPrefix(id, "uk-oauth-"):
		return "uk-oauth-all"
	}
	return ""
}

// URL is the auth link to open in a browser.
func (s *LoginSession) URL() string { return s.authURL }

// Addrs are the loopback addresses the callback listener is bound to.
func (s *LoginSession) Addrs() []net.Addr {
	out := make([]net.Addr, len(s.listeners))
	for i, l := range s.listeners {
		out[i] = l.Addr()
	}
	return out
}

// Close stops the listener; safe to call more than once.
func (s *LoginSession) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.server.Shutdown(ctx); err != nil {
			s.server.Close()
		}
	})
	return nil
}

// Paste takes what the user pasted: the whole URL the browser ended on
// (or just its query). It reports at once when the URL cannot be used.
func (s *LoginSession) Paste(pasted string) error {
	q, err := pastedQuery(pasted)
	if err != nil {
		return err
	}
	if !sameSecret(q.Get("state"), s.state) {
		return fmt.Errorf("%w: its state does not match (paste the address of the tab this login opened)", ErrPasteMismatch)
	}
	a := answer{code: q.Get("code"), errCode: q.Get("error"), errDesc: q.Get("error_description")}
	if a.code == "" && a.errCode == "" {
		return fmt.Errorf("%w: it has no code", ErrPasteMismatch)
	}
	if !s.take(a) {
		return errors.New("this login already has its answer")
	}
	return nil
}

func pastedQuery(pasted string) (url.Values, error) {
	pasted = strings.TrimSpace(pasted)
	if pasted == "" {
		return nil, fmt.Errorf("%w: nothing was pasted", ErrPasteMismatch)
	}
	raw := pasted
	if u, err := url.Parse(pasted); err == nil && (u.RawQuery != "" || u.Fragment != "") {
		raw = u.RawQuery
		if raw == "" { // some servers answer in the fragment
			raw = u.Fragment
		}
	} else if i := strings.IndexByte(pasted, '?'); i >= 0 {
		raw = pasted[i+1:]
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: it is not a URL with a query", ErrPasteMismatch)
	}
	return q, nil
}

// take accepts the first answer with the right state; later ones are refused.
func (s *LoginSession) take(a answer) bool {
	ok := false
	s.once.Do(func() {
		ok = true
		s.answers <- a
		close(s.taken)
	})
	return ok
}

// Wait waits for the answer (browser or paste), exchanges the code, reads
// /me and saves the connection. The listener is shut down on return.
func (s *LoginSession) Wait(ctx context.Context) (*config.Connection, error) {
	defer s.Close()
	timer := time.NewTimer(s.o.Timeout)
	defer timer.Stop()
	var a answer
	select {
	case a = <-s.answers:
	case err := <-s.serveErrors:
		return nil, fmt.Errorf("login: callback listener stopped: %w", err)
	case <-timer.C:
		return nil, fmt.Errorf("%w: no answer from the browser within %v; run `banktui login` again (on a remote machine, paste the address the browser ended on)", ErrLoginTimeout, s.o.Timeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.done:
		return nil, errors.New("login: cancelled")
	}
	conn, err := s.finish(ctx, a)
	if a.reply != nil {
		a.reply <- pageFor(conn, err)
	}
	return conn, err
}

func (s *LoginSession) finish(ctx context.Context, a answer) (*config.Connection, error) {
	if a.errCode != "" {
		return nil, &LoginError{Code: a.errCode, Description: a.errDesc}
	}
	tok, err := s.o.Auth.Exchange(ctx, a.code, s.verifier)
	if err != nil {
		return nil, fmt.Errorf("login: exchanging the authorization code: %w", err)
	}
	conn, err := s.o.describe(ctx, tok)
	if err != nil {
		return nil, err
	}
	if conn.ProviderID == "" {
		conn.ProviderID = s.o.ProviderID
	}
	err = s.o.Store.Update(func(c *config.Credentials) error {
		if s.renew != "" {
			return s.renewed(c, &conn)
		}
		conn.ID = connectionID(c, conn, time.Now())
		if existing := c.Connection(conn.ID); existing != nil {
			*existing = conn
		} else {
			c.Connections = append(c.Connections, conn)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("login: saving the connection: %w", err)
	}
	return &conn, nil
}

// describe reads /me with a new token and returns the connection it makes
// (without a local id).
func (o LoginOptions) describe(ctx context.Context, tok *truelayer.Token) (config.Connection, error) {
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	base := hc.Transport
	if base == nil {
		base = truelayer.NewTransport(truelayer.DefaultTimeouts())
	}
	var opts []truelayer.Option
	if o.APIURL != "" {
		opts = append(opts, truelayer.WithBaseURL(o.APIURL))
	}
	static := &http.Client{Transport: &oauth2.Transport{Source: oauth2.StaticTokenSource(tok.OAuth2()), Base: base}, Timeout: hc.Timeout}
	me, err := truelayer.NewClient(static, opts...).Me(ctx)
	if err != nil {
		return config.Connection{}, fmt.Errorf("login: reading the new connection (/me): %w", err)
	}
	// What was granted, which may be less than was asked: the token says
	// (its scope, else its JWT's), else /me; never the scopes asked for.
	scopes := tok.GrantedScopes()
	if len(scopes) == 0 {
		scopes = me.Scopes
	}
	return config.Connection{
		ProviderID:       me.Provider.ProviderID,
		ProviderName:     me.Provider.DisplayName,
		CredentialsID:    me.CredentialsID,
		Scopes:           scopes,
		RefreshToken:     tok.RefreshToken,
		AccessToken:      tok.AccessToken,
		Expiry:           tok.Expiry,
		ConsentCreatedAt: me.ConsentCreatedAt.Time,
		ConsentExpiresAt: me.ConsentExpiresAt.Time,
		LastRefresh:      time.Now().UTC(),
	}, nil
}

// connectionID picks the local id: the same credentials, or a connection of
// the same provider that needs reconnecting or whose consent has expired,
// are replaced (so its history and account ids carry on); otherwise the
// provider id, numbered when taken ("ob-northgate-2").
func connectionID(c *config.Credentials, conn config.Connection, now time.Time) string {
	for _, cn := range c.Connections {
		if conn.CredentialsID != "" && cn.CredentialsID == conn.CredentialsID {
			return cn.ID
		}
	}
	for _, cn := range c.Connections {
		lapsed := !cn.ConsentExpiresAt.IsZero() && cn.ConsentExpiresAt.Before(now)
		if (cn.NeedsReconnect || lapsed) && cn.ProviderID == conn.ProviderID {
			return cn.ID
		}
	}
	base := conn.ProviderID
	if base == "" {
		base = "bank"
	}
	id := base
	for n := 2; c.Connection(id) != nil; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	return id
}
