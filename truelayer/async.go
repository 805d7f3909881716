package truelayer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// AsyncOptions are the extras of an asynchronous request.
type AsyncOptions struct {
	// WebhookURI, when set, is where TrueLayer POSTs a Webhook when the
	// task ends (it carries no results: fetch them with Result).
	WebhookURI string
}

// StartAsync runs a Data API GET asynchronously: path (relative to BaseURL,
// e.g. "accounts/abc/transactions") and query as for the synchronous call,
// plus async=true and webhook_uri. TrueLayer answers at once with a task;
// poll it with Result or WaitResult, then decode with DecodeAsyncResults.
func (c *Client) StartAsync(ctx context.Context, path string, query url.Values, opts AsyncOptions) (*AsyncTask, error) {
	q := url.Values{}
	for k, vs := range query {
		q[k] = append([]string(nil), vs...)
	}
	q.Set("async", "true")
	if opts.WebhookURI != "" {
		q.Set("webhook_uri", opts.WebhookURI)
	}
	req, err := c.NewRequest(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return nil, err
	}
	var task AsyncTask
	if err := c.Do(req, &task); err != nil {
		return nil, err
	}
	if task.TaskID == "" {
		return nil, &decodeError{method: req.Method, url: RedactURL(req.URL), err: errors.New("no task_id in async answer")}
	}
	return &task, nil
}

// Result fetches an async task's state: GET /results/{task_id}. While the
// task is Queued or Running, Results is empty.
func (c *Client) Result(ctx context.Context, taskID string) (*AsyncResult, error) {
	if taskID == "" {
		return nil, errors.New("truelayer: empty task id")
	}
	req, err := c.NewRequest(ctx, http.MethodGet, "results/"+url.PathEscape(taskID), nil, nil)
	if err != nil {
		return nil, err
	}
	var r AsyncResult
	if err := c.Do(req, &r); err != nil {
		return nil, err
	}
	if r.TaskID == "" {
		r.TaskID = taskID
	}
	return &r, nil
}

// WaitResult polls Result every interval (at least 100ms) until the task
// Succeeded, Failed or ctx ends. A Failed task is an *APIError carrying the
// task's error code.
func (c *Client) WaitResult(ctx context.Context, taskID string, interval time.Duration) (*AsyncResult, error) {
	interval = max(interval, 100*time.Millisecond)
	for {
		r, err := c.Result(ctx, taskID)
		if err != nil {
			return nil, err
		}
		switch r.Status {
		case TaskSucceeded:
			return r, nil
		case TaskFailed:
			code := r.Error
			if code == "" {
				code = "task_failed"
			}
			return r, &APIError{Method: http.MethodGet, URL: RedactURL(c.BaseURL.JoinPath("results", taskID)), Code: code, Description: r.ErrorDescription}
		}
		if err := c.req.sleep(ctx, interval); err != nil {
			return nil, fmt.Errorf("truelayer: waiting for task %s: %w", taskID, err)
		}
	}
}

// DecodeAsyncResults decodes a succeeded task's results into T, e.g.
// DecodeAsyncResults[Transaction](r).
func DecodeAsyncResults[T any](r *AsyncResult) ([]T, error) {
	if r == nil || len(r.Results) == 0 || string(r.Results) == "null" {
		return []T{}, nil
	}
	var out []T
	if err := json.Unmarshal(r.Results, &out); err != nil {
		return nil, fmt.Errorf("%w: async results: %v", ErrMalformedResponse, err)
	}
	return out, nil
}

// ParseWebhook decodes the notification TrueLayer POSTs to webhook_uri
// (body bounded to 1 MiB).
func ParseWebhook(body io.Reader) (*Webhook, error) {
	var w Webhook
	if err := json.NewDecoder(io.LimitReader(body, 1<<20)).Decode(&w); err != nil {
		return nil, fmt.Errorf("%w: webhook: %v", ErrMalformedResponse, err)
	}
	if w.TaskID == "" {
		return nil, fmt.Errorf("%w: webhook without task_id", ErrMalformedResponse)
	}
	return &w, nil
}

// Extend actions (ExtendResponse.ActionNeeded).
const (
	ActionNoActionNeeded                = "no_action_needed"
	ActionAuthenticationNeeded          = "authentication_needed"
	ActionReconfirmationOfConsentNeeded = "reconfirmation_of_consent_needed"
)

// ExtendUser identifies the end user to /connections/extend: the full name
// and an email or a phone number.
type ExtendUser struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// ExtendRequest is the body of POST /connections/extend. The refresh token,
// not an access token, identifies the connection, so an expired connection
// can be extended. Show your own reconfirmation-of-consent screen first.
type ExtendRequest struct {
	ClientID                  string      `json:"client_id"`
	ClientSecret              string      `json:"client_secret"`
	RefreshToken              string      `json:"refresh_token"`
	RedirectURI               string      `json:"redirect_uri"`
	UserHasReconfirmedConsent bool        `json:"user_has_reconfirmed_consent"`
	User                      *ExtendUser `json:"user,omitempty"`
}

// ExtendResponse: with ActionNoActionNeeded the new tokens; with
// ActionAuthenticationNeeded a UserInputLink to send the user to, after which
// a code arrives at the redirect URI (exchange it with AuthClient.Exchange).
type ExtendResponse struct {
	ActionNeeded  string `json:"action_needed"`
	UserInputLink string `json:"user_input_link,omitempty"`
	AccessToken   string `json:"access_token,omitempty"`
	RefreshToken  string `json:"refresh_token,omitempty"`
	ExpiresIn     int64  `json:"expires_in,omitempty"`
	TokenType     string `json:"token_type,omitempty"`
}

// ExtendConnection asks TrueLayer to extend a connection:
// POST {BaseURL}connections/extend. It is never retried (not idempotent).
// The request needs no access token, but goes through c's *http.Client: if
// that one adds a token it must get one first, which fails once the consent
// has lapsed. Use AuthClient.ExtendConnection, which sends none.
func (c *Client) ExtendConnection(ctx context.Context, r ExtendRequest) (*ExtendResponse, error) {
	req, err := c.NewRequest(ctx, http.MethodPost, "connections/extend", nil, r)
	if err != nil {
		return nil, err
	}
	body, err := c.req.do(req)
	if err != nil {
		return nil, err
	}
	// Tolerate both a bare object and the {results:[...]} envelope.
	var env Results[ExtendResponse]
	if json.Unmarshal(body, &env) == nil && len(env.Results) > 0 {
		return &env.Results[0], nil
	}
	var out ExtendResponse
	if err := json.Unmarshal(body, &out); err != nil || out.ActionNeeded == "" {
		if err == nil {
			err = errors.New("no action_needed")
		}
		return nil, &decodeError{method: req.Method, url: RedactURL(req.URL), err: err}
	}
	return &out, nil
}

// Token returns the tokens of a no_action_needed answer, with Expiry from
// expires_in counted from now.
func (r *ExtendResponse) Token(now time.Time) *Token {
	t := &Token{AccessToken: r.AccessToken, RefreshToken: r.RefreshToken, TokenType: r.TokenType}
	if r.ExpiresIn > 0 {
		t.Expiry = now.Add(time.Duration(r.ExpiresIn) * time.Second)
	}
	return t
}
