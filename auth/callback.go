package auth

// The loopback callback listener: where the browser brings the bank's answer.

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/banktui/banktui/config"
)

// loopbackRedirect parses the redirect URI and insists on a loopback http
// address: the code must reach only this machine.
func loopbackRedirect(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%w: %q is not an absolute URL", ErrRedirectNotHTTP, raw)
	}
	host := u.Hostname()
	if !isLoopbackHost(host) {
		return nil, fmt.Errorf("%w: %s points at %q, but banktui receives the bank's answer on this machine only (127.0.0.1, ::1 or localhost), so no one else can intercept the code. Register a loopback redirect URI such as %s in the TrueLayer console and set redirect_uri (or TRUELAYER_REDIRECT_URI) to it", ErrNotLoopback, raw, host, config.DefaultRedirectURI)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("%w: %s: a loopback redirect must use http:// (there is no certificate for localhost)", ErrRedirectNotHTTP, raw)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *LoginSession) port() string {
	if p := s.redirect.Port(); p != "" {
		return p
	}
	return "80"
}

// listen binds the redirect URI's host and port: "localhost" binds both
// 127.0.0.1 and ::1 (browsers try either), when ::1 exists.
func (s *LoginSession) listen(ctx context.Context) error {
	host := s.redirect.Hostname()
	hosts := []string{host}
	if strings.EqualFold(host, "localhost") {
		hosts = []string{"127.0.0.1", "::1"}
	}
	var lc net.ListenConfig
	for i, h := range hosts {
		l, err := lc.Listen(ctx, "tcp", net.JoinHostPort(h, s.port()))
		if err != nil {
			if i > 0 && !errors.Is(err, syscall.EADDRINUSE) {
				continue // no IPv6 loopback here: 127.0.0.1 is enough
			}
			for _, l := range s.listeners {
				l.Close()
			}
			if errors.Is(err, syscall.EADDRINUSE) {
				return fmt.Errorf("%w: port %s on %s is taken (another `banktui login`, or another program). Stop it, or pick another port: the redirect URI (now %s) must then be changed both in redirect_uri/TRUELAYER_REDIRECT_URI and, character for character, in the TrueLayer console's allowed redirect URIs", ErrPortInUse, s.port(), h, s.redirect)
			}
			return fmt.Errorf("login: listening on %s: %w", net.JoinHostPort(h, s.port()), err)
		}
		s.listeners = append(s.listeners, l)
	}
	s.server = &http.Server{
		Handler:           http.HandlerFunc(s.serveCallback),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		MaxHeaderBytes:    1 << 16,
		// net/http's own complaints must not draw over the TUI.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	for _, l := range s.listeners {
		go func() {
			if err := s.server.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.serveErrors <- err
			}
		}()
	}
	return nil
}

// allowedHost: the Host header must name the redirect URI's host (or a
// loopback spelling of it) and port, which defeats DNS rebinding.
func (s *LoginSession) allowedHost(h string) bool {
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		host, port = h, "80"
	}
	return port == s.port() && isLoopbackHost(strings.Trim(host, "[]"))
}

func (s *LoginSession) serveCallback(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	switch {
	case !s.allowedHost(r.Host):
		http.Error(w, "unexpected Host header", http.StatusBadRequest)
		return
	case r.URL.Path != s.redirect.Path:
		http.NotFound(w, r)
		return
	case r.Method != http.MethodGet && r.Method != http.MethodPost:
		hdr.Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var q url.Values
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
		if err := r.ParseForm(); err != nil {
			renderPage(w, http.StatusBadRequest, pageData{Title: "Unreadable answer", Reason: "The form the browser sent could not be read.", Waiting: true})
			return
		}
		q = r.PostForm
	} else {
		q = r.URL.Query()
	}
	if !sameSecret(q.Get("state"), s.state) {
		renderPage(w, http.StatusBadRequest, pageData{
			Title:   "This answer is not for this login",
			Reason:  "Its state does not match the login banktui started, so it was ignored.",
			Waiting: true,
		})
		return
	}
	a := answer{code: q.Get("code"), errCode: q.Get("error"), errDesc: q.Get("error_description"), reply: make(chan pageData, 1)}
	if a.code == "" && a.errCode == "" {
		renderPage(w, http.StatusBadRequest, pageData{Title: "No authorization code", Reason: "The answer carries neither a code nor an error.", Waiting: true})
		return
	}
	if !s.take(a) {
		renderPage(w, http.StatusGone, pageData{Title: "Already used", Reason: "This login has already received its answer."})
		return
	}
	select {
	case page := <-a.reply:
		renderPage(w, page.status, page)
	case <-s.done:
		renderPage(w, http.StatusServiceUnavailable, pageData{Title: "banktui stopped waiting", Reason: "The login was cancelled in the terminal."})
	case <-r.Context().Done():
	}
}

func sameSecret(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// randomString is 32 random bytes, base64url: for state and nonce.
func randomString() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather)
	return base64.RawURLEncoding.EncodeToString(b)
}
