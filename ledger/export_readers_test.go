package ledger

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// The hostile bank (export_fixture_test.go) exported in every format and
// read back by the programs each format is for, and by our own readers:
// every figure must be the store's.

// ofxRead prints what ofxparse reads of an OFX file, as JSON: per
// statement its account id, closing and available balances and
// transactions.
const ofxRead = `import sys, json, ofxparse
o = ofxparse.OfxParser.parse(open(sys.argv[1], 'rb'))
print(json.dumps([{"acctid": a.account_id, "balance": str(a.statement.balance),
  "available": str(getattr(a.statement, "available_balance", "")),
  "txs": {x.id: str(x.amount) for x in a.statement.transactions}} for a in o.accounts]))
`

type ofxStatement struct {
	AcctID    string            `json:"acctid"`
	Balance   string            `json:"balance"`
	Available string            `json:"available"`
	Txs       map[string]string `json:"txs"`
}

// hostileExports writes every format of the hostile bank (pending rows
// too, dates in London) into dir.
func hostileExports(t *testing.T, st *Store, dir string) (map[string]string, map[string]ExportReport) {
	t.Helper()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	files, reps := map[string]string{}, map[string]ExportReport{}
	for _, format := range ExportFormats {
		out, rep := exportStore(t, st, format, TxQuery{Location: london, Pending: PendingBoth}, hostileNow)
		files[format], reps[format] = filepath.Join(dir, "bank."+format), rep
		if err := os.WriteFile(files[format], []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return files, reps
}

// bankBalances are the store's latest balances as the journals hold them
// (a card's is minus what is owed), by journal account and commodity.
func bankBalances(t *testing.T, st *Store) (views []AccountView, names map[string]string, want map[[2]string]truelayer.Amount) {
	t.Helper()
	views, err := st.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	names, want = journalAccounts(views), map[[2]string]truelayer.Amount{}
	for _, v := range views {
		b := v.Current
		if v.Kind == KindCard {
			b = b.Neg()
		}
		want[[2]string{names[v.ID], currencyCode(v.Currency)}] = b
	}
	return views, names, want
}

func TestExportsOfTheHostileBankPassTheirReaders(t *testing.T) {
	st := hostileBank(t)
	files, reps := hostileExports(t, st, t.TempDir())
	views, names, want := bankBalances(t, st)

	// hledger: strict check (accounts, commodities, balanced, assertions),
	// then each account's balance is the bank's.
	runTool(t, "hledger", "-f", files["ledger"], "check", "-s")
	runTool(t, "ledger", "-f", files["ledger"], "--pedantic", "balance") // ledger-cli checks the assertions too
	rows, err := csv.NewReader(strings.NewReader(runTool(t, "hledger", "-f", files["ledger"], "bal", "--flat", "--no-total", "-O", "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[[2]string]truelayer.Amount{}
	for _, row := range rows[1:] {
		for _, cell := range strings.Split(row[1], ", ") {
			amount, commodity, _ := strings.Cut(cell, " ")
			got[[2]string{row[0], strings.Trim(commodity, `"`)}] = truelayer.MustAmount(amount)
		}
	}
	checkBalances(t, "hledger bal", got, want)

	// bean-check, then bean-query's sums.
	runTool(t, "bean-check", files["beancount"])
	rows, err = csv.NewReader(strings.NewReader(runTool(t, "bean-query", "-f", "csv", "-m", files["beancount"],
		"SELECT account, currency, str(sum(number)) GROUP BY account, currency"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got = map[[2]string]truelayer.Amount{}
	for _, row := range rows[1:] {
		n := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(row[2]), "Decimal('"), "')")
		got[[2]string{strings.TrimSpace(row[0]), strings.TrimSpace(row[1])}] = truelayer.MustAmount(n)
	}
	checkBalances(t, "bean-query", got, want)

	// ofxparse: every statement's closing balance is the bank's, and it
	// holds the account's settled, dated rows with their amounts.
	var statements []ofxStatement
	if err := json.Unmarshal([]byte(runTool(t, "/usr/bin/python3", "-W", "ignore", "-c", ofxRead, files["ofx"])), &statements); err != nil {
		t.Fatal(err)
	}
	checkOFXStatements(t, st, views, statements)

	for _, format := range []string{"ledger", "beancount", "ofx"} {
		if rep := reps[format]; rep.Undated != 2 {
			t.Errorf("%s export reports %d rows without a date, want 2 (u1, l4)", format, rep.Undated)
		}
	}
	checkHostileJournals(t, files, names)
}

// checkBalances compares each exported account's balance in its own
// commodity with the bank's.
func checkBalances(t *testing.T, reader string, got, want map[[2]string]truelayer.Amount) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok || !g.Equal(w) {
			t.Errorf("%s: %s is %s %s (found %v), the bank says %s", reader, k[0], g, k[1], ok, w)
		}
	}
}

func checkOFXStatements(t *testing.T, st *Store, views []AccountView, statements []ofxStatement) {
	t.Helper()
	if len(statements) != len(views) {
		t.Fatalf("ofxparse reads %d statements, want %d", len(statements), len(views))
	}
	for _, v := range views {
		id := ofxID(v.ID, 22)
		if v.Kind == KindAccount {
			_, id = ofxBankAccount(v)
		}
		i := slices.IndexFunc(statements, func(s ofxStatement) bool { return s.AcctID == id })
		if i < 0 {
			t.Errorf("ofxparse finds no statement of %s (ACCTID %s)", v.ID, id)
			continue
		}
		s := statements[i]
		if len(id) > 22 || strings.ContainsFunc(id, func(r rune) bool { return r > 0x7e }) {
			t.Errorf("OFX ACCTID %q is not plain ASCII within 22 characters", id)
		}
		want := v.Current
		if v.Kind == KindCard {
			want = want.Neg()
		}
		if !truelayer.MustAmount(s.Balance).Equal(want) {
			t.Errorf("ofxparse: %s closes at %s, the bank says %s", v.ID, s.Balance, want)
		}
		txs, err := st.Transactions(context.Background(), TxQuery{AccountIDs: []string{v.ID}, Pending: PendingExclude})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range txs {
			if _, ok := x.LocalTime(time.UTC); !ok {
				continue
			}
			n++
			if a, ok := s.Txs[x.ID]; !ok || !truelayer.MustAmount(a).Equal(x.Amount) {
				t.Errorf("ofxparse: %s in %s is %s (found %v), the store says %s", x.ID, v.ID, a, ok, x.Amount)
			}
		}
		if len(s.Txs) != n {
			t.Errorf("ofxparse: %s has %d transactions, the store %d dated settled ones", v.ID, len(s.Txs), n)
		}
	}
}

// checkHostileJournals: the transfer and the card repayment are each one
// transaction between the two accounts, no other row is booked to one of
// the user's accounts twice, and no date is year 0 or 1.
func checkHostileJournals(t *testing.T, files, names map[string]string) {
	t.Helper()
	for _, format := range []string{"ledger", "beancount"} {
		pairs := map[string][]string{
			"tx-out":  {names["acc-main"], names["acc-save"]},
			"pay-out": {names["acc-main"], names[hostileCardID]},
		}
		b, err := os.ReadFile(files[format])
		if err != nil {
			t.Fatal(err)
		}
		out := string(b)
		if strings.Contains(out, "\n0000-") || strings.Contains(out, "\n0001-") {
			t.Errorf("%s export writes a year-0 or year-1 date", format)
		}
		if !strings.Contains(out, "left out: transaction u1 has no readable date (not a date)") {
			t.Errorf("%s export does not name the undated row u1", format)
		}
		j := journal(t, format, out)
		for _, tx := range j.txs {
			if len(tx.ids) < 2 {
				continue
			}
			want, ok := pairs[tx.ids[0]]
			if !ok || !slices.Equal(tx.accounts, want) {
				t.Errorf("%s: transfer %v is booked to %v, want %v", format, tx.ids, tx.accounts, want)
			}
			delete(pairs, tx.ids[0])
		}
		for id := range pairs {
			t.Errorf("%s: %s is not booked as one transfer", format, id)
		}
		for _, id := range []string{"tx-in", "pay-in", "t1", "c1"} {
			if j.ids[id] != 1 {
				t.Errorf("%s books %s %d times", format, id, j.ids[id])
			}
		}
	}
}

// Our own readers: the CSV and JSON exports, read back, hold every stored
// row with the store's amount, and say which rows have no readable date.
func TestExportsOfTheHostileBankReadBack(t *testing.T) {
	st := hostileBank(t)
	files, _ := hostileExports(t, st, t.TempDir())
	london, _ := time.LoadLocation("Europe/London")
	txs, err := st.Transactions(context.Background(), TxQuery{Pending: PendingBoth, Location: london})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		amount truelayer.Amount
		date   string
	}
	want := map[string]row{}
	for _, x := range txs {
		r := row{amount: x.Amount}
		if d, ok := x.LocalTime(london); ok {
			r.date = d.Format(time.DateOnly)
		}
		want[x.ID] = r
	}
	check := func(format string, got map[string]row, n int) {
		t.Helper()
		if n != len(want) {
			t.Errorf("%s has %d rows, the store %d", format, n, len(want))
		}
		for id, w := range want {
			if g, ok := got[id]; !ok || !g.amount.Equal(w.amount) || g.date != w.date {
				t.Errorf("%s: %s is %v (found %v), the store says %v", format, id, g, ok, w)
			}
		}
	}
	b, _ := os.ReadFile(files["csv"])
	records, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]row{}
	for _, r := range records[1:] {
		got[r[12]] = row{amount: truelayer.MustAmount(r[8]), date: r[0]}
	}
	check("csv", got, len(records)-1)

	var doc struct {
		Transactions []struct {
			ID     string           `json:"transaction_id"`
			Amount truelayer.Amount `json:"amount"`
			Date   *string          `json:"date"`
		} `json:"transactions"`
	}
	b, _ = os.ReadFile(files["json"])
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	got = map[string]row{}
	for _, x := range doc.Transactions {
		r := row{amount: x.Amount}
		if x.Date != nil {
			r.date = *x.Date
		}
		got[x.ID] = r
	}
	check("json", got, len(doc.Transactions))
}

// Every slice of the hostile bank (a period cutting a card repayment in
// two, one account of a transfer, a text filter) still passes hledger's
// strict check, ledger-cli's and bean-check: their assertions hold, the other side of a
// cut transfer goes through TransitAccount or the other account's name.
func TestExportSlicesOfTheHostileBankPassTheirReaders(t *testing.T) {
	st := hostileBank(t)
	london, _ := time.LoadLocation("Europe/London")
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, london) }
	dir := t.TempDir()
	for _, slice := range []struct {
		name  string
		q     TxQuery
		holds string // what the ledger export must book to
	}{
		{"from 4 to 6 November", TxQuery{From: day(4), To: day(6), Pending: PendingExclude}, TransitAccount},
		{"to 5 November", TxQuery{To: day(5), Pending: PendingExclude}, TransitAccount},
		{"from 6 November", TxQuery{From: day(6), Pending: PendingExclude}, TransitAccount},
		{"the current account", TxQuery{AccountIDs: []string{"acc-main"}, Pending: PendingBoth}, "Liabilities:Hostile-Bank:Platinum"},
		{"the card and savings", TxQuery{AccountIDs: []string{hostileCardID, "acc-save"}, Pending: PendingExclude}, "Assets:Hostile-Bank:Current-a-c "},
		{"search FX", TxQuery{Text: "FX", Pending: PendingExclude}, "Expenses:Bank-charges"},
	} {
		name, q := slice.name, slice.q
		q.Location = london
		for _, c := range []struct{ format, tool string }{{"ledger", "hledger"}, {"ledger", "ledger"}, {"beancount", "bean-check"}} {
			out, _ := exportStore(t, st, c.format, q, hostileNow)
			if c.format == "ledger" && !strings.Contains(out, "    "+slice.holds) {
				t.Errorf("%s: the ledger export books nothing to %s:\n%s", name, slice.holds, out)
			}
			path := filepath.Join(dir, c.format)
			if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
			args := []string{path}
			switch c.tool {
			case "hledger":
				args = []string{"-f", path, "check", "-s"}
			case "ledger":
				args = []string{"-f", path, "--pedantic", "balance"}
			}
			t.Run(name+"/"+c.tool, func(t *testing.T) { runTool(t, c.tool, args...) })
		}
	}
}

// A bank read in a zone behind UTC: rows dated without a time (stored at
// midnight UTC) come, by time, before the evening of the day before, so the
// bank's running balances do not close those days; one account has no
// running balances at all and its latest balance falls on a day of rows
// without a time. The one balance known to end a day is asserted there. The journals still run in date order for ledger-cli,
// adjust nothing, and end at the bank's balances.
func TestExportsInAZoneBehindUTCPassTheirReaders(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	views := []AccountView{
		{ConnectionID: "c1", ProviderID: "ob-west", ProviderName: "West Bank", Kind: KindAccount, ID: "acc-ny", DisplayName: "Checking",
			Type: "TRANSACTION", Currency: "GBP", HasBalance: true, Current: truelayer.MustAmount("110"), Available: truelayer.MustAmount("110"),
			BalanceAsOf: time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)},
		{ConnectionID: "c1", ProviderID: "ob-west", ProviderName: "West Bank", Kind: KindAccount, ID: "acc-plain", DisplayName: "Plain",
			Type: "SAVINGS", Currency: "GBP", HasBalance: true, Current: truelayer.MustAmount("97"), Available: truelayer.MustAmount("97"),
			BalanceAsOf: time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)},
	}
	var txs []TxView
	for i, r := range []struct{ account, when, amount, running string }{
		{"acc-ny", "2026-11-01T12:00:00Z", "10", "110"},
		{"acc-ny", "2026-11-02T02:00:00Z", "-3", "107"}, // New York: 1 November, 21:00
		{"acc-ny", "2026-11-02T00:00:00Z", "5", "112"},  // 2 November, no time
		{"acc-ny", "2026-11-02T15:00:00Z", "-2", "110"},
		{"acc-ny", "2026-11-03T00:00:00Z", "1", "111"},  // 3 November, no time
		{"acc-ny", "2026-11-03T03:00:00Z", "-1", "110"}, // New York: 2 November, 22:00
		{"acc-plain", "2026-11-02T00:00:00Z", "-5", ""},
		{"acc-plain", "2026-11-03T00:00:00Z", "2", ""},
	} {
		ts, _ := truelayer.ParseTimestamp(r.when)
		raw := truelayer.Transaction{TransactionID: fmt.Sprintf("ny%d", i), Timestamp: ts, Description: "ROW " + r.when,
			Amount: truelayer.MustAmount(r.amount), Currency: "GBP", TransactionType: "DEBIT", TransactionCategory: "PURCHASE"}
		if r.running != "" {
			raw.RunningBalance = &truelayer.RunningBalance{Amount: truelayer.MustAmount(r.running), Currency: "GBP"}
		}
		txs = append(txs, TxView{AccountID: r.account, ID: raw.TransactionID, Raw: raw})
	}
	st := storeOf(t, views, txs)
	// The bank's balance late on 1 November, New York time: asserted at
	// the end of that day, after its evening row.
	raw := []byte(`{"update_timestamp":"2026-11-02T04:30:00Z"}`)
	if err := st.saveBalance(context.Background(), "acc-ny", balanceRecord{Currency: "GBP", Current: truelayer.MustAmount("107"),
		Available: truelayer.MustAmount("107"), Raw: raw}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{}
	for _, format := range []string{"ledger", "beancount", "ofx"} {
		out, rep := exportStore(t, st, format, TxQuery{Location: ny, Pending: PendingExclude}, time.Date(2026, 11, 3, 13, 0, 0, 0, time.UTC))
		if rep.Adjustments != 0 || rep.Transactions != len(txs) {
			t.Errorf("%s export: %+v, want %d rows and no adjustment\n%s", format, rep, len(txs), out)
		}
		files[format] = filepath.Join(dir, "bank."+format)
		if err := os.WriteFile(files[format], []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	runTool(t, "hledger", "-f", files["ledger"], "check", "-s")
	runTool(t, "ledger", "-f", files["ledger"], "--pedantic", "balance")
	runTool(t, "bean-check", files["beancount"])
	bal := runTool(t, "hledger", "-f", files["ledger"], "bal", "--flat", "--no-total", "-O", "csv", "Assets")
	for _, want := range []string{`"Assets:West-Bank:Checking","110.00 GBP"`, `"Assets:West-Bank:Plain","97.00 GBP"`} {
		if !strings.Contains(bal, want) {
			t.Errorf("hledger bal does not say %s:\n%s", want, bal)
		}
	}
	var statements []ofxStatement
	if err := json.Unmarshal([]byte(runTool(t, "/usr/bin/python3", "-W", "ignore", "-c", ofxRead, files["ofx"])), &statements); err != nil {
		t.Fatal(err)
	}
	if len(statements) != 2 || statements[0].Balance != "110.00" || statements[1].Balance != "97.00" {
		t.Errorf("ofxparse reads %+v, want closing balances 110.00 and 97.00", statements)
	}
}
