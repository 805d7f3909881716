package ledger

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// The hostile bank: a real store holding what banks get wrong. Currencies
// "GB P", "gbp", "826", "" and a EUR row in a GBP account; timestamps that
// do not parse ("not a date", year 1); two rows alike but for their ids;
// escape sequences, bidi overrides, quotes, semicolons and formula prefixes
// in text; an amount with nine decimals; two accounts of the same name; a
// card whose id is long and not ASCII; a bank dating rows without a time.
// Running balances are the bank's, so they count the undated row the
// exports must leave out (one adjustment, on 2026-11-04), and a card
// repayment lands two days after it left (hledger keeps its posting date,
// beancount skips the card's assertion in between).

// hostileCardID is longer than OFX's 22 characters, with an ellipsis.
const hostileCardID = "1ad0a1afe0d7058628b99…9f3c0e7d1b2a4c6e8f00"

type fixtureAccount struct {
	id, kind, name, currency, number, accountType string
}

var hostileAccounts = []fixtureAccount{
	{"acc-main", KindAccount, "Current a/c \u202e", "GBP", "12-34-56 12345678", "TRANSACTION"},
	{"acc-save", KindAccount, "Current a/c", "GBP", "12-34-56 87654321", "SAVINGS"},
	{"acc-pot", KindAccount, "Pot \x1b[31m", "GB P", "", "SAVINGS"},
	{"acc-lower", KindAccount, "Lower", "gbp", "GB29NWBK60161331926819", "TRANSACTION"},
	{"acc-digits", KindAccount, "Digits", "826", "", "TRANSACTION"},
	{"acc-empty", KindAccount, "", "", "", "TRANSACTION"},
	{hostileCardID, KindCard, "Platinum", "GBP", "4242", "CREDIT"},
}

type fixtureRow struct {
	account, id, when, amount, currency, desc, merchant, category string
	class                                                         []string
	running                                                       string // "" none
	pending                                                       bool
}

var hostileRows = []fixtureRow{
	// acc-main: opening 1000.00, timed rows, running balances.
	{account: "acc-main", id: "t1", when: "2026-11-01T10:00:00Z", amount: "2500", desc: "SALARY ACME", category: "CREDIT", class: []string{"Income", "Salary"}, running: "3500.00"},
	{account: "acc-main", id: "t2", when: "2026-11-01T11:00:00Z", amount: "-2.99", desc: `=HYPERLINK("http://evil")`, category: "PURCHASE", running: "3497.01"},
	{account: "acc-main", id: "t3", when: "2026-11-02T09:00:00Z", amount: "-0.125", desc: "FX fee", category: "FEE_CHARGE", class: []string{"Bank charges"}, running: "3496.885"},
	{account: "acc-main", id: "t4", when: "2026-11-02T09:00:00Z", amount: "-0.125", desc: "FX fee", category: "FEE_CHARGE", class: []string{"Bank charges"}, running: "3496.76"},
	{account: "acc-main", id: "tx-out", when: "2026-11-03T08:00:00Z", amount: "-300.00", desc: "TRANSFER TO SAVINGS 87654321", category: "TRANSFER", running: "3196.76"},
	{account: "acc-main", id: "u1", when: "not a date", amount: "-5.00", desc: "MYSTERY (undated)", category: "DEBIT", running: "3191.76"},
	{account: "acc-main", id: "t5", when: "2026-11-04T12:00:00Z", amount: "-20.123456789", desc: "TESCO\x1b]0;pwned\x07 STORES\n2\u202e", merchant: "Tesco; \"Extra\" \\", category: "PURCHASE", class: []string{"Shopping", "Groceries"}, running: "3171.636543211"},
	{account: "acc-main", id: "pay-out", when: "2026-11-04T13:00:00Z", amount: "-250.50", desc: "NORTHGATE CARD PAYMENT 4242", category: "BILL_PAYMENT", class: []string{"Bills and Utilities", "Credit card payment"}, running: "2921.136543211"},
	{account: "acc-main", id: "t6", when: "2026-11-05T10:00:00Z", amount: "-1336.175", desc: "+44 rent", merchant: "@landlord", category: "DIRECT_DEBIT", running: "1584.961543211"},
	{account: "acc-main", id: "p1", when: "2026-11-05T15:00:00Z", amount: "-3.50", desc: "(PENDING) COFFEE", category: "PURCHASE", pending: true},
	// acc-save: opening 5000.00, same name as acc-main.
	{account: "acc-save", id: "tx-in", when: "2026-11-03T08:05:00Z", amount: "300.00", desc: "TRANSFER FROM CURRENT", category: "TRANSFER", running: "5300.00"},
	{account: "acc-save", id: "i1", when: "2026-11-05T06:00:00Z", amount: "1.10", desc: "INTEREST", category: "INTEREST", class: []string{"Income"}, running: "5301.10"},
	// acc-pot: "GB P", rows dated without a time, sent newest first.
	{account: "acc-pot", id: "d3", when: "2026-11-02", amount: "1.00", currency: "GB P", desc: "ROUND UP", category: "CREDIT", running: "14.00"},
	{account: "acc-pot", id: "d2", when: "2026-11-02", amount: "-2.00", currency: "GB P", desc: "WITHDRAW", category: "DEBIT", running: "13.00"},
	{account: "acc-pot", id: "d1", when: "2026-11-02", amount: "5.00", currency: "GB P", desc: "ROUND UP", category: "CREDIT", running: "15.00"},
	// acc-lower: "gbp", no running balances, a EUR row, a year-1 date.
	{account: "acc-lower", id: "l1", when: "2026-11-01T10:00:00Z", amount: "100", currency: "gbp", desc: "IN", category: "CREDIT"},
	{account: "acc-lower", id: "l2", when: "2026-11-02T10:00:00Z", amount: "-30.5", currency: "gbp", desc: "OUT", category: "DEBIT"},
	{account: "acc-lower", id: "l3", when: "2026-11-02T11:00:00Z", amount: "-10", currency: "EUR", desc: "CAFÉ PARIS", category: "PURCHASE", class: []string{"Food & Dining"}},
	{account: "acc-lower", id: "l4", when: "0001-01-01T00:00:00Z", amount: "-7", currency: "gbp", desc: "ZERO DATE", category: "DEBIT"},
	{account: "acc-digits", id: "g1", when: "2026-11-01T10:00:00Z", amount: "1", currency: "826", desc: "DIGITS", category: "CREDIT"},
	{account: "acc-empty", id: "e1", when: "2026-11-01T10:00:00Z", amount: "-1", currency: "", desc: "EMPTY", category: "DEBIT", class: []string{"Income"}},
	// The card: owed 100.00 at first; running balances are the amount owed.
	{account: hostileCardID, id: "c1", when: "2026-11-02T14:00:00Z", amount: "-50.00", desc: "AMAZON MKTPLACE", merchant: "Amazon", category: "PURCHASE", class: []string{"Shopping", "General"}, running: "150.00"},
	{account: hostileCardID, id: "c2", when: "2026-11-05T12:00:00Z", amount: "-10.00", desc: "COFFEE", category: "PURCHASE", class: []string{"Food & Dining", "Coffee shops"}, running: "160.00"},
	{account: hostileCardID, id: "pay-in", when: "2026-11-06T09:00:00Z", amount: "250.50", desc: "PAYMENT RECEIVED - THANK YOU", category: "CREDIT", class: []string{"Bills and Utilities", "Credit card payment"}, running: "-90.50"},
}

// hostileBalances are the stored snapshots: account, when the bank says
// it stood so, current, available (cards: owed, and credit left).
var hostileBalances = []struct{ account, at, current, available string }{
	{"acc-main", "2026-11-05T18:00:00Z", "1584.961543211", "1581.461543211"},
	{"acc-save", "2026-11-05T18:00:00Z", "5301.10", "5301.10"},
	{"acc-pot", "2026-11-02T09:00:00Z", "10.00", "10.00"}, // same day as undated-by-time rows: not asserted
	{"acc-pot", "2026-11-03T09:00:00Z", "14.00", "14.00"},
	{"acc-lower", "2026-11-04T12:00:00Z", "269.5", "269.5"},
	{"acc-digits", "2026-11-04T12:00:00Z", "1", "1"},
	{"acc-empty", "2026-11-04T12:00:00Z", "-1", "-1"},
	{hostileCardID, "2026-11-06T18:00:00Z", "-90.50", "3090.50"},
}

// hostileNow is when the hostile bank was last synced.
var hostileNow = time.Date(2026, 11, 6, 19, 0, 0, 0, time.UTC)

// hostileBank is the hostile bank in a fresh store, transfers matched.
func hostileBank(t testing.TB) *Store {
	t.Helper()
	st, err := open(filepath.Join(t.TempDir(), "ledger.db"), openConfig{now: func() time.Time { return hostileNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fillStore(t, st, "Hostile \x1b[31mBank\u202e", hostileAccounts, hostileRows)
	for _, b := range hostileBalances {
		raw, _ := json.Marshal(map[string]string{"update_timestamp": b.at})
		cur := fixtureCurrency(b.account, "")
		if err := st.saveBalance(context.Background(), b.account, balanceRecord{Currency: cur,
			Current: truelayer.MustAmount(b.current), Available: truelayer.MustAmount(b.available), Raw: raw}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.MatchTransfers(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// fillStore commits accounts and rows as a sync would.
func fillStore(t testing.TB, st *Store, provider string, accounts []fixtureAccount, rows []fixtureRow) {
	t.Helper()
	ctx := context.Background()
	var recs []accountRecord
	for _, a := range accounts {
		p := truelayer.Provider{ProviderID: "ob-hostile", DisplayName: provider}
		if a.kind == KindCard {
			recs = append(recs, cardFromAPI(truelayer.Card{AccountID: a.id, CardType: a.accountType, CardNetwork: "VISA",
				DisplayName: a.name, Currency: a.currency, PartialCardNumber: a.number, Provider: p}))
			continue
		}
		acct := truelayer.Account{AccountID: a.id, AccountType: a.accountType, DisplayName: a.name, Currency: a.currency, Provider: p}
		if sort, num, ok := cutSpace(a.number); ok {
			acct.AccountNumber = truelayer.AccountNumber{SortCode: sort, Number: num}
		} else {
			acct.AccountNumber = truelayer.AccountNumber{IBAN: a.number}
		}
		recs = append(recs, accountFromAPI(acct))
	}
	if err := st.saveAccounts(ctx, "conn-hostile", "ob-hostile", provider, recs, []string{KindAccount, KindCard}); err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		var settled, pending []truelayer.Transaction
		for _, r := range rows {
			if r.account != a.id {
				continue
			}
			x := fixtureTx(r, a.currency)
			if r.pending {
				pending = append(pending, x)
			} else {
				settled = append(settled, x)
			}
		}
		if _, _, err := st.commitAccount(ctx, a.id, accountBatch{Settled: settled, Pending: pending, PendingFetched: true,
			State: syncState{Backfilled: true, OldestDay: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), HistoryLimit: LimitEmpty}}); err != nil {
			t.Fatal(err)
		}
	}
}

func fixtureTx(r fixtureRow, accountCurrency string) truelayer.Transaction {
	ts, ok := truelayer.ParseTimestamp(r.when)
	if !ok {
		ts = truelayer.Timestamp{Raw: r.when}
	}
	cur := r.currency
	if cur == "" && r.account != "acc-empty" {
		cur = accountCurrency
	}
	x := truelayer.Transaction{TransactionID: r.id, Timestamp: ts, Description: r.desc, Amount: truelayer.MustAmount(r.amount),
		Currency: cur, TransactionCategory: r.category, TransactionClassification: r.class, TransactionType: "DEBIT"}
	if x.Amount.Sign() > 0 {
		x.TransactionType = "CREDIT"
	}
	if r.merchant != "" {
		m := r.merchant
		x.MerchantName = &m
	}
	if r.running != "" {
		x.RunningBalance = &truelayer.RunningBalance{Amount: truelayer.MustAmount(r.running), Currency: cur}
	}
	return x
}

func fixtureCurrency(account, fallback string) string {
	for _, a := range hostileAccounts {
		if a.id == account {
			return a.currency
		}
	}
	return fallback
}

func cutSpace(s string) (string, string, bool) {
	for i := range s {
		if s[i] == ' ' {
			return s[:i], s[i+1:], true
		}
	}
	return "", "", false
}
