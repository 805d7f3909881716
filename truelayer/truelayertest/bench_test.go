package truelayertest

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// BenchmarkGenerate100kPerAccount: the demo bank at scale (current account,
// savings and a card, 100,000 settled transactions each, plus the year of
// future the clock reveals).
func BenchmarkGenerate100kPerAccount(b *testing.B) {
	p, _ := providerByID(ProviderNorthgate)
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	var n int
	for b.Loop() {
		bank := generateBank(1, mockUser{Username: "john"}, p, now, 100_000)
		n = 0
		for _, a := range bank.accounts {
			settled, _ := a.split(now)
			n += len(settled)
		}
	}
	b.ReportMetric(float64(n), "settled_txs/op")
}

// BenchmarkGenerateNatural: the default demo bank (two years of everyday life).
func BenchmarkGenerateNatural(b *testing.B) {
	p, _ := providerByID(ProviderNorthgate)
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	for b.Loop() {
		generateBank(1, mockUser{Username: "john"}, p, now, 0)
	}
}

// BenchmarkServeTransactions100k: GET one account's 100,000 transactions
// over loopback (JSON encoding included), body read and discarded.
func BenchmarkServeTransactions100k(b *testing.B) {
	srv := NewServer(WithTransactionsPerAccount(100_000))
	defer srv.Close()
	tok, err := srv.Connect(DefaultClientID, "john", ProviderNorthgate, []string{"accounts", "transactions", "balance"})
	if err != nil {
		b.Fatal(err)
	}
	id := srv.Truth("john", ProviderNorthgate).Accounts[0].ID
	req, _ := http.NewRequest("GET", srv.APIURL()+"/data/v1/accounts/"+id+"/transactions", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	for b.Loop() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		b.SetBytes(n)
	}
}
