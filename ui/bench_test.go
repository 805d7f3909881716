package ui

import (
	"context"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/banktui/banktui/ledger"
)

// The budgets of the issue: with 100k transactions, a filter keystroke
// (Update + View) under 16 ms and scrolling one row under 2 ms.
const benchRows = 100_000

func benchModel(b *testing.B) Model {
	b.Helper()
	m := fakeModel(b, 160, 50, benchRows)
	return press(b, m, "3")
}

// BenchmarkScrollOneRow: one j (or k at the end) and the frame after it.
func BenchmarkScrollOneRow(b *testing.B) {
	m := benchModel(b)
	down, up := keyMsg("j"), keyMsg("k")
	dir := down
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if m.tx.cursor == len(m.tx.visible)-1 {
			dir = up
		} else if m.tx.cursor == 0 {
			dir = down
		}
		nm, _ := m.Update(dir)
		m = nm.(Model)
		_ = m.View()
	}
}

// BenchmarkFilterKeystroke: typing one more letter of a filter over 100k rows
// and the frame after it; alternates typing and deleting so every iteration
// filters the whole history.
func BenchmarkFilterKeystroke(b *testing.B) {
	m := benchModel(b)
	m = press(b, m, "/")
	m = typeText(b, m, "tesc")
	letter, erase := keyMsg("o"), keyMsg("backspace")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg := letter
		if i%2 == 1 {
			msg = erase
		}
		nm, _ := m.Update(msg)
		m = nm.(Model)
		_ = m.View()
	}
}

// BenchmarkFilterKeystrokeAmount: an amount term (decimal comparisons) instead of text.
func BenchmarkFilterKeystrokeAmount(b *testing.B) {
	m := benchModel(b)
	m = press(b, m, "/")
	m = typeText(b, m, "amount:<-10")
	digit, erase := keyMsg("0"), keyMsg("backspace")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg := digit
		if i%2 == 1 {
			msg = erase
		}
		nm, _ := m.Update(msg)
		m = nm.(Model)
		_ = m.View()
	}
}

// BenchmarkSortKey: s over 100k rows (not in a budget; for reference).
func BenchmarkSortKey(b *testing.B) {
	m := benchModel(b)
	s := keyMsg("s")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		nm, _ := m.Update(s)
		m = nm.(Model)
		_ = m.View()
	}
}

// BenchmarkPrepareRows: turning 100k stored transactions into rows, done in
// the load command off the event loop.
func BenchmarkPrepareRows(b *testing.B) {
	views := fakeTransactions("acc", benchRows)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = prepareRows(views)
	}
}

// BenchmarkFirstFrameFromStore: what Run does before the first frame, on a
// ledger synced from the emulator's demo bank: read accounts, cards, totals
// and connections from SQLite, build the model, size it, render it.
func BenchmarkFirstFrameFromStore(b *testing.B) {
	e := newEmulatorLedger(b)
	m := New(e.options())
	drive(b, m, m.Init())
	opts := Options{Store: e.store, Connections: e.options().Connections}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := firstFrameModel(context.Background(), opts)
		nm, _ := f.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
		if len(nm.(Model).View().Content) == 0 || len(f.accounts.items) == 0 {
			b.Fatal("empty first frame")
		}
		f.cancel()
	}
}

// BenchmarkLoadTransactionsFromStore: reading and preparing one account's
// whole history (the command behind the transactions pane).
func BenchmarkLoadTransactionsFromStore(b *testing.B) {
	e := newEmulatorLedger(b)
	m := New(e.options())
	m = drive(b, m, m.Init())
	id := m.selectedID
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg := loadTxCmd(context.Background(), 1, e.store, id, 0)().(txLoadedMsg)
		if msg.err != nil || len(msg.rows) == 0 {
			b.Fatal(msg.err)
		}
	}
}

// BenchmarkLoadFirstWindowFromStore: the newest rows an account's first load
// shows before its whole history.
func BenchmarkLoadFirstWindowFromStore(b *testing.B) {
	e := newEmulatorLedger(b)
	m := New(e.options())
	m = drive(b, m, m.Init())
	id := m.selectedID
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg := loadTxCmd(context.Background(), 1, e.store, id, firstWindow)().(txLoadedMsg)
		if msg.err != nil || !msg.partial {
			b.Fatal("no partial first window", msg.err)
		}
	}
}

// BenchmarkLoadTransactionsFromStoreWithRaw: the same load with the bank's
// JSON of every row decoded, as the pane read it before the detail read its
// record apart (for comparison).
func BenchmarkLoadTransactionsFromStoreWithRaw(b *testing.B) {
	e := newEmulatorLedger(b)
	m := New(e.options())
	m = drive(b, m, m.Init())
	id := m.selectedID
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		views, err := e.store.Transactions(context.Background(), ledger.TxQuery{AccountIDs: []string{id}, Sort: "date", Desc: true})
		if err != nil || len(prepareRows(views)) == 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadDetailFromStore: the detail pane's read of one transaction's
// record.
func BenchmarkLoadDetailFromStore(b *testing.B) {
	e := newEmulatorLedger(b)
	m := New(e.options())
	m = drive(b, m, m.Init())
	v := m.tx.selected()
	if v == nil {
		b.Fatal("no transaction")
	}
	k := keyOf(v)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg := loadDetailCmd(context.Background(), 1, e.store, k)().(detailLoadedMsg)
		if msg.err != nil || msg.view.Raw.TransactionID == "" {
			b.Fatal(msg.err)
		}
	}
}
