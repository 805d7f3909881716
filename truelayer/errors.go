package truelayer

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Error classes. Every error the API returns is an *APIError; test its class
// with errors.Is, e.g. errors.Is(err, ErrUnauthorized), and read its details
// with errors.As.
var (
	// ErrUnauthorized: 401 unauthorized / invalid_token. Refresh the access
	// token and retry once.
	ErrUnauthorized = errors.New("truelayer: unauthorized")
	// ErrConsentNeeded: invalid_grant, access_denied, wrong_credentials. The
	// connection is gone (consent expired or revoked); the user must reconnect.
	ErrConsentNeeded = errors.New("truelayer: consent needed")
	// ErrSCAExceeded: 403 sca_exceeded. The endpoint only works shortly after
	// the user authenticated at the bank.
	ErrSCAExceeded = errors.New("truelayer: SCA exemption expired")
	// ErrNotSupported: 501 endpoint_not_supported. The provider lacks the
	// feature; treat as "none".
	ErrNotSupported = errors.New("truelayer: not supported by the provider")
	// ErrRateLimited: 429. APIError.RetryAfter holds the server's Retry-After.
	ErrRateLimited = errors.New("truelayer: rate limited")
	// ErrTemporary: 5xx (except 501), timeouts, connection resets, truncated
	// bodies. Trying again later may succeed.
	ErrTemporary = errors.New("truelayer: temporary failure")
	// ErrNotFound: 404 (account_not_found and friends).
	ErrNotFound = errors.New("truelayer: not found")
	// ErrInvalidDateRange: 400 invalid_date_range.
	ErrInvalidDateRange = errors.New("truelayer: invalid date range")
	// ErrEmptyResults: a single-object endpoint answered with an empty
	// results array.
	ErrEmptyResults = errors.New("truelayer: empty results")
	// ErrMalformedResponse: a 2xx body that is not the JSON we expect, or
	// larger than the client's response limit.
	ErrMalformedResponse = errors.New("truelayer: malformed response")
)

// APIError is an error answer from TrueLayer (Data API, auth server or status
// API), or a transport failure on the way to it (StatusCode 0). Its Error
// string never holds a token, a code or a secret: URL is sanitised.
type APIError struct {
	StatusCode    int            // HTTP status; 0 for a transport failure
	Code          string         // "error" of the body, e.g. "account_not_found"; a fallback when the body is not JSON
	Description   string         // "error_description"
	Details       map[string]any // "error_details", when sent
	CorrelationID string         // X-TL-Correlation-Id: quote it to TrueLayer support
	Method, URL   string         // the request; URL has secret query values redacted
	RetryAfter    time.Duration  // from Retry-After, when sent
	Err           error          // the underlying cause (transport error, *oauth2.RetrieveError), if any
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("truelayer: ")
	if e.Method != "" || e.URL != "" {
		fmt.Fprintf(&b, "%s %s: ", e.Method, e.URL)
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "%d ", e.StatusCode)
	}
	b.WriteString(e.Code)
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.CorrelationID != "" {
		fmt.Fprintf(&b, " [correlation id %s]", e.CorrelationID)
	}
	return b.String()
}

// Unwrap returns the underlying cause, so errors.As finds an
// *oauth2.RetrieveError or a *net.OpError behind an APIError.
func (e *APIError) Unwrap() error { return e.Err }

// Is reports the error's class; see the Err* variables.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		// Client misconfiguration and bank credentials are not fixed by a refresh.
		return e.StatusCode == http.StatusUnauthorized && !oneOf(e.Code, "unauthorized_client", "invalid_client", "wrong_credentials")
	case ErrConsentNeeded:
		return oneOf(e.Code, "invalid_grant", "access_denied", "wrong_credentials")
	case ErrSCAExceeded:
		return e.Code == "sca_exceeded"
	case ErrNotSupported:
		return e.StatusCode == http.StatusNotImplemented || e.Code == "endpoint_not_supported"
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrTemporary:
		return e.Temporary()
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrInvalidDateRange:
		return e.Code == "invalid_date_range"
	}
	return false
}

// Temporary reports whether the same request may succeed later: 5xx except
// 501, 408, and transport failures (timeouts, resets, truncated bodies).
func (e *APIError) Temporary() bool {
	switch {
	case e.StatusCode == 0:
		return e.Code != codeCanceled
	case e.StatusCode == http.StatusNotImplemented:
		return false
	case e.StatusCode >= 500, e.StatusCode == http.StatusRequestTimeout:
		return true
	}
	return false
}

func oneOf(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// Client-side codes for failures without a TrueLayer error body.
const (
	codeNetwork   = "network_error"
	codeTimeout   = "timeout"
	codeReset     = "connection_reset"
	codeTruncated = "truncated_response"
	codeCanceled  = "canceled"
)

// errorBody is TrueLayer's (and OAuth's) error shape.
type errorBody struct {
	Error            json.RawMessage `json:"error"`
	ErrorDescription json.RawMessage `json:"error_description"`
	ErrorDetails     map[string]any  `json:"error_details"`
}

// newAPIError builds the error for a non-2xx answer.
func newAPIError(method string, u *url.URL, resp *http.Response, body []byte, now time.Time) *APIError {
	e := &APIError{
		StatusCode:    resp.StatusCode,
		Method:        method,
		URL:           RedactURL(u),
		CorrelationID: resp.Header.Get("X-TL-Correlation-Id"),
		RetryAfter:    parseRetryAfter(resp.Header.Get("Retry-After"), now),
	}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil && len(eb.Error) > 0 {
		e.Code = jsonText(eb.Error)
		e.Description = jsonText(eb.ErrorDescription)
		e.Details = eb.ErrorDetails
	}
	if e.Code == "" {
		// Not TrueLayer's JSON (a proxy's HTML page, say): a status-based
		// code, as the JS client does, plus a short, scrubbed excerpt.
		e.Code = statusCode(resp.StatusCode)
		e.Description = excerpt(body)
	}
	return e
}

// jsonText returns a JSON string's value, or the compact JSON of anything else
// (some servers send an object as "error").
func jsonText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if string(raw) == "null" {
		return ""
	}
	return RedactString(string(raw))
}

func statusCode(status int) string {
	switch status {
	case 400:
		return "bad_request"
	case 401:
		return "unauthorized"
	case 403:
		return "forbidden"
	case 404:
		return "not_found"
	case 429:
		return "too_many_requests"
	case 501:
		return "endpoint_not_supported"
	case 502:
		return "bad_gateway"
	case 503:
		return "service_unavailable"
	case 504:
		return "gateway_timeout"
	}
	if status >= 500 {
		return "internal_error"
	}
	return "http_" + strconv.Itoa(status)
}

// excerpt is up to 120 printable characters of a non-JSON error body.
func excerpt(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return RedactString(s)
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or bad.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		const maxRetryAfter = 24 * time.Hour // cap absurd values before they overflow
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// fromRetrieveError maps x/oauth2's token-endpoint error into an *APIError
// (keeping it reachable with errors.As).
func fromRetrieveError(re *oauth2.RetrieveError, tokenURL string) *APIError {
	e := &APIError{
		Method:      http.MethodPost,
		URL:         RedactURLString(tokenURL),
		Code:        re.ErrorCode,
		Description: re.ErrorDescription,
		Err:         re,
	}
	if re.Response != nil {
		e.StatusCode = re.Response.StatusCode
		e.CorrelationID = re.Response.Header.Get("X-TL-Correlation-Id")
		e.RetryAfter = parseRetryAfter(re.Response.Header.Get("Retry-After"), time.Now())
		if e.Code == "" {
			// x/oauth2 reads the error fields of JSON bodies only when the
			// content type says JSON; try the body ourselves.
			var eb errorBody
			if json.Unmarshal(re.Body, &eb) == nil && len(eb.Error) > 0 {
				e.Code = jsonText(eb.Error)
				e.Description = jsonText(eb.ErrorDescription)
				e.Details = eb.ErrorDetails
			} else {
				e.Code = statusCode(e.StatusCode)
				e.Description = excerpt(re.Body)
			}
		}
	}
	if e.Code == "" {
		e.Code = "invalid_token_response"
	}
	return e
}

// sensitiveParam reports whether a query parameter can carry a secret.
func sensitiveParam(key string) bool {
	k := strings.ToLower(key)
	for _, s := range []string{"token", "secret", "code", "password", "verifier", "assertion", "key", "signature"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

const redacted = "REDACTED"

// RedactURL returns u as text with the values of secret-bearing query
// parameters (code, access_token, refresh_token, client_secret, ...) and any
// user:password replaced by REDACTED.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User(redacted)
	}
	if c.RawQuery != "" {
		c.RawQuery = redactQuery(c.RawQuery)
	}
	if c.Fragment != "" {
		// OAuth implicit flows put tokens in the fragment.
		c.Fragment = redactQuery(c.Fragment)
		c.RawFragment = ""
	}
	return c.String()
}

// redactQuery keeps the order and the harmless values of a raw query.
func redactQuery(raw string) string {
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if hasValue && sensitiveParam(k) {
			parts[i] = url.QueryEscape(k) + "=" + redacted
		}
	}
	return strings.Join(parts, "&")
}

// RedactURLString is RedactURL for text; text that does not parse as a URL
// goes through RedactString.
func RedactURLString(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return RedactString(s)
	}
	return RedactURL(u)
}

var (
	jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	// A key inside a URL path ("/connect/token: refused ...") is no key:
	// the character before it must not be a slash.
	secretPattern = regexp.MustCompile(`(?i)(^|[^/])((?:access_token|refresh_token|id_token|client_secret|code_verifier|code|token|password|secret)["']?\s*[=:]\s*["']?)([^&\s"',;}]+)`)
	bearerPattern = regexp.MustCompile(`(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+`)
)

// RedactString scrubs free text (log lines, error bodies) of JWTs, bearer
// tokens and key=value / "key": "value" pairs whose key names a secret.
func RedactString(s string) string {
	s = jwtPattern.ReplaceAllString(s, redacted)
	s = bearerPattern.ReplaceAllString(s, "${1}"+redacted)
	s = secretPattern.ReplaceAllString(s, "${1}${2}"+redacted)
	return s
}
