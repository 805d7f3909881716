package truelayer

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// StatusClient reads provider availability from TrueLayer's status API
// (unauthenticated). The JS client's StatusAPIClient.
type StatusClient struct {
	BaseURL *url.URL // e.g. https://status-api.truelayer.com/ (trailing slash)
	req     requester
}

// NewStatusClient returns a status API client; baseURL "" means StatusURL.
// Of the options, those of the transport apply, as for NewAuthClient.
func NewStatusClient(httpClient *http.Client, baseURL string, opts ...Option) *StatusClient {
	if baseURL == "" {
		baseURL = StatusURL
	}
	s := &StatusClient{req: newRequester(httpClient)}
	applyOptions(&s.req, opts)
	u, err := url.Parse(strings.TrimRight(baseURL, "/") + "/")
	if err != nil || u.Scheme == "" || u.Host == "" {
		u = &url.URL{Scheme: "invalid", Opaque: "status URL " + RedactURLString(baseURL)}
	}
	s.BaseURL = u
	return s
}

// StatusQuery selects the hours, providers and endpoints to report.
type StatusQuery struct {
	From, To  time.Time // zero = omitted (the server's default window)
	Providers []string  // e.g. "ob-barclays"; comma-joined
	Endpoints []string  // e.g. "accounts", "accounts/balance"; comma-joined
}

// StatusTimeLayout is how the status API wants from/to: "2006-01-02 15:04:05"
// in UTC. (The JS client's moment pattern "YYYY-MM-DD HH:MM:SS" put the month
// where the minutes go and fractional seconds where the seconds go.)
const StatusTimeLayout = "2006-01-02 15:04:05"

// Status returns hourly availability reports:
// GET {status}/api/v1/data/status?from=&to=&providers=&endpoints=.
func (s *StatusClient) Status(ctx context.Context, q StatusQuery) ([]StatusReport, error) {
	v := url.Values{}
	if !q.From.IsZero() {
		v.Set("from", q.From.UTC().Format(StatusTimeLayout))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.UTC().Format(StatusTimeLayout))
	}
	if len(q.Providers) > 0 {
		v.Set("providers", strings.Join(q.Providers, ","))
	}
	if len(q.Endpoints) > 0 {
		v.Set("endpoints", strings.Join(q.Endpoints, ","))
	}
	req, err := s.req.newRequest(ctx, http.MethodGet, s.BaseURL, "api/v1/data/status", v, nil)
	if err != nil {
		return nil, err
	}
	var env Results[StatusReport]
	if err := s.req.doWith(req, func(resp *http.Response) error { return s.req.decodeBody(req, resp, &env) }); err != nil {
		return nil, err
	}
	if env.Results == nil {
		env.Results = []StatusReport{}
	}
	return env.Results, nil
}
