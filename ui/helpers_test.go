package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

// fixedNow is the clock of every model test: goldens must not depend on the day.
var fixedNow = time.Date(2026, 11, 28, 10, 30, 0, 0, time.UTC)

func fixedClock() time.Time { return fixedNow }

func sizeMsg(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

func amt(s string) truelayer.Amount { return truelayer.MustAmount(s) }

func amtp(s string) *truelayer.Amount { a := amt(s); return &a }

func fakeAccounts() []ledger.AccountView {
	asOf := fixedNow.Add(-49 * time.Minute)
	return []ledger.AccountView{
		{ConnectionID: "c1", ProviderID: "ob-northgate", ProviderName: "Northgate Bank", Kind: "account", ID: "acc-current",
			DisplayName: "Current Account", Type: "TRANSACTION", Currency: "GBP", Number: "12-34-56 12345678",
			Current: amt("1234.56"), Available: amt("1334.56"), HasBalance: true, BalanceAsOf: asOf},
		{ConnectionID: "c1", ProviderID: "ob-northgate", ProviderName: "Northgate Bank", Kind: "account", ID: "acc-savings",
			DisplayName: "Rainy Day Saver", Type: "SAVINGS", Currency: "GBP", Number: "12-34-56 87654321",
			Current: amt("10250"), Available: amt("10250"), HasBalance: true, BalanceAsOf: asOf},
		{ConnectionID: "c2", ProviderID: "ob-castle", ProviderName: "Castle Bank", Kind: "account", ID: "acc-castle",
			DisplayName: "Castle Everyday", Type: "TRANSACTION", Currency: "EUR", Number: "DE89370400440532013000",
			Current: amt("-42.10"), Available: amt("457.90"), HasBalance: true, BalanceAsOf: asOf,
			SyncError: ledger.SyncErrSCAExceeded},
		{ConnectionID: "c1", ProviderID: "ob-northgate", ProviderName: "Northgate Bank", Kind: "card", ID: "card-1",
			DisplayName: "Northgate Platinum", Type: "CREDIT", Currency: "GBP", CardNetwork: "VISA", PartialCardNumber: "4242",
			Current: amt("420.00"), Available: amt("2580.00"), CreditLimit: amtp("3000"), HasBalance: true, BalanceAsOf: asOf},
	}
}

func fakeTotals() []ledger.CurrencyTotal {
	return []ledger.CurrencyTotal{{Currency: "EUR", Total: amt("-42.10")}, {Currency: "GBP", Total: amt("11064.56")}}
}

var merchants = []string{"Tesco", "Pret A Manger", "TfL", "Amazon", "Spotify", "Shell", "Boots", ""}
var categories = []string{"PURCHASE", "BILL_PAYMENT", "TRANSFER", "DIRECT_DEBIT", "ATM", "CREDIT"}

// fakeTransactions builds n transactions newest first, one every 7 hours back
// from fixedNow, deterministic.
func fakeTransactions(accountID string, n int) []ledger.TxView {
	out := make([]ledger.TxView, n)
	bal := int64(123456)
	for i := 0; i < n; i++ {
		ts := fixedNow.Add(-time.Duration(i) * 7 * time.Hour).Add(-time.Hour)
		merchant := merchants[i%len(merchants)]
		minor := -int64((i*7919)%20000 + 99)
		if i%9 == 4 {
			minor = int64((i*104729)%300000 + 1000) // money in
		}
		a := truelayer.AmountFromMinor(minor, 2)
		rb := truelayer.AmountFromMinor(bal, 2)
		bal -= minor
		desc := fmt.Sprintf("CARD PAYMENT %s REF%05d", strings.ToUpper(merchant), i)
		if merchant == "" {
			desc = fmt.Sprintf("TRANSFER TO SAVINGS %05d", i)
		}
		cat := categories[i%len(categories)]
		out[i] = ledger.TxView{
			AccountID: accountID, ConnectionID: "c1", ID: fmt.Sprintf("tx-%06d", i),
			Pending: i < 2, Timestamp: ts, Description: desc, Merchant: merchant, Category: cat,
			Classification: []string{"Shopping", "Groceries"}, Amount: a, Currency: "GBP", RunningBalance: &rb,
			Raw: truelayer.Transaction{TransactionID: fmt.Sprintf("tx-%06d", i), Description: desc, Amount: a, Currency: "GBP",
				TransactionType: "DEBIT", TransactionCategory: cat, TransactionClassification: []string{"Shopping", "Groceries"},
				ProviderTransactionID: fmt.Sprintf("prov-%d", i), NormalisedProviderTransactionID: fmt.Sprintf("norm-%d", i),
				Meta: map[string]any{"provider_category": "POS", "provider_reference": fmt.Sprintf("REF%05d", i)}},
		}
	}
	return out
}

// fakeModel is a model with accounts and n transactions of the current
// account loaded, sized w×h, as the messages of a real start would leave it.
func fakeModel(t testing.TB, w, h, n int) Model {
	t.Helper()
	m := New(Options{Now: func() time.Time { return fixedNow }})
	m.noColor = false
	m = send(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	m = send(t, m, accountsLoadedMsg{seq: m.accountsSeq, accounts: fakeAccounts(), totals: fakeTotals()})
	views := fakeTransactions("acc-current", n)
	m = send(t, m, txLoadedMsg{seq: m.txSeq, accountID: "acc-current", views: views, rows: prepareRows(views)})
	return m
}

// send runs one Update and returns the model (commands are not run).
func send(t testing.TB, m Model, msg tea.Msg) Model {
	t.Helper()
	nm, _ := m.Update(msg)
	return nm.(Model)
}

func press(t testing.TB, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		m = send(t, m, keyMsg(k))
	}
	return m
}

// keyMsg builds the key press Bubble Tea would deliver for a key name.
func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+c", "ctrl+d", "ctrl+u":
		return tea.KeyPressMsg{Code: rune(k[5]), Mod: tea.ModCtrl}
	}
	r := []rune(k)
	if len(r) != 1 {
		panic("keyMsg: unknown key " + k)
	}
	msg := tea.KeyPressMsg{Code: r[0], Text: k}
	if r[0] >= 'A' && r[0] <= 'Z' {
		msg.Code = r[0] + ('a' - 'A')
		msg.ShiftedCode = r[0]
		msg.Mod = tea.ModShift
	}
	return msg
}

// typeText sends each rune as a key press, as a terminal would.
func typeText(t testing.TB, m Model, s string) Model {
	t.Helper()
	for _, r := range s {
		if r == ' ' {
			m = send(t, m, keyMsg("space"))
			continue
		}
		m = send(t, m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return m
}

func screen(m Model) string { return ansi.Strip(m.View().Content) }
