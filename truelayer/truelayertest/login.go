package truelayertest

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

var (
	sessionRe = regexp.MustCompile(`name="session" value="([^"]*)"`)
	formRe    = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
	inputRe   = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
	errRe     = regexp.MustCompile(`(?s)<p class="err"[^>]*>(.*?)</p>`)
)

// Authorize follows an auth link as the user's browser would, without a
// browser: with auto-approve it takes the redirect at once; otherwise it
// logs in to the dialog as username/password at providerID ("" = the first
// bank offered) and presses Allow. It returns where the browser would land:
// the redirect URI with code and state (or error) in the query. For
// response_mode=form_post, where the page POSTs the fields to the redirect
// URI and no URL holds the code, the posted fields are returned as the
// query all the same, for the test's convenience.
func (s *Server) Authorize(ctx context.Context, authLink, username, password, providerID string) (*url.URL, error) {
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authLink, nil)
	if err != nil {
		return nil, fmt.Errorf("truelayertest: auth link: %w", err)
	}
	resp, body, err := do(hc, req)
	if err != nil {
		return nil, err
	}
	if loc, ok := landing(resp, body); ok {
		return loc, nil
	}
	m := sessionRe.FindStringSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("truelayertest: auth link answered %d without a dialog: %s", resp.StatusCode, pageError(body))
	}
	if providerID == "" {
		if pm := regexp.MustCompile(`name="provider" value="([^"]*)"`).FindStringSubmatch(body); pm != nil {
			providerID = pm[1]
		}
	}
	form := url.Values{
		"session": {html.UnescapeString(m[1])}, "provider": {providerID},
		"username": {username}, "password": {password}, "action": {"allow"},
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, s.AuthURL()+"/", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body, err = do(hc, req)
	if err != nil {
		return nil, err
	}
	if loc, ok := landing(resp, body); ok {
		return loc, nil
	}
	return nil, fmt.Errorf("truelayertest: dialog answered %d: %s", resp.StatusCode, pageError(body))
}

func do(hc *http.Client, req *http.Request) (*http.Response, string, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("truelayertest: %s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, string(b), err
}

// landing extracts where the browser goes next: a redirect, or a form_post page.
func landing(resp *http.Response, body string) (*url.URL, bool) {
	if resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusSeeOther {
		u, err := url.Parse(resp.Header.Get("Location"))
		return u, err == nil
	}
	fm := formRe.FindStringSubmatch(body)
	if resp.StatusCode != 200 || fm == nil || strings.Contains(body, `name="session"`) {
		return nil, false
	}
	u, err := url.Parse(html.UnescapeString(fm[1]))
	if err != nil {
		return nil, false
	}
	q := u.Query()
	for _, in := range inputRe.FindAllStringSubmatch(body, -1) {
		q.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	u.RawQuery = q.Encode()
	return u, true
}

func pageError(body string) string {
	if m := errRe.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(strings.TrimSpace(m[1]))
	}
	return "no error message"
}
