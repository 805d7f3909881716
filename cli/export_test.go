package cli

// Every export format against the emulator's truth.

import (
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

// ---- export formats ----

func TestExportFormats(t *testing.T) {
	t.Parallel()
	h, srv := sharedHome(t)
	truth := srv.Truth("john", "ob-northgate")
	wantCount := 0
	wantSum := map[string]truelayer.Amount{} // per account id: sum of settled amounts
	for _, a := range append(truth.Accounts, truth.Cards...) {
		wantCount += len(a.Transactions)
		for _, x := range a.Transactions {
			wantSum[a.ID] = wantSum[a.ID].Add(x.Amount)
		}
	}
	amount := func(s string) truelayer.Amount {
		t.Helper()
		a, err := truelayer.NewAmount(strings.TrimSpace(s))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	checkSums := func(format string, got map[string]truelayer.Amount) {
		t.Helper()
		for id, w := range wantSum {
			if !got[id].Equal(w) {
				t.Errorf("%s: account %s sums to %s, the bank's transactions to %s", format, id, got[id], w)
			}
		}
	}

	// CSV: one row per settled transaction, exact amounts.
	rows, err := csv.NewReader(strings.NewReader(h.must("export", "--format", "csv").stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != wantCount {
		t.Errorf("csv has %d rows, the bank %d settled transactions", len(rows)-1, wantCount)
	}
	got := map[string]truelayer.Amount{}
	for _, row := range rows[1:] {
		got[row[2]] = got[row[2]].Add(amount(row[8]))
	}
	checkSums("csv", got)

	// JSON: TrueLayer's field names.
	var j struct {
		Accounts     []ledger.AccountJSON `json:"accounts"`
		Transactions []struct {
			AccountID     string           `json:"account_id"`
			TransactionID string           `json:"transaction_id"`
			Amount        truelayer.Amount `json:"amount"`
		} `json:"transactions"`
	}
	if err := json.Unmarshal([]byte(h.must("export", "--format", "json").stdout), &j); err != nil {
		t.Fatal(err)
	}
	got = map[string]truelayer.Amount{}
	for _, x := range j.Transactions {
		got[x.AccountID] = got[x.AccountID].Add(x.Amount)
	}
	checkSums("json", got)
	if len(j.Accounts) != len(truth.Accounts)+len(truth.Cards) {
		t.Errorf("json lists %d accounts and cards, want %d", len(j.Accounts), len(truth.Accounts)+len(truth.Cards))
	}

	// OFX: well-formed XML, one STMTTRN per transaction.
	ofx := h.must("export", "--format", "ofx").stdout
	dec := xml.NewDecoder(strings.NewReader(ofx))
	n := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("ofx is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "STMTTRN" {
			n++
		}
	}
	if n != wantCount {
		t.Errorf("ofx has %d STMTTRN, want %d", n, wantCount)
	}

	// Ledger and beancount: every transaction balances, the bank side sums
	// to the bank's transactions, every beancount account is opened.
	for _, format := range []string{"ledger", "beancount"} {
		out := h.must("export", "--format", format).stdout
		postings := map[string]truelayer.Amount{}
		opened := map[string]bool{}
		txCount := 0
		var txSum truelayer.Amount
		inTx := false
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			switch {
			case len(f) >= 3 && f[1] == "open":
				opened[f[2]] = true
			case len(f) >= 2 && (f[1] == "*" || f[1] == "!") && len(f[0]) == 10:
				if inTx && !txSum.IsZero() {
					t.Errorf("%s: a transaction does not balance: %s", format, txSum)
				}
				inTx, txSum = true, truelayer.Amount{}
				txCount++
			case inTx && strings.HasPrefix(line, "  ") && len(f) == 3 && (strings.HasPrefix(f[0], "Assets:") || strings.HasPrefix(f[0], "Liabilities:") || strings.HasPrefix(f[0], "Expenses:") || strings.HasPrefix(f[0], "Income:")):
				a := amount(f[1])
				txSum = txSum.Add(a)
				postings[f[0]] = postings[f[0]].Add(a)
				if format == "beancount" && !opened[f[0]] {
					t.Errorf("beancount uses %s without opening it", f[0])
				}
			}
		}
		if txCount != wantCount {
			t.Errorf("%s has %d transactions, want %d", format, txCount, wantCount)
		}
		for _, v := range append(truth.Accounts, truth.Cards...) {
			view := ledger.AccountView{Kind: ledger.KindAccount, ProviderName: truth.ProviderName, DisplayName: v.Account.DisplayName}
			if v.IsCard {
				view.Kind, view.DisplayName = ledger.KindCard, v.Card.DisplayName
			}
			acct := ledger.JournalAccount(view)
			if !postings[acct].Equal(wantSum[v.ID]) {
				t.Errorf("%s: %s sums to %s, want %s", format, acct, postings[acct], wantSum[v.ID])
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
