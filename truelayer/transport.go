package truelayer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Timeouts bound every request, so that a server that accepts and never
// answers, or trickles its answer, cannot hang the caller. A zero field
// takes its default (DefaultTimeouts).
//
// Connect, TLSHandshake and ResponseHeader are enforced by NewTransport's
// dialer and transport; whatever transport the caller's *http.Client has,
// the client also gives each request a deadline for its response headers
// (the sum of the three, counted from sending, including any wait of the
// caller's transport for a token) and then one for the whole body.
type Timeouts struct {
	Connect        time.Duration // TCP connection (default 10s)
	TLSHandshake   time.Duration // TLS handshake (default 10s)
	ResponseHeader time.Duration // from the request sent to the response headers (default 60s)
	Body           time.Duration // from the response headers to the body's last byte (default 2m)
}

// DefaultTimeouts: connect 10s, TLS handshake 10s, response headers 60s
// (banks behind TrueLayer can be slow), whole body 2 minutes.
func DefaultTimeouts() Timeouts {
	return Timeouts{Connect: 10 * time.Second, TLSHandshake: 10 * time.Second, ResponseHeader: 60 * time.Second, Body: 2 * time.Minute}
}

// orDefaults fills zero (or negative) fields from DefaultTimeouts.
func (t Timeouts) orDefaults() Timeouts {
	d := DefaultTimeouts()
	pick := func(v, def time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return def
	}
	return Timeouts{pick(t.Connect, d.Connect), pick(t.TLSHandshake, d.TLSHandshake), pick(t.ResponseHeader, d.ResponseHeader), pick(t.Body, d.Body)}
}

// headers is the longest a request may wait for its response headers.
func (t Timeouts) headers() time.Duration { return t.Connect + t.TLSHandshake + t.ResponseHeader }

// WithTimeouts sets the request deadlines (default DefaultTimeouts; zero
// fields keep their defaults). NewAuthClient and NewStatusClient take it too.
func WithTimeouts(t Timeouts) Option { return func(c *Client) { c.req.timeouts = t.orDefaults() } }

// NewTransport returns a transport like http.DefaultTransport (proxy from
// the environment, HTTP/2, keep-alives) whose dialer, TLS handshake and
// wait for response headers are bounded by t (zero fields: defaults). It is
// what clients built with a nil *http.Client use; give it to your own
// clients (an oauth2 transport's Base, say) for the same bounds.
func NewTransport(t Timeouts) *http.Transport {
	t = t.orDefaults()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: t.Connect, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = t.TLSHandshake
	tr.ResponseHeaderTimeout = t.ResponseHeader
	return tr
}

// deadlineError is a deadline of Timeouts that passed. It is a net.Error
// with Timeout() true, so it is classified as a timeout (ErrTemporary).
type deadlineError struct {
	phase string // "response headers" or "response body"
	host  string
	limit time.Duration
}

func (e *deadlineError) Error() string {
	if e.phase == "body" {
		return fmt.Sprintf("the response body from %s did not complete within %v", e.host, e.limit)
	}
	return fmt.Sprintf("no response headers from %s within %v", e.host, e.limit)
}
func (e *deadlineError) Timeout() bool   { return true }
func (e *deadlineError) Temporary() bool { return true }

// deadlineTransport gives each request (each hop of a redirect) a deadline
// for its response headers, then one for its whole body.
type deadlineTransport struct {
	base http.RoundTripper
	t    Timeouts
	// last is the last deadline that passed, for callers (x/oauth2) that
	// flatten the body's read error into text.
	mu   sync.Mutex
	last error
}

func (d *deadlineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := orDefault(d.base)
	ctx, cancel := context.WithCancelCause(req.Context())
	headers := &deadlineError{phase: "headers", host: req.URL.Host, limit: d.t.headers()}
	timer := time.AfterFunc(headers.limit, func() { d.passed(headers); cancel(headers) })
	resp, err := base.RoundTrip(req.WithContext(ctx))
	if !timer.Stop() || err != nil {
		// The deadline passed (whatever the transport made of it), or
		// the request failed: either way this request is over.
		if cause := context.Cause(ctx); cause == headers {
			err = cause
		}
		cancel(nil)
		if err == nil {
			resp.Body.Close()
			err = headers
		}
		return nil, err
	}
	body := &deadlineError{phase: "body", host: req.URL.Host, limit: d.t.Body}
	resp.Body = &timedBody{
		rc: resp.Body, ctx: ctx, cancel: cancel, cause: body,
		timer: time.AfterFunc(body.limit, func() { d.passed(body); cancel(body) }),
	}
	return resp, nil
}

func (d *deadlineTransport) passed(err error) {
	d.mu.Lock()
	d.last = err
	d.mu.Unlock()
}

// lastPassed is the deadline that last passed on this transport, or nil.
func (d *deadlineTransport) lastPassed() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last
}

// timedBody is a response body that fails with its deadline's error once
// the deadline passes, and releases the request's context when closed.
type timedBody struct {
	rc     io.ReadCloser
	ctx    context.Context
	cancel context.CancelCauseFunc
	cause  error
	timer  *time.Timer
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF && context.Cause(b.ctx) == b.cause {
		err = b.cause
	}
	return n, err
}

func (b *timedBody) Close() error {
	b.timer.Stop()
	err := b.rc.Close()
	b.cancel(nil)
	return err
}

// ErrForeignHost: a redirect would have taken a request, with whatever
// credentials it carries (a bearer token, the client secret, a refresh
// token, a code), to a host other than the one it was sent to; it was
// refused and nothing was sent there. Also returned by transports that bind
// a token to its host. Errors matching it are *ForeignHostError.
var ErrForeignHost = errors.New("truelayer: refused to send credentials to another host")

// ForeignHostError names the host a request was refused to go to.
type ForeignHostError struct {
	Host     string // where the redirect (or request) pointed, scheme://host[:port]
	Allowed  string // the host it was meant for
	Redirect bool   // a redirect was refused (else a request)
}

func (e *ForeignHostError) Error() string {
	if e.Redirect {
		return fmt.Sprintf("refused to follow a redirect from %s to %q: credentials are only ever sent to the configured host", e.Allowed, e.Host)
	}
	return fmt.Sprintf("refused to send credentials to %q: they belong to %s", e.Host, e.Allowed)
}

func (e *ForeignHostError) Is(target error) bool { return target == ErrForeignHost }

// Origin is scheme://host:port of u, lower case, with the default port
// made explicit: two URLs may share credentials only if their origins
// are equal.
func Origin(u *url.URL) string {
	if u == nil {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// sameOriginRedirects is a CheckRedirect that refuses a redirect leaving
// the origin of the first request (another host, port, or plain http),
// then defers to next (nil: net/http's limit of 10 redirects).
func sameOriginRedirects(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if first := via[0].URL; Origin(req.URL) != Origin(first) {
			return &ForeignHostError{Host: Origin(req.URL), Allowed: Origin(first), Redirect: true}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// orDefault is rt, or http.DefaultTransport for nil (as in http.Client).
func orDefault(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		return http.DefaultTransport
	}
	return rt
}

// guarded returns a copy of hc that refuses cross-origin redirects and
// puts t's deadlines on every request; hc itself is not changed.
func guarded(hc *http.Client, t Timeouts) (*http.Client, *deadlineTransport) {
	c := *hc
	dt := &deadlineTransport{base: hc.Transport, t: t}
	c.Transport = dt
	c.CheckRedirect = sameOriginRedirects(hc.CheckRedirect)
	return &c, dt
}

func canceled(req *http.Request, err error) error {
	return &APIError{Method: req.Method, URL: RedactURL(req.URL), Code: codeCanceled, Description: err.Error(), Err: err}
}

// transportError classifies a failure to get an answer. The *url.Error that
// net/http returns quotes the full URL, so only its cause is kept.
func transportError(req *http.Request, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if ctxErr := req.Context().Err(); ctxErr != nil {
		return canceled(req, ctxErr)
	}
	e := &APIError{Method: req.Method, URL: RedactURL(req.URL), Code: codeNetwork, Err: err}
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, io.EOF):
		// io.EOF: the server closed the connection before answering.
		e.Code = codeReset
	case isLocal(err):
		// This machine's files (a token store on a full disk, say), not
		// the network: a syscall.Errno is a net.Error too, so it must be
		// told apart before the cases below.
		return &requestError{method: req.Method, url: e.URL, err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.Code = codeTruncated
	case errors.As(err, &ne) && ne.Timeout():
		e.Code = codeTimeout
	case errors.As(err, &ne):
		// Refused, unreachable, DNS: the network, so temporary.
	default:
		// Not the network: an error of the caller's transport (say, an
		// auth layer that could not get a token) keeps its own identity
		// rather than passing for a temporary failure.
		return &requestError{method: req.Method, url: e.URL, err: err}
	}
	e.Description = RedactString(err.Error())
	return e
}

// isLocal reports an operating-system error that did not come from a
// network connection (those are always wrapped in a *net.OpError).
func isLocal(err error) bool {
	var (
		op    *net.OpError
		path  *fs.PathError
		link  *os.LinkError
		errno syscall.Errno
	)
	if errors.As(err, &op) {
		return false
	}
	return errors.As(err, &path) || errors.As(err, &link) || errors.As(err, &errno)
}

// requestError wraps a non-network failure of the transport with the
// (sanitised) request it belongs to.
type requestError struct {
	method, url string
	err         error
}

func (e *requestError) Error() string {
	return fmt.Sprintf("truelayer: %s %s: %s", e.method, e.url, RedactString(e.err.Error()))
}
func (e *requestError) Unwrap() error { return e.err }
