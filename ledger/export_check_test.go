package ledger

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// Checks that an export of any bank text reads back: shared by the hostile
// export test and the export fuzz targets.

// unsafeRune is a character no export may write raw: a control other than
// a line break, DEL, a C1 control or a bidi control.
func unsafeRune(r rune) bool {
	return (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidiControl(r)
}

// exportOf writes views and txs in format, failing on an error.
func exportOf(t testing.TB, format string, views []AccountView, txs []TxView) string {
	t.Helper()
	var b bytes.Buffer
	if err := Export(&b, format, views, txs, time.Date(2026, 11, 28, 23, 50, 0, 0, time.UTC), time.UTC); err != nil {
		t.Fatalf("Export %s: %v", format, err)
	}
	out := b.String()
	for i, r := range out {
		if unsafeRune(r) {
			t.Fatalf("%s export writes %U raw at byte %d:\n%q", format, r, i, out)
		}
	}
	return out
}

// checkCSVExport: the CSV parses with encoding/csv into one row per
// transaction, every cell free of controls, amounts exact.
func checkCSVExport(t testing.TB, views []AccountView, txs []TxView) {
	t.Helper()
	out := exportOf(t, "csv", views, txs)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("csv export does not parse: %v\n%q", err, out)
	}
	if len(rows) != len(txs)+1 {
		t.Fatalf("csv export has %d rows, want %d", len(rows), len(txs)+1)
	}
	for i, x := range txs {
		row := rows[i+1]
		if got := truelayer.MustAmount(row[8]); !got.Equal(x.Amount) {
			t.Errorf("csv row %d: amount %s, want %s", i+1, row[8], x.Amount)
		}
		if want := csvSafe(x.Currency); row[9] != want {
			t.Errorf("csv row %d: currency %q, want %q", i+1, row[9], want)
		}
		if want := csvSafe(x.Category); row[6] != want {
			t.Errorf("csv row %d: category %q, want %q", i+1, row[6], want)
		}
	}
}

// checkJSONExport: the JSON is valid, every control and bidi character is
// escaped, and a JSON reader gets the bank's text back exactly.
func checkJSONExport(t testing.TB, views []AccountView, txs []TxView) {
	t.Helper()
	out := exportOf(t, "json", views, txs)
	var doc struct {
		Accounts []struct {
			DisplayName string `json:"display_name"`
			Currency    string `json:"currency"`
		} `json:"accounts"`
		Transactions []struct {
			ID          string           `json:"transaction_id"`
			Description string           `json:"description"`
			Category    string           `json:"transaction_category"`
			Currency    string           `json:"currency"`
			Amount      truelayer.Amount `json:"amount"`
		} `json:"transactions"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("json export does not parse: %v\n%q", err, out)
	}
	if len(doc.Accounts) != len(views) || len(doc.Transactions) != len(txs) {
		t.Fatalf("json export: %d accounts, %d transactions; want %d, %d", len(doc.Accounts), len(doc.Transactions), len(views), len(txs))
	}
	for i, v := range views {
		if a := doc.Accounts[i]; a.DisplayName != asJSON(v.DisplayName) || a.Currency != asJSON(v.Currency) {
			t.Errorf("json account %d: %q %q, the bank sent %q %q", i, a.DisplayName, a.Currency, v.DisplayName, v.Currency)
		}
	}
	for i, x := range txs {
		got := doc.Transactions[i]
		if got.ID != asJSON(x.Raw.TransactionID) || got.Description != asJSON(x.Raw.Description) ||
			got.Category != asJSON(x.Raw.TransactionCategory) || got.Currency != asJSON(x.Raw.Currency) || !got.Amount.Equal(x.Amount) {
			t.Errorf("json transaction %d: %+v, the bank sent %+v", i, got, x.Raw)
		}
	}
}

// asJSON is s as a JSON reader gets it back: invalid UTF-8 becomes U+FFFD,
// byte by byte; everything else exactly.
func asJSON(s string) string { return string([]rune(s)) }

// checkOFXExport: the OFX is well-formed XML with one STMTTRN per
// transaction, their amounts exact and CURDEF a plain code.
func checkOFXExport(t testing.TB, views []AccountView, txs []TxView) {
	t.Helper()
	out := exportOf(t, "ofx", views, txs)
	dec := xml.NewDecoder(strings.NewReader(out))
	var text string
	var amounts []truelayer.Amount
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("ofx export is not well-formed XML: %v\n%q", err, out)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			text = ""
		case xml.CharData:
			text += string(tok)
		case xml.EndElement:
			switch tok.Name.Local {
			case "TRNAMT":
				amounts = append(amounts, truelayer.MustAmount(text))
			case "CURDEF":
				if text != currencyCode(text) {
					t.Errorf("ofx CURDEF %q is not a plain currency code", text)
				}
			}
		}
	}
	want := truelayer.Amount{}
	for _, x := range txs {
		want = want.Add(x.Amount)
	}
	got := truelayer.Amount{}
	for _, a := range amounts {
		got = got.Add(a)
	}
	if len(amounts) != len(txs) || !got.Equal(want) {
		t.Errorf("ofx export: %d amounts summing to %s; want %d summing to %s", len(amounts), got, len(txs), want)
	}
}

// checkJournalExport: every transaction of a ledger or beancount export is
// found, has two postings of a plain commodity, and balances (journal).
func checkJournalExport(t testing.TB, format string, views []AccountView, txs []TxView) {
	t.Helper()
	out := exportOf(t, format, views, txs)
	_, _, n := journal(t, format, out)
	if n != len(txs) {
		t.Errorf("%s export: %d transactions, want %d\n%s", format, n, len(txs), out)
	}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if strings.HasPrefix(line, "  ") && len(f) >= 3 && strings.Contains(f[0], ":") && !strings.HasSuffix(f[0], ":") && f[2] != currencyCode(f[2]) {
			t.Errorf("%s export: posting with commodity %q: %q", format, f[2], line)
		}
	}
}
