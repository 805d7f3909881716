package truelayer

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestNewClientDefaults(t *testing.T) {
	c1, c2 := NewClient(nil), NewClient(nil)
	if c1.req.httpClient == http.DefaultClient || c1.req.httpClient == c2.req.httpClient {
		t.Error("nil http client must give each Client its own *http.Client, never http.DefaultClient")
	}
	if got, want := c1.BaseURL.String(), "https://api.truelayer.com/data/v1/"; got != want {
		t.Errorf("BaseURL = %q, want %q", got, want)
	}
	if got, want := c1.UserAgent, DefaultUserAgent(); got != want {
		t.Errorf("UserAgent = %q, want %q", got, want)
	}
	for _, base := range []string{"http://127.0.0.1:1/api", "http://127.0.0.1:1/api/"} {
		if got := NewClient(nil, WithBaseURL(base)).BaseURL.String(); got != "http://127.0.0.1:1/api/data/v1/" {
			t.Errorf("WithBaseURL(%q) => %q", base, got)
		}
	}
}

func TestNewRequestRejectsBadPaths(t *testing.T) {
	c := NewClient(nil)
	if _, err := c.NewRequest(context.Background(), "GET", "/accounts", nil, nil); err == nil {
		t.Error("absolute path accepted: it would drop /data/v1")
	}
	c.BaseURL, _ = url.Parse("https://api.truelayer.com/data/v1")
	if _, err := c.NewRequest(context.Background(), "GET", "accounts", nil, nil); err == nil {
		t.Error("BaseURL without trailing slash accepted")
	}
	bad := NewClient(nil, WithBaseURL("::not a url"))
	if _, err := bad.Accounts(context.Background()); err == nil {
		t.Error("unusable base URL gave no error")
	}
}

// TestRequestHeaders covers what every Data API request carries.
func TestRequestHeaders(t *testing.T) {
	f := newFixture(t, WithPSUIP("203.0.113.7"), WithUserAgent("banktui/test"))
	f.api.HandleFunc("/data/v1/me", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testHeader(t, r, "User-Agent", "banktui/test")
		testHeader(t, r, "X-PSU-IP", "203.0.113.7")
		testHeader(t, r, "X-Client-Correlation-Id", "corr-42")
		testHeader(t, r, "Accept", "application/json")
		serveFixture(t, "data-me.json")(w, r)
	})
	ctx := WithCorrelationID(context.Background(), "corr-42")
	if _, err := f.client.Me(ctx); err != nil {
		t.Fatal(err)
	}
	if CorrelationID(context.Background()) != "" {
		t.Error("correlation id leaked into a bare context")
	}
}

func TestDefaultUserAgentAndNoOptionalHeaders(t *testing.T) {
	f := newFixture(t)
	f.api.HandleFunc("/data/v1/info", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "User-Agent", DefaultUserAgent())
		for _, h := range []string{"X-PSU-IP", "X-Client-Correlation-Id", "Content-Type"} {
			if v := r.Header.Get(h); v != "" {
				t.Errorf("%s sent without being asked: %q", h, v)
			}
		}
		serveFixture(t, "data-info.json")(w, r)
	})
	if _, err := f.client.Info(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// route registers a GET handler that checks the path's query and serves a fixture.
func (f *fixture) route(path string, query url.Values, fixtureName string) {
	f.api.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		testMethod(f.t, r, "GET")
		testQuery(f.t, r, query)
		serveFixture(f.t, fixtureName)(w, r)
	})
}

func TestMe(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/me", nil, "data-me.json")
	me, err := f.client.Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if me.ClientID != "test" || me.CredentialsID != "6L7RxyPKX0THy1tw93PB4V+8DB+KjnX9Pxa451yXPu0=" ||
		me.Provider.ProviderID != "lloyds" || me.Provider.DisplayName != "Lloyds Bank" ||
		len(me.Scopes) != 6 || me.PrivacyPolicy != "Feb2019" {
		t.Errorf("Me = %+v", me)
	}
}

func TestInfo(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/info", nil, "data-info.json")
	info, err := f.client.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.FullName != "John Doe" || len(info.Addresses) != 1 || info.Addresses[0].City != "San Francisco" ||
		info.Emails[0] != "john@doe.com" || info.Phones[0] != "+14151234567" ||
		!info.DateOfBirth.Time.Equal(time.Date(1984, 7, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Info = %+v", info)
	}
}

func TestAccounts(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/accounts", nil, "data-accounts.json")
	accts, err := f.client.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(accts) != 2 {
		t.Fatalf("got %d accounts, want 2", len(accts))
	}
	a := accts[1]
	if a.AccountID != "f1234560abf9f57287637624def390872" || a.AccountType != AccountTypeSavings ||
		a.AccountNumber.SortCode != "12-34-57" || a.AccountNumber.IBAN != "GB35LOYD12345678901235" ||
		a.Provider.ProviderID != "lloyds" || a.Currency != "GBP" ||
		!a.UpdateTimestamp.Time.Equal(time.Date(2017, 2, 7, 17, 29, 24, 740802000, time.UTC)) {
		t.Errorf("account = %+v", a)
	}
}

func TestAccount(t *testing.T) {
	f := newFixture(t)
	// An id with a slash and a space must stay one path segment.
	f.api.HandleFunc("/data/v1/accounts/{id}", func(w http.ResponseWriter, r *http.Request) {
		if got := r.PathValue("id"); got != "acc/1 x" {
			t.Errorf("account id = %q", got)
		}
		serveFixture(t, "data-accounts.json")(w, r)
	})
	a, err := f.client.Account(context.Background(), "acc/1 x")
	if err != nil {
		t.Fatal(err)
	}
	if a.AccountID != "f1234560abf9f57287637624def390871" {
		t.Errorf("Account returned %q, want the first result", a.AccountID)
	}
}

func TestBalance(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/accounts/acc1/balance", nil, "data-balance.json")
	b, err := f.client.Balance(context.Background(), "acc1")
	if err != nil {
		t.Fatal(err)
	}
	want := MustAmount("1161.2")
	if !b.Available.Equal(want) || !b.Current.Equal(want) || b.Currency != "GBP" || b.Overdraft != nil {
		t.Errorf("Balance = %+v", b)
	}
	if b.Current.String() != "1161.2" {
		t.Errorf("amount text = %q, want the bank's 1161.2", b.Current.String())
	}
	// The fixture's timestamp is malformed: kept raw, not fatal.
	if b.UpdateTimestamp.Valid() || b.UpdateTimestamp.Raw != "2017-02 - 07T17: 33:30.001222Z" {
		t.Errorf("malformed timestamp = %+v, want Raw kept and Time zero", b.UpdateTimestamp)
	}
}

func TestTransactions(t *testing.T) {
	from := time.Date(2018, 2, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2018, 3, 31, 12, 30, 0, 0, time.FixedZone("CEST", 2*3600))
	f := newFixture(t)
	f.route("/data/v1/accounts/acc1/transactions",
		url.Values{"from": {"2018-02-01"}, "to": {"2018-03-31T10:30:00Z"}}, "data-transactions.json")
	txs, err := f.client.Transactions(context.Background(), "acc1", from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != 2 {
		t.Fatalf("got %d transactions", len(txs))
	}
	tx := txs[0]
	if tx.TransactionID != "03c333979b729315545816aaa365c33f" || tx.Amount.String() != "-2.99" ||
		!tx.Amount.Equal(MustAmount("-2.99")) || tx.TransactionType != TransactionTypeDebit ||
		tx.TransactionCategory != "PURCHASE" || !reflect.DeepEqual(tx.TransactionClassification, []string{"Entertainment", "Games"}) ||
		tx.MerchantName == nil || *tx.MerchantName != "Google play" || tx.RunningBalance != nil ||
		tx.Meta["bank_transaction_id"] != "9882ks-00js" ||
		!tx.Timestamp.Time.Equal(time.Date(2018, 3, 6, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("transaction = %+v", tx)
	}
}

func TestTransactionsWithoutRange(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/accounts/acc1/transactions", nil, "data-transactions.json")
	if _, err := f.client.Transactions(context.Background(), "acc1", time.Time{}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	f2 := newFixture(t)
	f2.route("/data/v1/accounts/acc1/transactions", url.Values{"to": {"2020-01-02"}}, "data-transactions.json")
	if _, err := f2.client.Transactions(context.Background(), "acc1", time.Time{}, time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
}

func TestPendingTransactions(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/accounts/acc1/transactions/pending", nil, "data-transactions-pending.json")
	txs, err := f.client.PendingTransactions(context.Background(), "acc1")
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != 2 || txs[1].Amount.String() != "-25.25" || *txs[1].MerchantName != "Ebay" {
		t.Errorf("pending = %+v", txs)
	}
}

func TestStandingOrders(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/accounts/acc1/standing_orders", nil, "data-standing-orders.json")
	sos, err := f.client.StandingOrders(context.Background(), "acc1")
	if err != nil {
		t.Fatal(err)
	}
	if len(sos) != 1 {
		t.Fatalf("got %d", len(sos))
	}
	so := sos[0]
	if so.Frequency != "DD" || so.Status != "Active" || so.Reference != "Savings" || so.Meta.ProviderAccountID != "234234-123" ||
		so.NextPaymentAmount == nil || so.NextPaymentAmount.String() != "123" || !so.NextPaymentDate.Valid() {
		t.Errorf("standing order = %+v", so)
	}
}

func TestDirectDebits(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/accounts/acc1/direct_debits", nil, "data-direct-debits.json")
	dds, err := f.client.DirectDebits(context.Background(), "acc1")
	if err != nil {
		t.Fatal(err)
	}
	if len(dds) != 1 || dds[0].Name != "Netflic" || dds[0].DirectDebitID != "123" ||
		dds[0].Meta.ProviderMandateIdentification != "Lacsitos" || dds[0].PreviousPaymentAmount.String() != "123" {
		t.Errorf("direct debits = %+v", dds)
	}
}

func TestCards(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/cards", nil, "data-cards.json")
	cards, err := f.client.Cards(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 2 || cards[1].CardNetwork != "MASTERCARD" || cards[1].CardType != "CHARGE" ||
		cards[1].PartialCardNumber != "0055" || cards[0].Provider.LogoURI == "" || cards[0].ValidFrom != "2017-01" {
		t.Errorf("cards = %+v", cards)
	}
}

func TestCard(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/cards/card1", nil, "data-card.json")
	c, err := f.client.Card(context.Background(), "card1")
	if err != nil {
		t.Fatal(err)
	}
	if c.AccountID != "f7b093437032c216d4350b7d442b9c5ccc0e9f19" || c.NameOnCard != "A. N. Other" || c.Provider.ProviderID != "" {
		t.Errorf("card = %+v", c)
	}
}

func TestCardBalance(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/cards/card1/balance", nil, "data-card-balance.json")
	b, err := f.client.CardBalance(context.Background(), "card1")
	if err != nil {
		t.Fatal(err)
	}
	if b.Available.String() != "5479.0" || !b.Available.Equal(MustAmount("5479")) ||
		b.CreditLimit == nil || b.CreditLimit.String() != "5500.0" || b.PaymentDue.String() != "5.0" ||
		!b.PaymentDueDate.Time.Equal(time.Date(2017, 11, 1, 0, 0, 0, 0, time.UTC)) ||
		!b.LastStatementDate.Valid() || b.LastStatementBalance.String() != "420.0" {
		t.Errorf("card balance = %+v", b)
	}
}

func TestCardTransactions(t *testing.T) {
	f := newFixture(t)
	from := time.Date(2017, 10, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2017, 10, 31, 0, 0, 0, 0, time.UTC)
	f.route("/data/v1/cards/card1/transactions", url.Values{"from": {"2017-10-01"}, "to": {"2017-10-31"}}, "data-card-transactions.json")
	txs, err := f.client.CardTransactions(context.Background(), "card1", from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != 2 || txs[1].Amount.String() != "-700.0" || txs[1].TransactionCategory != "STANDING_ORDER" ||
		txs[0].Meta["type"] != "Cash Point" || txs[0].MerchantName != nil {
		t.Errorf("card transactions = %+v", txs)
	}
}

func TestCardPendingTransactions(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/cards/card1/transactions/pending", nil, "data-transactions-pending.json")
	txs, err := f.client.CardPendingTransactions(context.Background(), "card1")
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != 2 {
		t.Errorf("got %d", len(txs))
	}
}

// TestEmptyResults: single-object endpoints with results:[] give
// ErrEmptyResults (no panic); list endpoints give an empty, non-nil slice.
func TestEmptyResults(t *testing.T) {
	f := newFixture(t)
	empty := func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"results":[],"status":"Succeeded"}`)) }
	for _, p := range []string{"/data/v1/me", "/data/v1/info", "/data/v1/accounts/a", "/data/v1/accounts/a/balance",
		"/data/v1/cards/c", "/data/v1/cards/c/balance", "/data/v1/accounts", "/data/v1/cards"} {
		f.api.HandleFunc(p, empty)
	}
	f.api.HandleFunc("/data/v1/accounts/a/transactions", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) })
	ctx := context.Background()
	single := map[string]func() error{
		"Me":          func() error { _, err := f.client.Me(ctx); return err },
		"Info":        func() error { _, err := f.client.Info(ctx); return err },
		"Account":     func() error { _, err := f.client.Account(ctx, "a"); return err },
		"Balance":     func() error { _, err := f.client.Balance(ctx, "a"); return err },
		"Card":        func() error { _, err := f.client.Card(ctx, "c"); return err },
		"CardBalance": func() error { _, err := f.client.CardBalance(ctx, "c"); return err },
	}
	for name, call := range single {
		if err := call(); !errors.Is(err, ErrEmptyResults) {
			t.Errorf("%s: err = %v, want ErrEmptyResults", name, err)
		}
	}
	accts, err := f.client.Accounts(ctx)
	if err != nil || accts == nil || len(accts) != 0 {
		t.Errorf("Accounts = %v, %v; want empty non-nil", accts, err)
	}
	txs, err := f.client.Transactions(ctx, "a", time.Time{}, time.Time{})
	if err != nil || txs == nil || len(txs) != 0 {
		t.Errorf("Transactions on {} = %v, %v; want empty non-nil", txs, err)
	}
}

func TestGetResultsAndDo(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/accounts/a/transactions", url.Values{"async": {"false"}, "x": {"1 2"}}, "data-transactions.json")
	got, err := GetResults[map[string]any](context.Background(), f.client, "accounts/a/transactions", url.Values{"async": {"false"}, "x": {"1 2"}})
	if err != nil || len(got) != 2 || got[0]["currency"] != "GBP" {
		t.Errorf("GetResults = %v, %v", got, err)
	}
}

func TestMalformedResponse(t *testing.T) {
	f := newFixture(t)
	f.api.HandleFunc("/data/v1/accounts", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"results": [ {"account_id": 1`)) })
	f.api.HandleFunc("/data/v1/cards", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`<html>oops</html>`)) })
	// Bodies with a Content-Length that the decoder gives up on long before
	// their end: malformed, not "cut short" (which would be retried).
	var calls atomic.Int32
	long := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			body += strings.Repeat(" ", 64<<10) + "]}"
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Write([]byte(body))
		}
	}
	f.api.HandleFunc("/data/v1/accounts/a/transactions", long(`{"results":[{"transaction_id":"t1","amount":{"oops":1},"currency":"GBP"}`))
	f.api.HandleFunc("/data/v1/accounts/a/balance", long(`<html>oops</html>`))
	for name, call := range map[string]func() error{
		"accounts": func() error { _, err := f.client.Accounts(context.Background()); return err },
		"cards":    func() error { _, err := f.client.Cards(context.Background()); return err },
		"transactions": func() error {
			_, err := f.client.Transactions(context.Background(), "a", time.Time{}, time.Time{})
			return err
		},
		"balance": func() error { _, err := f.client.Balance(context.Background(), "a"); return err },
	} {
		calls.Store(0)
		err := call()
		if !errors.Is(err, ErrMalformedResponse) || errors.Is(err, ErrTemporary) {
			t.Errorf("%s: err = %v, want ErrMalformedResponse, not temporary", name, err)
		}
		if n := calls.Load(); n > 1 {
			t.Errorf("%s: asked %d times; a malformed answer is not retried", name, n)
		}
	}
}

func TestResponseSizeBound(t *testing.T) {
	f := newFixture(t, WithMaxResponseBytes(64))
	f.api.HandleFunc("/data/v1/accounts", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"results":[],"padding":"` + strings.Repeat("x", 1000) + `"}`))
	})
	_, err := f.client.Accounts(context.Background())
	if !errors.Is(err, ErrResponseTooLarge) || !strings.Contains(err.Error(), "limit of 64 bytes") {
		t.Errorf("err = %v, want a size-limit error", err)
	}
}

func TestFormatDate(t *testing.T) {
	cases := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "2024-02-29"},
		{time.Date(2024, 2, 29, 0, 0, 0, 1, time.UTC), "2024-02-29T00:00:00Z"},
		{time.Date(2024, 3, 1, 1, 0, 0, 0, time.FixedZone("", 3600)), "2024-03-01"}, // midnight UTC
		{time.Date(2024, 3, 1, 0, 0, 0, 0, time.FixedZone("", 3600)), "2024-02-29T23:00:00Z"},
	}
	for _, c := range cases {
		if got := FormatDate(c.in); got != c.want {
			t.Errorf("FormatDate(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestConcurrentUse: one Client serves many goroutines (run with -race).
func TestConcurrentUse(t *testing.T) {
	f := newFixture(t)
	f.route("/data/v1/accounts", nil, "data-accounts.json")
	f.route("/data/v1/accounts/acc1/balance", nil, "data-balance.json")
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			ctx := WithCorrelationID(context.Background(), "c"+strings.Repeat("x", i))
			if _, err := f.client.Accounts(ctx); err != nil {
				errs <- err
				return
			}
			_, err := f.client.Balance(ctx, "acc1")
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
