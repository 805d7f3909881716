package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// detailReply runs the command that reads a detail's record.
func detailReply(t *testing.T, cmd tea.Cmd) detailLoadedMsg {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command to read the detail")
	}
	msg, ok := cmd().(detailLoadedMsg)
	if !ok {
		t.Fatalf("command returned %T, want detailLoadedMsg", msg)
	}
	return msg
}

// The list is read without Raw; the detail reads its transaction's record
// in a command, again when the selection moves, and drops stale replies.
func TestDetailReadsItsRecordAndDropsStaleReplies(t *testing.T) {
	e := newEmulatorLedger(t)
	m := New(e.options())
	m = send(t, m, sizeMsg(120, 32))
	m = drive(t, m, m.Init())
	m = press(t, m, "3")
	if !m.tx.noRaw || len(m.tx.views) < 3 || m.tx.views[0].Raw.TransactionID != "" {
		t.Fatalf("list: noRaw %v, %d rows", m.tx.noRaw, len(m.tx.views))
	}
	nm, open := m.Update(keyMsg("enter"))
	m = nm.(Model)
	first := m.tx.selected()
	if m.focus != paneDetail || m.detail.key != keyOf(first) || !m.detail.loading {
		t.Fatalf("detail: focus %v state %+v", m.focus, m.detail)
	}
	// j walks to the next transaction before the first reply lands.
	nm, next := m.Update(keyMsg("j"))
	m = nm.(Model)
	second := m.tx.selected()
	if keyOf(second) == keyOf(first) || m.detail.key != keyOf(second) {
		t.Fatalf("j did not ask for the next record: %+v", m.detail)
	}
	m = send(t, m, detailReply(t, open)) // stale
	if m.detail.view != nil || !m.detail.loading {
		t.Fatalf("a stale reply was applied: %+v", m.detail)
	}
	reply := detailReply(t, next)
	m = send(t, m, reply)
	if m.detail.view == nil || m.detail.loading || m.detail.view.ID != second.ID || m.detail.view.Raw.TransactionID == "" {
		t.Fatalf("reply not applied: %+v", m.detail)
	}
	want := reply.view.Raw.TransactionID
	if s := screen(m); !strings.Contains(s, want[:min(20, len(want))]) || strings.Contains(s, "loading the rest") {
		t.Errorf("detail:\n%s", s)
	}
	// Keys that keep the selection read nothing again.
	nm, cmd := m.Update(keyMsg("s"))
	m = nm.(Model)
	if cmd != nil || keyOf(m.tx.selected()) != keyOf(second) {
		t.Error("a sort that kept the selection read the detail again")
	}
	// A reload of the list (after a sync) reads the shown record again,
	// showing the one already read meanwhile.
	reload := loadTxCmd(context.Background(), m.txSeq, e.store, m.selectedID, 0)().(txLoadedMsg)
	nm, again := m.Update(reload)
	m = nm.(Model)
	if m.detail.view == nil || !m.detail.loading || keyOf(m.tx.selected()) != keyOf(second) {
		t.Fatalf("after a reload: %+v", m.detail)
	}
	m = send(t, m, detailReply(t, again))
	if m.detail.view == nil || m.detail.loading {
		t.Fatalf("after the reload's reply: %+v", m.detail)
	}
}

// A record that cannot be read says so; the detail keeps the list's fields
// and does not ask again for the same transaction.
func TestDetailReadError(t *testing.T) {
	e := newEmulatorLedger(t)
	m := New(e.options())
	m = send(t, m, sizeMsg(120, 32))
	m = drive(t, m, m.Init())
	m = press(t, m, "3", "enter")
	m = send(t, m, detailLoadedMsg{seq: m.detailSeq, key: m.detail.key, err: errors.New("database is locked\nmore")})
	s := screen(m)
	if !strings.Contains(s, "the rest is unavailable: database is locked") || !strings.Contains(s, "Transaction ID") {
		t.Errorf("detail after an error:\n%s", s)
	}
	if nm, cmd := m.Update(keyMsg("G")); cmd != nil || nm.(Model).detail.err == "" {
		t.Error("a failed read was retried without the selection moving")
	}
}

// Rows that already carry Raw (as the fakes do) need no read.
func TestDetailWithRawReadsNothing(t *testing.T) {
	m := fakeModel(t, 120, 30, 50)
	m = press(t, m, "3")
	nm, cmd := m.Update(keyMsg("enter"))
	m = nm.(Model)
	if cmd != nil || m.detailSeq != 0 || strings.Contains(screen(m), "loading the rest") {
		t.Errorf("detail of rows with Raw: cmd %v seq %d", cmd != nil, m.detailSeq)
	}
}
