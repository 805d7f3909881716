package ui

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/banktui/banktui/ledger"
)

// txLines are the transaction rows drawn (a date after the pending mark).
func txLines(screen string) []string {
	re := regexp.MustCompile(`[│┃][◌ ] (\d{4}-\d\d-\d\d) .*`)
	var out []string
	for _, l := range strings.Split(screen, "\n") {
		if m := re.FindString(l); m != "" {
			out = append(out, m)
		}
	}
	return out
}

// amountsOnScreen parses the Amount column of the rows drawn.
func amountsOnScreen(t *testing.T, screen string) []decimal.Decimal {
	t.Helper()
	re := regexp.MustCompile(`([+-]?)£([0-9,.]+)\s+-?£[0-9,.]+[│┃]$`)
	var out []decimal.Decimal
	for _, l := range txLines(screen) {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("no amount in %q", l)
		}
		d := decimal.RequireFromString(strings.ReplaceAll(m[2], ",", ""))
		if m[1] == "-" {
			d = d.Neg()
		}
		out = append(out, d)
	}
	return out
}

// rowKey is the start of a drawn transaction row, without the border.
func rowKey(line string) string { return string([]rune(line)[1:40]) }

func checkSorted(t *testing.T, a []decimal.Decimal, desc bool) {
	t.Helper()
	if len(a) < 2 {
		t.Fatalf("only %d amounts on screen", len(a))
	}
	for i := 1; i < len(a); i++ {
		if (desc && a[i-1].LessThan(a[i])) || (!desc && a[i-1].GreaterThan(a[i])) {
			t.Fatalf("not sorted (desc %v) at %d: %s then %s", desc, i, a[i-1], a[i])
		}
	}
}

// countWhere counts the fake transactions that keep satisfies.
func countWhere(n int, keep func(v ledger.TxView) bool) int {
	c := 0
	for _, v := range fakeTransactions("acc-current", n) {
		if keep(v) {
			c++
		}
	}
	return c
}

func TestFilterAsYouType(t *testing.T) {
	h := fakeHarness(t, 120, 30, 200).press("/")
	wantFocus(t, h, "/", "3 Transactions")
	h.typeText("tesco")
	tesco := countWhere(200, func(v ledger.TxView) bool { return v.Merchant == "Tesco" })
	if !strings.Contains(h.screen(), "· "+ledger.FormatCount(tesco)+" of 200 ·") || !strings.Contains(h.screen(), "/tesco") {
		t.Fatalf("filter tesco:\n%s", h.screen())
	}
	for _, l := range txLines(h.screen()) {
		if !strings.Contains(l, "Tesco") {
			t.Fatalf("filter tesco kept %q", l)
		}
	}
	h.typeText(" amount:<-100")
	both := countWhere(200, func(v ledger.TxView) bool { return v.Merchant == "Tesco" && v.Amount.LessThan(amt("-100")) })
	if !strings.Contains(h.screen(), "· "+ledger.FormatCount(both)+" of 200 ·") {
		t.Fatalf("amount:<-100 shows another count than %d:\n%s", both, h.screen())
	}
	for _, a := range amountsOnScreen(t, h.screen()) {
		if !a.LessThan(decimal.NewFromInt(-100)) {
			t.Fatalf("amount:<-100 kept %s", a)
		}
	}
	h.press("enter")
	if !strings.Contains(h.screen(), "/tesco amount:<-100  (/ edit, esc clears)") || !strings.Contains(h.screen(), " of 200 ·") {
		t.Fatalf("enter did not keep the filter:\n%s", h.screen())
	}
	// Keys work as keys again (j moves), and / edits the same filter.
	second := rowKey(txLines(h.screen())[1])
	if h.press("j").selectedWith(second) == "" {
		t.Errorf("j after the filter did not select the second row %q: %q", second, h.selected())
	}
	h.press("/")
	for range len(" amount:<-100") {
		h.press("backspace")
	}
	if lineWith(h.screen(), "/tesco ") == "" || strings.Contains(h.screen(), "amount:") {
		t.Errorf("after backspaces the filter is not tesco:\n%s", h.screen())
	}
	h.press("esc")
	if strings.Contains(h.screen(), "/tesco") || !strings.Contains(h.screen(), "· 200 · all time") {
		t.Fatalf("esc did not clear the filter:\n%s", h.screen())
	}
	// A bad term is reported, not fatal.
	h.press("/").typeText("amount:>abc")
	if !strings.Contains(h.screen(), "· 200 · all time") || !strings.Contains(h.screen(), "not a number") {
		t.Errorf("bad term:\n%s", h.screen())
	}
	// Typed letters go to the filter, not to the key map.
	h.press("esc", "/").typeText("q")
	if h.quit || lineWith(h.screen(), "/q ") == "" {
		t.Errorf("q while filtering quit or was not typed:\n%s", h.screen())
	}
}

func TestSortAndReverse(t *testing.T) {
	h := fakeHarness(t, 120, 30, 300).press("3")
	if !strings.Contains(h.screen(), "Date▼") {
		t.Fatal("default sort should be newest first")
	}
	h.press("s")
	if !strings.Contains(h.screen(), "Amount▲") {
		t.Fatalf("s did not sort by amount:\n%s", h.screen())
	}
	checkSorted(t, amountsOnScreen(t, h.screen()), false)
	lowest := amountsOnScreen(t, h.press("g").screen())[0]
	h.press("S", "g")
	if !strings.Contains(h.screen(), "Amount▼") {
		t.Fatal("S did not reverse")
	}
	checkSorted(t, amountsOnScreen(t, h.screen()), true)
	highest := amountsOnScreen(t, h.screen())[0]
	for _, v := range fakeTransactions("acc-current", 300) {
		if a := v.Amount.Decimal(); a.LessThan(lowest) || a.GreaterThan(highest) {
			t.Fatalf("%s lies outside the sorted ends %s and %s", a, lowest, highest)
		}
	}
	if !strings.Contains(h.press("s", "s", "s", "s").screen(), "Date▼") {
		t.Errorf("s does not cycle back to date:\n%s", h.screen())
	}
	// Sort survives filtering.
	h.press("s", "/").typeText("shell")
	checkSorted(t, amountsOnScreen(t, h.screen()), false)
	for _, l := range txLines(h.screen()) {
		if !strings.Contains(l, "Shell") {
			t.Fatalf("filter shell kept %q", l)
		}
	}
}

func TestMonthsPendingAndPrivacy(t *testing.T) {
	h := fakeHarness(t, 120, 30, 400).press("3", "[") // 400 rows, 7h apart: about 4 months
	if !strings.Contains(h.screen(), "· Nov 2026 ·") {
		t.Fatalf("[ from all time:\n%s", h.screen())
	}
	h.press("h")
	if !strings.Contains(h.screen(), "· Oct 2026 ·") {
		t.Fatalf("h:\n%s", h.screen())
	}
	rows := txLines(h.screen())
	if len(rows) == 0 {
		t.Fatal("October is empty")
	}
	for _, l := range rows {
		if !strings.Contains(l, "2026-10-") {
			t.Fatalf("October shows %q", l)
		}
	}
	if !strings.Contains(h.press("]", "l").screen(), "· all time ·") {
		t.Fatalf("stepping past the current month should return to all time:\n%s", h.screen())
	}

	pending := countWhere(400, func(v ledger.TxView) bool { return v.Pending })
	if pending == 0 || !strings.Contains(h.screen(), "◌") {
		t.Fatal("fixture has no pending rows on screen")
	}
	h.press("p")
	want := "· " + ledger.FormatCount(400-pending) + " of 400 · all time · pending hidden"
	if !strings.Contains(h.screen(), want) || strings.Contains(h.screen(), "◌") {
		t.Errorf("p: title lacks %q or pending rows remain:\n%s", want, h.screen())
	}
	h.press("p", ".")
	s := h.screen()
	for _, leak := range []string{"£1,234.56", "12345678", "11,064.56", "4242"} {
		if strings.Contains(s, leak) {
			t.Errorf("privacy mode shows %q", leak)
		}
	}
	if !strings.Contains(s, ledger.MaskedMoney("")) {
		t.Error("privacy mode shows no mask")
	}
	if !strings.Contains(h.press(".").screen(), "£1,234.56") {
		t.Error(". again should show amounts")
	}
}

// A slow load of an account the user has left never replaces the newer one.
func TestStaleTransactionLoadsAreDropped(t *testing.T) {
	e := offlineEnv(20)
	e.store.txs["acc-savings"] = numberedTransactions("acc-savings", 3)
	release := e.store.gates.hold("page", "acc-current")
	h := e.start(t, 120, 30)
	if !strings.Contains(h.screen(), "loading transactions") {
		t.Fatalf("the held load is not pending:\n%s", h.screen())
	}
	h.press("j") // select savings: a newer load
	release()
	h.settle()
	if s := h.screen(); !strings.Contains(s, "· 3 · all time · Rainy Day Saver") || !strings.Contains(s, rowLabel(2)) {
		t.Fatalf("the late load of the current account replaced savings:\n%s", s)
	}
	// Back and forth: each list is read again, a window at a time.
	h.press("k", "j", "k")
	if !strings.Contains(h.screen(), "· 20 · all time · Current Account") {
		t.Fatalf("current account:\n%s", h.screen())
	}
	if n := e.store.count(func(s *fakeStore) int { return s.reads["acc-savings"] }); n != 2 {
		t.Errorf("savings read %d times, want twice (one window each time)", n)
	}
}

// A slow read of the stored accounts never replaces a newer one.
func TestStaleAccountReadsAreDropped(t *testing.T) {
	e := onlineEnv(10)
	release := e.store.gates.hold("accounts", "") // Init's read, of the balances before the sync
	e.syncer.balances = func(context.Context, []string, func(ledger.Event)) (*ledger.Report, error) {
		e.store.set(func(s *fakeStore) { s.accounts[1].Current, s.accounts[1].Available = amt("20000"), amt("20000") })
		return &ledger.Report{}, nil
	}
	h := e.start(t, 120, 30)
	if !strings.Contains(h.screen(), "£20,000.00") {
		t.Fatalf("the sync's balances are not shown:\n%s", h.screen())
	}
	release()
	h.settle()
	if !strings.Contains(h.screen(), "£20,000.00") || strings.Contains(h.screen(), "£10,250.00") {
		t.Errorf("the late read of the old balances replaced the new ones:\n%s", h.screen())
	}
}

// The title's count is of the period it names: the month's rows, and how
// many of them the filter and the pending switch let through.
func TestTitleCountMatchesPeriod(t *testing.T) {
	h := fakeHarness(t, 120, 30, 400).press("3", "[")
	inNov := func(v ledger.TxView) bool { return v.Timestamp.Month() == 11 }
	nov := countWhere(400, inNov)
	if !strings.Contains(h.screen(), "· "+ledger.FormatCount(nov)+" · Nov 2026 ·") {
		t.Fatalf("the title does not count November's %d rows:\n%s", nov, h.screen())
	}
	h.press("/").typeText("tesco").press("enter")
	tesco := countWhere(400, func(v ledger.TxView) bool { return inNov(v) && v.Merchant == "Tesco" })
	want := "· " + ledger.FormatCount(tesco) + " of " + ledger.FormatCount(nov) + " · Nov 2026 ·"
	if !strings.Contains(h.screen(), want) {
		t.Fatalf("filtered November: title lacks %q:\n%s", want, h.screen())
	}
	h.press("esc", "p")
	settled := countWhere(400, func(v ledger.TxView) bool { return inNov(v) && !v.Pending })
	want = "· " + ledger.FormatCount(settled) + " of " + ledger.FormatCount(nov) + " · Nov 2026 · pending hidden"
	if !strings.Contains(h.screen(), want) {
		t.Errorf("pending hidden: title lacks %q:\n%s", want, h.screen())
	}
}

// S keeps the selected row selected, and the rows on screen stay on screen
// in the other order: the cursor does not jump to the bottom edge.
func TestReverseKeepsSelectionOnScreen(t *testing.T) {
	h := numberedHarness(t, 120, 30, 300).press("3", "j", "j")
	before := txLines(h.screen())
	h.press("S")
	wantSelected(t, h, "S", 2)
	after := txLines(h.screen())
	if len(after) != len(before) {
		t.Fatalf("%d rows before S, %d after", len(before), len(after))
	}
	for i := range before {
		if rowKey(before[i]) != rowKey(after[len(after)-1-i]) {
			t.Fatalf("the rows on screen changed; before:\n%s\nafter:\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"))
		}
	}
	// S again: back as it was.
	h.press("S")
	wantSelected(t, h, "S S", 2)
	if got := txLines(h.screen()); rowKey(got[0]) != rowKey(before[0]) {
		t.Errorf("S twice does not restore the screen: first row %q, was %q", got[0], before[0])
	}
}

// Wide terminals give the columns their whole labels.
func TestWideTerminalsShowWholeLabels(t *testing.T) {
	e := offlineEnv(30)
	e.store.accounts[3].DisplayName = "Rewards Credit Card Plus"
	tx := e.store.txs["acc-current"]
	tx[0].Category, tx[0].Classification, tx[0].CategoryName = "STANDING_ORDER", nil, "Standing order"
	tx[0].Raw.Meta["bank_transaction_id"] = "BT-1"
	tx[0].Raw.Meta["provider_transaction_category"] = "ATM"
	h := e.start(t, 200, 40)
	s := h.screen()
	for _, want := range []string{"Standing order ", "Visa Rewards Credit Card Plus "} {
		if !strings.Contains(s, want) {
			t.Errorf("at 200 columns %q is cut:\n%s", want, s)
		}
	}
	s = h.press("3", "enter").screen()
	for _, want := range []string{"bank_transaction_id ", "provider_transaction_category ATM"} {
		if !strings.Contains(s, want) {
			t.Errorf("at 200 columns the detail cuts %q:\n%s", want, s)
		}
	}
	// 120 columns keep the compact columns.
	if s := h.press("esc", "1").resize(120, 30).screen(); !strings.Contains(s, "Standing or…") {
		t.Errorf("at 120 columns:\n%s", s)
	}
}

// Back on an account read before, while the load of the one just left is
// still running: that load's late reply is dropped too.
func TestLateLoadDroppedAfterReturningToAnAccount(t *testing.T) {
	e := offlineEnv(20)
	e.store.txs["acc-savings"] = numberedTransactions("acc-savings", 3)
	h := e.start(t, 120, 30)
	release := e.store.gates.hold("page", "acc-savings")
	h.press("j", "k") // savings' load is held; back on the current account
	release()
	h.settle()
	if s := h.screen(); !strings.Contains(s, "· 20 · all time · Current Account") || strings.Contains(s, rowLabel(0)) {
		t.Errorf("the late load of savings replaced the current account:\n%s", s)
	}
}
