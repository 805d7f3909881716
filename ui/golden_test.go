package ui

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

// Regenerate with: go test ./ui -run TestGolden -update-golden
// (not -update: teatest's golden package registers that flag).
var updateGolden = flag.Bool("update-golden", false, "rewrite ui/testdata/*.golden from the current views")

// loginURL is what the emulator's auth dialog address looks like.
const loginURL = "http://127.0.0.1:8787/auth/?response_type=code&client_id=sandbox-banktui-demo&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&scope=info%20accounts%20balance%20cards%20transactions%20offline_access&state=abc"

// Goldens hold the text (ANSI stripped) so diffs stay reviewable; colour
// has its own tests. Every case reaches its screen through key presses and
// the messages of a real start, on the fake store.
func TestGolden(t *testing.T) {
	cases := []struct {
		name   string
		screen func(t *testing.T) *harness
	}{
		{"launch", func(t *testing.T) *harness { return onlineHarness(t, 120, 30, 60) }},
		{"cards_focused", func(t *testing.T) *harness { return onlineHarness(t, 120, 30, 60).press("2") }},
		{"transactions_focused", func(t *testing.T) *harness { return onlineHarness(t, 120, 30, 60).press("3", "j", "j") }},
		{"filter_active", func(t *testing.T) *harness {
			return onlineHarness(t, 120, 30, 300).press("/").typeText("tesco amount:<-50")
		}},
		{"filter_kept_sorted", func(t *testing.T) *harness {
			return onlineHarness(t, 120, 30, 300).press("/").typeText("category:purchase").press("enter", "s")
		}},
		{"month", func(t *testing.T) *harness { return onlineHarness(t, 120, 30, 300).press("3", "[", "[") }},
		{"detail", func(t *testing.T) *harness { return onlineHarness(t, 120, 30, 60).press("3", "j", "enter") }},
		{"help", func(t *testing.T) *harness { return onlineHarness(t, 120, 30, 60).press("?") }},
		{"help_narrow", func(t *testing.T) *harness { return onlineHarness(t, 80, 24, 60).press("?") }},
		{"help_narrow_scrolled", func(t *testing.T) *harness {
			return onlineHarness(t, 80, 24, 60).press("?", "j", "j", "j", "j", "j", "j")
		}},
		{"privacy", func(t *testing.T) *harness { return onlineHarness(t, 120, 30, 60).press(".", "3") }},
		{"errors", goldenErrors},
		{"syncing", goldenSyncing},
		{"narrow", func(t *testing.T) *harness { return onlineHarness(t, 80, 24, 60).press("3") }},
		{"narrow_detail", func(t *testing.T) *harness { return onlineHarness(t, 80, 24, 60).press("3", "enter") }},
		{"too_small", func(t *testing.T) *harness { return onlineHarness(t, 120, 30, 60).resize(36, 10) }},
		{"empty", func(t *testing.T) *harness {
			return newHarness(t, New(Options{Now: fixedClock, Location: time.UTC}), nil).resize(100, 24).start()
		}},
		{"login_waiting", goldenLoginWaiting},
		// Every chart of the insights pane (tall enough to show them all), at
		// two widths and in privacy mode at both, and the 12-month view (NO_COLOR:
		// TestInsightsWithoutColour).
		{"insights", func(t *testing.T) *harness { return onlineHarness(t, 130, 72, 60).press("4") }},
		{"insights_narrow", func(t *testing.T) *harness { return onlineHarness(t, 80, 72, 60).press("4") }},
		{"insights_privacy", func(t *testing.T) *harness { return onlineHarness(t, 130, 72, 60).press(".", "4") }},
		{"insights_narrow_privacy", func(t *testing.T) *harness { return onlineHarness(t, 80, 72, 60).press(".", "4") }},
		{"insights_60", func(t *testing.T) *harness { return onlineHarness(t, 60, 72, 60).press("4") }},
		{"insights_year", func(t *testing.T) *harness { return onlineHarness(t, 100, 30, 60).press("4", "y", "j", "j") }},
		{"insights_year_full", func(t *testing.T) *harness { return onlineHarness(t, 130, 72, 60).press("4", "y") }},
		// All GBP accounts: the rows of every GBP account and card with an
		// account column, wide and narrow, and its totals line.
		{"all_accounts", func(t *testing.T) *harness { return goldenAllAccounts(t, 120, 30).press("k") }},
		{"all_accounts_narrow", func(t *testing.T) *harness { return goldenAllAccounts(t, 80, 24).press("k", "3") }},
		{"demo", func(t *testing.T) *harness {
			e := onlineEnv(60)
			e.opts.Demo = true
			return e.startSynced(t, 120, 30)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := c.screen(t)
			checkGolden(t, c.name, h)
		})
	}
}

// checkGolden compares the screen with testdata/name.golden.
func checkGolden(t *testing.T, name string, h *harness) {
	t.Helper()
	got := h.screen()
	checkFrame(t, got, h.w, h.h)
	path := filepath.Join("testdata", name+".golden")
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-golden to create it)", err)
	}
	if got != string(want) {
		t.Errorf("view differs from %s (run with -update-golden and review the diff)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

// goldenErrors: a sync whose bank is down, a card without a balance
// endpoint, a connection whose consent expired, a store that cannot list.
func goldenErrors(t *testing.T) *harness {
	e := onlineEnv(60)
	e.opts.Connections = func() ([]ledger.Consent, error) {
		return []ledger.Consent{{ConnectionID: "c1"}, {ConnectionID: "c2", NeedsReconnect: true, Reason: "invalid_grant"}}, nil
	}
	e.syncer.sync = func(ctx context.Context, ids []string, progress func(ledger.Event)) (*ledger.Report, error) {
		rep := &ledger.Report{Connections: []ledger.ConnectionReport{{ConnectionID: "c1", Accounts: []ledger.AccountReport{
			{AccountID: "card-1", Err: fmt.Errorf("card balance: %w", truelayer.ErrNotSupported)}}}}}
		return rep, fmt.Errorf("GET accounts: %w", truelayer.ErrTemporary)
	}
	e.store.txErr = fmt.Errorf("ledger: transactions: database is locked")
	return e.start(t, 120, 30)
}

// goldenSyncing: r on the transactions pane, while the sync reports progress.
func goldenSyncing(t *testing.T) *harness {
	h := onlineHarness(t, 120, 30, 60)
	h.env.syncer.sync = func(ctx context.Context, ids []string, progress func(ledger.Event)) (*ledger.Report, error) {
		progress(ledger.Event{ConnectionID: "c1", Phase: ledger.PhaseTransactions, Done: 2, Total: 4})
		return nil, ctxDone(ctx)
	}
	h.press("3")
	h.deliver(keyMsg("r"))
	h.waitFor("sync progress", func(s string) bool { return strings.Contains(s, "transactions 2/4") })
	return h
}

// goldenLoginWaiting: L, and the login has shown its address.
func goldenLoginWaiting(t *testing.T) *harness { return loginWaiting(t, onlineEnv(10), 100, 24) }

// loginWaiting presses L on a login that shows loginURL and then waits.
func loginWaiting(t *testing.T, e *fakeEnv, w, ht int) *harness {
	t.Helper()
	e.opts.Login = func(ctx context.Context, show func(string)) (ledger.Consent, error) {
		show(loginURL)
		return ledger.Consent{}, ctxDone(ctx)
	}
	h := e.startSynced(t, w, ht)
	h.deliver(keyMsg("L"))
	h.waitFor("the address", func(s string) bool { return strings.Contains(s, "esc cancels") })
	return h
}

// checkFrame: exactly height lines, none wider than the terminal.
func checkFrame(t *testing.T, s string, w, h int) {
	t.Helper()
	lines := strings.Split(s, "\n")
	if len(lines) != h {
		t.Errorf("frame has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("line %d is %d cells wide, terminal %d: %q", i, lw, w, l)
		}
	}
}

// goldenAllAccounts is the fake bank with rows in the current account, the
// saver and the card.
func goldenAllAccounts(t *testing.T, w, h int) *harness {
	e := onlineEnv(30)
	e.store.txs["acc-savings"] = numberedTransactions("acc-savings", 4)
	e.store.txs["card-1"] = numberedTransactions("card-1", 3)
	return e.startSynced(t, w, h)
}
