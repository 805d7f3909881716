package ui

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/banktui/banktui/ledger"
)

// focused names the panes drawn with the heavy (focused) border.
func focused(screen string) []string {
	var out []string
	for _, line := range strings.Split(screen, "\n") {
		for _, part := range strings.Split(line, "┏━ ")[1:] {
			end := len(part)
			for _, stop := range []string{" ·", " ━", " ⠋", "━"} {
				if i := strings.Index(part, stop); i >= 0 && i < end {
					end = i
				}
			}
			out = append(out, strings.TrimSpace(part[:end]))
		}
	}
	return out
}

func wantFocus(t *testing.T, h *harness, after string, want ...string) {
	t.Helper()
	if got := focused(h.screen()); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("after %s the focused panes are %q, want %q:\n%s", after, got, want, h.screen())
	}
}

func TestLaunchShowsStoredBalancesAndSelectsFirstAccount(t *testing.T) {
	h := fakeHarness(t, 120, 30, 50)
	wantFocus(t, h, "launch", "1 Accounts")
	if h.selectedWith("Current Account") == "" {
		t.Errorf("the first account is not selected: %q", h.selected())
	}
	s := h.screen()
	for _, want := range []string{"Northgate Bank", "Current Account", "£1,234.56", "Available", "Castle Bank", "-€42.10",
		"£1,334.56", "as of 09:41", "total EUR -€42.10 · GBP £11,064.56", "Visa North", "•••• 4242", "used 14%", "Balance",
		"Transactions · 50 · all time · Current Account 12-34-56 12345678"} {
		if !strings.Contains(s, want) {
			t.Errorf("launch screen lacks %q", want)
		}
	}
	if !strings.Contains(lineAfter(s, "Castle Everyday"), "! older history needs re-authentication") {
		t.Error("per-account sca_exceeded note missing")
	}
}

func TestPaneNavigation(t *testing.T) {
	h := fakeHarness(t, 120, 30, 20)
	for _, s := range []struct{ key, want string }{
		{"tab", "2 Cards"}, {"tab", "3 Transactions"}, {"tab", "4 Insights"}, {"tab", "1 Accounts"},
		{"shift+tab", "4 Insights"}, {"1", "1 Accounts"}, {"2", "2 Cards"}, {"3", "3 Transactions"}, {"4", "4 Insights"},
	} {
		wantFocus(t, h.press(s.key), s.key, s.want)
	}
	// Focusing cards shows the card's transactions.
	if !strings.Contains(h.press("2").screen(), "3 Transactions · 0 · all time · Northgate Platinum •••• 4242") {
		t.Errorf("the cards pane does not show its card:\n%s", h.screen())
	}
	if !strings.Contains(h.press("1").screen(), "· Current Account 12-34-56") {
		t.Errorf("the accounts pane does not show its account:\n%s", h.screen())
	}
	// enter on a list opens the transactions; esc comes back.
	wantFocus(t, h.press("enter"), "enter on accounts", "3 Transactions")
	wantFocus(t, h.press("enter"), "enter on a transaction", "Detail")
	if !strings.Contains(h.screen(), "Transaction ID   tx-000000") {
		t.Errorf("detail pane not shown:\n%s", h.screen())
	}
	// In the detail, j/k walk to the next transaction.
	wantFocus(t, h.press("j"), "j in the detail", "Detail")
	if !strings.Contains(h.screen(), "Transaction ID   tx-000001") {
		t.Fatalf("j in the detail did not show the next transaction:\n%s", h.screen())
	}
	// Paging a detail that fits scrolls nothing away.
	if !strings.Contains(h.press("pgdown", "pgdown", "pgdown").screen(), "Description") {
		t.Errorf("paging scrolled a detail that fits:\n%s", h.screen())
	}
	wantFocus(t, h.press("esc", "esc"), "esc esc", "1 Accounts")
}

// rowsOnScreen counts the numbered rows drawn.
func rowsOnScreen(screen string) int { return strings.Count(screen, "ROW ") }

func rowLabel(i int) string { return fmt.Sprintf("ROW %04d", i) }

// numberedHarness lists n numbered transactions in the current account.
func numberedHarness(t testing.TB, w, h, n int) *harness {
	t.Helper()
	e := offlineEnv(0)
	e.store.txs["acc-current"] = numberedTransactions("acc-current", n)
	return e.start(t, w, h)
}

func wantSelected(t *testing.T, h *harness, after string, i int) {
	t.Helper()
	if h.selectedWith(rowLabel(i)) == "" {
		t.Fatalf("after %s the selected row is not %s: %q\n%s", after, rowLabel(i), h.selected(), h.screen())
	}
}

func TestTransactionMovement(t *testing.T) {
	h := numberedHarness(t, 120, 30, 1000).press("3")
	page := rowsOnScreen(h.screen())
	for _, s := range []struct {
		key  string
		want int
	}{
		{"j", 1}, {"down", 2}, {"k", 1}, {"up", 0}, {"up", 0},
		{"G", 999}, {"j", 999}, {"g", 0},
		{"ctrl+d", page / 2}, {"ctrl+u", 0},
		{"pgdown", page}, {"pgdown", 2 * page}, {"pgup", page},
		{"end", 999}, {"home", 0},
	} {
		wantSelected(t, h.press(s.key), s.key, s.want)
	}
}

func TestTooSmallAndResize(t *testing.T) {
	h := numberedHarness(t, 120, 30, 500).press("3", "G")
	if !strings.Contains(h.resize(30, 8).screen(), "Terminal too small") {
		t.Fatalf("too small screen:\n%s", h.screen())
	}
	h.resize(80, 20)
	wantSelected(t, h, "growing again", 499)
	checkFrame(t, h.screen(), 80, 20)
}

func TestNarrowLayoutPutsDetailBelow(t *testing.T) {
	h := fakeHarness(t, 80, 30, 50).press("3", "enter")
	s := h.screen()
	list, detail := rowOf(s, "┏━ 3 Transactions"), rowOf(s, "┏━ Detail")
	if list < 0 || detail <= list || !strings.HasPrefix(lineWith(s, "┏━ Detail"), "┏━ Detail") {
		t.Fatalf("narrow detail not below the list:\n%s", s)
	}
	if !strings.Contains(s[strings.Index(s, "┏━ Detail"):], "Description") {
		t.Error("detail not drawn on a narrow screen")
	}
}

func TestMouse(t *testing.T) {
	e := offlineEnv(0)
	e.store.txs["acc-current"] = numberedTransactions("acc-current", 100)
	e.store.txs["acc-savings"] = numberedTransactions("acc-savings", 10)
	h := e.start(t, 120, 30)
	// Wheel over the transactions pane scrolls it (its rows start at y 3, x 48).
	h.send(tea.MouseWheelMsg{X: 53, Y: 6, Button: tea.MouseWheelDown})
	wantFocus(t, h, "the wheel", "3 Transactions")
	wantSelected(t, h, "the wheel", wheelStep)
	// A click on the savings row selects it.
	h.click(5, rowOf(h.screen(), "Rainy Day Saver"))
	wantFocus(t, h, "a click on savings", "1 Accounts")
	if !strings.Contains(h.screen(), "· 10 · all time · Rainy Day Saver") {
		t.Fatalf("click on savings:\n%s", h.screen())
	}
	// A click on a transaction row selects it; a second click opens it.
	y := rowOf(h.screen(), rowLabel(4))
	h.click(60, y)
	wantFocus(t, h, "a click on a row", "3 Transactions")
	wantSelected(t, h, "a click on a row", 4)
	wantFocus(t, h.click(60, y), "a second click", "Detail")
	// A click on the Amount header sorts by amount; again reverses.
	h.press("esc")
	s := h.screen()
	hy := rowOf(s, "Amount")
	hx := len([]rune(lineWith(s, "Amount")[:strings.Index(lineWith(s, "Amount"), "Amount")]))
	if !strings.Contains(h.click(hx, hy).screen(), "Amount▲") {
		t.Fatalf("header click did not sort by amount:\n%s", h.screen())
	}
	if !strings.Contains(h.click(hx, hy).screen(), "Amount▼") {
		t.Errorf("second header click did not reverse:\n%s", h.screen())
	}
}

func TestEmptyStateAndOfflineBanner(t *testing.T) {
	h := newHarness(t, New(Options{Now: fixedClock, Location: time.UTC}), nil).resize(100, 24).start()
	s := h.screen()
	for _, want := range []string{"No bank connected yet", "Press L to connect a bank", "banktui --demo", "offline: showing stored data"} {
		if !strings.Contains(s, want) {
			t.Errorf("empty screen lacks %q:\n%s", want, s)
		}
	}
	if !strings.Contains(h.press("r").screen(), "offline: no bank client configured") {
		t.Error("r without a syncer should say offline")
	}
}

func TestDemoBadge(t *testing.T) {
	h := newHarness(t, New(Options{Now: fixedClock, Demo: true, Location: time.UTC}), nil).resize(120, 24).start()
	if s := h.screen(); !strings.Contains(s, "DEMO") || !strings.Contains(s, "banktui login") {
		t.Errorf("demo footer:\n%s", s)
	}
	if h.view().WindowTitle != "banktui (demo)" {
		t.Errorf("window title %q", h.view().WindowTitle)
	}
}

func TestConnectionNeedingReconnect(t *testing.T) {
	e := offlineEnv(10)
	e.opts.Connections = func() ([]ledger.Consent, error) {
		return []ledger.Consent{{ConnectionID: "c1", ProviderName: "Northgate Bank", NeedsReconnect: true}, {ConnectionID: "c2"}}, nil
	}
	s := e.start(t, 120, 30).screen()
	if !strings.Contains(lineAfter(s, "┃ Northgate Bank"), "! consent expired: press L to reconnect") {
		t.Errorf("no reconnect prompt under Northgate:\n%s", s)
	}
	// Northgate's accounts and its card carry the prompt; Castle keeps working.
	if strings.Count(s, "consent expired") != 2 || strings.Contains(lineAfter(s, "┃ Castle Bank"), "consent") {
		t.Error("only the expired connection should show the prompt")
	}
}

// A balance that did not refresh with the others carries its own age.
func TestStaleBalanceShowsItsAge(t *testing.T) {
	e := offlineEnv(10)
	e.store.accounts[1].BalanceAsOf = fixedNow.Add(-26 * time.Hour)
	s := e.start(t, 120, 30).screen()
	if !strings.Contains(lineAfter(s, "Rainy Day Saver"), "balance as of 27 Nov 08:30") {
		t.Errorf("stale balance not marked:\n%s", s)
	}
	if strings.Contains(lineAfter(s, "› Current Account"), "balance as of") {
		t.Error("fresh balance marked stale")
	}
	if !strings.Contains(s, "Accounts · as of 27 Nov 08:30") {
		t.Error("pane title should give the oldest balance's age")
	}
}

// Connected but nothing stored yet (the first sync is running): say so
// rather than "no bank connected".
func TestFirstSyncLoadingState(t *testing.T) {
	e := onlineEnv(0)
	e.store.accounts, e.store.totals = nil, nil
	e.opts.Connections = func() ([]ledger.Consent, error) { return []ledger.Consent{{ConnectionID: "c1"}}, nil }
	e.syncer.balances = func(ctx context.Context, _ []string, _ func(ledger.Event)) (*ledger.Report, error) {
		return nil, ctxDone(ctx)
	}
	h := newHarness(t, e.model(t), nil)
	h.deliver(sizeMsg(120, 30))
	h.run(h.m.Init())
	h.waitFor("the first sync", func(s string) bool { return strings.Contains(s, "fetching your accounts") })
	if strings.Contains(h.screen(), "No bank connected") {
		t.Errorf("first sync state:\n%s", h.screen())
	}
}

func TestViewSetsTerminalFeatures(t *testing.T) {
	v := fakeHarness(t, 120, 30, 1).view()
	if !v.AltScreen || v.MouseMode != tea.MouseModeCellMotion || v.WindowTitle != "banktui" {
		t.Errorf("view: alt %v mouse %v title %q", v.AltScreen, v.MouseMode, v.WindowTitle)
	}
}

func TestHelpAndQuit(t *testing.T) {
	stopped := make(chan error, 1)
	e := onlineEnv(10)
	h := e.start(t, 120, 30)
	if !strings.Contains(h.screen(), "? help") {
		t.Error("short help missing from footer")
	}
	s := h.press("?").screen()
	for _, want := range []string{"previous month", "sort column", "reverse sort", "show/hide pending", "hide amounts", "refresh all", "connect a bank", "amount:>50"} {
		if !strings.Contains(s, want) {
			t.Errorf("full help lacks %q", want)
		}
	}
	if strings.Contains(h.press("?").screen(), "reverse sort") {
		t.Fatal("? did not close help")
	}
	// q quits, and cancels the work still running.
	e.syncer.sync = func(ctx context.Context, _ []string, _ func(ledger.Event)) (*ledger.Report, error) {
		stopped <- ctxDone(ctx)
		return nil, context.Canceled
	}
	h.deliver(keyMsg("3"))
	h.deliver(keyMsg("r"))
	h.waitFor("the sync", func(s string) bool { return strings.Contains(s, "syncing transactions") })
	h.deliver(keyMsg("q"))
	h.settle()
	if !h.quit {
		t.Error("q does not quit")
	}
	if err := <-stopped; err != context.Canceled {
		t.Errorf("the running sync ended with %v, want it cancelled", err)
	}
}

// Under 100 columns the detail opens below the list, which shrinks: the row
// it describes stays on screen, above it.
func TestNarrowDetailKeepsSelectedRowVisible(t *testing.T) {
	h := numberedHarness(t, 80, 24, 60).press("3", "G", "enter")
	s := h.screen()
	row, detail := rowOf(s, rowLabel(59)), rowOf(s, "┏━ Detail")
	if row < 0 || detail < 0 || row > detail || !regexp.MustCompile(`Description\s+ROW 0059`).MatchString(s) {
		t.Fatalf("the selected row is not on screen above its detail:\n%s", s)
	}
	for _, k := range []string{"k", "k", "j"} {
		h.press(k)
	}
	if s := h.screen(); rowOf(s, rowLabel(58)) < 0 || !regexp.MustCompile(`Description\s+ROW 0058`).MatchString(s) {
		t.Errorf("walking in the detail lost the row:\n%s", s)
	}
}
