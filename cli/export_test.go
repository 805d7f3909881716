package cli

// Every export format against the emulator's truth.

import (
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// ---- export formats ----

// bankTruth is what the demo bank says: every settled transaction's
// amount, and each account's balance as an asset (a card's is minus what
// is owed).
type bankTruth struct {
	amounts  map[string]truelayer.Amount // by transaction id
	balances map[string]truelayer.Amount // by journal account
	count    int
}

func demoTruth(t *testing.T, truth *truelayertest.BankData) bankTruth {
	t.Helper()
	b := bankTruth{amounts: map[string]truelayer.Amount{}, balances: map[string]truelayer.Amount{}}
	for _, a := range append(truth.Accounts, truth.Cards...) {
		b.count += len(a.Transactions)
		for _, x := range a.Transactions {
			b.amounts[x.TransactionID] = x.Amount
		}
		view := ledger.AccountView{Kind: ledger.KindAccount, ProviderName: truth.ProviderName, DisplayName: a.Account.DisplayName}
		balance := a.Balance.Current
		if a.IsCard {
			view.Kind, view.DisplayName, balance = ledger.KindCard, a.Card.DisplayName, a.CardBalance.Current.Neg()
		}
		b.balances[ledger.JournalAccount(view)] = balance
	}
	return b
}

// checkAmounts: every transaction id of the bank once, each with the bank's amount.
func (b bankTruth) checkAmounts(t *testing.T, format string, got map[string]truelayer.Amount, rows int) {
	t.Helper()
	if rows != b.count {
		t.Errorf("%s has %d transactions, the bank %d settled ones", format, rows, b.count)
	}
	for id, want := range b.amounts {
		if a, ok := got[id]; !ok || !a.Equal(want) {
			t.Errorf("%s: transaction %s is %s (found %v), the bank says %s", format, id, a, ok, want)
		}
	}
}

func TestExportFormats(t *testing.T) {
	t.Parallel()
	h, srv := sharedHome(t)
	truth := demoTruth(t, srv.Truth("john", "ob-northgate"))

	// CSV: one row per settled transaction, exact amounts.
	rows, err := csv.NewReader(strings.NewReader(h.must("export", "--format", "csv").stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]truelayer.Amount{}
	for _, row := range rows[1:] {
		got[row[12]] = truelayer.MustAmount(row[8])
	}
	truth.checkAmounts(t, "csv", got, len(rows)-1)

	// JSON: TrueLayer's field names.
	var j struct {
		Accounts     []ledger.AccountJSON `json:"accounts"`
		Transactions []struct {
			TransactionID string           `json:"transaction_id"`
			Amount        truelayer.Amount `json:"amount"`
		} `json:"transactions"`
	}
	if err := json.Unmarshal([]byte(h.must("export", "--format", "json").stdout), &j); err != nil {
		t.Fatal(err)
	}
	got = map[string]truelayer.Amount{}
	for _, x := range j.Transactions {
		got[x.TransactionID] = x.Amount
	}
	truth.checkAmounts(t, "json", got, len(j.Transactions))
	if len(j.Accounts) != len(truth.balances) {
		t.Errorf("json lists %d accounts and cards, want %d", len(j.Accounts), len(truth.balances))
	}

	// OFX: well-formed XML, one STMTTRN per transaction.
	got, n := ofxAmounts(t, h.must("export", "--format", "ofx").stdout)
	truth.checkAmounts(t, "ofx", got, n)

	// The journals: every transaction balances, the bank's accounts end
	// at the bank's balances, every bank row is in once.
	for _, format := range []string{"ledger", "beancount"} {
		j := readJournal(t, format, h.must("export", "--format", format).stdout)
		for acct, want := range truth.balances {
			if !j.postings[acct].Equal(want) {
				t.Errorf("%s: %s ends at %s, the bank says %s", format, acct, j.postings[acct], want)
			}
		}
		if len(j.ids) != truth.count {
			t.Errorf("%s books %d bank transactions, the bank has %d", format, len(j.ids), truth.count)
		}
		for id := range truth.amounts {
			if j.ids[id] != 1 {
				t.Errorf("%s books transaction %s %d times", format, id, j.ids[id])
			}
		}
	}

	// -o writes a private file.
	file := filepath.Join(t.TempDir(), "out.beancount")
	h.must("export", "--format", "beancount", "-o", file)
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("export -o: %v, mode %v; want a 0600 file", err, fi)
	}
}

// ofxAmounts reads an OFX export as XML: each STMTTRN's amount by FITID.
func ofxAmounts(t *testing.T, ofx string) (map[string]truelayer.Amount, int) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(ofx))
	got := map[string]truelayer.Amount{}
	var text, fitID string
	var amount truelayer.Amount
	n := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return got, n
		}
		if err != nil {
			t.Fatalf("ofx is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			text = ""
		case xml.CharData:
			text += string(tok)
		case xml.EndElement:
			switch tok.Name.Local {
			case "TRNAMT":
				amount = truelayer.MustAmount(text)
			case "FITID":
				fitID = text
			case "STMTTRN":
				got[fitID] = amount
				n++
			}
		}
	}
}

// journalRead is what readJournal finds in a journal.
type journalRead struct {
	postings map[string]truelayer.Amount // sum by account
	ids      map[string]int              // bank transaction ids booked (a transfer books two)
}

// readJournal reads a ledger or beancount export line by line: the
// postings of each transaction (which must balance) and the bank ids it
// books. Beancount accounts must be opened before use.
func readJournal(t *testing.T, format, out string) journalRead {
	t.Helper()
	j := journalRead{postings: map[string]truelayer.Amount{}, ids: map[string]int{}}
	opened := map[string]bool{}
	var sum truelayer.Amount
	inTx := false
	end := func() {
		if inTx && !sum.IsZero() {
			t.Errorf("%s: a transaction does not balance: %s", format, sum)
		}
		inTx, sum = false, truelayer.Amount{}
	}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(strings.ReplaceAll(line, "; transaction_id:", "transaction_id: "))
		for i, w := range f {
			if (w == "transaction_id:" || w == "counterpart_id:") && i+1 < len(f) {
				j.ids[strings.Trim(f[i+1], `"`)]++
			}
		}
		switch {
		case len(f) >= 3 && f[1] == "open":
			opened[f[2]] = true
		case len(f) >= 2 && (f[1] == "*" || f[1] == "!") && len(f[0]) == 10:
			end()
			inTx = true
		case inTx && strings.HasPrefix(line, "  ") && len(f) >= 3 && strings.Contains(f[0], ":") && !strings.HasSuffix(f[0], ":"):
			a := truelayer.MustAmount(f[1])
			sum = sum.Add(a)
			j.postings[f[0]] = j.postings[f[0]].Add(a)
			if format == "beancount" && !opened[f[0]] {
				t.Errorf("beancount uses %s without opening it", f[0])
			}
		case strings.TrimSpace(line) == "":
			end()
		}
	}
	end()
	return j
}

// What an export left out or adjusted is said on stderr, in the words of
// its format.
func TestReportExport(t *testing.T) {
	rep := ledger.ExportReport{Transactions: 10, Undated: 2, Adjustments: 3, Filtered: true}
	for _, c := range []struct {
		format      string
		want, never []string
	}{
		{"ledger", []string{"2 transactions have no readable date", "left out", "at 3 points", ledger.UnreconciledAccount, "no opening balances"}, nil},
		{"ofx", []string{"2 transactions have no readable date", "left out"}, []string{"at 3 points", "no opening balances"}},
		{"csv", []string{"written with an empty date"}, []string{"left out", "at 3 points"}},
	} {
		var b strings.Builder
		reportExport(&b, c.format, rep)
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: %q does not say %q", c.format, b.String(), w)
			}
		}
		for _, n := range c.never {
			if strings.Contains(b.String(), n) {
				t.Errorf("%s: %q says %q", c.format, b.String(), n)
			}
		}
	}
	var b strings.Builder
	reportExport(&b, "beancount", ledger.ExportReport{Transactions: 10})
	if b.Len() != 0 {
		t.Errorf("a clean export says %q", b.String())
	}
}
