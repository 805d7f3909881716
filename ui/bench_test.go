package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/ledger"
)

// The budgets of the issue: with 100k transactions, a filter keystroke
// (Update + View) under 16 ms and scrolling one row under 2 ms.
const benchRows = 100_000

// benchModel is the model with 100k transactions of one account on screen,
// the transactions pane focused.
func benchModel(b *testing.B) Model {
	b.Helper()
	return fakeHarness(b, 160, 50, benchRows).press("3").m
}

// step runs one Update and the frame after it.
func step(m Model, msg tea.Msg) Model {
	nm, _ := m.Update(msg)
	m = nm.(Model)
	_ = m.View()
	return m
}

// BenchmarkScrollOneRow: one j (or k on the way back) and the frame after it.
func BenchmarkScrollOneRow(b *testing.B) {
	m := benchModel(b)
	down, up := keyMsg("j"), keyMsg("k")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg := down
		if (i/10_000)%2 == 1 { // down 10k rows, back up 10k: always a move
			msg = up
		}
		m = step(m, msg)
	}
}

// BenchmarkFilterKeystroke: typing one more letter of a filter over 100k rows
// and the frame after it; alternates typing and deleting so every iteration
// filters the whole history.
func BenchmarkFilterKeystroke(b *testing.B) { benchFilterKeystroke(b, "tesc", "o") }

// BenchmarkFilterKeystrokeAmount: an amount term (decimal comparisons) instead of text.
func BenchmarkFilterKeystrokeAmount(b *testing.B) { benchFilterKeystroke(b, "amount:<-10", "0") }

// benchFilterKeystroke types filter, then alternately one more key and a
// backspace.
func benchFilterKeystroke(b *testing.B, filter, more string) {
	m := step(benchModel(b), keyMsg("/"))
	for _, r := range filter {
		m = step(m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	letter, erase := keyMsg(more), keyMsg("backspace")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg := letter
		if i%2 == 1 {
			msg = erase
		}
		m = step(m, msg)
	}
}

// BenchmarkSortKey: s over 100k rows (not in a budget; for reference).
func BenchmarkSortKey(b *testing.B) {
	m := benchModel(b)
	s := keyMsg("s")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m = step(m, s)
	}
}

// syncedLedger is the emulator's demo bank synced into a ledger, and its
// first account.
func syncedLedger(b *testing.B) (*emulatorLedger, ledger.AccountView) {
	b.Helper()
	e := newEmulatorLedger(b)
	e.start(b, 160, 50, nil)
	accounts, err := e.store.Accounts(context.Background())
	if err != nil || len(accounts) == 0 {
		b.Fatal("no accounts", err)
	}
	return e, accounts[0]
}

// BenchmarkFirstFrameFromStore: what Run does before the first frame, on a
// ledger synced from the emulator's demo bank: read accounts, cards, totals
// and connections from SQLite, build the model, size it, render it.
func BenchmarkFirstFrameFromStore(b *testing.B) {
	e, first := syncedLedger(b)
	name := []rune(ledger.Sanitize(first.DisplayName))
	opts := Options{Store: e.store, Connections: e.options().Connections, Location: time.UTC}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := firstFrameModel(context.Background(), opts, opts.deps())
		nm, _ := f.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
		if !strings.Contains(ansi.Strip(nm.(Model).View().Content), string(name[:min(len(name), 12)])) {
			b.Fatal("the first frame lacks the first account")
		}
		f.cancel()
	}
}

// BenchmarkLoadDetailFromStore: the detail pane's read of one transaction's
// record.
func BenchmarkLoadDetailFromStore(b *testing.B) {
	e, first := syncedLedger(b)
	views, err := e.store.TransactionPage(context.Background(), ledger.TxQuery{AccountIDs: []string{first.ID}, Limit: 1})
	if err != nil || len(views) == 0 {
		b.Fatal("no transaction", err)
	}
	k := keyOf(&views[0])
	src := storeSource{e.store}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg := loadDetailCmd(context.Background(), 1, src, k)().(detailLoadedMsg)
		if msg.err != nil || msg.view.Raw.TransactionID == "" {
			b.Fatal(msg.err)
		}
	}
}
