package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
	tt "github.com/banktui/banktui/truelayer/truelayertest"
)

// wantPairs finds in the demo bank's truth, by its own descriptions rather
// than by the matcher's rules, the transfers between John's accounts ("TO
// Instant Saver" here, "FROM Current Account" there) and the card
// repayments (the card services direct debit, the card's "PAYMENT
// RECEIVED"): for each, the other side is the row of the opposite amount,
// in the account named, closest in time. Keys are "out-id>in-id".
func wantPairs(truth *tt.BankData) map[string]string {
	byName := map[string]tt.AccountData{}
	for _, a := range truth.Accounts {
		byName[a.Account.DisplayName] = a
	}
	closest := func(in tt.AccountData, amount truelayer.Amount, at time.Time, ok func(truelayer.Transaction) bool) string {
		best, gap := "", time.Duration(1<<62)
		for _, x := range in.Transactions {
			if x.Amount.Equal(amount.Neg()) && ok(x) {
				if d := x.Timestamp.Time.Sub(at).Abs(); d < gap {
					best, gap = x.TransactionID, d
				}
			}
		}
		return best
	}
	out := map[string]string{}
	for _, a := range truth.Accounts {
		for _, x := range a.Transactions {
			name, isTo := strings.CutPrefix(x.Description, "TO ")
			if other, own := byName[name]; isTo && own && x.Amount.Sign() < 0 {
				from := "FROM " + a.Account.DisplayName
				in := closest(other, x.Amount, x.Timestamp.Time, func(y truelayer.Transaction) bool { return y.Description == from })
				out[x.TransactionID+">"+in] = TransferOwn
			}
			if strings.Contains(x.Description, "CARD SERVICES") && len(truth.Cards) == 1 {
				in := closest(truth.Cards[0], x.Amount, x.Timestamp.Time, func(y truelayer.Transaction) bool {
					return strings.HasPrefix(y.Description, "PAYMENT RECEIVED")
				})
				out[x.TransactionID+">"+in] = TransferCardPayment
			}
		}
	}
	return out
}

// The demo bank's transfers between John's accounts and his card
// repayments are paired by the sync, each as its truth says, and nothing
// else is; the reports then count none of them.
func TestDemoTransfersArePaired(t *testing.T) {
	t.Parallel()
	e, north, nova, castle := newSyncedEnv(t)
	ctx := context.Background()
	pairs, err := e.st.TransferPairs(ctx, TxQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range pairs {
		if p.Out.Amount.Sign() >= 0 || !p.In.Amount.Equal(p.Out.Amount.Neg()) || p.Out.AccountID == p.In.AccountID {
			t.Errorf("pair %s %s/%s %s -> %s/%s %s is not one movement", p.Kind, p.Out.AccountID, p.Out.ID, p.Out.Amount, p.In.AccountID, p.In.ID, p.In.Amount)
		}
		if p.Out.TransferKind != p.Kind || p.In.TransferKind != p.Kind {
			t.Errorf("pair %s: rows say %q and %q", p.Kind, p.Out.TransferKind, p.In.TransferKind)
		}
		got[p.Out.ID+">"+p.In.ID] = p.Kind
	}
	want := map[string]string{}
	for _, c := range []string{north, nova, castle} {
		for k, v := range wantPairs(e.truth(c)) {
			want[k] = v
		}
	}
	kinds := map[string]int{}
	for k, v := range want {
		kinds[v]++
		if got[k] != v {
			t.Errorf("transfer %s: got %q, want %q", k, got[k], v)
		}
	}
	for k, v := range got {
		if want[k] == "" {
			t.Errorf("paired %s as %s, not a transfer of the demo bank", k, v)
		}
	}
	// Two years of monthly savings and card payments, and top-ups.
	if kinds[TransferOwn] < 30 || kinds[TransferCardPayment] < 20 {
		t.Errorf("the demo bank has %d own transfers and %d card payments: too few to test", kinds[TransferOwn], kinds[TransferCardPayment])
	}

	// The reports see neither side: no money moved between John's accounts
	// is spent or earned; the friends' transfers (third parties) stay.
	byCat, err := e.st.SpendingByCategory(ctx, TxQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range byCat {
		switch b.Key {
		case "Transfer", "Bills and Utilities / Credit card payment":
			t.Errorf("report counts %s: %d rows, spent %s, received %s", b.Key, b.Count, b.Spent, b.Received)
		case "Transfer / Friends":
			if b.Received.Sign() <= 0 {
				t.Errorf("friends' payments are income: %+v", b)
			}
		}
	}
	// A second run has nothing to look at.
	if n, err := e.st.MatchTransfers(ctx); err != nil || n != 0 {
		t.Errorf("second match: %d pairs, %v", n, err)
	}
}

// transferEnv is a store with a current account, a savings account and a
// card at one bank, and a EUR account.
func transferEnv(t *testing.T) *Store {
	t.Helper()
	st := openTest(t)
	recs := []accountRecord{
		accountFromAPI(truelayer.Account{AccountID: "cur", AccountType: "TRANSACTION", DisplayName: "Everyday",
			Currency: "GBP", AccountNumber: truelayer.AccountNumber{SortCode: "12-34-56", Number: "11112222"}}),
		accountFromAPI(truelayer.Account{AccountID: "sav", AccountType: "SAVINGS", DisplayName: "Holiday Pot",
			Currency: "GBP", AccountNumber: truelayer.AccountNumber{SortCode: "12-34-56", Number: "33334444"}}),
		accountFromAPI(truelayer.Account{AccountID: "eur", AccountType: "TRANSACTION", DisplayName: "Euro Account",
			Currency: "EUR", AccountNumber: truelayer.AccountNumber{IBAN: "DE89370400440532013000"}}),
		cardFromAPI(truelayer.Card{AccountID: "card", CardType: "CREDIT", CardNetwork: "VISA", DisplayName: "Visa",
			Currency: "GBP", PartialCardNumber: "9876"}),
	}
	if err := st.saveAccounts(context.Background(), "conn-1", "ob-test", "Test Bank", recs, []string{KindAccount, KindCard}); err != nil {
		t.Fatal(err)
	}
	return st
}

// txAt is a transaction with a currency.
func txAt(id, at, amount, currency, desc, category string, class ...string) truelayer.Transaction {
	x := mkTx(id, at, amount, desc, "", category, class...)
	x.Currency = currency
	return x
}

// commitAndMatch stores settled (and, when pending is not nil, pending)
// rows of accounts and matches transfers.
func commitAndMatch(t *testing.T, st *Store, rows map[string][]truelayer.Transaction, pending map[string][]truelayer.Transaction) {
	t.Helper()
	ctx := context.Background()
	for _, acct := range []string{"cur", "sav", "eur", "card"} {
		if rows[acct] == nil && pending == nil {
			continue
		}
		b := accountBatch{Settled: rows[acct], Pending: pending[acct], PendingFetched: pending != nil}
		if _, _, err := st.commitAccount(ctx, acct, b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.MatchTransfers(ctx); err != nil {
		t.Fatal(err)
	}
}

// storedPairs lists the pairs as "kind out-id>in-id", sorted.
func storedPairs(t *testing.T, st *Store) []string {
	t.Helper()
	pairs, err := st.TransferPairs(context.Background(), TxQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range pairs {
		out = append(out, fmt.Sprintf("%s %s>%s", p.Kind, p.Out.ID, p.In.ID))
	}
	slices.Sort(out)
	return out
}

func TestTransferMatching(t *testing.T) {
	cases := []struct {
		name string
		rows map[string][]truelayer.Transaction
		want []string
	}{{
		name: "to savings, by the account's name",
		rows: map[string][]truelayer.Transaction{
			"cur": {txAt("o1", "2026-10-03T09:00:00Z", "-250.00", "GBP", "TO HOLIDAY POT", "TRANSFER")},
			"sav": {txAt("i1", "2026-10-03T09:00:05Z", "250.00", "GBP", "FROM EVERYDAY", "CREDIT")},
		},
		want: []string{"own_transfer o1>i1"},
	}, {
		name: "by the account's number, without a transfer word",
		rows: map[string][]truelayer.Transaction{
			"cur": {txAt("o1", "2026-10-03T09:00:00Z", "-75.00", "GBP", "J DOE 123456 33334444", "DEBIT")},
			"sav": {txAt("i1", "2026-10-03T09:01:00Z", "75.00", "GBP", "J DOE", "CREDIT")},
		},
		want: []string{"own_transfer o1>i1"},
	}, {
		name: "near-miss amount",
		rows: map[string][]truelayer.Transaction{
			"cur": {txAt("o1", "2026-10-03T09:00:00Z", "-100.00", "GBP", "TRANSFER TO HOLIDAY POT", "TRANSFER")},
			"sav": {txAt("i1", "2026-10-03T09:00:05Z", "100.01", "GBP", "TRANSFER FROM EVERYDAY", "TRANSFER")},
		},
		want: nil,
	}, {
		name: "same amount twice on one day: each with the closest",
		rows: map[string][]truelayer.Transaction{
			"cur": {
				txAt("o1", "2026-10-03T09:00:00Z", "-50.00", "GBP", "TFR HOLIDAY POT", "TRANSFER"),
				txAt("o2", "2026-10-03T15:00:00Z", "-50.00", "GBP", "TFR HOLIDAY POT", "TRANSFER"),
			},
			"sav": {
				txAt("i2", "2026-10-03T15:00:30Z", "50.00", "GBP", "TFR EVERYDAY", "TRANSFER"),
				txAt("i1", "2026-10-03T09:00:30Z", "50.00", "GBP", "TFR EVERYDAY", "TRANSFER"),
			},
		},
		want: []string{"own_transfer o1>i1", "own_transfer o2>i2"},
	}, {
		name: "one credit for two equal debits: the closer one, the other stays spending",
		rows: map[string][]truelayer.Transaction{
			"cur": {
				txAt("o1", "2026-10-03T09:00:00Z", "-50.00", "GBP", "TRANSFER", "TRANSFER"),
				txAt("o2", "2026-10-03T15:00:00Z", "-50.00", "GBP", "TRANSFER", "TRANSFER"),
			},
			"sav": {txAt("i1", "2026-10-03T13:00:00Z", "50.00", "GBP", "TRANSFER", "TRANSFER")},
		},
		want: []string{"own_transfer o2>i1"},
	}, {
		name: "a transfer to a third party stays spending",
		rows: map[string][]truelayer.Transaction{
			"cur": {txAt("o1", "2026-10-03T09:00:00Z", "-40.00", "GBP", "TRANSFER TO M JONES", "TRANSFER", "Transfer")},
			"sav": {txAt("i1", "2026-10-04T10:00:00Z", "40.00", "GBP", "INTEREST PAID", "INTEREST", "Income", "Interest income")},
		},
		want: nil,
	}, {
		name: "a friend's transfer is not my purchase",
		rows: map[string][]truelayer.Transaction{
			"cur":  {txAt("o1", "2026-10-03T09:00:00Z", "-12.50", "GBP", "TESCO STORES 2341", "PURCHASE", "Shopping", "Groceries")},
			"sav":  {txAt("i1", "2026-10-03T19:00:00Z", "12.50", "GBP", "S PATEL TRANSFER", "CREDIT", "Transfer", "Friends")},
			"card": {txAt("c1", "2026-10-03T19:00:00Z", "12.50", "GBP", "REFUND AMAZON", "CREDIT", "Shopping", "General")},
		},
		want: nil,
	}, {
		name: "a card payment whose credit lands two days later",
		rows: map[string][]truelayer.Transaction{
			"cur":  {txAt("o1", "2026-10-02T06:00:00Z", "-312.40", "GBP", "VISA CARD PAYMENT 9876", "DIRECT_DEBIT", "Bills and Utilities", "Credit card payment")},
			"card": {txAt("c1", "2026-10-04T11:00:00Z", "312.40", "GBP", "PAYMENT RECEIVED - THANK YOU", "CREDIT")},
		},
		want: []string{"card_payment o1>c1"},
	}, {
		name: "too far apart",
		rows: map[string][]truelayer.Transaction{
			"cur":  {txAt("o1", "2026-10-02T06:00:00Z", "-312.40", "GBP", "VISA CARD PAYMENT 9876", "DIRECT_DEBIT")},
			"card": {txAt("c1", "2026-10-07T11:00:00Z", "312.40", "GBP", "PAYMENT RECEIVED - THANK YOU", "CREDIT")},
		},
		want: nil,
	}, {
		name: "different currencies are never paired",
		rows: map[string][]truelayer.Transaction{
			"cur": {txAt("o1", "2026-10-03T09:00:00Z", "-100.00", "GBP", "TRANSFER TO EURO ACCOUNT", "TRANSFER")},
			"eur": {txAt("i1", "2026-10-03T09:00:00Z", "100.00", "EUR", "TRANSFER FROM EVERYDAY", "TRANSFER")},
		},
		want: nil,
	}, {
		name: "within one account there is no transfer",
		rows: map[string][]truelayer.Transaction{
			"cur": {
				txAt("o1", "2026-10-03T09:00:00Z", "-20.00", "GBP", "TRANSFER", "TRANSFER"),
				txAt("i1", "2026-10-03T10:00:00Z", "20.00", "GBP", "TRANSFER", "TRANSFER"),
			},
		},
		want: nil,
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := transferEnv(t)
			commitAndMatch(t, st, c.rows, nil)
			if got := storedPairs(t, st); !slices.Equal(got, c.want) {
				t.Errorf("pairs %v, want %v", got, c.want)
			}
		})
	}
}

// Rows arriving in separate syncs, in either order, end in the same pairs;
// matching again changes nothing.
func TestTransferMatchingIsIncrementalAndIdempotent(t *testing.T) {
	out := txAt("o1", "2026-10-03T09:00:00Z", "-250.00", "GBP", "TO HOLIDAY POT", "TRANSFER")
	in := txAt("i1", "2026-10-03T09:00:05Z", "250.00", "GBP", "FROM EVERYDAY", "CREDIT")
	for _, order := range [][]string{{"cur", "sav"}, {"sav", "cur"}} {
		st := transferEnv(t)
		rows := map[string][]truelayer.Transaction{"cur": {out}, "sav": {in}}
		for _, acct := range order {
			commitAndMatch(t, st, map[string][]truelayer.Transaction{acct: rows[acct]}, nil)
		}
		commitAndMatch(t, st, rows, nil) // the overlap days fetched again
		if n, err := st.MatchTransfers(context.Background()); err != nil || n != 0 {
			t.Fatalf("again: %d %v", n, err)
		}
		if got := storedPairs(t, st); !slices.Equal(got, []string{"own_transfer o1>i1"}) {
			t.Errorf("order %v: %v", order, got)
		}
	}
}

// A pending payment paired with its credit settles under a new id: the
// settled row takes over the pair, and no row is paired twice.
func TestPendingTransferKeepsItsMatchWhenItSettles(t *testing.T) {
	st := transferEnv(t)
	card := map[string][]truelayer.Transaction{
		"card": {txAt("c1", "2026-10-02T11:00:00Z", "80.00", "GBP", "PAYMENT RECEIVED", "CREDIT")},
	}
	commitAndMatch(t, st, card, map[string][]truelayer.Transaction{
		"cur": {txAt("p1", "2026-10-02T06:00:00Z", "-80.00", "GBP", "CARD PAYMENT 9876", "DEBIT")},
	})
	if got := storedPairs(t, st); !slices.Equal(got, []string{"card_payment p1>c1"}) {
		t.Fatalf("pending pair: %v", got)
	}
	// Settled next day under another id, no longer pending.
	commitAndMatch(t, st, map[string][]truelayer.Transaction{
		"cur": {txAt("s1", "2026-10-03T00:10:00Z", "-80.00", "GBP", "CARD PAYMENT 9876", "DEBIT")},
	}, map[string][]truelayer.Transaction{})
	if got := storedPairs(t, st); !slices.Equal(got, []string{"card_payment s1>c1"}) {
		t.Fatalf("after settling: %v", got)
	}
}

// A row the bank changes, or that goes, frees its counterpart, which is
// matched again.
func TestChangedOrDeletedRowsAreMatchedAgain(t *testing.T) {
	st := transferEnv(t)
	ctx := context.Background()
	rows := map[string][]truelayer.Transaction{
		"cur": {txAt("o1", "2026-10-03T09:00:00Z", "-250.00", "GBP", "TO HOLIDAY POT", "TRANSFER")},
		"sav": {txAt("i1", "2026-10-03T09:00:05Z", "250.00", "GBP", "FROM EVERYDAY", "CREDIT")},
	}
	commitAndMatch(t, st, rows, nil)
	// The bank corrects the amount: the pair is undone and not made again.
	changed := txAt("o1", "2026-10-03T09:00:00Z", "-205.00", "GBP", "TO HOLIDAY POT", "TRANSFER")
	commitAndMatch(t, st, map[string][]truelayer.Transaction{"cur": {changed}}, nil)
	if got := storedPairs(t, st); got != nil {
		t.Fatalf("after the correction: %v", got)
	}
	// It corrects it back: paired again.
	commitAndMatch(t, st, rows, nil)
	if got := storedPairs(t, st); !slices.Equal(got, []string{"own_transfer o1>i1"}) {
		t.Fatalf("after the second correction: %v", got)
	}
	// The savings account goes (its rows with it): the other side is free.
	if _, err := st.db.ExecContext(ctx, "DELETE FROM accounts WHERE id = 'sav'"); err != nil {
		t.Fatal(err)
	}
	v, err := st.Transaction(ctx, "cur", "o1", false)
	if err != nil || v.TransferKind != "" {
		t.Fatalf("after the account went: kind %q, %v", v.TransferKind, err)
	}
	var todo []int64
	q, err := st.db.QueryContext(ctx, "SELECT q.rid FROM transfer_todo q JOIN transactions t ON t.rid = q.rid")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for q.Next() {
		var rid int64
		if err := q.Scan(&rid); err != nil {
			t.Fatal(err)
		}
		todo = append(todo, rid)
	}
	if len(todo) != 1 {
		t.Errorf("%d rows to match again, want 1 (o1)", len(todo))
	}
}

// TransferPairs selects by either side; ExcludeTransfers leaves both out;
// Counterpart finds the other side.
func TestTransferQueries(t *testing.T) {
	st := transferEnv(t)
	ctx := context.Background()
	commitAndMatch(t, st, map[string][]truelayer.Transaction{
		"cur": {
			txAt("o1", "2026-09-30T22:00:00Z", "-250.00", "GBP", "TO HOLIDAY POT", "TRANSFER"),
			txAt("x1", "2026-10-01T10:00:00Z", "-9.99", "GBP", "NETFLIX", "PURCHASE", "Entertainment"),
		},
		"sav": {txAt("i1", "2026-10-01T00:30:00Z", "250.00", "GBP", "FROM EVERYDAY", "CREDIT")},
	}, nil)
	october := TxQuery{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	pairs, err := st.TransferPairs(ctx, october)
	if err != nil || len(pairs) != 1 || pairs[0].Out.ID != "o1" || pairs[0].In.ID != "i1" || pairs[0].Out.AccountID != "cur" {
		t.Fatalf("pairs with one side in October: %+v %v", pairs, err)
	}
	onlyCur := TxQuery{AccountIDs: []string{"sav"}}
	if pairs, _ := st.TransferPairs(ctx, onlyCur); len(pairs) != 1 {
		t.Errorf("pairs of the savings account: %d", len(pairs))
	}
	rest, err := st.Transactions(ctx, TxQuery{ExcludeTransfers: true})
	if err != nil || !slices.Equal(ids(rest), []string{"x1"}) {
		t.Errorf("without transfers: %v %v", ids(rest), err)
	}
	if n, _ := st.CountTransactions(ctx, TxQuery{ExcludeTransfers: true}); n != 1 {
		t.Errorf("count without transfers: %d", n)
	}
	other, ok, err := st.Counterpart(ctx, "sav", "i1", false)
	if err != nil || !ok || other.ID != "o1" || other.AccountID != "cur" || other.Raw.TransactionID != "o1" {
		t.Errorf("counterpart of i1: %+v %v %v", other.ID, ok, err)
	}
	if _, ok, err := st.Counterpart(ctx, "cur", "x1", false); ok || err != nil {
		t.Errorf("counterpart of a purchase: %v %v", ok, err)
	}
}
