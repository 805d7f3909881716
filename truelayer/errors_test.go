package truelayer

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestErrorClasses: every documented error class, from the fixtures and
// from bare statuses, is an *APIError reachable with errors.As and
// classified by errors.Is.
func TestErrorClasses(t *testing.T) {
	all := []error{ErrUnauthorized, ErrConsentNeeded, ErrSCAExceeded, ErrNotSupported, ErrRateLimited,
		ErrTemporary, ErrNotFound, ErrInvalidDateRange}
	cases := []struct {
		name     string
		status   int
		body     string // fixture file name, or a literal body
		wantCode string
		want     []error
	}{
		{"401 invalid_token", 401, "error-401.json", "invalid_token", []error{ErrUnauthorized}},
		{"401 bare", 401, "", "unauthorized", []error{ErrUnauthorized}},
		{"400 invalid_grant", 400, "error-400-grant.json", "invalid_grant", []error{ErrConsentNeeded}},
		{"403 access_denied", 403, `{"error":"access_denied","error_description":"revoked"}`, "access_denied", []error{ErrConsentNeeded}},
		{"401 wrong_credentials", 401, `{"error":"wrong_credentials","error_description":"x"}`, "wrong_credentials", []error{ErrConsentNeeded}},
		{"403 sca_exceeded", 403, "error-403-sca.json", "sca_exceeded", []error{ErrSCAExceeded}},
		{"501", 501, `{"error":"endpoint_not_supported","error_description":"Feature not supported by the provider"}`, "endpoint_not_supported", []error{ErrNotSupported}},
		{"501 bare", 501, "", "endpoint_not_supported", []error{ErrNotSupported}},
		{"404 account_not_found", 404, "error-404.json", "account_not_found", []error{ErrNotFound}},
		{"400 invalid_date_range", 400, `{"error":"invalid_date_range","error_description":"from is after to"}`, "invalid_date_range", []error{ErrInvalidDateRange}},
		{"500", 500, `{"error":"internal_server_error","error_description":"boom"}`, "internal_server_error", []error{ErrTemporary}},
		{"503 provider_error", 503, `{"error":"provider_error","error_description":"bank down"}`, "provider_error", []error{ErrTemporary}},
		{"400 validation_error", 400, `{"error":"validation_error","error_description":"bad"}`, "validation_error", nil},
		{"non-JSON 502", 502, "<html><body>Bad   Gateway\n</body></html>", "bad_gateway", []error{ErrTemporary}},
		{"JSON without error", 403, `{"message":"nope"}`, "forbidden", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, WithRetry(NoRetry()))
			body := c.body
			if strings.HasSuffix(body, ".json") {
				body = string(loadFixture(t, body))
			}
			f.api.HandleFunc("/data/v1/accounts", serveError(c.status, body, "X-TL-Correlation-Id", "tl-corr-1"))
			_, err := f.client.Accounts(context.Background())
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %#v, want *APIError", err)
			}
			if ae.StatusCode != c.status || ae.Code != c.wantCode || ae.CorrelationID != "tl-corr-1" || ae.Method != "GET" ||
				!strings.HasSuffix(ae.URL, apiPath+"/data/v1/accounts") {
				t.Errorf("APIError = %+v", ae)
			}
			for _, class := range all {
				want := false
				for _, w := range c.want {
					want = want || w == class
				}
				if got := errors.Is(err, class); got != want {
					t.Errorf("errors.Is(err, %v) = %v, want %v", class, got, want)
				}
			}
			msg := err.Error()
			if !strings.Contains(msg, c.wantCode) || !strings.Contains(msg, "tl-corr-1") {
				t.Errorf("Error() = %q lacks the code or the correlation id", msg)
			}
			if c.name == "non-JSON 502" && !strings.Contains(ae.Description, "Bad Gateway") {
				t.Errorf("non-JSON body excerpt = %q", ae.Description)
			}
		})
	}
}

func TestRateLimitedCarriesRetryAfter(t *testing.T) {
	f := newFixture(t, WithRetry(NoRetry()))
	f.api.HandleFunc("/data/v1/accounts", serveError(429, string(loadFixture(t, "error-429.json")), "Retry-After", "12"))
	_, err := f.client.Accounts(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || !errors.Is(err, ErrRateLimited) || ae.RetryAfter != 12*time.Second ||
		ae.Code != "provider_too_many_requests" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "retry after 12s") {
		t.Errorf("Error() = %q", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"0":                             0,
		"-5":                            0,
		"3":                             3 * time.Second,
		"soon":                          0,
		"Thu, 01 Jan 2026 12:00:30 GMT": 30 * time.Second,
		"Thu, 01 Jan 2026 11:00:00 GMT": 0,
		"99999999999999":                24 * time.Hour,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestTransportErrorIsTemporary(t *testing.T) {
	// A listener that is closed at once: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := NewClient(&http.Client{}, WithBaseURL("http://"+addr), WithRetry(NoRetry()))
	_, err = c.Accounts(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 0 || !errors.Is(err, ErrTemporary) {
		t.Fatalf("err = %v, want a temporary transport *APIError", err)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) {
		t.Errorf("the *net.OpError cause is not reachable: %v", err)
	}
}

func TestTimeoutIsTemporary(t *testing.T) {
	f := newFixture(t, WithRetry(NoRetry()))
	release := make(chan struct{})
	defer close(release)
	f.api.HandleFunc("/data/v1/me", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	f.client.req.httpClient = &http.Client{Timeout: 50 * time.Millisecond}
	_, err := f.client.Me(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != codeTimeout || !errors.Is(err, ErrTemporary) {
		t.Fatalf("err = %v, want a timeout", err)
	}
}

// TestErrorsNeverLeakSecrets: URLs with code/token/secret query parameters
// are sanitised in every error string.
func TestErrorsNeverLeakSecrets(t *testing.T) {
	const code, tok = "authcode-123456", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
	f := newFixture(t, WithRetry(NoRetry()))
	f.api.HandleFunc("/data/v1/accounts", serveError(500, `<html>token=`+tok+` Bearer abc.def</html>`))
	req, err := f.client.NewRequest(context.Background(), "GET", "accounts", url.Values{
		"code": {code}, "access_token": {tok}, "client_secret": {testClientSecret}, "refresh_token": {"rt-1234567"}, "from": {"2020-01-01"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = f.client.Do(req, nil)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	noSecrets(t, msg, code, tok, testClientSecret, "rt-1234567", "abc.def")
	if !strings.Contains(msg, "from=2020-01-01") || !strings.Contains(msg, "code=REDACTED") {
		t.Errorf("sanitised URL lost its harmless parts: %q", msg)
	}
}

func TestRedactURL(t *testing.T) {
	cases := map[string]string{
		"https://x/cb?code=abc&state=s1":                     "https://x/cb?code=REDACTED&state=s1",
		"https://user:pw@x/p?access_token=t&refresh_token=r": "https://REDACTED@x/p?access_token=REDACTED&refresh_token=REDACTED",
		"https://x/p?Client_Secret=s&q=1":                    "https://x/p?Client_Secret=REDACTED&q=1",
		"https://x/p#access_token=t&token_type=Bearer":       "https://x/p#access_token=REDACTED&token_type=REDACTED",
		"https://x/p?flag":                                   "https://x/p?flag",
	}
	for in, want := range cases {
		if got := RedactURLString(in); got != want {
			t.Errorf("RedactURLString(%q) = %q, want %q", in, got, want)
		}
	}
	if RedactURL(nil) != "" {
		t.Error("RedactURL(nil) not empty")
	}
}

func TestRedactString(t *testing.T) {
	in := `refresh_token=rt-abc&x=1 {"access_token": "at-xyz", "client_secret":"cs-1"} Authorization: Bearer zzz.yyy eyJhbGciOi.eyJzdWIiOi.sig code: c0de`
	out := RedactString(in)
	noSecrets(t, out, "rt-abc", "at-xyz", "cs-1", "zzz.yyy", "eyJhbGciOi.eyJzdWIiOi", "c0de")
	if !strings.Contains(out, "x=1") {
		t.Errorf("harmless text lost: %q", out)
	}
	// A path ending in a secret's name is not a key: its error stays readable.
	path := "POST https://auth.example/connect/token: refused to follow a redirect"
	if got := RedactString(path); got != path {
		t.Errorf("RedactString(%q) = %q: words after a path were redacted", path, got)
	}
}

// errNoToken is what an auth layer's RoundTripper might return.
var errNoToken = errors.New("auth: connection needs reconnecting")

type failingTransport struct{ err error }

func (f failingTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }

// TestTransportOwnErrorsKeepIdentity: an error from the caller's transport
// (not the network) is not dressed up as a temporary *APIError.
func TestTransportOwnErrorsKeepIdentity(t *testing.T) {
	c := NewClient(&http.Client{Transport: failingTransport{errNoToken}}, WithBaseURL("http://127.0.0.1:1"))
	_, err := c.Accounts(context.Background())
	var ae *APIError
	if !errors.Is(err, errNoToken) || errors.As(err, &ae) || errors.Is(err, ErrTemporary) {
		t.Fatalf("err = %v, want the transport's own error, unclassified", err)
	}
	if !strings.Contains(err.Error(), "GET http://127.0.0.1:1/data/v1/accounts") {
		t.Errorf("err = %q lacks the request", err)
	}
}
