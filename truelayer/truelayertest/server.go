package truelayertest

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// The client every Server knows from the start.
const (
	DefaultClientID     = "sandbox-banktui-demo"
	DefaultClientSecret = "demo-secret"
)

// DefaultRedirectURIs are the redirect URIs registered for DefaultClientID.
var DefaultRedirectURIs = []string{"http://localhost:3000/callback", "http://127.0.0.1:3000/callback"}

// ClientRegistration is an OAuth client as registered in TrueLayer's Console:
// redirect URIs must match exactly.
type ClientRegistration struct {
	ID           string
	Secret       string
	RedirectURIs []string
}

// Option configures a Server.
type Option func(*settings)

type settings struct {
	seed            int64
	clock           func() time.Time
	autoApproveUser string
	autoApproveProv string
	autoApprove     bool
	accessLifetime  time.Duration
	consentLifetime time.Duration
	codeLifetime    time.Duration
	clients         []ClientRegistration
	txPerAccount    int
	asyncPolls      int
	scaWindow       time.Duration
	scaHistory      time.Duration
	logger          *slog.Logger
	unattendedLimit int
	relaxed         map[Rule]bool
}

// WithSeed makes the demo bank a different (still deterministic) one. Default 1.
func WithSeed(seed int64) Option { return func(s *settings) { s.seed = seed } }

// WithClock replaces the wall clock: token expiry, code expiry, consent expiry,
// the SCA window and the end of the demo history all follow it. AdvanceClock
// still moves it forward. Access tokens' iat/nbf/exp follow it too, so a
// client checking them should use the same clock (Server.Now).
func WithClock(now func() time.Time) Option { return func(s *settings) { s.clock = now } }

// WithAutoApprove makes the auth dialog approve at once, as username, without
// showing a page: the redirect carries a code straight away. providerID is used
// when the auth link names no provider_id ("" means ob-northgate).
func WithAutoApprove(username, providerID string) Option {
	return func(s *settings) {
		s.autoApprove = true
		s.autoApproveUser = username
		s.autoApproveProv = providerID
	}
}

// WithAccessTokenLifetime sets how long access tokens live (default 1 hour).
func WithAccessTokenLifetime(d time.Duration) Option {
	return func(s *settings) { s.accessLifetime = d }
}

// WithConsentLifetime sets how long a connection's consent lasts (default 90
// days); after that, refreshing fails with invalid_grant and data calls with
// access_denied.
func WithConsentLifetime(d time.Duration) Option {
	return func(s *settings) { s.consentLifetime = d }
}

// WithClient registers one more OAuth client.
func WithClient(c ClientRegistration) Option {
	return func(s *settings) { s.clients = append(s.clients, c) }
}

// WithTransactionsPerAccount pads every account and card of the demo bank to n
// settled transactions (spread over the two years), for benchmarks and load
// tests. 0, the default, keeps the natural history (about 1,500 a year on a
// current account).
func WithTransactionsPerAccount(n int) Option { return func(s *settings) { s.txPerAccount = n } }

// WithLogger logs every request (method, path, Data API query, status,
// duration, fault, token hash; never a token, code or secret) at Info level,
// e.g. for `banktui emulator --verbose`.
func WithLogger(l *slog.Logger) Option { return func(s *settings) { s.logger = l } }

// WithUnattendedLimit sets how many calls per account and endpoint the
// banks allow in 24 hours without X-PSU-IP (RuleUnattendedLimit; default
// DefaultUnattendedLimit, 4). n <= 0 relaxes the rule, as
// WithRelaxed(RuleUnattendedLimit) does.
func WithUnattendedLimit(n int) Option {
	return func(s *settings) {
		if n <= 0 {
			WithRelaxed(RuleUnattendedLimit)(s)
			return
		}
		s.unattendedLimit = n
	}
}

// WithAsyncPolls makes async tasks report Running for the first n polls of
// their results before Succeeded (default 0: done at the first poll).
func WithAsyncPolls(n int) Option { return func(s *settings) { s.asyncPolls = n } }

// Server is the emulator: the TrueLayer auth server under /auth and the Data
// API under /api, on one loopback listener. All methods are safe for
// concurrent use.
type Server struct {
	cfg      settings
	listener net.Listener
	http     *http.Server
	baseURL  string
	jwtKey   []byte
	handler  http.Handler
	closing  sync.Once
	serveErr chan error
	bg       sync.WaitGroup // webhook deliveries

	mu          sync.Mutex
	clockOffset time.Duration
	clients     map[string]ClientRegistration
	sessions    map[string]*authSession // auth dialog sessions by id
	codes       map[string]*authCode
	conns       map[string]*connection // by credentials id
	refresh     map[string]*refreshEntry
	tasks       map[string]*asyncTask
	unattended  map[string][]time.Time // connection+path -> times of unattended calls
	relaxed     map[Rule]bool          // rules switched off
	extensions  map[string]string      // extension id of an extend link -> connection id
	banks       map[bankKey]*bankEntry
	faults      []*activeFault
	nextFaultID int
	log         []Request
	inFlight    int
	peak        int
	arrivals    int
	responding  int           // requests that have begun their response but are not logged yet
	loggedCh    chan struct{} // closed (and replaced) when a responding request is logged
	logEpoch    int
	seq         uint64
}

// NewServer starts an emulator on 127.0.0.1 at a free port, like
// httptest.NewServer. It panics if it cannot listen (a test cannot go on).
func NewServer(opts ...Option) *Server {
	s, err := Listen("127.0.0.1:0", opts...)
	if err != nil {
		panic(fmt.Sprintf("truelayertest: %v", err))
	}
	return s
}

// Listen starts an emulator on addr (for `banktui emulator`). The caller must
// Close it.
func Listen(addr string, opts ...Option) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := newServer(opts...)
	s.listener = ln
	host := ln.Addr().String()
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		host = net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
	}
	s.baseURL = "http://" + host
	s.http = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	s.serveErr = make(chan error, 1)
	go func() { s.serveErr <- s.http.Serve(ln) }()
	return s, nil
}

func newServer(opts ...Option) *Server {
	cfg := settings{
		seed:            1,
		accessLifetime:  time.Hour,
		consentLifetime: 90 * 24 * time.Hour,
		codeLifetime:    5 * time.Minute,
		scaWindow:       5 * time.Minute,
		scaHistory:      90 * 24 * time.Hour,
		unattendedLimit: DefaultUnattendedLimit,
	}
	for _, o := range opts {
		o(&cfg)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	s := &Server{
		cfg:        cfg,
		jwtKey:     key,
		clients:    map[string]ClientRegistration{},
		sessions:   map[string]*authSession{},
		codes:      map[string]*authCode{},
		conns:      map[string]*connection{},
		refresh:    map[string]*refreshEntry{},
		tasks:      map[string]*asyncTask{},
		unattended: map[string][]time.Time{},
		banks:      map[bankKey]*bankEntry{},
		relaxed:    map[Rule]bool{},
		extensions: map[string]string{},
	}
	for r := range cfg.relaxed {
		s.relaxed[r] = true
	}
	s.clients[DefaultClientID] = ClientRegistration{
		ID: DefaultClientID, Secret: DefaultClientSecret,
		RedirectURIs: append([]string(nil), DefaultRedirectURIs...),
	}
	for _, c := range cfg.clients {
		s.RegisterClient(c)
	}
	s.loggedCh = make(chan struct{})
	s.handler = s.routes()
	return s
}

// Close stops the listener and waits for in-flight webhook deliveries.
func (s *Server) Close() {
	s.closing.Do(func() {
		if s.http != nil {
			_ = s.http.Close()
			<-s.serveErr // http.ErrServerClosed, or the listener's own failure: we are stopping either way
		}
		s.bg.Wait()
	})
}

// URL is the base of the emulator, http://127.0.0.1:PORT.
func (s *Server) URL() string { return s.baseURL }

// AuthURL is the auth server base (URL()+"/auth"): the dialog is GET
// AuthURL()+"/", the token endpoint POST AuthURL()+"/connect/token".
func (s *Server) AuthURL() string { return s.baseURL + "/auth" }

// APIURL is the API base (URL()+"/api"); the Data API is under APIURL()+"/data/v1".
func (s *Server) APIURL() string { return s.baseURL + "/api" }

// Environment describes the emulator as a truelayer.Environment named "custom".
func (s *Server) Environment() truelayer.Environment {
	return truelayer.Environment{Name: "custom", AuthURL: s.AuthURL(), APIURL: s.APIURL()}
}

// Handler returns the emulator's HTTP handler, for mounting it elsewhere.
// URLs it generates (results_uri) use URL().
func (s *Server) Handler() http.Handler { return s.handler }

// RegisterClient adds or replaces an OAuth client.
func (s *Server) RegisterClient(c ClientRegistration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.RedirectURIs = append([]string(nil), c.RedirectURIs...)
	s.clients[c.ID] = c
}

// SetAutoApprove switches auto-approve on (username != "") or off at run time.
func (s *Server) SetAutoApprove(username, providerID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.autoApprove = username != ""
	s.cfg.autoApproveUser = username
	s.cfg.autoApproveProv = providerID
}

// Now is the emulator's clock: the configured clock plus AdvanceClock moves.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Server) nowLocked() time.Time {
	base := time.Now()
	if s.cfg.clock != nil {
		base = s.cfg.clock()
	}
	return base.Add(s.clockOffset).UTC()
}

// AdvanceClock moves the emulator's clock forward by d: codes and tokens
// expire, pending transactions settle, new ones happen (the demo banks live
// on for a year past their creation), the SCA window closes.
func (s *Server) AdvanceClock(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clockOffset += d
}

// randomID returns n random bytes as URL-safe text, for codes, tokens and ids.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var sb strings.Builder
	sb.Grow(n)
	for _, c := range b {
		sb.WriteByte(alphabet[c&63])
	}
	return sb.String()
}
