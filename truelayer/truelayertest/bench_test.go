package truelayertest

import (
	"testing"
	"time"
)

// BenchmarkGenerate100kPerAccount: the demo bank at scale (current account,
// savings and a card, 100,000 settled transactions each).
func BenchmarkGenerate100kPerAccount(b *testing.B) {
	p, _ := providerByID(ProviderNorthgate)
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	var n int
	for b.Loop() {
		bank := generateBank(1, mockUser{Username: "john"}, p, now, 100_000)
		n = 0
		for _, a := range bank.accounts {
			n += len(a.txs)
		}
	}
	b.ReportMetric(float64(n), "txs/op")
}

// BenchmarkGenerateNatural: the default demo bank (two years of everyday life).
func BenchmarkGenerateNatural(b *testing.B) {
	p, _ := providerByID(ProviderNorthgate)
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	for b.Loop() {
		generateBank(1, mockUser{Username: "john"}, p, now, 0)
	}
}
