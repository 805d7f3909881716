package truelayer

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestStartAsync(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/accounts/acc1/transactions", url.Values{
		"async": {"true"}, "webhook_uri": {"https://example.com/hook?x=1"}, "from": {"2024-01-01"},
	}, "data-async-queued.json")
	task, err := f.client.StartAsync(context.Background(), "accounts/acc1/transactions",
		DateRange(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}),
		AsyncOptions{WebhookURI: "https://example.com/hook?x=1"})
	if err != nil {
		t.Fatal(err)
	}
	if task.TaskID != "b1bc9472-3c21-44ed-ade2-2e932c41ee64" || task.Status != TaskQueued ||
		!strings.HasSuffix(task.ResultsURI, "/data/v1/results/"+task.TaskID) {
		t.Errorf("task = %+v", task)
	}
}

func TestStartAsyncWithoutWebhook(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/accounts", url.Values{"async": {"true"}}, "data-async-queued.json")
	if _, err := f.client.StartAsync(context.Background(), "accounts", nil, AsyncOptions{}); err != nil {
		t.Fatal(err)
	}
	g := newFixture(t)
	g.route("/data/v1/accounts", url.Values{"async": {"true"}}, "data-accounts.json") // a server ignoring async
	if _, err := g.client.StartAsync(context.Background(), "accounts", nil, AsyncOptions{}); !errors.Is(err, ErrMalformedResponse) {
		t.Errorf("answer without task_id: err = %v", err)
	}
}

func TestResultAndWaitResult(t *testing.T) {
	f := newFixture(t)
	accounts := loadFixture(t, "data-accounts.json")
	var polls atomic.Int32
	f.api.HandleFunc("/data/v1/results/task-1", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		switch polls.Add(1) {
		case 1:
			w.Write([]byte(`{"status":"Queued","task_id":"task-1"}`))
		case 2:
			w.Write([]byte(`{"status":"Running"}`))
		default:
			var env map[string]json.RawMessage
			json.Unmarshal(accounts, &env)
			out, _ := json.Marshal(map[string]any{"status": "Succeeded", "task_id": "task-1", "results": env["results"]})
			w.Write(out)
		}
	})
	r, err := f.client.Result(context.Background(), "task-1")
	if err != nil || r.Status != TaskQueued {
		t.Fatalf("Result = %+v, %v", r, err)
	}
	r, err = f.client.WaitResult(context.Background(), "task-1", time.Second)
	if err != nil || r.Status != TaskSucceeded || r.TaskID != "task-1" {
		t.Fatalf("WaitResult = %+v, %v", r, err)
	}
	if polls.Load() != 3 {
		t.Errorf("polls = %d, want 3", polls.Load())
	}
	if waits := f.sleeps.recorded(); len(waits) != 1 || waits[0] != time.Second {
		t.Errorf("waits = %v, want one 1s interval", waits)
	}
	accts, err := DecodeAsyncResults[Account](r)
	if err != nil || len(accts) != 2 || accts[0].DisplayName != "Club Lloyds" {
		t.Errorf("DecodeAsyncResults = %+v, %v", accts, err)
	}
	if _, err := f.client.Result(context.Background(), ""); err == nil {
		t.Error("empty task id accepted")
	}
}

func TestWaitResultFailed(t *testing.T) {
	f := newFixture(t)
	f.api.HandleFunc("/data/v1/results/t2", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"status":"Failed","error":"provider_error","error_description":"bank down"}`))
	})
	_, err := f.client.WaitResult(context.Background(), "t2", 0)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "provider_error" || ae.Description != "bank down" {
		t.Errorf("err = %v", err)
	}
}

func TestWaitResultCancelled(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	f.sleeps.before = func(time.Duration) { cancel() }
	f.api.HandleFunc("/data/v1/results/t3", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"status":"Running"}`)) })
	if _, err := f.client.WaitResult(ctx, "t3", time.Millisecond); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if w := f.sleeps.recorded(); len(w) != 1 || w[0] != 100*time.Millisecond {
		t.Errorf("interval = %v, want the 100ms floor", w)
	}
}

func TestDecodeAsyncResultsEdgeCases(t *testing.T) {
	for _, r := range []*AsyncResult{nil, {}, {Results: json.RawMessage("null")}} {
		got, err := DecodeAsyncResults[Transaction](r)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("%+v: %v, %v", r, got, err)
		}
	}
	if _, err := DecodeAsyncResults[Transaction](&AsyncResult{Results: json.RawMessage(`{"x":1}`)}); !errors.Is(err, ErrMalformedResponse) {
		t.Errorf("err = %v", err)
	}
}

func TestParseWebhook(t *testing.T) {
	w, err := ParseWebhook(strings.NewReader(`{"request_timestamp":"2024-05-01T10:00:00Z","request_uri":"https://api.truelayer.com/data/v1/accounts",
		"credentials_id":"cid","task_id":"t1","status":"Succeeded","results_uri":"https://api.truelayer.com/data/v1/results/t1","extra":1}`))
	if err != nil || w.TaskID != "t1" || w.Status != TaskSucceeded || !w.RequestTimestamp.Valid() || w.CredentialsID != "cid" {
		t.Errorf("webhook = %+v, %v", w, err)
	}
	for _, bad := range []string{``, `{}`, `[1]`, `{"task_id":`} {
		if _, err := ParseWebhook(strings.NewReader(bad)); !errors.Is(err, ErrMalformedResponse) {
			t.Errorf("ParseWebhook(%q) err = %v", bad, err)
		}
	}
}

func TestExtendConnection(t *testing.T) {
	req := ExtendRequest{
		ClientID: testClientID, ClientSecret: testClientSecret, RefreshToken: "rt-ext",
		RedirectURI: testRedirectURI, UserHasReconfirmedConsent: true,
		User: &ExtendUser{Name: "John Doe", Email: "john@doe.com"},
	}
	answers := map[string]string{
		"bare":     `{"action_needed":"no_action_needed","access_token":"at-n","refresh_token":"rt-n","expires_in":3600,"token_type":"Bearer"}`,
		"envelope": `{"results":[{"action_needed":"authentication_needed","user_input_link":"https://auth.truelayer.com/?x=1"}],"status":"Succeeded"}`,
	}
	for name, answer := range answers {
		f := newFixture(t)
		f.api.HandleFunc("/data/v1/connections/extend", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "POST")
			testHeader(t, r, "Content-Type", "application/json")
			body, _ := io.ReadAll(r.Body)
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			user, _ := got["user"].(map[string]any)
			if got["user_has_reconfirmed_consent"] != true || got["refresh_token"] != "rt-ext" || got["client_id"] != testClientID ||
				got["redirect_uri"] != testRedirectURI || user["name"] != "John Doe" || user["email"] != "john@doe.com" {
				t.Errorf("extend body has keys %v", keys(got))
			}
			w.Write([]byte(answer))
		})
		resp, err := f.client.ExtendConnection(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		switch name {
		case "bare":
			now := time.Now()
			tok := resp.Token(now)
			if resp.ActionNeeded != ActionNoActionNeeded || tok.AccessToken != "at-n" || tok.RefreshToken != "rt-n" || !tok.Expiry.Equal(now.Add(time.Hour)) {
				t.Errorf("bare: %+v", tok)
			}
		case "envelope":
			if resp.ActionNeeded != ActionAuthenticationNeeded || resp.UserInputLink == "" {
				t.Errorf("envelope: %+v", resp)
			}
		}
	}
	f := newFixture(t)
	f.api.HandleFunc("/data/v1/connections/extend", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"ok":true}`)) })
	if _, err := f.client.ExtendConnection(context.Background(), req); !errors.Is(err, ErrMalformedResponse) {
		t.Errorf("answer without action_needed: %v", err)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
