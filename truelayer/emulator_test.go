package truelayer_test

// The live cases, always run, against the truelayertest emulator: every
// client method end to end, compared with the emulator's ground truth.

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

var allScopes = truelayer.AvailableScopes

type emu struct {
	srv    *truelayertest.Server
	tok    *truelayer.Token
	client *truelayer.Client
	auth   *truelayer.AuthClient
}

func newEmu(t *testing.T, username, provider string, opts ...truelayer.Option) *emu {
	t.Helper()
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	tok, err := srv.Connect(truelayertest.DefaultClientID, username, provider, allScopes)
	if err != nil {
		t.Fatal(err)
	}
	return &emu{srv: srv, tok: tok, client: emuClient(srv, tok.AccessToken, opts...), auth: emuAuth(srv)}
}

func emuClient(srv *truelayertest.Server, accessToken string, opts ...truelayer.Option) *truelayer.Client {
	hc := oauth2.NewClient(context.Background(), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: accessToken}))
	fast := truelayer.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxTotal: 5 * time.Second}
	return truelayer.NewClient(hc, append([]truelayer.Option{truelayer.WithBaseURL(srv.APIURL()), truelayer.WithRetry(fast)}, opts...)...)
}

func emuAuth(srv *truelayertest.Server) *truelayer.AuthClient {
	return truelayer.NewAuthClient(nil, truelayer.AuthConfig{
		ClientID: truelayertest.DefaultClientID, ClientSecret: truelayertest.DefaultClientSecret,
		RedirectURI: truelayertest.DefaultRedirectURIs[0], AuthURL: srv.AuthURL(),
	})
}

func sum(txs []truelayer.Transaction) truelayer.Amount {
	var s truelayer.Amount
	for _, tx := range txs {
		s = s.Add(tx.Amount)
	}
	return s
}

func TestEmulatorDataAPI(t *testing.T) {
	e := newEmu(t, "john", truelayertest.ProviderNorthgate)
	ctx := context.Background()
	truth := e.srv.Truth("john", truelayertest.ProviderNorthgate)

	me, err := e.client.Me(ctx)
	if err != nil || me.Provider.ProviderID != truelayertest.ProviderNorthgate || me.ClientID != truelayertest.DefaultClientID {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	claims, err := truelayer.ParseClaims(e.tok.AccessToken)
	if err != nil || claims.Subject != me.CredentialsID || !truelayer.ValidateToken(e.tok.AccessToken, time.Now(), time.Minute) {
		t.Errorf("claims = %+v, %v; want sub = credentials id and a valid token", claims, err)
	}
	info, err := e.client.Info(ctx)
	if err != nil || info.FullName != truth.Info.FullName {
		t.Errorf("Info = %+v, %v", info, err)
	}

	accts, err := e.client.Accounts(ctx)
	if err != nil || len(accts) != len(truth.Accounts) {
		t.Fatalf("Accounts = %d, %v; want %d", len(accts), err, len(truth.Accounts))
	}
	for i, want := range truth.Accounts {
		id := accts[i].AccountID
		if id != want.ID {
			t.Errorf("account %d = %s, want %s", i, id, want.ID)
			continue
		}
		a, err := e.client.Account(ctx, id)
		if err != nil || a.DisplayName != want.Account.DisplayName {
			t.Errorf("Account = %+v, %v", a, err)
		}
		b, err := e.client.Balance(ctx, id)
		if err != nil || !b.Current.Equal(want.Balance.Current) || !b.Current.Equal(want.Opening.Add(sum(want.Transactions))) {
			t.Errorf("Balance = %+v, %v; want current %s", b, err, want.Balance.Current)
		}
		txs, err := e.client.Transactions(ctx, id, want.Transactions[0].Timestamp.Time.Truncate(24*time.Hour), time.Time{})
		if err != nil || len(txs) != len(want.Transactions) || !sum(txs).Equal(sum(want.Transactions)) {
			t.Errorf("Transactions = %d (sum %s), %v; want %d (sum %s)", len(txs), sum(txs), err, len(want.Transactions), sum(want.Transactions))
		}
		pending, err := e.client.PendingTransactions(ctx, id)
		if err != nil || len(pending) != len(want.Pending) {
			t.Errorf("PendingTransactions = %d, %v; want %d", len(pending), err, len(want.Pending))
		}
		sos, err := e.client.StandingOrders(ctx, id)
		if err != nil || len(sos) != len(want.StandingOrders) {
			t.Errorf("StandingOrders = %d, %v; want %d", len(sos), err, len(want.StandingOrders))
		}
		dds, err := e.client.DirectDebits(ctx, id)
		if err != nil || len(dds) != len(want.DirectDebits) {
			t.Errorf("DirectDebits = %d, %v; want %d", len(dds), err, len(want.DirectDebits))
		}
	}

	cards, err := e.client.Cards(ctx)
	if err != nil || len(cards) != len(truth.Cards) || len(cards) == 0 {
		t.Fatalf("Cards = %d, %v; want %d", len(cards), err, len(truth.Cards))
	}
	for i, want := range truth.Cards {
		id := cards[i].AccountID
		c, err := e.client.Card(ctx, id)
		if err != nil || c.PartialCardNumber != want.Card.PartialCardNumber {
			t.Errorf("Card = %+v, %v", c, err)
		}
		cb, err := e.client.CardBalance(ctx, id)
		if err != nil || !cb.Current.Equal(want.CardBalance.Current) {
			t.Errorf("CardBalance = %+v, %v", cb, err)
		}
		txs, err := e.client.CardTransactions(ctx, id, want.Transactions[0].Timestamp.Time.Truncate(24*time.Hour), e.srv.Now())
		if err != nil || len(txs) != len(want.Transactions) || !sum(txs).Equal(sum(want.Transactions)) {
			t.Errorf("CardTransactions = %d, %v; want %d", len(txs), err, len(want.Transactions))
		}
		if _, err := e.client.CardPendingTransactions(ctx, id); err != nil {
			t.Errorf("CardPendingTransactions: %v", err)
		}
	}

	// The JS integration tests' negative cases.
	if _, err := e.client.Account(ctx, "no-such-account"); !errors.Is(err, truelayer.ErrNotFound) {
		t.Errorf("bad account id: %v", err)
	}
	if _, err := e.client.Card(ctx, "no-such-card"); !errors.Is(err, truelayer.ErrNotFound) {
		t.Errorf("bad card id: %v", err)
	}
	if _, err := emuClient(e.srv, "invalid_token").Accounts(ctx); !errors.Is(err, truelayer.ErrUnauthorized) {
		t.Errorf("invalid token: %v", err)
	}
}

func TestEmulatorHeaders(t *testing.T) {
	e := newEmu(t, "john", truelayertest.ProviderNorthgate, truelayer.WithPSUIP("198.51.100.4"))
	ctx := truelayer.WithCorrelationID(context.Background(), "corr-emu")
	if _, err := e.client.Accounts(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := e.srv.Requests()
	last := reqs[len(reqs)-1]
	if last.PSUIP != "198.51.100.4" || last.CorrelationID != "corr-emu" || last.UserAgent != truelayer.DefaultUserAgent() ||
		last.Path != "/api/data/v1/accounts" {
		t.Errorf("request = %+v", last)
	}
}

func TestEmulatorProviderBehaviours(t *testing.T) {
	ctx := context.Background()
	nova := newEmu(t, "john", truelayertest.ProviderNova)
	if _, err := nova.client.Cards(ctx); !errors.Is(err, truelayer.ErrNotSupported) {
		t.Errorf("nova cards: %v, want not supported", err)
	}

	castle := newEmu(t, "john", truelayertest.ProviderCastle)
	accts, err := castle.client.Accounts(ctx)
	if err != nil || len(accts) == 0 {
		t.Fatalf("castle accounts: %v", err)
	}
	castle.srv.AdvanceClock(10 * time.Minute) // the SCA window has passed
	old := castle.srv.Now().AddDate(0, -6, 0)
	if _, err := castle.client.Transactions(ctx, accts[0].AccountID, old, time.Time{}); !errors.Is(err, truelayer.ErrSCAExceeded) {
		t.Errorf("castle old history: %v, want sca_exceeded", err)
	}

	locked := newEmu(t, "error.account_temporarily_locked", truelayertest.ProviderMock)
	_, err = locked.client.Accounts(ctx)
	var ae *truelayer.APIError
	if !errors.As(err, &ae) || ae.Code != "account_temporarily_locked" {
		t.Errorf("locked user: %v", err)
	}
}

func TestEmulatorFaultsAndRetries(t *testing.T) {
	ctx := context.Background()
	// The user is present (X-PSU-IP): retries are the subject here, not the
	// bank's daily budget of unattended calls.
	e := newEmu(t, "john", truelayertest.ProviderNorthgate, truelayer.WithPSUIP("203.0.113.7"))
	cases := []struct {
		name  string
		fault truelayertest.Fault
		calls int
		check func(error) bool
	}{
		{"503 twice then ok", truelayertest.Fault{Kind: truelayertest.Status, Status: 503, Count: 2}, 3, func(err error) bool { return err == nil }},
		{"502 once", truelayertest.Fault{Kind: truelayertest.Status, Status: 502, Count: 1}, 2, func(err error) bool { return err == nil }},
		{"reset once", truelayertest.Fault{Kind: truelayertest.Reset, Count: 1}, 2, func(err error) bool { return err == nil }},
		{"truncated once", truelayertest.Fault{Kind: truelayertest.Truncated, Count: 1}, 2, func(err error) bool { return err == nil }},
		{"500 is not retried", truelayertest.Fault{Kind: truelayertest.Status, Status: 500, Count: 1}, 1,
			func(err error) bool { return errors.Is(err, truelayer.ErrTemporary) }},
		{"503 forever gives up", truelayertest.Fault{Kind: truelayertest.Status, Status: 503}, 4,
			func(err error) bool { return errors.Is(err, truelayer.ErrTemporary) }},
		{"malformed JSON", truelayertest.Fault{Kind: truelayertest.MalformedJSON, Count: 1}, 1,
			func(err error) bool { return errors.Is(err, truelayer.ErrMalformedResponse) }},
		{"401", truelayertest.Fault{Kind: truelayertest.Unauthorized, Count: 1}, 1,
			func(err error) bool { return errors.Is(err, truelayer.ErrUnauthorized) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.fault.Endpoint = "/data/v1/accounts"
			remove := e.srv.Inject(c.fault)
			defer remove()
			e.srv.ResetLog()
			_, err := e.client.Accounts(ctx)
			if !c.check(err) {
				t.Errorf("err = %v", err)
			}
			if n := len(e.srv.Requests()); n != c.calls {
				t.Errorf("attempts = %d, want %d", n, c.calls)
			}
		})
	}
}

func TestEmulatorAuthFlow(t *testing.T) {
	srv := truelayertest.NewServer()
	defer srv.Close()
	auth := emuAuth(srv)
	ctx := context.Background()

	verifier := oauth2.GenerateVerifier()
	link, err := auth.AuthLink(truelayer.AuthLinkParams{
		Scopes: allScopes, State: "st-1", Providers: []string{"uk-ob-all", "uk-cs-mock"},
		CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier),
	})
	if err != nil {
		t.Fatal(err)
	}
	landed, err := srv.Authorize(ctx, link, "john", "doe", truelayertest.ProviderNorthgate)
	if err != nil {
		t.Fatal(err)
	}
	if landed.Query().Get("state") != "st-1" || landed.Query().Get("code") == "" {
		t.Fatalf("redirect carries state %q and a code: %t", landed.Query().Get("state"), landed.Query().Get("code") != "")
	}
	if _, err := auth.Exchange(ctx, landed.Query().Get("code"), "wrong-verifier-wrong-verifier-wrong-verifier"); err == nil {
		t.Error("exchange with the wrong PKCE verifier succeeded")
	}
	landed, err = srv.Authorize(ctx, link, "john", "doe", truelayertest.ProviderNorthgate)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.Exchange(ctx, landed.Query().Get("code"), verifier)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.TokenType == "" || time.Until(tok.Expiry) < 10*time.Minute {
		t.Errorf("token = %v", tok)
	}

	// Refresh rotates: the old refresh token dies.
	tok2, err := auth.Refresh(ctx, tok.RefreshToken)
	if err != nil || tok2.RefreshToken == tok.RefreshToken || tok2.AccessToken == "" {
		t.Fatalf("refresh: %v, %v", tok2, err)
	}
	_, err = auth.Refresh(ctx, tok.RefreshToken)
	if !errors.Is(err, truelayer.ErrConsentNeeded) {
		t.Errorf("reused refresh token: %v, want invalid_grant", err)
	}
	if err != nil && strings.Contains(err.Error(), tok.RefreshToken) {
		t.Error("error text holds the refresh token")
	}

	// The x/oauth2 config works end to end.
	hc := auth.OAuth2Config(nil).Client(ctx, tok2.OAuth2())
	if _, err := truelayer.NewClient(hc, truelayer.WithBaseURL(srv.APIURL())).Me(ctx); err != nil {
		t.Errorf("Me through OAuth2Config().Client: %v", err)
	}

	info, err := auth.Debug(ctx, tok2.AccessToken)
	if err != nil || info.ProviderID != truelayertest.ProviderNorthgate {
		t.Errorf("Debug = %+v, %v", info, err)
	}

	// Revoke: the connection is gone.
	if err := auth.Revoke(ctx, tok2.AccessToken); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Refresh(ctx, tok2.RefreshToken); !errors.Is(err, truelayer.ErrConsentNeeded) {
		t.Errorf("refresh after revoke: %v", err)
	}
}

func TestEmulatorProviders(t *testing.T) {
	srv := truelayertest.NewServer()
	defer srv.Close()
	auth := emuAuth(srv)
	all, err := auth.Providers(context.Background(), truelayer.ProvidersQuery{})
	if err != nil || len(all) == 0 {
		t.Fatalf("providers: %v", err)
	}
	for _, typ := range []string{truelayer.ProviderTypeCredentialsSharing, truelayer.ProviderTypeOAuth, truelayer.ProviderTypeOpenBanking} {
		ps, err := auth.Providers(context.Background(), truelayer.ProvidersQuery{Type: typ, Country: "uk"})
		if err != nil || len(ps) > len(all) {
			t.Errorf("%s: %d, %v", typ, len(ps), err)
		}
	}
	none, err := auth.Providers(context.Background(), truelayer.ProvidersQuery{Country: "de"})
	if err != nil || len(none) != 0 {
		t.Errorf("country de: %v, %v", none, err)
	}
}

func TestEmulatorAsync(t *testing.T) {
	e := newEmu(t, "john", truelayertest.ProviderNorthgate)
	ctx := context.Background()
	task, err := e.client.StartAsync(ctx, "accounts", nil, truelayer.AsyncOptions{})
	if err != nil || task.Status != truelayer.TaskQueued {
		t.Fatalf("StartAsync = %+v, %v", task, err)
	}
	if !strings.HasPrefix(task.ResultsURI, e.srv.APIURL()+"/data/v1/results/") {
		t.Errorf("results_uri = %s", task.ResultsURI)
	}
	r, err := e.client.WaitResult(ctx, task.TaskID, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	accts, err := truelayer.DecodeAsyncResults[truelayer.Account](r)
	if err != nil || len(accts) != len(e.srv.Truth("john", truelayertest.ProviderNorthgate).Accounts) {
		t.Errorf("async accounts = %d, %v", len(accts), err)
	}
	last := e.srv.Requests()[0]
	if last.Query.Get("async") != "true" {
		t.Errorf("first request query = %v", last.Query)
	}
}

func TestEmulatorAsyncWebhook(t *testing.T) {
	got := make(chan *truelayer.Webhook, 1)
	hook := http.NewServeMux()
	hook.HandleFunc("POST /hook", func(w http.ResponseWriter, r *http.Request) {
		wh, err := truelayer.ParseWebhook(r.Body)
		if err != nil {
			t.Error(err)
		}
		got <- wh
	})
	hookSrv := newLoopbackServer(t, hook)
	e := newEmu(t, "john", truelayertest.ProviderNorthgate)
	task, err := e.client.StartAsync(context.Background(), "me", nil, truelayer.AsyncOptions{WebhookURI: hookSrv + "/hook"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case wh := <-got:
		if wh.TaskID != task.TaskID || wh.Status != truelayer.TaskSucceeded {
			t.Errorf("webhook = %+v", wh)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook within 10s")
	}
}

func newLoopbackServer(t *testing.T, h http.Handler) string {
	srv := &http.Server{Handler: h}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

func TestEmulatorExtend(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		password   string // john/doe must authenticate again; john/eternal needs no action
		reconfirms bool
		want       string // "" = refused
	}{
		{"doe", true, truelayer.ActionAuthenticationNeeded},
		{"eternal", true, truelayer.ActionNoActionNeeded},
		{"doe", false, ""},
	}
	for _, c := range cases {
		srv := truelayertest.NewServer()
		t.Cleanup(srv.Close)
		auth := emuAuth(srv)
		link, _ := auth.AuthLink(truelayer.AuthLinkParams{Scopes: allScopes, State: "s"})
		landed, err := srv.Authorize(ctx, link, "john", c.password, truelayertest.ProviderMock)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := auth.Exchange(ctx, landed.Query().Get("code"), "")
		if err != nil {
			t.Fatal(err)
		}
		req := truelayer.ExtendRequest{ // the client credentials and redirect URI come from the AuthClient
			RefreshToken: tok.RefreshToken, UserHasReconfirmedConsent: c.reconfirms,
			User: &truelayer.ExtendUser{Name: "John Doe", Email: "john@example.com"},
		}
		// After the consent lapsed no access token can be had; none is needed.
		srv.AdvanceClock(91 * 24 * time.Hour)
		resp, err := auth.ExtendConnection(ctx, srv.APIURL(), req)
		switch {
		case c.want == "":
			if err == nil {
				t.Error("extend without reconfirmed consent succeeded")
			}
		case err != nil:
			t.Errorf("john/%s: %v", c.password, err)
		case resp.ActionNeeded != c.want:
			t.Errorf("john/%s: action = %s, want %s", c.password, resp.ActionNeeded, c.want)
		case c.want == truelayer.ActionNoActionNeeded && (resp.AccessToken == "" || resp.Token(time.Now()).Expiry.IsZero()):
			t.Errorf("no_action_needed without tokens")
		case c.want == truelayer.ActionAuthenticationNeeded:
			if _, err := url.Parse(resp.UserInputLink); err != nil || resp.UserInputLink == "" {
				t.Errorf("user input link = %q", resp.UserInputLink)
			}
		}
	}
}
