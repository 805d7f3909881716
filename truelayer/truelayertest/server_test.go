package truelayertest_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

func TestListen(t *testing.T) {
	srv, err := truelayertest.Listen("127.0.0.1:0", truelayertest.WithClock(fixedClock))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	env := srv.Environment()
	if env.Name != "custom" || env.AuthURL != srv.URL()+"/auth" || env.APIURL != srv.URL()+"/api" || !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") {
		t.Errorf("environment %+v, URL %s", env, srv.URL())
	}
	if _, err := truelayertest.Listen(strings.TrimPrefix(srv.URL(), "http://")); err == nil {
		t.Error("listening twice on one address succeeded")
	}
	resp, err := http.Get(srv.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), srv.AuthURL()) {
		t.Errorf("root page: %d %q", resp.StatusCode, body)
	}
	// Unknown Data API paths answer in the API's error shape.
	resp, err = http.Get(srv.APIURL() + "/data/v1/nothing")
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ Error string }
	json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != 404 || e.Error != "not_found" {
		t.Errorf("unknown path: %d %q", resp.StatusCode, e.Error)
	}
	// No token: 401 with WWW-Authenticate.
	resp, err = http.Get(srv.APIURL() + "/data/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("no token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	srv.Close()
	srv.Close() // idempotent
}

func TestLoggerNeverLogsSecrets(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), nil))
	srv := newServer(t, truelayertest.WithLogger(logger), truelayertest.WithAutoApprove("john", ""))
	ctx := context.Background()
	ac := authClient(srv, redirect)
	code, verifier := login(t, srv, ac, truelayer.AuthLinkParams{}, "", "", "")
	tok, err := ac.Exchange(ctx, code, verifier)
	if err != nil {
		t.Fatal(err)
	}
	tok, err = ac.Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	api := apiClient(srv, tok)
	if _, err := api.Accounts(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Requests() // every request is logged by now
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	for _, secret := range []string{code, verifier, tok.AccessToken, tok.RefreshToken, truelayertest.DefaultClientSecret} {
		if strings.Contains(out, secret) {
			t.Fatal("the request log holds a secret")
		}
	}
	if !strings.Contains(out, "path=/api/data/v1/accounts") || !strings.Contains(out, "token="+truelayertest.HashToken(tok.AccessToken)) {
		t.Errorf("log lacks the accounts call:\n%s", out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
