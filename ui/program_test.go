package ui

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// The model inside a real Bubble Tea program (teatest's virtual terminal),
// built the way Run builds it, on a ledger synced from the emulator: the
// commands run on the program's goroutines, messages come back through the
// event loop, keys arrive as a terminal would send them.
func TestProgramOnEmulatorLedger(t *testing.T) {
	e := newEmulatorLedger(t)
	m := firstFrameModel(context.Background(), e.options())
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 32),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	wait := func(what string, cond func(string) bool) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return cond(string(b)) },
			teatest.WithDuration(30*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	// The renderer writes only the cells that change, so wait for text drawn
	// whole: the transaction count, which appears once the sync has stored
	// the history and the pane re-read it.
	count := regexp.MustCompile(`· [1-9][0-9,]* · all time`)
	wait("synced history", func(s string) bool { return count.MatchString(s) })
	tm.Send(keyMsg("3"))
	tm.Send(keyMsg("enter"))
	wait("detail", func(s string) bool { return strings.Contains(s, "Transaction ID") })
	tm.Send(keyMsg("esc"))
	tm.Send(keyMsg("/"))
	tm.Type("zzzz-no-such-thing")
	wait("nothing matches", func(s string) bool { return strings.Contains(s, "nothing matches") })
	tm.Send(keyMsg("esc"))
	tm.Send(keyMsg("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(Model)
	if final.syncing || final.syncErr != "" || final.lastSync.IsZero() || len(final.accounts.items) == 0 {
		t.Errorf("final: syncing %v err %q accounts %d", final.syncing, final.syncErr, len(final.accounts.items))
	}
	if !final.tx.filter.empty() || final.focus != paneTransactions {
		t.Errorf("final: filter %q focus %v", final.tx.filter.raw, final.focus)
	}
	if out := final.View().Content; !bytes.Contains([]byte(out), []byte("Northgate Bank")) {
		t.Error("final view lacks the bank")
	}
}
