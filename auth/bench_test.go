package auth

import (
	"context"
	"testing"

	"github.com/banktui/banktui/truelayer/truelayertest"
)

// BenchmarkTokenValid is the hot path of every Data API request: a valid
// token from memory, many goroutines at once.
func BenchmarkTokenValid(b *testing.B) {
	e := newEnv(b)
	e.connect(b, "a", "john", truelayertest.ProviderNorthgate)
	m := e.manager()
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := m.Token(ctx, "a"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkRefreshAndSave is one refresh against the emulator plus the
// locked, fsynced, atomic save of credentials.json.
func BenchmarkRefreshAndSave(b *testing.B) {
	e := newEnv(b)
	e.connect(b, "a", "john", truelayertest.ProviderNorthgate)
	m := e.manager()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		stale, err := m.current("a")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.refresh(ctx, "a", stale.AccessToken); err != nil {
			b.Fatal(err)
		}
	}
	issuedFromStore(b, e.store)
}
