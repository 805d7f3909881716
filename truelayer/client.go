// Package truelayer is a client for TrueLayer's auth server, Data API v1 and
// status API: everything the official JavaScript client (truelayer-client)
// does, plus async requests, connection extension, typed errors, retries and
// exact money.
//
// The Data API client (Client) takes an *http.Client that already adds the
// access token, typically one from golang.org/x/oauth2 (see
// AuthClient.OAuth2Config); the auth client (AuthClient) builds auth links and
// exchanges and refreshes tokens. Money is Amount, an exact decimal.
//
// Errors are *APIError values; classify them with errors.Is against
// ErrUnauthorized, ErrConsentNeeded, ErrSCAExceeded, ErrNotSupported,
// ErrRateLimited, ErrTemporary, ErrNotFound, ErrInvalidDateRange and
// ErrEmptyResults. No error string holds a token, a code or a secret.
package truelayer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultUserAgent is the User-Agent clients send unless told otherwise
// (WithUserAgent, AuthConfig.UserAgent): a program names its own version per
// client, so the package holds no mutable state.
func DefaultUserAgent() string { return "banktui" }

// RetryPolicy bounds retries of idempotent (GET) requests. A request is
// tried at most MaxAttempts times; waits grow exponentially from BaseDelay,
// capped at MaxDelay, with jitter, or are what Retry-After says; no retry is
// started that would end after MaxTotal since the first attempt.
type RetryPolicy struct {
	MaxAttempts         int
	BaseDelay, MaxDelay time.Duration
	MaxTotal            time.Duration
}

// DefaultRetryPolicy: 4 attempts, 500ms doubling to 8s, within 30s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 4, BaseDelay: 500 * time.Millisecond, MaxDelay: 8 * time.Second, MaxTotal: 30 * time.Second}
}

// NoRetry tries every request once.
func NoRetry() RetryPolicy { return RetryPolicy{MaxAttempts: 1} }

// requester is the transport machinery shared by Client, AuthClient and
// StatusClient.
type requester struct {
	httpClient       *http.Client // nil until init: then one of NewTransport(timeouts)
	userAgent        string
	psuIP            string
	retry            RetryPolicy
	maxResponseBytes int64
	maxStreamedBytes int64 // for a ResultSink
	timeouts         Timeouts
	// now and sleep are the clock; tests replace them to check waits
	// without waiting.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	rand  func() float64 // jitter source in [0,1)
}

func newRequester(hc *http.Client) requester {
	return requester{
		httpClient:       hc,
		userAgent:        DefaultUserAgent(),
		retry:            DefaultRetryPolicy(),
		maxResponseBytes: DefaultMaxResponseBytes,
		maxStreamedBytes: DefaultMaxStreamedBytes,
		timeouts:         DefaultTimeouts(),
		now:              time.Now,
		sleep:            sleepCtx,
		rand:             rand.Float64,
	}
}

// init completes the requester once the options are applied.
func (r *requester) init() {
	if r.httpClient == nil {
		// Never http.DefaultClient: it is shared, mutable global state.
		r.httpClient = &http.Client{Transport: NewTransport(r.timeouts)}
	}
}

// applyOptions applies the transport options among opts (WithTimeouts,
// WithMaxResponseBytes, WithRetry, WithUserAgent, WithPSUIP) to the
// requester of an AuthClient or StatusClient; the others do not concern it.
func applyOptions(r *requester, opts []Option) {
	c := &Client{req: *r, UserAgent: r.userAgent}
	for _, o := range opts {
		o(c)
	}
	*r = c.req
	r.userAgent = c.UserAgent
	r.init()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Client talks to the Data API v1 for one connection (one access token,
// carried by its *http.Client). It is safe for concurrent use.
type Client struct {
	// BaseURL is the Data API root, with a trailing slash, e.g.
	// https://api.truelayer.com/data/v1/. Endpoint paths are resolved
	// against it.
	BaseURL *url.URL
	// UserAgent is sent with every request.
	UserAgent string

	req requester
}

// Option configures a Client.
type Option func(*Client)

// NewClient returns a Data API client. httpClient must add the access token
// (an oauth2 client, or auth.Manager's); nil means a fresh unauthenticated
// *http.Client on NewTransport, never http.DefaultClient. The default base
// is Live.APIURL.
//
// Whatever httpClient does, the client never follows a redirect to another
// host (ErrForeignHost), puts the deadlines of Timeouts on every request,
// and refuses responses over the size limit (ErrResponseTooLarge).
// httpClient itself is not modified.
func NewClient(httpClient *http.Client, opts ...Option) *Client {
	c := &Client{req: newRequester(httpClient)}
	c.BaseURL = dataBase(Live.APIURL)
	c.UserAgent = c.req.userAgent
	for _, o := range opts {
		o(c)
	}
	c.req.userAgent = c.UserAgent
	c.req.init()
	return c
}

// dataBase is {apiBase}/data/v1/; apiBase may carry a path (the emulator's
// "/api") and may or may not end in a slash.
func dataBase(apiBase string) *url.URL {
	u, err := url.Parse(strings.TrimRight(apiBase, "/") + "/data/v1/")
	if err != nil || u.Scheme == "" || u.Host == "" {
		// Keep NewClient infallible: requests will fail with a clear error.
		return &url.URL{Scheme: "invalid", Opaque: "base URL " + RedactURLString(apiBase)}
	}
	return u
}

// WithBaseURL points the client at an API host, e.g. Sandbox.APIURL or an
// emulator's APIURL; the Data API lives under {apiBase}/data/v1.
func WithBaseURL(apiBase string) Option { return func(c *Client) { c.BaseURL = dataBase(apiBase) } }

// WithUserAgent replaces the DefaultUserAgent, e.g. with "banktui/1.2.0".
func WithUserAgent(ua string) Option { return func(c *Client) { c.UserAgent = ua } }

// WithPSUIP sends X-PSU-IP, the end user's IP address, telling the bank the
// user is present (attended access is not rate limited like unattended).
func WithPSUIP(ip string) Option { return func(c *Client) { c.req.psuIP = ip } }

// PSUIP is the X-PSU-IP the client sends (WithPSUIP); "" when it does not
// say the user is present, so the bank counts its calls as unattended.
func (c *Client) PSUIP() string { return c.req.psuIP }

// WithRetry sets the retry policy of GET requests (default DefaultRetryPolicy).
func WithRetry(p RetryPolicy) Option { return func(c *Client) { c.req.retry = p } }

// WithMaxResponseBytes bounds responses (default DefaultMaxResponseBytes):
// the bytes read, and the memory their results take (see ErrResponseTooLarge).
func WithMaxResponseBytes(n int64) Option {
	return func(c *Client) {
		if n > 0 {
			c.req.maxResponseBytes = n
		}
	}
}

type correlationKey struct{}

// WithCorrelationID returns a context whose requests send
// X-Client-Correlation-Id: id, to tie TrueLayer's logs to yours.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey{}, id)
}

// CorrelationID returns the id set by WithCorrelationID, or "".
func CorrelationID(ctx context.Context) string {
	id, _ := ctx.Value(correlationKey{}).(string)
	return id
}

// NewRequest builds a request for path (relative to BaseURL, e.g.
// "accounts/abc/transactions") with query parameters and, for a non-nil
// body, a JSON body. It is the JS client's buildRequestOptions.
func (c *Client) NewRequest(ctx context.Context, method, path string, query url.Values, body any) (*http.Request, error) {
	if strings.HasPrefix(path, "/") {
		// An absolute path would silently drop BaseURL's path ("/data/v1").
		return nil, fmt.Errorf("truelayer: path %q must be relative to BaseURL", path)
	}
	if c.BaseURL == nil || !strings.HasSuffix(c.BaseURL.Path, "/") {
		return nil, fmt.Errorf("truelayer: BaseURL must have a trailing slash, but %q does not", RedactURL(c.BaseURL))
	}
	return c.req.newRequest(ctx, method, c.BaseURL, path, query, body)
}

func (r *requester) newRequest(ctx context.Context, method string, base *url.URL, path string, query url.Values, body any) (*http.Request, error) {
	if ctx == nil {
		return nil, errors.New("truelayer: nil context")
	}
	u, err := base.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("truelayer: bad path %q: %v", path, err)
	}
	if len(query) > 0 {
		q := u.Query()
		for k, vs := range query {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
	}
	var rd io.Reader
	if body != nil {
		buf := new(bytes.Buffer)
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			return nil, fmt.Errorf("truelayer: encoding request body: %v", err)
		}
		rd = buf
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("truelayer: %s %s: %v", method, RedactURL(u), err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if r.userAgent != "" {
		req.Header.Set("User-Agent", r.userAgent)
	}
	if r.psuIP != "" {
		req.Header.Set("X-PSU-IP", r.psuIP)
	}
	if id := CorrelationID(ctx); id != "" {
		req.Header.Set("X-Client-Correlation-Id", id)
	}
	return req, nil
}

// Do sends req (retrying GETs per the retry policy) and decodes a 2xx JSON
// body into v (nil: discard) as it arrives, within the size limit. The body
// is not unwrapped: use *Results[T] as v for the {results, status}
// envelope, which is decoded result by result. Non-2xx answers and
// transport failures return an *APIError.
func (c *Client) Do(req *http.Request, v any) error {
	return c.req.doWith(req, func(resp *http.Response) error {
		if v == nil {
			_, err := c.req.readBounded(req, resp)
			return err
		}
		return c.req.decodeBody(req, resp, v)
	})
}

func decodeInto(req *http.Request, body []byte, v any) error {
	if v == nil || len(bytes.TrimSpace(body)) == 0 && req.Method != http.MethodGet {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &decodeError{method: req.Method, url: RedactURL(req.URL), err: err}
	}
	return nil
}

// decodeError: a 2xx body that did not decode. Is(ErrMalformedResponse).
type decodeError struct {
	method, url string
	err         error
}

func (e *decodeError) Error() string {
	// json errors quote at most a type name and an offset, never the body.
	return fmt.Sprintf("truelayer: %s %s: malformed response: %v", e.method, e.url, e.err)
}
func (e *decodeError) Is(target error) bool { return target == ErrMalformedResponse }
func (e *decodeError) Unwrap() error        { return e.err }

// do sends req with retries and returns the whole (bounded) 2xx body.
func (r *requester) do(req *http.Request) ([]byte, error) {
	var body []byte
	err := r.doWith(req, func(resp *http.Response) (err error) {
		body, err = r.readBounded(req, resp)
		return err
	})
	return body, err
}

// doWith sends req, retrying idempotent requests, and hands the 2xx
// response to consume, which reads its body (closed afterwards). A failure
// of consume to read the body (truncated, reset) is retried like the
// request's own.
func (r *requester) doWith(req *http.Request, consume func(*http.Response) error) error {
	ctx := req.Context()
	policy := r.retry
	if policy.MaxAttempts < 1 {
		policy.MaxAttempts = 1
	}
	retryable := req.Method == http.MethodGet || req.Method == http.MethodHead
	start := r.now()
	for attempt := 1; ; attempt++ {
		err := r.once(req, consume)
		if err == nil {
			return nil
		}
		if !retryable || attempt >= policy.MaxAttempts || !shouldRetry(err) || ctx.Err() != nil {
			return err
		}
		wait := r.backoff(policy, attempt, err)
		if policy.MaxTotal > 0 && r.now().Add(wait).Sub(start) > policy.MaxTotal {
			return err // the wait would overrun the budget: give the caller the answer now
		}
		if serr := r.sleep(ctx, wait); serr != nil {
			return canceled(req, serr)
		}
	}
}

// backoff is the wait before attempt+1: Retry-After when the server said,
// else exponential with "equal jitter" (half fixed, half random), capped.
func (r *requester) backoff(p RetryPolicy, attempt int, err error) time.Duration {
	var ae *APIError
	if errors.As(err, &ae) && ae.RetryAfter > 0 {
		return ae.RetryAfter
	}
	d := p.BaseDelay
	if d <= 0 {
		d = 100 * time.Millisecond
	}
	for i := 1; i < attempt && (p.MaxDelay <= 0 || d < p.MaxDelay); i++ {
		d *= 2
	}
	if p.MaxDelay > 0 && d > p.MaxDelay {
		d = p.MaxDelay
	}
	half := d / 2
	return half + time.Duration(r.rand()*float64(d-half))
}

func shouldRetry(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	if ae.Code == codeUnattendedLimit {
		return false // the bank's daily budget: every retry is one more refused call
	}
	switch ae.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	case 0:
		return ae.Code == codeReset || ae.Code == codeTruncated
	}
	return false
}

// once sends req one time, through a copy of the client that refuses
// redirects to other hosts and bounds the wait for each response.
func (r *requester) once(req *http.Request, consume func(*http.Response) error) error {
	hc, _ := guarded(r.httpClient, r.timeouts)
	resp, err := hc.Do(req.Clone(req.Context()))
	if err != nil {
		return transportError(req, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodyBytes))
		return newAPIError(req.Method, req.URL, resp, body, r.now())
	}
	return consume(resp)
}

// Results is the Data API's envelope: {"results": [...], "status": "..."}.
type Results[T any] struct {
	Results []T    `json:"results"`
	Status  string `json:"status,omitempty"`
}

// GetResults GETs path (relative to c.BaseURL) and returns the results array:
// the JS client's callAPI, decoded into T.
func GetResults[T any](ctx context.Context, c *Client, path string, query url.Values) ([]T, error) {
	req, err := c.NewRequest(ctx, http.MethodGet, path, query, nil)
	if err != nil {
		return nil, err
	}
	var env Results[T]
	if err := c.Do(req, &env); err != nil {
		return nil, err
	}
	if env.Results == nil {
		env.Results = []T{}
	}
	return env.Results, nil
}

// getOne is GetResults for single-object endpoints: the first result, or
// ErrEmptyResults.
func getOne[T any](ctx context.Context, c *Client, path string) (*T, error) {
	req, err := c.NewRequest(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, err
	}
	var env Results[T]
	if err := c.Do(req, &env); err != nil {
		return nil, err
	}
	if len(env.Results) == 0 {
		return nil, fmt.Errorf("truelayer: GET %s: %w", RedactURL(req.URL), ErrEmptyResults)
	}
	return &env.Results[0], nil
}

// DecodeResults decodes a {results, status} body, as the Data API and the
// emulator send it. It never panics, whatever b holds.
func DecodeResults[T any](b []byte) ([]T, error) {
	var env Results[T]
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedResponse, err)
	}
	return env.Results, nil
}
