package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/banktui/banktui/ledger"
)

// The "All accounts" entry above the banks lists every account's and
// card's rows together, with an account column; the title counts them
// all, the totals line sums them (matched transfers between the accounts
// are neither in nor out, as in the reports), a filter and a month step
// narrow them, and the insights pane reads every account.
func TestAllAccountsListsEveryAccount(t *testing.T) {
	e := newEmulatorLedger(t)
	e.start(t, 140, 40, nil) // fill the store
	ctx := context.Background()
	total := e.count(t, ledger.TxQuery{})
	h := e.startOffline(t, 140, 40, nil)
	h.press("k") // from the first account up to the entry above the banks
	s := h.screen()
	if !strings.Contains(s, "· "+ledger.FormatCount(total)+" · all time · All accounts") {
		t.Fatalf("All accounts does not count the store's %d rows:\n%s", total, s)
	}
	if !strings.Contains(lineWith(s, "Date▼"), "Account") {
		t.Errorf("no account column:\n%s", s)
	}
	rows, err := e.store.TransactionPage(ctx, ledger.TxQuery{Desc: true, Limit: total})
	if err != nil || len(rows) != total {
		t.Fatal(len(rows), err)
	}
	accounts := map[string]bool{}
	for _, v := range rows {
		accounts[v.AccountID] = true
	}
	want, transfers := flowsOf(rows)
	if len(accounts) < 3 || transfers == 0 {
		t.Fatalf("the demo bank has %d accounts with rows and %d matched transfers: the test tries nothing", len(accounts), transfers)
	}
	if !strings.Contains(s, want) {
		t.Errorf("the totals line is not %q:\n%s", want, s)
	}
	// The newest row of all, whatever its account, is first.
	if v := h.m.tx.list.views[0]; v.ID != rows[0].ID {
		t.Errorf("first row %s, want the newest of all accounts %s", v.ID, rows[0].ID)
	}
	// A filter and a month narrow the whole list.
	h.press("/").typeText("tesco").press("enter", "[")
	now := h.m.pc.now()
	from, to := month{now.Year(), now.Month()}.bounds(h.m.pc.loc)
	n := e.count(t, ledger.TxQuery{From: from, To: to, Location: h.m.pc.loc, Terms: ledger.TxTerms{Words: []string{"tesco"}}})
	m := e.count(t, ledger.TxQuery{From: from, To: to, Location: h.m.pc.loc})
	if s := h.screen(); !strings.Contains(s, "· "+ledger.FormatCount(n)+" of "+ledger.FormatCount(m)+" · "+from.Format("Jan 2006")+" · All accounts") {
		t.Errorf("tesco this month: want %d of %d:\n%s", n, m, s)
	}
	h.press("4")
	if s := h.screen(); !strings.Contains(s, "4 Insights · "+from.Format("Jan 2006")+" · all accounts") {
		t.Errorf("the insights pane does not read every account:\n%s", s)
	}
}

// flowsOf is the totals line of rows (one currency), summed here: matched
// transfers counted apart, neither in nor out.
func flowsOf(rows []ledger.TxView) (line string, transfers int) {
	var in, out ledger.Amount
	for _, v := range rows {
		switch {
		case v.TransferKind != "":
			transfers++
		case v.Amount.Sign() > 0:
			in = in.Add(v.Amount)
		default:
			out = out.Add(v.Amount)
		}
	}
	cur := rows[0].Currency
	return "in " + ledger.FormatSignedMoney(in, cur) + " · out " + ledger.FormatSignedMoney(out, cur) +
		" · net " + ledger.FormatSignedMoney(in.Add(out), cur), transfers
}

// With accounts in two currencies, the accounts pane has an entry per
// currency: All GBP accounts lists the GBP accounts' and cards' rows, All
// EUR accounts the EUR account's, each with its own totals line.
func TestAllAccountsPerCurrency(t *testing.T) {
	e := offlineEnv(20)
	eur := numberedTransactions("acc-castle", 5)
	for i := range eur {
		eur[i].Currency, eur[i].Raw.Currency = "EUR", "EUR"
	}
	e.store.txs["acc-castle"] = eur
	e.store.txs["acc-savings"] = numberedTransactions("acc-savings", 3)
	h := e.start(t, 140, 40)
	for _, c := range []struct {
		entry, sign, other string
		rows               int
	}{{"All GBP accounts", "£", "€", 23}, {"All EUR accounts", "€", "£", 5}} {
		h.press("k")
		s := h.screen()
		if !strings.Contains(s, "· "+ledger.FormatCount(c.rows)+" · all time · "+c.entry) {
			t.Fatalf("%s: want %d rows:\n%s", c.entry, c.rows, s)
		}
		accounts := map[string]bool{}
		for _, v := range h.m.tx.list.views {
			accounts[v.AccountID] = true
		}
		if c.rows == 23 && (len(accounts) != 2 || accounts["acc-castle"]) || c.rows == 5 && (len(accounts) != 1 || !accounts["acc-castle"]) {
			t.Errorf("%s lists the rows of %v", c.entry, accounts)
		}
		foot := lineWith(s, " · net ")
		if !strings.Contains(foot, "in "+c.sign) && !strings.Contains(foot, "in +"+c.sign) || strings.Contains(foot, c.other) {
			t.Errorf("%s: totals line %q", c.entry, foot)
		}
	}
}

// All accounts covers the accounts that count, as balance's total and the
// reports do: a logged-out connection's account keeps its history, shown
// when it is selected, but is not in the All entry's rows or totals.
func TestAllAccountsLeavesOutWhatDoesNotCount(t *testing.T) {
	e := offlineEnv(20)
	e.store.txs["acc-savings"] = numberedTransactions("acc-savings", 3)
	for i := range e.store.accounts {
		if e.store.accounts[i].ID == "acc-savings" {
			e.store.accounts[i].Disconnected = true
		}
	}
	h := e.start(t, 140, 40)
	h.press("k")
	if s := h.screen(); !strings.Contains(s, "· 20 · all time · All GBP accounts") {
		t.Fatalf("All GBP accounts should hold the current account's 20 rows alone:\n%s", s)
	}
	h.press("j", "j") // the current account, then the saver
	if s := h.screen(); !strings.Contains(s, "· 3 · all time · Rainy Day Saver") {
		t.Errorf("the logged-out account's history is not shown when selected:\n%s", s)
	}
}
