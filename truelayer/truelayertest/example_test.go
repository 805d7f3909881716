package truelayertest_test

import (
	"context"
	"fmt"
	"log"

	"golang.org/x/oauth2"

	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// Start the emulator, log in with PKCE through auto-approve, fetch data.
func Example() {
	ctx := context.Background()
	srv := truelayertest.NewServer(truelayertest.WithAutoApprove("john", truelayertest.ProviderNorthgate))
	defer srv.Close()

	auth := truelayer.NewAuthClient(nil, truelayer.AuthConfig{
		ClientID: truelayertest.DefaultClientID, ClientSecret: truelayertest.DefaultClientSecret,
		RedirectURI: "http://localhost:3000/callback", AuthURL: srv.AuthURL(),
	})
	verifier := oauth2.GenerateVerifier()
	link, _ := auth.AuthLink(truelayer.AuthLinkParams{State: "s1", CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier)})
	landed, err := srv.Authorize(ctx, link, "", "", "") // what a browser would do; auto-approve needs no login
	if err != nil {
		log.Fatal(err)
	}
	tok, err := auth.Exchange(ctx, landed.Query().Get("code"), verifier)
	if err != nil {
		log.Fatal(err)
	}
	api := truelayer.NewClient(auth.OAuth2Config(nil).Client(ctx, tok.OAuth2()), truelayer.WithBaseURL(srv.APIURL()))

	accounts, _ := api.Accounts(ctx)
	balance, _ := api.Balance(ctx, accounts[0].AccountID)
	txs, _ := api.Transactions(ctx, accounts[0].AccountID, srv.Now().AddDate(0, -1, 0), srv.Now())
	cards, _ := api.Cards(ctx)
	want := srv.Truth("john", truelayertest.ProviderNorthgate).Accounts[0].Balance.Current
	fmt.Println(accounts[0].DisplayName, balance.Current.Equal(want), len(txs) > 20, cards[0].CardType)
	// Output: Current Account true true CREDIT
}
