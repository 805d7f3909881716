package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/ledger/ledgertest"
)

// The scale benchmarks of the transactions pane (issue 14): each operation
// at 10k, 100k and 1M rows in the selected account (ledgertest.EachScale),
// measured as the user feels it: Update, every store read the key starts
// (its commands, run to the end: the rows, then the counts and totals) and
// the frame after it. rows-ms is the part until the rows are on screen
// (the counts follow in their own command, "…" in the title meanwhile).
// Each reports the peak resident set and the peak live heap of the run.

// scaleHarness is the TUI on the store of size n, offline, the
// transactions pane focused on the current account, all history shown.
func scaleHarness(b *testing.B, n int) (*harness, *ledger.Store) {
	b.Helper()
	st, err := ledger.Open(ledgertest.ScaleStore(b, n))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	end := ledgertest.ScaleSpec(n).End
	if end.IsZero() {
		end = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	}
	o := Options{Store: st, Location: time.UTC, Now: func() time.Time { return end }}
	h := newHarness(b, newModel(context.Background(), o, o.deps()), nil)
	h.resize(160, 50).start().press("3")
	return h, st
}

// pressTimed presses key and returns how long until the rows it asks for
// are on screen; it then waits for the counts and totals.
func pressTimed(h *harness, key string) time.Duration {
	start := time.Now()
	h.deliver(keyMsg(key))
	for h.m.tx.list.loading && h.pending > 0 {
		msg := <-h.msgs
		h.pending--
		h.deliver(msg)
	}
	_ = h.view()
	d := time.Since(start)
	h.settle()
	_ = h.view()
	return d
}

// benchKeys presses keys[i%len(keys)] per iteration.
func benchKeys(b *testing.B, h *harness, keys ...string) {
	var rows time.Duration
	m := ledgertest.Measure()
	i := 0
	for b.Loop() {
		rows += pressTimed(h, keys[i%len(keys)])
		i++
	}
	m.Report(b)
	b.ReportMetric(float64(rows.Microseconds())/1000/float64(i), "rows-ms")
}

// countedHarness is scaleHarness, checked to count every row.
func countedHarness(b *testing.B, n int) *harness {
	h, _ := scaleHarness(b, n)
	want := ledger.FormatCount(n + 3)
	if s := h.screen(); !strings.Contains(s, "· "+want+" · all time") {
		b.Fatalf("the pane does not count %s rows:\n%s", want, s)
	}
	return h
}

// BenchmarkScaleTUIFirstFrame: Run's start on the store: accounts and
// balances read, the model built and sized, Init's reads (the first page
// of the current account, its counts and totals) done, the frame drawn.
func BenchmarkScaleTUIFirstFrame(b *testing.B) {
	ledgertest.EachScale(b, func(b *testing.B, n int) {
		path := ledgertest.ScaleStore(b, n)
		m := ledgertest.Measure()
		for b.Loop() {
			st, err := ledger.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			o := Options{Store: st, Location: time.UTC}
			f := firstFrameModel(context.Background(), o, o.deps())
			h := newHarness(b, f, nil)
			h.resize(160, 50).start()
			if !strings.Contains(h.screen(), "Current Account") {
				b.Fatalf("no first account:\n%s", h.screen())
			}
			h.m.cancel()
			st.Close()
		}
		m.Report(b)
	})
}

// BenchmarkScaleJumpToEnd: G (the oldest row) and g (the newest), in turn.
func BenchmarkScaleJumpToEnd(b *testing.B) {
	ledgertest.EachScale(b, func(b *testing.B, n int) { benchKeys(b, countedHarness(b, n), "G", "g") })
}

// BenchmarkScaleFilterKeystroke: with "tesc" typed, one more letter, then
// a backspace, in turn: each narrows the whole history again.
func BenchmarkScaleFilterKeystroke(b *testing.B) {
	ledgertest.EachScale(b, func(b *testing.B, n int) {
		h := countedHarness(b, n)
		h.press("/").typeText("tesc")
		benchKeys(b, h, "o", "backspace")
	})
}

// BenchmarkScaleSortChange: s, cycling date, amount, description,
// category, balance.
func BenchmarkScaleSortChange(b *testing.B) {
	ledgertest.EachScale(b, func(b *testing.B, n int) { benchKeys(b, countedHarness(b, n), "s") })
}

// BenchmarkScaleMonthStep: [ (into the current month) and ] (back to all
// time), in turn.
func BenchmarkScaleMonthStep(b *testing.B) {
	ledgertest.EachScale(b, func(b *testing.B, n int) { benchKeys(b, countedHarness(b, n), "[", "]") })
}
