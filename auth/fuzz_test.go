package auth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/banktui/banktui/config"
)

const fuzzState = "fuzz-state-0123456789abcdef"

// fuzzSession is a login waiting for its answer, without a listener: the
// fuzz targets call its handler and Paste directly.
func fuzzSession() *LoginSession {
	return &LoginSession{
		redirect: &url.URL{Scheme: "http", Host: "127.0.0.1:3000", Path: "/callback"},
		state:    fuzzState,
		answers:  make(chan answer, 1),
		taken:    make(chan struct{}),
		done:     make(chan struct{}),
	}
}

// FuzzPastedURL: whatever is pasted, Paste never panics and accepts only
// an answer carrying this login's state; the URL the browser ends on,
// with any code, is accepted with that code, pasted whole or as a query,
// with spaces around it.
func FuzzPastedURL(f *testing.F) {
	f.Add("http://localhost:3000/callback?code=abc&state="+fuzzState, "abc")
	f.Add("code=abc&state="+fuzzState+"#x", "a b&c=d")
	f.Add("http://localhost:3000/callback#code=x&state="+fuzzState, "%zz")
	f.Add("?error=access_denied&state="+fuzzState, "")
	f.Add("  \t", "\x00")
	f.Add("http://[::1]:3000/callback?state=wrong&code=1", "é")
	f.Fuzz(func(t *testing.T, pasted, code string) {
		s := fuzzSession()
		if err := s.Paste(pasted); err == nil {
			q, _ := pastedQuery(pasted)
			if q.Get("state") != fuzzState {
				t.Fatalf("%q accepted without this login's state", pasted)
			}
			if a := <-s.answers; a.code == "" && a.errCode == "" {
				t.Fatalf("%q accepted with neither code nor error", pasted)
			}
		}
		if code == "" {
			return
		}
		q := url.Values{"code": {code}, "state": {fuzzState}}.Encode()
		for _, p := range []string{"http://localhost:3000/callback?" + q, " ?" + q + "\n", q} {
			s := fuzzSession()
			if err := s.Paste(p); err != nil {
				t.Fatalf("Paste(%q) = %v", p, err)
			}
			if a := <-s.answers; a.code != code {
				t.Fatalf("Paste(%q): code %q, want %q", p, a.code, code)
			}
		}
	})
}

// FuzzCallbackQuery: whatever reaches the callback (GET query or POST
// form, right state or not), the listener never fails (no 5xx), takes an
// answer only with this login's state, and the page it shows escapes
// what the bank sent (no markup from the query reaches the browser).
func FuzzCallbackQuery(f *testing.F) {
	f.Add("code=abc", true, false)
	f.Add("error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E", true, false)
	f.Add("error=%3Cimg+src%3Dx%3E&error_description=x", true, true)
	f.Add("code=abc&state=other", false, false)
	f.Add("%zz&&==;", true, true)
	f.Add("state=&code=", false, true)
	f.Fuzz(func(t *testing.T, query string, rightState, post bool) {
		if rightState {
			query += "&state=" + fuzzState
		}
		s := fuzzSession()
		req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/callback", RawQuery: query}, Host: "127.0.0.1:3000", Header: http.Header{}}
		form := req.URL.Query()
		if post {
			req.Method, req.URL.RawQuery = http.MethodPost, ""
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Body = http.NoBody
			if query != "" {
				req.Body = readCloser{strings.NewReader(query)}
			}
			form, _ = url.ParseQuery(query)
		}
		rec := httptest.NewRecorder()
		served := make(chan struct{})
		go func() { s.serveCallback(rec, req); close(served) }()
		taken := false
		select {
		case a := <-s.answers: // play Wait: answer with the page for this outcome
			taken = true
			var err error
			if a.errCode != "" {
				err = &LoginError{Code: a.errCode, Description: a.errDesc}
			}
			a.reply <- pageFor(&config.Connection{ProviderName: "Bank"}, err)
			<-served
		case <-served:
		}
		if rec.Code >= 500 {
			t.Fatalf("%q: status %d", query, rec.Code)
		}
		if taken && form.Get("state") != fuzzState {
			t.Fatalf("%q: an answer was taken without this login's state", query)
		}
		body := rec.Body.String()
		for _, v := range []string{form.Get("error"), form.Get("error_description")} {
			// Markup the pages have of their own ("<", "<p>") proves nothing.
			if strings.ContainsAny(v, "<>") && strings.Contains(body, v) && !strings.Contains(ownMarkup, v) {
				t.Fatalf("%q: the page shows %q unescaped", query, v)
			}
		}
	})
}

// ownMarkup is every page the listener shows, with harmless texts.
var ownMarkup = func() string {
	var b strings.Builder
	for _, p := range []pageData{
		pageFor(&config.Connection{ProviderName: "Bank"}, nil),
		pageFor(nil, &LoginError{Code: "access_denied", Description: "x"}),
		pageFor(nil, &LoginError{Code: "x"}),
		{status: http.StatusBadRequest, Title: "x", Reason: "x", Waiting: true},
	} {
		rec := httptest.NewRecorder()
		renderPage(rec, p.status, p)
		b.WriteString(rec.Body.String())
	}
	return b.String()
}()

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }
