package ledger_test

import (
	"testing"
	"time"

	"github.com/banktui/banktui/ledger"
)

// The back-fill in 90-day windows, as for a bank giving at most PSD2's 90
// days a request: nine windows with rows over the two years, then an empty
// one. Each window is fetched while the one before commits (windowPipe);
// in one two-year window (BenchmarkScaleFullSync) there is nothing to
// overlap.
const psd2Window = 90 * 24 * time.Hour

// BenchmarkScaleWindowedSync: a first sync in 90-day windows from a bank
// answering at once.
func BenchmarkScaleWindowedSync(b *testing.B) {
	benchFullSync(b, 0, ledger.WithBackfillWindow(psd2Window))
}

// BenchmarkScaleSlowBankSync: the same from a bank taking 300 ms before
// each window's answer (the real TrueLayer takes seconds): the commits
// hide behind it.
func BenchmarkScaleSlowBankSync(b *testing.B) {
	benchFullSync(b, 300*time.Millisecond, ledger.WithBackfillWindow(psd2Window))
}
