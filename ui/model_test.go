package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"regexp"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

// drive runs cmd and every command that follows from it, feeding each result
// to Update, until nothing is left. Spinner ticks are not followed (they
// would tick forever); the background colour query has no terminal to answer.
func drive(t testing.TB, m Model, cmd tea.Cmd) Model {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 10000 {
			t.Fatal("drive: too many steps")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil, spinner.TickMsg:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			if fmt.Sprintf("%T", msg) == "tea.backgroundColorMsg" {
				continue
			}
			nm, next := m.Update(msg)
			m = nm.(Model)
			queue = append(queue, next)
		}
	}
	return m
}

func TestLaunchShowsStoredBalancesAndSelectsFirstAccount(t *testing.T) {
	m := fakeModel(t, 120, 30, 50)
	if m.selectedID != "acc-current" || m.focus != paneAccounts {
		t.Fatalf("selected %q focus %v", m.selectedID, m.focus)
	}
	s := screen(m)
	for _, want := range []string{"Northgate Bank", "Current Account", "£1,234.56", "Available", "Castle Bank", "-€42.10",
		"£1,334.56", "as of 09:41", "total EUR -€42.10 · GBP £11,064.56", "Visa North", "•••• 4242", "used 14%", "Balance", "£1,234.56"} {
		if !strings.Contains(s, want) {
			t.Errorf("launch screen lacks %q", want)
		}
	}
	if !strings.Contains(lineAfter(s, "Castle Everyday"), "! older history needs re-authentication") {
		t.Error("per-account sca_exceeded note missing")
	}
}

func TestStaleResultsAreDropped(t *testing.T) {
	m := fakeModel(t, 120, 30, 20)
	oldTxSeq, oldAccSeq := m.txSeq, m.accountsSeq
	m = press(t, m, "j") // select savings: a new transaction load
	if m.txSeq == oldTxSeq || !m.tx.loading || m.selectedID != "acc-savings" {
		t.Fatalf("moving did not start a new load (seq %d, loading %v)", m.txSeq, m.tx.loading)
	}
	// The old account's result arrives late: ignored.
	late := fakeTransactions("acc-current", 5)
	m = send(t, m, txLoadedMsg{seq: oldTxSeq, accountID: "acc-current", views: late, rows: prepareRows(late)})
	if m.tx.loaded || len(m.tx.rows) != 0 {
		t.Fatal("a stale transaction load replaced the newer one")
	}
	m = send(t, m, accountsLoadedMsg{seq: oldAccSeq - 1, accounts: nil})
	if len(m.accounts.items) != 3 {
		t.Fatal("a stale accounts load replaced the accounts")
	}
	fresh := fakeTransactions("acc-savings", 3)
	m = send(t, m, txLoadedMsg{seq: m.txSeq, accountID: "acc-savings", views: fresh, rows: prepareRows(fresh)})
	if !m.tx.loaded || len(m.tx.visible) != 3 {
		t.Fatalf("current load not applied: %d rows", len(m.tx.visible))
	}
	// Going back uses the cache: no new load.
	seq := m.txSeq
	m = press(t, m, "k")
	if m.txSeq != seq || m.tx.loading || len(m.tx.rows) != 20 {
		t.Errorf("returning to a loaded account reloaded it (seq %d→%d, rows %d)", seq, m.txSeq, len(m.tx.rows))
	}
}

func TestPaneNavigation(t *testing.T) {
	m := fakeModel(t, 120, 30, 20)
	steps := []struct {
		key  string
		want pane
	}{
		{"tab", paneCards}, {"tab", paneTransactions}, {"tab", paneAccounts},
		{"shift+tab", paneTransactions}, {"1", paneAccounts}, {"2", paneCards}, {"3", paneTransactions},
	}
	for _, s := range steps {
		m = press(t, m, s.key)
		if m.focus != s.want {
			t.Fatalf("after %s focus = %v, want %v", s.key, m.focus, s.want)
		}
	}
	// Focusing cards shows the card's transactions.
	m = press(t, m, "2")
	if m.selectedID != "card-1" {
		t.Errorf("cards pane selected %q", m.selectedID)
	}
	m = press(t, m, "1")
	if m.selectedID != "acc-current" {
		t.Errorf("accounts pane selected %q", m.selectedID)
	}
	// enter on a list opens the transactions; esc comes back.
	m = press(t, m, "enter")
	if m.focus != paneTransactions {
		t.Fatalf("enter on accounts: focus %v", m.focus)
	}
	m = press(t, m, "enter")
	if m.focus != paneDetail {
		t.Fatalf("enter on a transaction: focus %v", m.focus)
	}
	if !strings.Contains(screen(m), "Transaction ID") {
		t.Error("detail pane not shown")
	}
	// In the detail, j/k walk to the next transaction.
	m = press(t, m, "j")
	if m.focus != paneDetail || m.tx.cursor != 1 || !strings.Contains(screen(m), m.tx.selected().Raw.ProviderTransactionID) {
		t.Fatalf("j in detail: focus %v cursor %d", m.focus, m.tx.cursor)
	}
	m = press(t, m, "pgdown", "pgdown", "pgdown")
	if m.detailOffset < 0 || m.detailOffset > 30 {
		t.Errorf("detail offset %d not clamped", m.detailOffset)
	}
	m = press(t, m, "esc", "esc")
	if m.focus != paneAccounts {
		t.Errorf("esc esc: focus %v", m.focus)
	}
}

func TestTransactionMovement(t *testing.T) {
	m := fakeModel(t, 120, 30, 1000)
	m = press(t, m, "3")
	page := m.txPageHeight()
	steps := []struct {
		key  string
		want int
	}{
		{"j", 1}, {"down", 2}, {"k", 1}, {"up", 0}, {"up", 0},
		{"G", 999}, {"j", 999}, {"g", 0},
		{"ctrl+d", page / 2}, {"ctrl+u", 0},
		{"pgdown", page}, {"pgdown", 2 * page}, {"pgup", page},
		{"end", 999}, {"home", 0},
	}
	for _, s := range steps {
		m = press(t, m, s.key)
		if m.tx.cursor != s.want {
			t.Fatalf("after %s cursor = %d, want %d", s.key, m.tx.cursor, s.want)
		}
		if m.tx.cursor < m.tx.offset || m.tx.cursor >= m.tx.offset+page {
			t.Fatalf("after %s cursor %d off screen (offset %d, page %d)", s.key, m.tx.cursor, m.tx.offset, page)
		}
	}
	// The selected row is drawn.
	m = press(t, m, "G")
	last := m.tx.views[m.tx.rows[m.tx.visible[999]].view]
	if !strings.Contains(screen(m), last.Timestamp.Format("2006-01-02")) {
		t.Error("last row not on screen after G")
	}
}

func TestFilterAsYouType(t *testing.T) {
	m := fakeModel(t, 120, 30, 200)
	m = press(t, m, "/")
	if !m.filtering || m.focus != paneTransactions {
		t.Fatal("/ did not open the filter on the transactions pane")
	}
	m = typeText(t, m, "tesco")
	if len(m.tx.visible) == 0 || len(m.tx.visible) == 200 {
		t.Fatalf("filter tesco left %d rows", len(m.tx.visible))
	}
	for _, ri := range m.tx.visible {
		if v := m.tx.views[m.tx.rows[ri].view]; v.Merchant != "Tesco" {
			t.Fatalf("filter tesco kept %q", v.Merchant)
		}
	}
	if !strings.Contains(screen(m), "/tesco") {
		t.Error("filter input not drawn")
	}
	m = typeText(t, m, " amount:<-100")
	for _, ri := range m.tx.visible {
		v := m.tx.views[m.tx.rows[ri].view]
		if !v.Amount.LessThan(amt("-100")) {
			t.Fatalf("amount:<-100 kept %s", v.Amount)
		}
	}
	n := len(m.tx.visible)
	m = press(t, m, "enter")
	if m.filtering || len(m.tx.visible) != n || !strings.Contains(screen(m), "/tesco amount:<-100") {
		t.Fatal("enter did not keep the filter")
	}
	// Keys work as keys again (j moves), and / edits the same filter.
	m = press(t, m, "j")
	if m.tx.cursor != 1 {
		t.Errorf("j after filter: cursor %d", m.tx.cursor)
	}
	m = press(t, m, "/", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
	if m.filterInput.Value() != "tesco" {
		t.Errorf("after backspaces filter = %q", m.filterInput.Value())
	}
	m = press(t, m, "esc")
	if m.filtering || !m.tx.filter.empty() || len(m.tx.visible) != 200 {
		t.Fatal("esc did not clear the filter")
	}
	// A bad term is reported, not fatal.
	m = press(t, m, "/")
	m = typeText(t, m, "amount:>abc")
	if len(m.tx.visible) != 200 || !strings.Contains(screen(m), "not a number") {
		t.Errorf("bad term: %d rows, screen lacks the problem", len(m.tx.visible))
	}
	// Typed letters go to the filter, not to the key map.
	m = press(t, m, "esc", "/")
	m = typeText(t, m, "q")
	if m.filterInput.Value() != "q" {
		t.Errorf("q while filtering = %q", m.filterInput.Value())
	}
}

func visibleAmounts(m Model) []truelayer.Amount {
	var out []truelayer.Amount
	for _, ri := range m.tx.visible {
		out = append(out, m.tx.views[m.tx.rows[ri].view].Amount)
	}
	return out
}

func checkSorted(t *testing.T, a []truelayer.Amount, desc bool) {
	t.Helper()
	for i := 1; i < len(a); i++ {
		if (desc && a[i-1].LessThan(a[i])) || (!desc && a[i-1].GreaterThan(a[i])) {
			t.Fatalf("not sorted (desc %v) at %d: %s then %s", desc, i, a[i-1], a[i])
		}
	}
}

func TestSortAndReverse(t *testing.T) {
	m := fakeModel(t, 120, 30, 300)
	m = press(t, m, "3")
	if m.tx.sortCol != sortDate || !m.tx.desc {
		t.Fatal("default sort should be newest first")
	}
	m = press(t, m, "s")
	if m.tx.sortCol != sortAmount {
		t.Fatalf("s: sort %v", m.tx.sortCol)
	}
	a := visibleAmounts(m)
	checkSorted(t, a, m.tx.desc)
	desc := m.tx.desc
	m = press(t, m, "S")
	if m.tx.desc == desc {
		t.Fatal("S did not reverse")
	}
	b := visibleAmounts(m)
	if !b[0].Equal(a[len(a)-1]) {
		t.Errorf("reversed first = %s, want %s", b[0], a[len(a)-1])
	}
	if !strings.Contains(screen(m), "Amount▲") && !strings.Contains(screen(m), "Amount▼") {
		t.Error("sort column not marked in the header")
	}
	m = press(t, m, "s", "s", "s", "s")
	if m.tx.sortCol != sortDate {
		t.Errorf("s cycles back to date: %v", m.tx.sortCol)
	}
	// Sort survives filtering.
	m = press(t, m, "s", "/")
	m = typeText(t, m, "shell")
	c := visibleAmounts(m)
	checkSorted(t, c, m.tx.desc)
}

func TestMonthsPendingAndPrivacy(t *testing.T) {
	m := fakeModel(t, 120, 30, 400) // 400 rows, 7h apart: about 4 months
	m = press(t, m, "3", "[")
	if m.tx.period != (month{2026, time.November}) {
		t.Fatalf("[ from all time: %v", m.tx.period)
	}
	m = press(t, m, "h")
	if m.tx.period != (month{2026, time.October}) {
		t.Fatalf("h: %v", m.tx.period)
	}
	for _, ri := range m.tx.visible {
		if ts := m.tx.views[m.tx.rows[ri].view].Timestamp; ts.Month() != time.October || ts.Year() != 2026 {
			t.Fatalf("October shows %v", ts)
		}
	}
	if len(m.tx.visible) == 0 || !strings.Contains(screen(m), "Oct 2026") {
		t.Fatal("October empty or not named")
	}
	m = press(t, m, "]", "l")
	if !m.tx.period.all() {
		t.Fatalf("stepping past the current month should return to all time: %v", m.tx.period)
	}

	pending := 0
	for _, r := range m.tx.rows {
		if r.pending {
			pending++
		}
	}
	if pending == 0 || !strings.Contains(screen(m), "◌") {
		t.Fatal("fixture has no pending rows on screen")
	}
	m = press(t, m, "p")
	if len(m.tx.visible) != 400-pending || strings.Contains(screen(m), "◌") {
		t.Errorf("p: %d visible, want %d", len(m.tx.visible), 400-pending)
	}
	m = press(t, m, "p")

	m = press(t, m, ".")
	s := screen(m)
	for _, leak := range []string{"£1,234.56", "12345678", "11,064.56", "4242"} {
		if strings.Contains(s, leak) {
			t.Errorf("privacy mode shows %q", leak)
		}
	}
	if !strings.Contains(s, ledger.MaskedMoney("")) {
		t.Error("privacy mode shows no mask")
	}
	m = press(t, m, ".")
	if !strings.Contains(screen(m), "£1,234.56") {
		t.Error(". again should show amounts")
	}
}

func TestHelpAndQuit(t *testing.T) {
	m := fakeModel(t, 120, 30, 10)
	if !strings.Contains(screen(m), "? help") {
		t.Error("short help missing from footer")
	}
	m = press(t, m, "?")
	s := screen(m)
	for _, want := range []string{"previous month", "sort column", "reverse sort", "show/hide pending", "hide amounts", "refresh all", "connect a bank", "amount:>50"} {
		if !strings.Contains(s, want) {
			t.Errorf("full help lacks %q", want)
		}
	}
	m = press(t, m, "?")
	if m.showHelp {
		t.Fatal("? did not close help")
	}
	_, cmd := m.Update(keyMsg("q"))
	if cmd == nil {
		t.Fatal("q returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("q does not quit")
	}
	if m.ctx.Err() == nil {
		t.Error("quitting should cancel running work")
	}
}

func TestTooSmallAndResize(t *testing.T) {
	m := fakeModel(t, 120, 30, 500)
	m = press(t, m, "3", "G")
	m = send(t, m, sizeMsg(30, 8))
	if !strings.Contains(screen(m), "Terminal too small") {
		t.Fatalf("too small screen:\n%s", screen(m))
	}
	m = send(t, m, sizeMsg(80, 20))
	page := m.txPageHeight()
	if m.tx.cursor != 499 || m.tx.cursor >= m.tx.offset+page || m.tx.cursor < m.tx.offset {
		t.Errorf("after resize cursor %d offset %d page %d", m.tx.cursor, m.tx.offset, page)
	}
	lines := strings.Split(screen(m), "\n")
	if len(lines) != 20 {
		t.Errorf("screen has %d lines, want 20", len(lines))
	}
	for i, l := range lines {
		if w := len([]rune(l)); w > 80 {
			t.Errorf("line %d is %d wide", i, w)
		}
	}
}

func TestNarrowLayoutPutsDetailBelow(t *testing.T) {
	m := fakeModel(t, 80, 30, 50)
	m = press(t, m, "3", "enter")
	l := m.layout()
	if !l.narrow || l.details.y <= l.transactions.y || l.details.x != l.transactions.x {
		t.Fatalf("narrow detail not below: tx %+v detail %+v", l.transactions, l.details)
	}
	if !strings.Contains(screen(m), "Transaction ID") {
		t.Error("detail not drawn on a narrow screen")
	}
}

func TestMouse(t *testing.T) {
	m := fakeModel(t, 120, 30, 100)
	l := m.layout()
	// Wheel over the transactions pane scrolls it.
	m = send(t, m, tea.MouseWheelMsg{X: l.transactions.x + 5, Y: l.transactions.y + 5, Button: tea.MouseWheelDown})
	if m.focus != paneTransactions || m.tx.cursor != wheelStep {
		t.Fatalf("wheel: focus %v cursor %d", m.focus, m.tx.cursor)
	}
	// Click on the savings row: border, column header, bank heading, current, savings.
	m = send(t, m, tea.MouseClickMsg{X: 5, Y: l.accounts.y + 4, Button: tea.MouseLeft})
	if m.focus != paneAccounts || m.selectedID != "acc-savings" {
		t.Fatalf("click on savings: focus %v selected %q", m.focus, m.selectedID)
	}
	// Click a transaction row selects it; a second click opens it.
	views := fakeTransactions("acc-savings", 10)
	m = send(t, m, txLoadedMsg{seq: m.txSeq, accountID: "acc-savings", views: views, rows: prepareRows(views)})
	y := l.transactions.y + 2 + 4
	m = send(t, m, tea.MouseClickMsg{X: l.transactions.x + 10, Y: y, Button: tea.MouseLeft})
	if m.focus != paneTransactions || m.tx.cursor != 4 {
		t.Fatalf("click row: focus %v cursor %d", m.focus, m.tx.cursor)
	}
	m = send(t, m, tea.MouseClickMsg{X: l.transactions.x + 10, Y: y, Button: tea.MouseLeft})
	if m.focus != paneDetail {
		t.Errorf("second click did not open: focus %v", m.focus)
	}
	// Clicking the Amount header sorts by amount; again reverses.
	m = press(t, m, "esc")
	l = m.layout()
	hdr := strings.Split(screen(m), "\n")[l.transactions.y+1]
	x := strings.Index(hdr, "Amount")
	x = len([]rune(hdr[:x]))
	m = send(t, m, tea.MouseClickMsg{X: x, Y: l.transactions.y + 1, Button: tea.MouseLeft})
	if m.tx.sortCol != sortAmount {
		t.Fatalf("header click: sort %v", m.tx.sortCol)
	}
	desc := m.tx.desc
	m = send(t, m, tea.MouseClickMsg{X: x, Y: l.transactions.y + 1, Button: tea.MouseLeft})
	if m.tx.desc == desc {
		t.Error("second header click did not reverse")
	}
}

func TestEmptyStateAndOfflineBanner(t *testing.T) {
	m := New(Options{Now: fixedClock})
	m = send(t, m, sizeMsg(100, 24))
	m = send(t, m, accountsLoadedMsg{seq: m.accountsSeq})
	s := screen(m)
	for _, want := range []string{"No bank connected yet", "Press L to connect a bank", "banktui --demo", "offline: showing stored data"} {
		if !strings.Contains(s, want) {
			t.Errorf("empty screen lacks %q:\n%s", want, s)
		}
	}
	m = press(t, m, "r")
	if !strings.Contains(screen(m), "offline") {
		t.Error("r without a syncer should say offline")
	}
}

func TestDemoBadge(t *testing.T) {
	m := New(Options{Now: fixedClock, Demo: true})
	m = send(t, m, sizeMsg(120, 24))
	if s := screen(m); !strings.Contains(s, "DEMO") || !strings.Contains(s, "banktui login") {
		t.Errorf("demo footer:\n%s", s)
	}
}

func TestConnectionNeedingReconnect(t *testing.T) {
	m := New(Options{Now: fixedClock})
	m = send(t, m, sizeMsg(120, 30))
	conns := []ledger.Consent{{ConnectionID: "c1", ProviderName: "Northgate Bank", NeedsReconnect: true}, {ConnectionID: "c2"}}
	m = send(t, m, accountsLoadedMsg{seq: m.accountsSeq, accounts: fakeAccounts(), totals: fakeTotals(), connections: conns})
	s := screen(m)
	if !strings.Contains(lineAfter(s, "┃ Northgate Bank"), "! consent expired: press L to reconnect") {
		t.Errorf("no reconnect prompt under Northgate:\n%s", s)
	}
	// Northgate's accounts and its card carry the prompt; Castle keeps working.
	if strings.Count(s, "consent expired") != 2 || strings.Contains(lineAfter(s, "┃ Castle Bank"), "consent") {
		t.Error("only the expired connection should show the prompt")
	}
}

// lineAfter returns the screen line after the first one containing s.
func lineAfter(screen, s string) string {
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		if strings.Contains(l, s) && i+1 < len(lines) {
			return lines[i+1]
		}
	}
	return ""
}

func TestSyncProgressAndErrors(t *testing.T) {
	m := fakeModel(t, 120, 30, 10)
	m.syncing, m.syncingBalances = true, true
	m.syncSeq = m.nextSeq()
	m = send(t, m, syncProgressMsg{seq: m.syncSeq, event: ledger.Event{ConnectionID: "c1", Phase: ledger.PhaseBalances, Done: 1, Total: 3}})
	if !strings.Contains(screen(m), "refreshing balances · Northgate Bank: balances 1/3") {
		t.Errorf("progress not shown:\n%s", screen(m))
	}
	// A stale sync's report changes nothing.
	m = send(t, m, syncPhaseDoneMsg{seq: m.syncSeq - 1, phase: "transactions", last: true, err: errors.New("old")})
	if !m.syncing || m.syncErr != "" {
		t.Fatal("stale sync result applied")
	}
	rep := &ledger.Report{Connections: []ledger.ConnectionReport{
		{ConnectionID: "c1", Accounts: []ledger.AccountReport{{AccountID: "acc-savings", Err: fmt.Errorf("balance: %w", truelayer.ErrNotSupported)}}},
		{ConnectionID: "c2", Err: fmt.Errorf("refresh: %w", truelayer.ErrConsentNeeded)},
	}}
	nm, cmd := m.Update(syncPhaseDoneMsg{seq: m.syncSeq, phase: "balances", report: rep})
	m = nm.(Model)
	if cmd == nil || !m.accountsLoading {
		t.Fatal("balances done should re-read the store")
	}
	m = send(t, m, accountsLoadedMsg{seq: m.accountsSeq, accounts: fakeAccounts(), totals: fakeTotals()})
	s := screen(m)
	if !strings.Contains(s, "not supported by this bank") || !strings.Contains(s, "consent expired: press L to reconnect") {
		t.Errorf("report errors not shown:\n%s", s)
	}
	nm, _ = m.Update(syncPhaseDoneMsg{seq: m.syncSeq, phase: "transactions", last: true, err: fmt.Errorf("dial: %w", truelayer.ErrTemporary)})
	m = nm.(Model)
	if m.syncing || !m.offline || !strings.Contains(screen(m), "offline: showing stored data as of 09:41") {
		t.Errorf("network failure should show the offline banner:\n%s", screen(m))
	}
}

func TestLoginWithoutClientExplains(t *testing.T) {
	m := fakeModel(t, 120, 30, 10)
	m = press(t, m, "L")
	if !m.login.open || !strings.Contains(screen(m), "banktui login") {
		t.Fatalf("L without Login:\n%s", screen(m))
	}
	m = press(t, m, "esc")
	if m.login.open {
		t.Error("esc did not close the login screen")
	}
}

func TestLoginShowsURLAndEscCancels(t *testing.T) {
	started := make(chan struct{})
	cancelled := make(chan error, 1)
	login := func(ctx context.Context, show func(string)) (ledger.Consent, error) {
		show("http://127.0.0.1:1/auth?client_id=x&\x1b[31mstate=s")
		close(started)
		<-ctx.Done()
		cancelled <- ctx.Err()
		return ledger.Consent{}, ctx.Err()
	}
	m := New(Options{Now: fixedClock, Login: login})
	m = send(t, m, sizeMsg(120, 30))
	nm, cmd := m.Update(keyMsg("L"))
	m = nm.(Model)
	if !m.login.running {
		t.Fatal("L did not start the login")
	}
	// Run the login command: started, then the URL report.
	var startedMsg loginStartedMsg
	switch msg := cmd().(type) {
	case loginStartedMsg:
		startedMsg = msg
	case tea.BatchMsg:
		for _, c := range msg {
			if c == nil {
				continue
			}
			if s, ok := c().(loginStartedMsg); ok {
				startedMsg = s
			}
		}
	}
	m = send(t, m, startedMsg)
	<-started
	m = send(t, m, <-startedMsg.ch)
	s := screen(m)
	if !strings.Contains(s, "http://127.0.0.1:1/auth?client_id=x&state=s") || !strings.Contains(s, "esc cancels") {
		t.Fatalf("login URL not shown (or not sanitised):\n%s", s)
	}
	m = press(t, m, "esc")
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Errorf("login ctx: %v", err)
	}
	if m.login.open {
		t.Error("esc left the login screen open")
	}
	// Its late result is dropped.
	m = send(t, m, <-startedMsg.ch)
	if m.login.open || m.login.err != nil {
		t.Error("a cancelled login's result reopened the screen")
	}
}

func TestLoginSuccessStartsSyncOfNewConnection(t *testing.T) {
	login := func(ctx context.Context, show func(string)) (ledger.Consent, error) {
		return ledger.Consent{ConnectionID: "new", ProviderName: "Nova"}, nil
	}
	m := New(Options{Now: fixedClock, Login: login})
	m = send(t, m, sizeMsg(120, 30))
	m = press(t, m, "L")
	m = send(t, m, loginDoneMsg{seq: m.loginSeq, conn: ledger.Consent{ConnectionID: "new", ProviderName: "Nova"}})
	if m.login.open || !strings.Contains(screen(m), "connected Nova") {
		t.Errorf("after login:\n%s", screen(m))
	}
}

func TestLoginErrorsExplained(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("listen: %w", auth.ErrPortInUse), "another program listens on the redirect URI's port"},
		{&auth.LoginError{Code: "access_denied"}, "not allowed: press L to try again"},
		{fmt.Errorf("waiting: %w", auth.ErrLoginTimeout), "nothing came back from the browser in time"},
	}
	for _, tt := range tests {
		if got := describeError(tt.err); !strings.Contains(got, tt.want) {
			t.Errorf("%v: %q lacks %q", tt.err, got, tt.want)
		}
	}
	m := New(Options{Now: fixedClock, Login: func(context.Context, func(string)) (ledger.Consent, error) { return ledger.Consent{}, nil }})
	m = send(t, m, sizeMsg(120, 30))
	m = press(t, m, "L")
	m = send(t, m, loginDoneMsg{seq: m.loginSeq, err: fmt.Errorf("listen: %w", auth.ErrPortInUse)})
	if !strings.Contains(screen(m), "another program listens") {
		t.Errorf("error not on screen:\n%s", screen(m))
	}
}

func TestThemeLightDarkAndNoColor(t *testing.T) {
	m := fakeModel(t, 120, 30, 10)
	dark := m.View().Content
	m = send(t, m, tea.BackgroundColorMsg{Color: color.White})
	if m.isDark {
		t.Fatal("white background should switch to the light theme")
	}
	if m.View().Content == dark {
		t.Error("light theme renders the same as dark")
	}
	t.Setenv("NO_COLOR", "1")
	n := New(Options{Now: fixedClock})
	n = send(t, n, sizeMsg(120, 30))
	n = send(t, n, accountsLoadedMsg{seq: n.accountsSeq, accounts: fakeAccounts(), totals: fakeTotals()})
	out := n.View().Content
	if regexp.MustCompile(`\x1b\[[0-9;]*(38|48)[;:]`).MatchString(out) {
		t.Error("NO_COLOR output contains colour codes")
	}
	if !strings.Contains(out, "\x1b[7m") {
		t.Error("NO_COLOR should mark the selection by reverse video")
	}
}

func TestViewSetsTerminalFeatures(t *testing.T) {
	v := fakeModel(t, 120, 30, 1).View()
	if !v.AltScreen || v.MouseMode != tea.MouseModeCellMotion || v.WindowTitle == "" {
		t.Errorf("view: alt %v mouse %v title %q", v.AltScreen, v.MouseMode, v.WindowTitle)
	}
}

// A balance that did not refresh with the others carries its own age.
func TestStaleBalanceShowsItsAge(t *testing.T) {
	m := New(Options{Now: fixedClock})
	m = send(t, m, sizeMsg(120, 30))
	accs := fakeAccounts()
	accs[1].BalanceAsOf = fixedNow.Add(-26 * time.Hour)
	m = send(t, m, accountsLoadedMsg{seq: m.accountsSeq, accounts: accs, totals: fakeTotals()})
	s := screen(m)
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
	m := New(Options{Now: fixedClock})
	m.syncing = true
	m = send(t, m, sizeMsg(120, 30))
	m = send(t, m, accountsLoadedMsg{seq: m.accountsSeq, connections: []ledger.Consent{{ConnectionID: "c1"}}})
	s := screen(m)
	if !strings.Contains(s, "fetching your accounts") || strings.Contains(s, "No bank connected") {
		t.Errorf("first sync state:\n%s", s)
	}
}
