package ui

import (
	"errors"
	"strings"
	"testing"
)

func records(e *fakeEnv) int { return e.store.count(func(s *fakeStore) int { return s.records }) }

// The list is read without the bank's JSON; the detail reads its
// transaction's record in a command, again when the selection moves or the
// list is read again, and drops stale replies.
func TestDetailReadsItsRecordAndDropsStaleReplies(t *testing.T) {
	e := onlineEnv(50)
	h := e.startSynced(t, 120, 30).press("3")
	if strings.Contains(h.screen(), "prov-") {
		t.Fatal("the list shows fields of the bank's JSON")
	}
	release := e.store.gates.hold("record", "acc-current")
	h.press("enter")
	s := h.screen()
	if !strings.Contains(s, "Transaction ID   tx-000000") || !strings.Contains(s, "loading the rest…") || strings.Contains(s, "prov-0") {
		t.Fatalf("detail before its record: the list's fields and a note, nothing else:\n%s", s)
	}
	// j walks to the next transaction before the first reply lands.
	h.press("j")
	if s := h.screen(); !strings.Contains(s, "Provider tx ID   prov-1") || strings.Contains(s, "loading the rest") {
		t.Fatalf("the next record was not read:\n%s", s)
	}
	release()
	h.settle() // the first record's reply, now stale
	if s := h.screen(); !strings.Contains(s, "prov-1") || strings.Contains(s, "prov-0") {
		t.Fatalf("a stale reply was applied:\n%s", s)
	}
	// Keys that keep the selection read nothing again.
	n := records(e)
	h.press("s")
	if records(e) != n || !strings.Contains(h.screen(), "prov-1") {
		t.Error("a sort that kept the selection read the detail again")
	}
	// A reload of the list (after a sync) reads the shown record again.
	h.press("R")
	if records(e) != n+1 || !strings.Contains(h.screen(), "prov-1") || strings.Contains(h.screen(), "loading the rest") {
		t.Errorf("after a sync: %d record reads, want %d:\n%s", records(e), n+1, h.screen())
	}
}

// A record that cannot be read says so; the detail keeps the list's fields
// and does not ask again for the same transaction.
func TestDetailReadError(t *testing.T) {
	e := offlineEnv(20)
	e.store.recErr = errors.New("database is locked\nmore")
	h := e.start(t, 120, 32).press("3", "enter")
	s := h.screen()
	if !strings.Contains(s, "the rest is unavailable: database is locked") || !strings.Contains(s, "Transaction ID") {
		t.Errorf("detail after an error:\n%s", s)
	}
	n := records(e)
	h.press("G")
	if records(e) != n || !strings.Contains(h.screen(), "the rest is unavailable") {
		t.Error("a failed read was retried without the selection moving")
	}
}

// Privacy hides a card's number in the detail too (the bank sends it in
// the transaction's meta).
func TestPrivacyHidesCardDigitsInDetail(t *testing.T) {
	e := offlineEnv(0)
	card := fakeTransactions("card-1", 5)
	for i := range card {
		card[i].Raw.Meta["cardNumber"] = "************4242"
	}
	e.store.txs["card-1"] = card
	h := e.start(t, 120, 30).press("2", "enter", "enter")
	if !strings.Contains(h.screen(), "************4242") {
		t.Fatalf("the detail lacks the card number:\n%s", h.screen())
	}
	s := h.press(".").screen()
	if strings.Contains(s, "4242") || !strings.Contains(lineWith(s, "cardNumber"), "************••••") {
		t.Errorf("privacy mode shows the card's digits:\n%s", s)
	}
	if strings.Contains(h.press(".").screen(), "************••••") {
		t.Error(". again should show the number")
	}
}
