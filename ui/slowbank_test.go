package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/ledger"
)

// A bank that goes silent during a refresh is named in the footer once it
// has been silent for Options.SlowBank, while the TUI keeps answering keys;
// a bank that finished is never named.
func TestSlowBankIsNamedInTheFooter(t *testing.T) {
	e := onlineEnv(10)
	e.opts.SlowBank = 15 * time.Second
	proceed := make(chan struct{})
	e.syncer.balances = func(ctx context.Context, _ []string, progress func(ledger.Event)) (*ledger.Report, error) {
		progress(ledger.Event{ConnectionID: "c1", Phase: ledger.PhaseConnect})
		progress(ledger.Event{ConnectionID: "c2", Phase: ledger.PhaseConnect})
		progress(ledger.Event{ConnectionID: "c1", Phase: ledger.PhaseDone})
		select { // Castle Bank (c2) never answers until the test says so
		case <-proceed:
		case <-ctx.Done():
		}
		return &ledger.Report{}, nil
	}
	h := newHarness(t, e.model(t), e.store.gates)
	h.deliver(sizeMsg(160, 30))
	h.run(h.m.Init())
	// The events come in order: Northgate done means Castle has started.
	h.waitFor("progress", func(s string) bool { return strings.Contains(s, "Northgate Bank: done") })
	if s := h.screen(); strings.Contains(s, "waiting for") {
		t.Errorf("a bank is named slow at once:\n%s", footerOf(s))
	}
	e.clock.set(fixedNow.Add(14 * time.Second))
	h.deliver(keyMsg("j"))
	if s := h.screen(); strings.Contains(s, "waiting for") {
		t.Errorf("a bank is named slow before 15 s:\n%s", footerOf(s))
	}
	e.clock.set(fixedNow.Add(20 * time.Second))
	h.deliver(keyMsg("j"))
	s := h.screen()
	if !strings.Contains(s, "waiting for Castle Bank (20s)") || strings.Contains(footerOf(s), "waiting for Northgate") {
		t.Errorf("after 20 s of silence the footer does not name Castle Bank (and only it):\n%s", footerOf(s))
	}
	if !strings.Contains(h.selected()[0], "Castle Everyday") { // two rows down
		t.Errorf("keys stopped working while a bank was slow: selected %q", h.selected())
	}
	close(proceed)
	h.settle()
	if s := h.screen(); strings.Contains(s, "waiting for") {
		t.Errorf("the slow note outlived the refresh:\n%s", footerOf(s))
	}
}

// footerOf is the screen's last two lines.
func footerOf(screen string) string {
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-2):], "\n")
}
