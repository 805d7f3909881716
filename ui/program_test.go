package ui

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// The model inside a real Bubble Tea program (teatest's virtual terminal),
// built the way Run builds it, on a ledger synced from the emulator: the
// commands run on the program's goroutines, messages come back through the
// event loop, keys arrive as a terminal would send them.
func TestProgramOnEmulatorLedger(t *testing.T) {
	e := newEmulatorLedger(t)
	o := e.options()
	m := firstFrameModel(context.Background(), o, o.deps())
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 32),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	wait := func(what string, cond func(string) bool) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return cond(string(b)) },
			teatest.WithDuration(settleTimeout), teatest.WithCheckInterval(20*time.Millisecond))
	}
	// The renderer writes only the cells that change, so wait for text drawn
	// whole: the transaction count, which appears once the sync has stored
	// the history and the pane re-read it (after "…" while the store
	// counts: the "· " before it is not written again).
	count := regexp.MustCompile(`[1-9][0-9,]* · all time`)
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
	final := ansi.Strip(tm.FinalModel(t, teatest.WithFinalTimeout(settleTimeout)).(Model).View().Content)
	for _, want := range []string{"Northgate Bank", "✓ synced", "┏━ 3 Transactions"} {
		if !strings.Contains(final, want) {
			t.Errorf("the final screen lacks %q:\n%s", want, final)
		}
	}
	if strings.Contains(final, "zzzz") || strings.Contains(final, "✗") {
		t.Errorf("the final screen kept the filter or shows an error:\n%s", final)
	}
}
