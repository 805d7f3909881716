package ui

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/ledger"
)

// TestInsightsEnterOpensTheTransactionsOfABar: enter on a category bar
// lists its transactions (a category: filter, the pane's month); on a
// merchant bar, its payee.
func TestInsightsEnterOpensTheTransactionsOfABar(t *testing.T) {
	h := onlineHarness(t, 120, 40, 300).press("4", "j", "enter")
	s := h.screen()
	if !strings.Contains(s, `/category:"Shopping / Groceries"`) || !strings.Contains(s, "Nov 2026") {
		t.Errorf("enter on Groceries:\n%s", s)
	}
	if h.m.pc.focus != paneTransactions {
		t.Errorf("focus %v, want the transactions", h.m.pc.focus)
	}
	// Back to the insights, a month back, and the merchant Tesco.
	h.press("4", "[", "j", "j", "j", "j", "enter")
	s = h.screen()
	if !strings.Contains(s, "/Tesco") || !strings.Contains(s, "Oct 2026") {
		t.Errorf("enter on Tesco in October:\n%s", s)
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, "CARD PAYMENT") && !strings.Contains(line, "Tesco") {
			t.Errorf("a row that is not Tesco's: %q", line)
		}
	}
}

// TestInsightsDropsStaleReads: a read of October overtaken by one of
// September never shows.
func TestInsightsDropsStaleReads(t *testing.T) {
	e := onlineEnv(60)
	h := e.startSynced(t, 120, 40)
	h.press("4")
	release := e.store.gates.hold("insights", "2026-10")
	h.press("[") // October, held
	h.press("[") // September
	if s := h.screen(); !strings.Contains(s, "4 Insights · Sep 2026") || !strings.Contains(s, "Change from Aug 2026") {
		t.Fatalf("September:\n%s", s)
	}
	release()
	h.settle()
	if s := h.screen(); !strings.Contains(s, "Change from Aug 2026") {
		t.Errorf("October's late read replaced September's:\n%s", s)
	}
	// ] never steps past this month.
	h.press("]", "]", "]", "]")
	if s := h.screen(); !strings.Contains(s, "4 Insights · Nov 2026") {
		t.Errorf("after ] ] ] ]:\n%s", s)
	}
}

// TestInsightsShowTheLedgersReports: on the emulator's demo bank, the
// pane shows the reports ledger.Insights reads (banktui report prints the
// same, cli/report_test.go) for the selected account and month.
func TestInsightsShowTheLedgersReports(t *testing.T) {
	e := newEmulatorLedger(t)
	h := e.start(t, 130, 120, nil).press("4")
	stored, err := e.store.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	from, to := ledger.MonthsEnding(now, 1, time.UTC)
	in, err := e.store.Insights(context.Background(), ledger.TxQuery{AccountIDs: []string{stored[0].ID}, From: from, To: to, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	s := h.screen()
	if !strings.Contains(s, "4 Insights · "+from.Format("Jan 2006")+" · "+ledger.Sanitize(stored[0].DisplayName)) {
		t.Fatalf("title:\n%s", s)
	}
	var want []string
	for _, c := range in.Spending.Currencies {
		for _, it := range c.Items {
			if it.Amount.Sign() > 0 {
				want = append(want, ledger.FormatMoney(it.Amount, c.Currency)+"|"+percentText(it.Share))
			}
		}
	}
	for _, c := range in.Merchants.Currencies {
		for _, it := range c.Items {
			if it.Amount.Sign() > 0 {
				want = append(want, ledger.FormatMoney(it.Amount, c.Currency)+"|"+percentText(it.Share))
			}
		}
	}
	for _, c := range in.Spending.Currencies { // month over month
		for _, it := range c.Items {
			if !it.Other {
				want = append(want, "was "+ledger.FormatMoney(it.Previous, c.Currency))
			}
		}
	}
	for _, c := range in.Cashflow.Currencies {
		want = append(want, "net "+ledger.FormatSignedMoney(c.Net, c.Currency))
		for _, m := range c.Months {
			want = append(want, ledger.FormatSignedMoney(m.Net, c.Currency))
		}
	}
	for _, t := range in.NetWorth.Totals {
		want = append(want, "now "+ledger.FormatMoney(t.Last(), t.Currency))
	}
	for _, p := range in.Recurring.Payments {
		want = append(want, ledger.Sanitize(p.Payee))
	}
	if len(want) < 5 {
		t.Fatalf("the ledger's insights are nearly empty: %+v", in)
	}
	for _, w := range want {
		found := false
		for _, line := range strings.Split(s, "\n") {
			all := true
			for _, part := range strings.Split(w, "|") { // on one line
				all = all && strings.Contains(line, part)
			}
			found = found || all
		}
		if !found {
			t.Errorf("the pane lacks %q:\n%s", w, s)
		}
	}
}

// TestInsightsWithoutColour: under NO_COLOR the charts keep their shapes
// (the screen is the insights golden's), no colour code is written, and
// the selected bar is in reverse video.
func TestInsightsWithoutColour(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	h := onlineHarness(t, 130, 72, 60).press("4")
	checkGolden(t, "insights", h)
	raw := h.raw()
	if regexp.MustCompile(`\x1b\[[0-9;]*(38|48)[;:]`).MatchString(raw) {
		t.Error("NO_COLOR insights contain colour codes")
	}
	if !strings.Contains(raw, "\x1b[7m") {
		t.Error("NO_COLOR should mark the selected bar by reverse video")
	}
}

// The footer names the insights pane's own keys while it has the
// keyboard (the year, what a bar is made of), not filter and sort, which
// it has not; back on the transactions they return.
func TestInsightsFooterNamesItsOwnKeys(t *testing.T) {
	h := onlineHarness(t, 120, 40, 300).press("4")
	f := footerOf(h.screen())
	for _, want := range []string{"y year", "enter its rows", "month"} {
		if !strings.Contains(f, want) {
			t.Errorf("insights footer lacks %q:\n%s", want, f)
		}
	}
	for _, never := range []string{"/ filter", "s sort"} {
		if strings.Contains(f, never) {
			t.Errorf("insights footer offers %q, which the pane has not:\n%s", never, f)
		}
	}
	f = footerOf(h.press("3").screen())
	if !strings.Contains(f, "/ filter") || strings.Contains(f, "y year") {
		t.Errorf("transactions footer:\n%s", f)
	}
}
