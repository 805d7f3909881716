package truelayertest_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

func TestEveryEndpoint(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	api := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate))
	truth := srv.Truth("john", truelayertest.ProviderNorthgate)

	if info, err := api.Info(ctx); err != nil || info.FullName != truth.Info.FullName {
		t.Errorf("Info: %+v, %v", info, err)
	}
	accounts, err := api.Accounts(ctx)
	if err != nil || len(accounts) != 2 || accounts[0].AccountType != "TRANSACTION" || accounts[1].AccountType != "SAVINGS" {
		t.Fatalf("Accounts: %+v, %v", accounts, err)
	}
	for i, a := range accounts {
		want := truth.Accounts[i]
		if one, err := api.Account(ctx, a.AccountID); err != nil || one.DisplayName != want.Account.DisplayName {
			t.Errorf("Account(%s): %+v, %v", a.AccountID, one, err)
		}
		bal, err := api.Balance(ctx, a.AccountID)
		if err != nil || !bal.Current.Equal(want.Balance.Current) || !bal.Available.Equal(want.Balance.Available) {
			t.Errorf("Balance(%s): %+v, %v; want %s", a.DisplayName, bal, err, want.Balance.Current)
		}
		txs, err := api.Transactions(ctx, a.AccountID, time.Time{}, time.Time{})
		if err != nil || len(txs) != len(want.Transactions) {
			t.Fatalf("Transactions(%s): %d, %v; want %d", a.DisplayName, len(txs), err, len(want.Transactions))
		}
		// Newest first, the last one matching the ground truth's newest.
		newest := want.Transactions[len(want.Transactions)-1]
		if txs[0].TransactionID != newest.TransactionID || !txs[0].Amount.Equal(newest.Amount) ||
			txs[0].RunningBalance == nil || !txs[0].RunningBalance.Amount.Equal(want.Balance.Current) {
			t.Errorf("newest transaction of %s: %+v, want %+v", a.DisplayName, txs[0], newest)
		}
		pending, err := api.PendingTransactions(ctx, a.AccountID)
		if err != nil || len(pending) != len(want.Pending) {
			t.Errorf("PendingTransactions(%s): %d, %v; want %d", a.DisplayName, len(pending), err, len(want.Pending))
		}
		sos, err := api.StandingOrders(ctx, a.AccountID)
		if err != nil || len(sos) != len(want.StandingOrders) {
			t.Errorf("StandingOrders(%s): %d, %v", a.DisplayName, len(sos), err)
		}
		dds, err := api.DirectDebits(ctx, a.AccountID)
		if err != nil || len(dds) != len(want.DirectDebits) {
			t.Errorf("DirectDebits(%s): %d, %v", a.DisplayName, len(dds), err)
		}
	}
	cards, err := api.Cards(ctx)
	if err != nil || len(cards) != 1 || cards[0].CardType != "CREDIT" {
		t.Fatalf("Cards: %+v, %v", cards, err)
	}
	id := cards[0].AccountID
	if c, err := api.Card(ctx, id); err != nil || c.PartialCardNumber != truth.Cards[0].Card.PartialCardNumber {
		t.Errorf("Card: %+v, %v", c, err)
	}
	cb, err := api.CardBalance(ctx, id)
	if err != nil || !cb.Current.Equal(truth.Cards[0].CardBalance.Current) || cb.CreditLimit == nil {
		t.Errorf("CardBalance: %+v, %v", cb, err)
	}
	ctxs, err := api.CardTransactions(ctx, id, time.Time{}, time.Time{})
	if err != nil || len(ctxs) != len(truth.Cards[0].Transactions) {
		t.Errorf("CardTransactions: %d, %v", len(ctxs), err)
	}
	if _, err := api.CardPendingTransactions(ctx, id); err != nil {
		t.Errorf("CardPendingTransactions: %v", err)
	}
}

func TestNotFoundAndScopes(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	api := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate))
	_, err := api.Balance(ctx, "no-such-account")
	if ae := apiErr(t, err); ae.StatusCode != 404 || ae.Code != "account_not_found" || !errors.Is(err, truelayer.ErrNotFound) {
		t.Errorf("unknown account: %v", err)
	}
	card := srv.Truth("john", truelayertest.ProviderNorthgate).Cards[0].ID
	if _, err := api.Balance(ctx, card); apiErr(t, err).Code != "account_not_found" {
		t.Errorf("a card id is not an account id: %v", err)
	}

	limited := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate, "accounts", "transactions"))
	acct := srv.Truth("john", truelayertest.ProviderNorthgate).Accounts[0].ID
	for name, call := range map[string]func() error{
		"info":            func() error { _, err := limited.Info(ctx); return err },
		"balance":         func() error { _, err := limited.Balance(ctx, acct); return err },
		"cards":           func() error { _, err := limited.Cards(ctx); return err },
		"standing_orders": func() error { _, err := limited.StandingOrders(ctx, acct); return err },
		"direct_debits":   func() error { _, err := limited.DirectDebits(ctx, acct); return err },
	} {
		if ae := apiErr(t, call()); ae.StatusCode != 403 || ae.Code != "access_denied" || !strings.Contains(ae.Description, name) {
			t.Errorf("%s without its scope: %v", name, ae)
		}
	}
	txs, err := limited.Transactions(ctx, acct, time.Time{}, time.Time{})
	if err != nil || len(txs) == 0 || txs[0].RunningBalance != nil {
		t.Errorf("transactions without the balance scope must have no running balance: %v", err)
	}
	if _, err := limited.Me(ctx); err != nil {
		t.Errorf("/me needs no scope: %v", err)
	}
}

func TestDateRange(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	tok := connect(t, srv, "john", truelayertest.ProviderNorthgate)
	api := apiClient(srv, tok)
	acct := srv.Truth("john", truelayertest.ProviderNorthgate).Accounts[0]
	from := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC) // the client sends YYYY-MM-DD: the whole day
	var want []string
	for _, tx := range acct.Transactions {
		if !tx.Timestamp.Time.Before(from) && tx.Timestamp.Time.Before(to.AddDate(0, 0, 1)) {
			want = append(want, tx.TransactionID)
		}
	}
	got, err := api.Transactions(ctx, acct.ID, from, to)
	if err != nil || len(got) != len(want) || len(want) < 30 {
		t.Fatalf("February: %d transactions, %v; want %d", len(got), err, len(want))
	}
	for i, tx := range got {
		if tx.TransactionID != want[len(want)-1-i] {
			t.Fatalf("February transaction %d is %s, want %s (newest first)", i, tx.TransactionID, want[len(want)-1-i])
		}
	}

	// Every accepted spelling of the same instant gives the same answer.
	raw := func(q url.Values) (int, int) {
		req, _ := http.NewRequest("GET", srv.APIURL()+"/data/v1/accounts/"+acct.ID+"/transactions?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		var n int
		res, err := truelayer.GetResults[truelayer.Transaction](ctx, api, "accounts/"+acct.ID+"/transactions", q)
		if err == nil {
			n = len(res)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, n
	}
	_, base := raw(url.Values{"from": {"2026-02-01T00:00:00Z"}, "to": {"2026-03-01T00:00:00Z"}})
	for _, q := range []url.Values{
		{"from": {"2026-02-01"}, "to": {"2026-02-28"}},
		{"from": {"2026-02-01T00:00:00"}, "to": {"2026-03-01T00:00:00"}},
		{"from": {"2026-02-01T01:00:00+01:00"}, "to": {"2026-03-01T00:00:00.000Z"}},
	} {
		if st, n := raw(q); st != 200 || n != base {
			t.Errorf("%v: %d with %d transactions, want 200 with %d", q, st, n, base)
		}
	}
	for _, q := range []url.Values{
		{"from": {"2026-03-01"}, "to": {"2026-02-01"}},
		{"from": {"yesterday"}},
		{"to": {"2026-13-01"}},
	} {
		_, err := truelayer.GetResults[truelayer.Transaction](ctx, api, "accounts/"+acct.ID+"/transactions", q)
		if ae := apiErr(t, err); ae.Code != "invalid_date_range" || !errors.Is(err, truelayer.ErrInvalidDateRange) {
			t.Errorf("%v: %v, want invalid_date_range", q, err)
		}
	}
}

func TestNeobankLimits(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	api := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNova))
	accounts, err := api.Accounts(ctx)
	if err != nil || len(accounts) != 1 {
		t.Fatalf("Nova accounts: %d, %v; want 1", len(accounts), err)
	}
	id := accounts[0].AccountID
	for name, call := range map[string]func() error{
		"cards":           func() error { _, err := api.Cards(ctx); return err },
		"card":            func() error { _, err := api.Card(ctx, id); return err },
		"standing orders": func() error { _, err := api.StandingOrders(ctx, id); return err },
		"direct debits":   func() error { _, err := api.DirectDebits(ctx, id); return err },
	} {
		if err := call(); !errors.Is(err, truelayer.ErrNotSupported) || apiErr(t, err).StatusCode != 501 {
			t.Errorf("Nova %s: %v, want 501 endpoint_not_supported", name, err)
		}
	}
	_, err = api.Transactions(ctx, id, fixedClock().AddDate(-3, 0, 0), time.Time{})
	if !errors.Is(err, truelayer.ErrInvalidDateRange) {
		t.Errorf("Nova history beyond two years: %v, want invalid_date_range", err)
	}
	if txs, err := api.Transactions(ctx, id, fixedClock().AddDate(-1, 0, 0), time.Time{}); err != nil || len(txs) == 0 {
		t.Errorf("Nova last year: %d, %v", len(txs), err)
	}
}

func TestCastleSCA(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	api := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderCastle))
	acct := srv.Truth("john", truelayertest.ProviderCastle).Accounts[0]
	old := fixedClock().AddDate(0, -6, 0)
	all, err := api.Transactions(ctx, acct.ID, old, time.Time{})
	if err != nil {
		t.Fatalf("within 5 minutes of authentication: %v", err)
	}
	if cards, err := api.Cards(ctx); err != nil || len(cards) != 0 {
		t.Errorf("Castle has cards support but no cards: %d, %v", len(cards), err)
	}
	srv.AdvanceClock(5*time.Minute + time.Second)
	_, err = api.Transactions(ctx, acct.ID, old, time.Time{})
	if ae := apiErr(t, err); ae.StatusCode != 403 || ae.Code != "sca_exceeded" || !errors.Is(err, truelayer.ErrSCAExceeded) {
		t.Errorf("old history after 5 minutes: %v, want 403 sca_exceeded", err)
	}
	recent, err := api.Transactions(ctx, acct.ID, srv.Now().AddDate(0, 0, -60), time.Time{})
	if err != nil || len(recent) == 0 || len(recent) >= len(all) {
		t.Errorf("recent history after 5 minutes: %d, %v", len(recent), err)
	}
	// Exactly 90 days back, by date, is still allowed.
	if _, err := api.Transactions(ctx, acct.ID, srv.Now().Truncate(24*time.Hour).AddDate(0, 0, -90), time.Time{}); err != nil {
		t.Errorf("from 90 days ago (a date): %v", err)
	}
	if _, err := api.Transactions(ctx, acct.ID, srv.Now().Truncate(24*time.Hour).AddDate(0, 0, -91), time.Time{}); !errors.Is(err, truelayer.ErrSCAExceeded) {
		t.Errorf("from 91 days ago: %v, want sca_exceeded", err)
	}
	// Without from, the bank quietly gives its last 90 days.
	def, err := api.Transactions(ctx, acct.ID, time.Time{}, time.Time{})
	limit := srv.Now().Add(-90 * 24 * time.Hour)
	if err != nil || len(def) == 0 || def[len(def)-1].Timestamp.Time.Before(limit.Truncate(24*time.Hour)) {
		t.Errorf("no from after 5 minutes: %d, %v; want only the last 90 days", len(def), err)
	}
	// Castle sends midnight timestamps without an offset.
	if raw := def[0].Timestamp.Raw; len(raw) != len("2006-01-02T15:04:05") || raw[11:] != "00:00:00" {
		t.Errorf("Castle timestamp %q, want a bare midnight", raw)
	}
}

func TestMockErrorUsers(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	for code, status := range map[string]int{
		"provider_error": 503, "account_temporarily_locked": 403, "internal_error": 500, "wrong_credentials": 401,
		"user_input_required": 403, "account_permanently_locked": 403,
	} {
		api := apiClient(srv, connect(t, srv, "error."+code, truelayertest.ProviderMock))
		_, err := api.Accounts(ctx)
		if ae := apiErr(t, err); ae.Code != code || ae.StatusCode != status {
			t.Errorf("error.%s: %d %s, want %d %s", code, ae.StatusCode, ae.Code, status, code)
		}
		if _, err := api.Me(ctx); apiErr(t, err).Code != code {
			t.Errorf("error.%s /me: %v", code, err)
		}
	}
}

func TestPendingSettlesUnderNewID(t *testing.T) {
	srv := newServer(t)
	before := srv.Truth("john", truelayertest.ProviderNorthgate)
	srv.AdvanceClock(72 * time.Hour) // every card payment settles within 72 hours
	after := srv.Truth("john", truelayertest.ProviderNorthgate)
	total := 0
	for i, a := range append(before.Accounts, before.Cards...) {
		later := append(after.Accounts, after.Cards...)[i]
		settledBefore := map[string]bool{}
		for _, tx := range a.Transactions {
			settledBefore[tx.TransactionID] = true
		}
		var newSettled []truelayer.Transaction
		for _, tx := range later.Transactions {
			if !settledBefore[tx.TransactionID] {
				newSettled = append(newSettled, tx)
			}
		}
		for _, p := range a.Pending {
			total++
			if slices.ContainsFunc(later.Pending, func(x truelayer.Transaction) bool { return x.TransactionID == p.TransactionID }) {
				t.Errorf("%s still pending after 72 hours", p.Description)
			}
			i := slices.IndexFunc(newSettled, func(s truelayer.Transaction) bool {
				return s.Amount.Equal(p.Amount) && *s.MerchantName == *p.MerchantName && !s.Timestamp.Time.Before(p.Timestamp.Time)
			})
			if i < 0 {
				t.Errorf("pending %s %s never settled", p.Description, p.Amount)
				continue
			}
			if newSettled[i].TransactionID == p.TransactionID {
				t.Errorf("pending %s settled under the same id", p.Description)
			}
			newSettled = slices.Delete(newSettled, i, i+1)
		}
	}
	if total == 0 {
		t.Fatal("no pending transactions")
	}
}

func TestLifeGoesOn(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	before := srv.Truth("john", truelayertest.ProviderNorthgate)
	// Twelve days from the 15th take in the 26th: the standing order to
	// savings, so every account has something new whatever the spending.
	srv.AdvanceClock(12 * 24 * time.Hour)
	after := srv.Truth("john", truelayertest.ProviderNorthgate)
	api := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate))
	for i, a := range before.Accounts {
		later := after.Accounts[i]
		if len(later.Transactions) <= len(a.Transactions) {
			t.Errorf("%s: no new transactions in 12 days", a.Account.DisplayName)
			continue
		}
		// History does not change: the old transactions are a prefix of the new.
		for j, tx := range a.Transactions {
			got := later.Transactions[j]
			if got.TransactionID != tx.TransactionID || !got.RunningBalance.Amount.Equal(tx.RunningBalance.Amount) {
				t.Fatalf("%s: transaction %d changed after the clock moved", a.Account.DisplayName, j)
			}
		}
		// An incremental fetch from the last seen day returns the new ones.
		last := a.Transactions[len(a.Transactions)-1].Timestamp.Time
		fresh, err := api.Transactions(ctx, a.ID, last.Add(time.Second), time.Time{})
		if err != nil || len(fresh) != len(later.Transactions)-len(a.Transactions) {
			t.Errorf("%s: incremental fetch: %d, %v; want %d", a.Account.DisplayName, len(fresh), err, len(later.Transactions)-len(a.Transactions))
		}
	}
	checkConsistent(t, after)
}

func TestAsync(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t, truelayertest.WithAsyncPolls(2))
	api := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate))
	acct := srv.Truth("john", truelayertest.ProviderNorthgate).Accounts[0]

	hooks := make(chan truelayer.Webhook, 1)
	hookSrv := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wh, err := truelayer.ParseWebhook(r.Body)
		if err == nil {
			hooks <- *wh
		}
	})}
	hookURL := listenLoopback(t, &hookSrv)

	task, err := api.StartAsync(ctx, "accounts/"+acct.ID+"/transactions", url.Values{"from": {"2026-01-01"}}, truelayer.AsyncOptions{WebhookURI: hookURL})
	if err != nil || task.Status != truelayer.TaskQueued || task.ResultsURI != srv.APIURL()+"/data/v1/results/"+task.TaskID {
		t.Fatalf("StartAsync: %+v, %v", task, err)
	}
	wh := <-hooks
	if wh.TaskID != task.TaskID || wh.Status != truelayer.TaskSucceeded || wh.ResultsURI != task.ResultsURI {
		t.Errorf("webhook %+v", wh)
	}
	r, err := api.Result(ctx, task.TaskID)
	if err != nil || r.Status != truelayer.TaskRunning {
		t.Errorf("first poll: %+v, %v; want Running", r, err)
	}
	r, err = api.WaitResult(ctx, task.TaskID, 0)
	if err != nil || r.Status != truelayer.TaskSucceeded {
		t.Fatalf("WaitResult: %+v, %v", r, err)
	}
	txs, err := truelayer.DecodeAsyncResults[truelayer.Transaction](r)
	sync, _ := api.Transactions(ctx, acct.ID, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{})
	if err != nil || len(txs) == 0 || len(txs) != len(sync) {
		t.Errorf("async results: %d, %v; want the %d of the synchronous call", len(txs), err, len(sync))
	}

	// A failing call fails the task.
	task, err = api.StartAsync(ctx, "accounts/nope/balance", nil, truelayer.AsyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = api.WaitResult(ctx, task.TaskID, 0)
	if apiErr(t, err).Code != "account_not_found" {
		t.Errorf("failed task: %v", err)
	}
	// Tasks belong to their credentials.
	other := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate))
	if _, err := other.Result(ctx, task.TaskID); !errors.Is(err, truelayer.ErrNotFound) {
		t.Errorf("another connection's task: %v", err)
	}
}

func TestUnattendedLimit(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	tok := connect(t, srv, "john", truelayertest.ProviderNorthgate)
	unattended, attended := unattendedClient(srv, tok), apiClient(srv, tok)
	for i := range 4 {
		if _, err := unattended.Accounts(ctx); err != nil {
			t.Fatalf("unattended call %d: %v", i+1, err)
		}
	}
	_, err := unattended.Accounts(ctx)
	if ae := apiErr(t, err); ae.StatusCode != 429 || ae.Code != "unattended_calls_limit_exceeded" || ae.RetryAfter <= 0 {
		t.Errorf("fifth unattended call: %v (Retry-After %v)", err, ae.RetryAfter)
	}
	if _, err := unattended.Me(ctx); err != nil {
		t.Errorf("another endpoint has its own count: %v", err)
	}
	if _, err := attended.Accounts(ctx); err != nil {
		t.Errorf("with the user present (X-PSU-IP): %v", err)
	}
	srv.AdvanceClock(24 * time.Hour)
	fresh, err := authClient(srv, redirect).Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unattendedClient(srv, fresh).Accounts(ctx); err != nil {
		t.Errorf("a day later: %v", err)
	}
}
