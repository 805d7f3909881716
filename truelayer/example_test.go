package truelayer_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/banktui/banktui/truelayer"
)

func ExampleAuthClient_AuthLink() {
	auth := truelayer.NewAuthClient(nil, truelayer.AuthConfig{
		ClientID:    "sandbox-myapp-123",
		RedirectURI: "http://localhost:3000/callback",
	})
	// In a real app: verifier := oauth2.GenerateVerifier(), kept until the callback.
	verifier := "example-verifier-0123456789-0123456789-0123"
	link, err := auth.AuthLink(truelayer.AuthLinkParams{
		Scopes:        []string{truelayer.ScopeInfo, truelayer.ScopeAccounts, truelayer.ScopeBalance, truelayer.ScopeOfflineAccess},
		State:         "csrf-state",
		Providers:     []string{"uk-cs-mock", "uk-ob-all"},
		CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier),
	})
	if err != nil {
		log.Fatal(err)
	}
	u, _ := url.Parse(link)
	fmt.Println(u.Scheme + "://" + u.Host + u.Path)
	for _, p := range strings.Split(u.RawQuery, "&") {
		fmt.Println(" ", p)
	}
	// Output:
	// https://auth.truelayer-sandbox.com/
	//   response_type=code
	//   client_id=sandbox-myapp-123
	//   redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback
	//   scope=info%20accounts%20balance%20offline_access
	//   state=csrf-state
	//   providers=uk-cs-mock%20uk-ob-all
	//   code_challenge=JdukvjtJe9VsTEi1bUqrARLUFfORPMb-M3tSmxQO9kc
	//   code_challenge_method=S256
}

func ExampleAuthClient_Exchange() {
	tl := newFakeTrueLayer() // stands in for auth.truelayer.com
	defer tl.Close()

	auth := truelayer.NewAuthClient(nil, truelayer.AuthConfig{
		ClientID: "sandbox-myapp-123", ClientSecret: "my-secret",
		RedirectURI: "http://localhost:3000/callback",
		AuthURL:     tl.URL + "/auth",
	})
	tok, err := auth.Exchange(context.Background(), "code-from-the-callback", "the-pkce-verifier")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("type:", tok.TokenType)
	fmt.Println("has refresh token:", tok.RefreshToken != "")
	fmt.Println("valid for about:", time.Until(tok.Expiry).Round(time.Hour))
	fmt.Println("scope:", tok.Scope)
	// Output:
	// type: Bearer
	// has refresh token: true
	// valid for about: 1h0m0s
	// scope: info accounts balance transactions offline_access
}

func ExampleClient_Accounts() {
	tl := newFakeTrueLayer()
	defer tl.Close()

	// Any *http.Client that adds the token works; x/oauth2 refreshes it too.
	httpClient := oauth2.NewClient(context.Background(), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: fakeAccessToken}))
	client := truelayer.NewClient(httpClient, truelayer.WithBaseURL(tl.URL+"/api"))

	ctx := context.Background()
	accounts, err := client.Accounts(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range accounts {
		bal, err := client.Balance(ctx, a.AccountID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s %s %s %s: %s %s\n", a.DisplayName, a.AccountType, a.AccountNumber.SortCode, a.AccountNumber.Number, bal.Current, bal.Currency)
	}
	// Output:
	// Club Lloyds TRANSACTION 12-34-56 12345678: 1161.2 GBP
	// Club Lloyds SAVINGS 12-34-57 12345679: 1161.2 GBP
}

func ExampleClient_Transactions() {
	tl := newFakeTrueLayer()
	defer tl.Close()
	httpClient := oauth2.NewClient(context.Background(), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: fakeAccessToken}))
	client := truelayer.NewClient(httpClient, truelayer.WithBaseURL(tl.URL+"/api"))

	// February and March 2018; sent as from=2018-02-01&to=2018-04-01.
	from := time.Date(2018, 2, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 2, 0)
	txs, err := client.Transactions(context.Background(), "f1234560abf9f57287637624def390871", from, to)
	if err != nil {
		log.Fatal(err)
	}
	var total truelayer.Amount
	for _, tx := range txs {
		fmt.Println(tx.Timestamp.Time.Format(time.DateOnly), tx.Description, tx.Amount, tx.Currency)
		total = total.Add(tx.Amount)
	}
	fmt.Println("total", total) // exact: no float64 on the money path
	// Output:
	// 2018-03-06 GOOGLE PLAY STORE -2.99 GBP
	// 2018-02-18 PAYPAL EBAY -25.25 GBP
	// total -28.24
}

// Example_webApp is the whole flow in a tiny net/http app: /login redirects
// to the auth link, /callback checks the state, exchanges the code and prints
// the account holder's name from /info. A fake TrueLayer that approves at
// once stands in for the bank, so the example runs as a test.
func Example_webApp() {
	tl := newFakeTrueLayer()
	defer tl.Close()

	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	defer app.Close()

	auth := truelayer.NewAuthClient(nil, truelayer.AuthConfig{
		ClientID: "sandbox-myapp-123", ClientSecret: "my-secret",
		RedirectURI: app.URL + "/callback",
		AuthURL:     tl.URL + "/auth", // "" would mean the real sandbox auth server
	})
	apiURL := tl.URL + "/api" // truelayer.Sandbox.APIURL for real

	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		state, verifier := randomString(), oauth2.GenerateVerifier()
		http.SetCookie(w, &http.Cookie{Name: "tl", Value: state + "." + verifier, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		link, err := auth.AuthLink(truelayer.AuthLinkParams{
			Scopes: []string{truelayer.ScopeInfo, truelayer.ScopeOfflineAccess}, State: state,
			Providers: []string{"uk-cs-mock"}, CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier),
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, link, http.StatusFound)
	})
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("tl")
		if err != nil {
			http.Error(w, "no login in progress", http.StatusBadRequest)
			return
		}
		state, verifier, _ := strings.Cut(c.Value, ".")
		if r.FormValue("state") != state {
			http.Error(w, "state mismatch", http.StatusBadRequest)
			return
		}
		tok, err := auth.Exchange(r.Context(), r.FormValue("code"), verifier)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway) // never holds the code or secret
			return
		}
		// Store tok (RefreshToken!) here. Then call the Data API:
		httpClient := auth.OAuth2Config(nil).Client(context.Background(), tok.OAuth2())
		info, err := truelayer.NewClient(httpClient, truelayer.WithBaseURL(apiURL)).Info(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "Hello, %s!\n", info.FullName)
	})

	// The user's browser: follows the redirects and keeps cookies.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(app.URL + "/login")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(os.Stdout, resp.Body)
	// Output:
	// Hello, John Doe!
}

func randomString() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

const fakeAccessToken = "example-access-token"

// newFakeTrueLayer serves a minimal TrueLayer for the examples: an auth
// dialog that approves at once, the token endpoint, and Data API answers
// from testdata. (The truelayertest package has the full emulator.)
func newFakeTrueLayer() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /auth/", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		back := q.Get("redirect_uri") + "?code=fake-code&state=" + url.QueryEscape(q.Get("state"))
		http.Redirect(w, r, back, http.StatusFound)
	})
	mux.HandleFunc("POST /auth/connect/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"expires_in":3600,"token_type":"Bearer","refresh_token":"example-refresh-token","scope":"info accounts balance transactions offline_access"}`, fakeAccessToken)
	})
	serve := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+fakeAccessToken {
				http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
				return
			}
			b, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Write(b)
		}
	}
	mux.HandleFunc("GET /api/data/v1/info", serve("data-info.json"))
	mux.HandleFunc("GET /api/data/v1/accounts", serve("data-accounts.json"))
	mux.HandleFunc("GET /api/data/v1/accounts/{id}/balance", serve("data-balance.json"))
	mux.HandleFunc("GET /api/data/v1/accounts/{id}/transactions", serve("data-transactions.json"))
	return httptest.NewServer(mux)
}
