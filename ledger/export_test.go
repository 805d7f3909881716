package ledger

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// exportFixture is two accounts and a card with awkward bank text: formula
// prefixes, escape sequences, bidi overrides, quotes, three-decimal amounts.
func exportFixture() ([]AccountView, []TxView, map[string]truelayer.Amount) {
	limit := truelayer.MustAmount("3000")
	views := []AccountView{
		{ConnectionID: "c1", ProviderID: "ob-northgate", ProviderName: "Northgate Bank", Kind: KindAccount,
			ID: "acc-1", DisplayName: "Current a/c", Type: "TRANSACTION", Currency: "GBP", Number: "12-34-56 12345678",
			Current: truelayer.MustAmount("1161.2"), Available: truelayer.MustAmount("1261.20"), HasBalance: true,
			BalanceAsOf: time.Date(2026, 11, 28, 9, 41, 0, 0, time.UTC)},
		{ConnectionID: "c1", ProviderID: "ob-northgate", ProviderName: "Northgate Bank", Kind: KindAccount,
			ID: "acc-2", DisplayName: "Rainy \x1b[31mday\u202e", Type: "SAVINGS", Currency: "EUR"},
		{ConnectionID: "c1", ProviderID: "ob-northgate", ProviderName: "Northgate Bank", Kind: KindCard,
			ID: "card-1", DisplayName: "Platinum", Type: "CREDIT", Currency: "GBP", CardNetwork: "VISA", PartialCardNumber: "4242",
			Current: truelayer.MustAmount("250.5"), Available: truelayer.MustAmount("2749.5"), CreditLimit: &limit, HasBalance: true,
			BalanceAsOf: time.Date(2026, 11, 28, 9, 41, 0, 0, time.UTC)},
	}
	day := func(d int) time.Time { return time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC) }
	tx := func(acct, id string, d int, amount, cur, desc, merchant, category string, class ...string) TxView {
		a := truelayer.MustAmount(amount)
		raw := truelayer.Transaction{TransactionID: id, Timestamp: truelayer.Timestamp{Time: day(d), Raw: day(d).Format(time.RFC3339)},
			Description: desc, Amount: a, Currency: cur, TransactionCategory: category, TransactionClassification: class}
		if merchant != "" {
			raw.MerchantName = &merchant
		}
		return TxView{AccountID: acct, ConnectionID: "c1", ID: id, Timestamp: day(d), Description: desc, Merchant: merchant,
			Category: category, Classification: class, Amount: a, Currency: cur, Raw: raw}
	}
	bal := truelayer.MustAmount("1161.2")
	txs := []TxView{
		tx("acc-1", "t1", 1, "2500", "GBP", "SALARY ACME", "", "CREDIT", "Income", "Salary"),
		tx("acc-1", "t2", 2, "-2.99", "GBP", "=HYPERLINK(\"http://evil\")", "", "PURCHASE"),
		tx("acc-1", "t3", 3, "-0.125", "GBP", "FX fee", "", "FEE", "Bank charges"),
		tx("acc-2", "t4", 3, "100.01", "EUR", "Transfer \"in\"; \\ ok", "", "TRANSFER"),
		tx("card-1", "t5", 4, "-250.5", "GBP", "TESCO\x1b]0;pwned\x07 STORES\n2\u202e", "Tesco", "PURCHASE", "Shopping", "Groceries"),
		tx("acc-1", "t6", 5, "-1336.175", "GBP", "+44 rent", "@landlord", "DIRECT_DEBIT"),
	}
	txs[5].RunningBalance = &bal
	txs[5].Pending = true
	sums := map[string]truelayer.Amount{}
	for _, x := range txs {
		sums[x.AccountID] = sums[x.AccountID].Add(x.Amount)
	}
	return views, txs, sums
}

func runExport(t *testing.T, format string) string {
	t.Helper()
	views, txs, _ := exportFixture()
	var b bytes.Buffer
	if err := Export(&b, format, views, txs, time.Date(2026, 11, 28, 23, 50, 0, 0, time.UTC), time.UTC); err != nil {
		t.Fatalf("Export %s: %v", format, err)
	}
	return b.String()
}

// checkNoControls fails if bank text kept an escape, a control character or
// a bidi override.
func checkNoControls(t *testing.T, format, out string, allowed string) {
	t.Helper()
	for _, r := range out {
		if (r < 0x20 && !strings.ContainsRune(allowed, r)) || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x202e {
			t.Errorf("%s export kept control character %U", format, r)
		}
	}
}

func TestExportFormatsAll(t *testing.T) {
	for _, f := range ExportFormats {
		if out := runExport(t, f); out == "" {
			t.Errorf("%s export is empty", f)
		}
	}
	views, txs, _ := exportFixture()
	if err := Export(io.Discard, "qif", views, txs, time.Now(), nil); err == nil {
		t.Error("Export qif: no error")
	}
}

func TestExportCSV(t *testing.T) {
	out := runExport(t, "csv")
	checkNoControls(t, "csv", out, "\n")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	_, txs, sums := exportFixture()
	if len(rows) != len(txs)+1 || rows[0][0] != "date" || rows[0][8] != "amount" {
		t.Fatalf("csv: %d rows, header %v", len(rows), rows[0])
	}
	got := map[string]truelayer.Amount{}
	for _, row := range rows[1:] {
		got[row[2]] = got[row[2]].Add(truelayer.MustAmount(row[8]))
	}
	for id, want := range sums {
		if !got[id].Equal(want) {
			t.Errorf("csv: %s sums to %s, want %s", id, got[id], want)
		}
	}
	// Formula prefixes are defused in text columns, amounts stay numbers.
	byID := map[string][]string{}
	for _, row := range rows[1:] {
		byID[row[12]] = row
	}
	for id, want := range map[string]string{"t2": `'=HYPERLINK("http://evil")`, "t6": "'+44 rent", "t5": "TESCO STORES 2"} {
		if got := byID[id][4]; got != want {
			t.Errorf("csv description of %s = %q, want %q", id, got, want)
		}
	}
	if got := byID["t6"][5]; got != "'@landlord" {
		t.Errorf("csv merchant of t6 = %q, want '@landlord", got)
	}
	if got := byID["t6"][8]; got != "-1336.175" {
		t.Errorf("csv amount of t6 = %q, want -1336.175 (exact)", got)
	}
	if got := byID["t6"][10] + " " + byID["t6"][11]; got != "1161.2 true" {
		t.Errorf("csv running balance and pending of t6 = %q", got)
	}
	if got := byID["t4"][3]; got != "Rainy day" {
		t.Errorf("csv account of t4 = %q, want the name without escapes", got)
	}
	for in, want := range map[string]string{"=HYPERLINK(1)": "'=HYPERLINK(1)", "-2+3": "'-2+3", "Tesco": "Tesco", "": "", "\tx": " x", "\x1b[2J=1": "'=1"} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExportJSON(t *testing.T) {
	out := runExport(t, "json")
	var j struct {
		Accounts     []AccountJSON `json:"accounts"`
		Transactions []struct {
			AccountID     string           `json:"account_id"`
			Pending       bool             `json:"pending"`
			TransactionID string           `json:"transaction_id"`
			Amount        truelayer.Amount `json:"amount"`
			Description   string           `json:"description"`
		} `json:"transactions"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatal(err)
	}
	views, txs, sums := exportFixture()
	if len(j.Accounts) != len(views) || len(j.Transactions) != len(txs) {
		t.Fatalf("json: %d accounts, %d transactions", len(j.Accounts), len(j.Transactions))
	}
	got := map[string]truelayer.Amount{}
	for _, x := range j.Transactions {
		got[x.AccountID] = got[x.AccountID].Add(x.Amount)
	}
	for id, want := range sums {
		if !got[id].Equal(want) {
			t.Errorf("json: %s sums to %s, want %s", id, got[id], want)
		}
	}
	if a := j.Accounts[0]; a.Balance == nil || a.Balance.Current.String() != "1161.2" || a.Provider.ProviderID != "ob-northgate" || a.AccountType != "TRANSACTION" {
		t.Errorf("json account: %+v", a)
	}
	if c := j.Accounts[2]; c.Kind != KindCard || c.CardType != "CREDIT" || c.Balance == nil || c.Balance.CreditLimit == nil {
		t.Errorf("json card: %+v", c)
	}
	if j.Accounts[1].Balance != nil {
		t.Errorf("json: an account without a balance has one")
	}
	if !j.Transactions[5].Pending || j.Transactions[5].TransactionID != "t6" {
		t.Errorf("json: pending transaction %+v", j.Transactions[5])
	}
	if !strings.Contains(out, `"amount": -1336.175`) {
		t.Errorf("json does not print the bank's exact amount:\n%s", out)
	}
	// An empty export is still two lists.
	var b bytes.Buffer
	if err := Export(&b, "json", nil, nil, time.Now(), nil); err != nil || strings.Contains(b.String(), "null") {
		t.Errorf("empty json export: %v %s", err, b.String())
	}
}

func TestExportOFX(t *testing.T) {
	out := runExport(t, "ofx")
	checkNoControls(t, "ofx", out, "\n")
	dec := xml.NewDecoder(strings.NewReader(out))
	var path []string
	got := map[string]truelayer.Amount{}
	var acct, text string
	counts := map[string]int{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("ofx is not well-formed XML: %v\n%s", err, out)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			path = append(path, tok.Name.Local)
			counts[tok.Name.Local]++
			text = ""
		case xml.CharData:
			text += string(tok)
		case xml.EndElement:
			switch tok.Name.Local {
			case "ACCTID":
				acct = text
			case "TRNAMT":
				got[acct] = got[acct].Add(truelayer.MustAmount(text))
			}
			path = path[:len(path)-1]
		}
	}
	if counts["STMTTRN"] != 6 || counts["STMTRS"] != 2 || counts["CCSTMTRS"] != 1 {
		t.Errorf("ofx: %d STMTTRN, %d STMTRS, %d CCSTMTRS; want 6, 2, 1", counts["STMTTRN"], counts["STMTRS"], counts["CCSTMTRS"])
	}
	// The bank statement is found by sort code and number, the card by id.
	_, _, sums := exportFixture()
	for acctID, id := range map[string]string{"12345678": "acc-1", "acc-2": "acc-2", "card-1": "card-1"} {
		if !got[acctID].Equal(sums[id]) {
			t.Errorf("ofx: %s sums to %s, want %s", acctID, got[acctID], sums[id])
		}
	}
	for _, want := range []string{"<BANKID>123456</BANKID>", "<ACCTTYPE>SAVINGS</ACCTTYPE>", "<TRNAMT>-0.125</TRNAMT>",
		"<LEDGERBAL><BALAMT>1161.20</BALAMT>", "<LEDGERBAL><BALAMT>-250.50</BALAMT>", // a card's balance is owed
		"<DTSERVER>20261128235000[+0:UTC]</DTSERVER>", "<NAME>Tesco</NAME>", "<MEMO>TESCO STORES 2</MEMO>"} {
		if !strings.Contains(out, want) {
			t.Errorf("ofx lacks %s", want)
		}
	}
}

// journal parses a ledger or beancount export: postings per account, and
// fails on a transaction that does not balance.
func journal(t testing.TB, format, out string) (postings map[string]truelayer.Amount, opened map[string]bool, n int) {
	t.Helper()
	postings, opened = map[string]truelayer.Amount{}, map[string]bool{}
	var sum truelayer.Amount
	inTx := false
	end := func() {
		if inTx && !sum.IsZero() {
			t.Errorf("%s: transaction %d does not balance: %s", format, n, sum)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[1] == "open":
			opened[f[2]] = true
		case len(f) >= 2 && (f[1] == "*" || f[1] == "!") && len(f[0]) == 10:
			end()
			inTx, sum = true, truelayer.Amount{}
			n++
		case inTx && strings.HasPrefix(line, "  ") && len(f) == 3 && strings.Contains(f[0], ":") && !strings.HasSuffix(f[0], ":"):
			a := truelayer.MustAmount(f[1])
			sum = sum.Add(a)
			postings[f[0]] = postings[f[0]].Add(a)
			if format == "beancount" && !opened[f[0]] {
				t.Errorf("beancount uses %s without opening it", f[0])
			}
		}
	}
	end()
	return postings, opened, n
}

func TestExportJournals(t *testing.T) {
	views, txs, sums := exportFixture()
	for _, format := range []string{"ledger", "beancount"} {
		out := runExport(t, format)
		checkNoControls(t, format, out, "\n")
		postings, _, n := journal(t, format, out)
		if n != len(txs) {
			t.Errorf("%s: %d transactions, want %d", format, n, len(txs))
		}
		for _, v := range views {
			if acct := JournalAccount(v); !postings[acct].Equal(sums[v.ID]) {
				t.Errorf("%s: %s sums to %s, want %s", format, acct, postings[acct], sums[v.ID])
			}
		}
		for _, want := range []string{
			"Assets:Northgate-Bank:Current-a-c  -1336.175 GBP",
			"Liabilities:Northgate-Bank:Platinum  -250.50 GBP",
			"Assets:Northgate-Bank:Rainy-day  100.01 EUR",
			"Expenses:Shopping:Groceries  250.50 GBP", "Income:Salary  -2500.00 GBP", "Expenses:Direct-debit  1336.175 GBP",
			"2026-11-05 ! ",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", format, want, out)
			}
		}
		if strings.Contains(out, `Transfer "in"`) || strings.Contains(out, `\ ok`) {
			t.Errorf("%s: quotes or backslashes of bank text kept:\n%s", format, out)
		}
	}
	if out := runExport(t, "beancount"); !strings.Contains(out, "2026-10-31 open Assets:Northgate-Bank:Current-a-c GBP") ||
		!strings.Contains(out, "2026-10-31 open Expenses:Purchase") {
		t.Errorf("beancount does not open its accounts the day before the first transaction:\n%s", out)
	}
	for in, want := range map[string]string{"Northgate Bank": "Northgate-Bank", "current a/c (main)": "Current-a-c-main", "£££": "X", "7 days": "7-days", "\x1b[31mred": "Red"} {
		if got := journalName(in); got != want {
			t.Errorf("journalName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExportCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"TESCO\x1b]0;pwned\x07 \x1b[31mRED\u202e": "TESCO RED",
		"a\tb\nc\u2028d": "a b c d",
		"x\u009b31my":    "xy",
		"bad\xffutf8":    "bad\ufffdutf8",
		"plain":          "plain",
		"café £5":        "café £5",
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}
