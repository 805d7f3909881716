package truelayertest_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

func sum(txs []truelayer.Transaction) truelayer.Amount {
	var s truelayer.Amount
	for _, tx := range txs {
		s = s.Add(tx.Amount)
	}
	return s
}

// checkConsistent asserts the demo bank's invariants.
func checkConsistent(t *testing.T, b *truelayertest.BankData) {
	t.Helper()
	ids := map[string]bool{}
	for _, a := range append(slices.Clone(b.Accounts), b.Cards...) {
		sign := truelayer.MustAmount("1")
		current := a.Balance.Current
		if a.IsCard {
			sign, current = truelayer.MustAmount("-1"), a.CardBalance.Current
		}
		signed := func(x truelayer.Amount) truelayer.Amount {
			return truelayer.AmountFromDecimal(x.Decimal().Mul(sign.Decimal()))
		}
		// balance = opening + transactions
		if want := a.Opening.Add(signed(sum(a.Transactions))); !current.Equal(want) {
			t.Errorf("%s: balance %s, opening %s + transactions = %s", a.ID, current, a.Opening, want)
		}
		// running balances agree, in order
		run := a.Opening
		var last time.Time
		for i, tx := range a.Transactions {
			run = run.Add(signed(tx.Amount))
			if tx.RunningBalance == nil || !tx.RunningBalance.Amount.Equal(run) {
				t.Fatalf("%s tx %d: running balance %v, want %s", a.ID, i, tx.RunningBalance, run)
			}
			if tx.Timestamp.Time.Before(last) {
				t.Fatalf("%s tx %d out of order", a.ID, i)
			}
			last = tx.Timestamp.Time
			if ids[tx.TransactionID] {
				t.Fatalf("duplicate settled transaction id %s", tx.TransactionID)
			}
			ids[tx.TransactionID] = true
			if exp, ok := tx.Amount.Minor(2); !ok || (exp < 0) != (tx.TransactionType == "DEBIT") {
				t.Fatalf("%s tx %d: amount %s type %s", a.ID, i, tx.Amount, tx.TransactionType)
			}
		}
		for _, p := range a.Pending {
			if ids[p.TransactionID] {
				t.Errorf("pending id %s is also a settled id", p.TransactionID)
			}
		}
		if !a.IsCard {
			if want := current.Add(sum(a.Pending)); !a.Balance.Available.Equal(want) {
				t.Errorf("%s: available %s, want current + pending = %s", a.ID, a.Balance.Available, want)
			}
		}
		// Standing orders and direct debits match the payments they made.
		findPayment := func(when time.Time, amount *truelayer.Amount, ref string) bool {
			return slices.ContainsFunc(a.Transactions, func(tx truelayer.Transaction) bool {
				return tx.Timestamp.Time.Equal(when) && tx.Amount.Neg().Equal(*amount) && tx.Meta["provider_reference"] == ref
			})
		}
		for _, so := range a.StandingOrders {
			if so.PreviousPaymentAmount == nil || !findPayment(so.PreviousPaymentTimestamp.Time, so.PreviousPaymentAmount, so.Reference) {
				t.Errorf("%s: standing order %s %s has no matching transaction", a.ID, so.Payee, so.Reference)
			}
		}
		for _, dd := range a.DirectDebits {
			ref := dd.Meta.ProviderMandateIdentification
			ref = ref[:strings.LastIndexByte(ref, '-')]
			if dd.PreviousPaymentAmount == nil || !findPayment(dd.PreviousPaymentTimestamp.Time, dd.PreviousPaymentAmount, ref) {
				t.Errorf("%s: direct debit %s has no matching transaction", a.ID, dd.Name)
			}
		}
	}
}

func TestDemoBankConsistent(t *testing.T) {
	srv := newServer(t)
	for _, p := range truelayertest.Providers() {
		for _, user := range []string{"john", "john42"} {
			b := srv.Truth(user, p)
			if b == nil || len(b.Accounts) == 0 {
				t.Fatalf("%s at %s: no bank", user, p)
			}
			checkConsistent(t, b)
		}
	}
	srv.AdvanceClock(50 * time.Hour) // some pending transactions settle
	checkConsistent(t, srv.Truth("john", truelayertest.ProviderNorthgate))
	if srv.Truth("jane", "mock") != nil || srv.Truth("john", "nowhere") != nil {
		t.Error("Truth of an unknown user or provider")
	}
}

func TestDemoBankScaled(t *testing.T) {
	srv := newServer(t, truelayertest.WithTransactionsPerAccount(5000))
	b := srv.Truth("john", truelayertest.ProviderNorthgate)
	for _, a := range append(b.Accounts, b.Cards...) {
		if n := len(a.Transactions); n < 5000 {
			t.Errorf("%s: %d transactions, want at least 5000", a.ID, n)
		}
	}
	checkConsistent(t, b)
}

func TestDemoBankDeterministic(t *testing.T) {
	bankJSON := func(opts ...truelayertest.Option) string {
		srv := newServer(t, opts...)
		b, err := json.Marshal(srv.Truth("john", truelayertest.ProviderNorthgate))
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(string(b), srv.URL(), "") // logo URLs name the server
	}
	a, b := bankJSON(truelayertest.WithSeed(7)), bankJSON(truelayertest.WithSeed(7))
	if a != b {
		t.Error("the same seed gave two different banks")
	}
	if bankJSON(truelayertest.WithSeed(8)) == a {
		t.Error("different seeds gave the same bank")
	}
}

func TestDemoBankRealistic(t *testing.T) {
	srv := newServer(t)
	b := srv.Truth("john", truelayertest.ProviderNorthgate)
	cur, sav, card := b.Accounts[0], b.Accounts[1], b.Cards[0]
	has := func(txs []truelayer.Transaction, f func(truelayer.Transaction) bool) int {
		n := 0
		for _, tx := range txs {
			if f(tx) {
				n++
			}
		}
		return n
	}
	checks := []struct {
		what string
		txs  []truelayer.Transaction
		min  int
		f    func(truelayer.Transaction) bool
	}{
		{"monthly salary", cur.Transactions, 23, func(tx truelayer.Transaction) bool {
			return slices.Equal(tx.TransactionClassification, []string{"Income", "Salary"})
		}},
		{"rent by standing order", cur.Transactions, 23, func(tx truelayer.Transaction) bool {
			return tx.TransactionCategory == "STANDING_ORDER" && strings.Contains(tx.Description, "RENT")
		}},
		{"utilities by direct debit", cur.Transactions, 100, func(tx truelayer.Transaction) bool { return tx.TransactionCategory == "DIRECT_DEBIT" }},
		{"groceries at named merchants", append(cur.Transactions, card.Transactions...), 150, func(tx truelayer.Transaction) bool {
			return tx.MerchantName != nil && slices.Contains([]string{"Tesco", "Sainsbury's", "Lidl", "Aldi", "Waitrose", "M&S", "Co-op"}, *tx.MerchantName)
		}},
		{"subscriptions", card.Transactions, 65, func(tx truelayer.Transaction) bool {
			return tx.MerchantName != nil && slices.Contains([]string{"Netflix", "Spotify", "Apple"}, *tx.MerchantName)
		}},
		{"ATM", cur.Transactions, 10, func(tx truelayer.Transaction) bool { return tx.TransactionCategory == "ATM" }},
		{"transfers into savings", sav.Transactions, 20, func(tx truelayer.Transaction) bool {
			return tx.TransactionCategory == "TRANSFER" && tx.Amount.Sign() > 0
		}},
		{"card repayments", card.Transactions, 20, func(tx truelayer.Transaction) bool { return tx.Description == "PAYMENT RECEIVED - THANK YOU" }},
		{"refunds", card.Transactions, 1, func(tx truelayer.Transaction) bool {
			return strings.HasPrefix(tx.Description, "REFUND ") && tx.Amount.Sign() > 0
		}},
		{"foreign-currency spends", card.Transactions, 10, func(tx truelayer.Transaction) bool {
			return tx.Meta["original_currency"] == "EUR" && tx.Meta["original_amount"] != nil && tx.Meta["exchange_rate"] != nil
		}},
		{"savings interest", sav.Transactions, 20, func(tx truelayer.Transaction) bool { return tx.TransactionCategory == "INTEREST" }},
	}
	for _, c := range checks {
		if n := has(c.txs, c.f); n < c.min {
			t.Errorf("%s: %d, want at least %d", c.what, n, c.min)
		}
	}
	first := cur.Transactions[0].Timestamp.Time
	if span := fixedClock().Sub(first); span < 720*24*time.Hour || span > 732*24*time.Hour {
		t.Errorf("history starts %v, want about two years before %v", first, fixedClock())
	}
	if len(cur.StandingOrders) < 2 || len(cur.DirectDebits) < 6 {
		t.Errorf("%d standing orders, %d direct debits", len(cur.StandingOrders), len(cur.DirectDebits))
	}
	if inactive := slices.IndexFunc(cur.DirectDebits, func(d truelayer.DirectDebit) bool { return d.Status == "Inactive" }); inactive < 0 {
		t.Error("no cancelled direct debit")
	}
	if len(cur.Pending)+len(card.Pending) == 0 {
		t.Error("no pending transactions")
	}
}
