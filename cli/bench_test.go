package cli

import "testing"

// Benchmarks of the commands in-process: the work, without process start
// (e2e_test.go and e2e_terminal_test.go time the built binary).

// BenchmarkTransactionsJSON: every stored transaction as JSON.
func BenchmarkTransactionsJSON(b *testing.B) {
	h, _ := syncedHome(b)
	for b.Loop() {
		h.must("transactions", "--json")
	}
}

// BenchmarkBalanceOnline: balances of every account and card fetched in
// parallel from the emulator, stored, printed.
func BenchmarkBalanceOnline(b *testing.B) {
	h, _ := syncedHome(b)
	for b.Loop() {
		h.must("balance")
	}
}

// BenchmarkDemoBalance: the whole demo: emulator, two auto-approved logins,
// a full sync of two banks, the balances.
func BenchmarkDemoBalance(b *testing.B) {
	h := newHome(b)
	for b.Loop() {
		h.must("--demo", "balance")
	}
}
