package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

// transactions --json streams its rows; the document must be the one the
// whole array would print through writeJSON, byte for byte, hostile bank
// text included, with and without --totals, for no, one and many rows.
func TestTransactionsJSONStreamsTheSameDocument(t *testing.T) {
	var all []ledger.TxView
	for i, text := range []string{"TESCO <b>&amp;", "\x1b]52;c;cGF3bmVk\x07 clipboard", "\u202eevil\u2028line", `quote " back \ slash`, "plain"} {
		var raw truelayer.Transaction
		quoted, _ := json.Marshal(text)
		body := fmt.Sprintf(`{"transaction_id":"tx-%d","timestamp":"2026-11-0%dT10:00:00Z","description":%s,"amount":-%d.5,"currency":"GBP"}`, i, i+1, quoted, i)
		if err := json.Unmarshal([]byte(body), &raw); err != nil {
			t.Fatal(err)
		}
		all = append(all, ledger.TxView{AccountID: "acc-1", ID: raw.TransactionID, Description: text, Amount: raw.Amount,
			Currency: "GBP", Timestamp: raw.Timestamp.Time, Raw: raw})
	}
	totals := []ledger.Bucket{{Currency: "GBP", Count: 5, Spent: truelayer.MustAmount("12.5"), Net: truelayer.MustAmount("-12.5")},
		{Currency: "X\x1b[2J", Count: 1}}
	for _, n := range []int{0, 1, len(all)} {
		for _, withTotals := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d rows, totals %v", n, withTotals), func(t *testing.T) {
				rows := all[:n]
				var want bytes.Buffer
				if err := writeJSON(&want, wholeDocument(t, rows, totals, withTotals)); err != nil {
					t.Fatal(err)
				}
				var got bytes.Buffer
				each := func(fn func(ledger.TxView) error) error {
					for _, r := range rows {
						if err := fn(r); err != nil {
							return err
						}
					}
					return nil
				}
				if err := writeTransactionsJSON(&got, each, time.UTC, totals, withTotals); err != nil {
					t.Fatal(err)
				}
				if got.String() != want.String() {
					t.Errorf("streamed:\n%s\nwhole:\n%s", got.String(), want.String())
				}
				if strings.ContainsAny(got.String(), "\x1b\x07\u202e") {
					t.Errorf("a control reached the document:\n%q", got.String())
				}
			})
		}
	}
}

// wholeDocument is what transactions --json printed before it streamed:
// the rows as one array, or with their totals.
func wholeDocument(t *testing.T, rows []ledger.TxView, totals []ledger.Bucket, withTotals bool) any {
	out := make([]json.RawMessage, 0, len(rows))
	for _, r := range rows {
		m, err := ledger.TransactionJSON(r, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if !withTotals {
		return out
	}
	tj := make([]flowTotalJSON, len(totals))
	for i, b := range totals {
		tj[i] = flowTotalJSON{Currency: ledger.Sanitize(b.Currency), Count: b.Count, MoneyIn: b.Received, MoneyOut: b.Spent, Net: b.Net}
	}
	return struct {
		Transactions []json.RawMessage `json:"transactions"`
		Totals       []flowTotalJSON   `json:"totals"`
	}{out, tj}
}

// The table of transactions streams in two passes: it must print what
// the whole table printed, hostile text sanitised, and survive a store
// that changed between its passes (a row wider than measured is pushed
// right, not cut, and nothing panics).
func TestTransactionsTableStreamsTheSameTable(t *testing.T) {
	views := []ledger.AccountView{{ID: "acc-1", DisplayName: "Current \x1b[31mAccount"}}
	names := map[string]string{"acc-1": views[0].DisplayName}
	rows := []ledger.TxView{
		{AccountID: "acc-1", ID: "a", Description: "TESCO \x1b]52;c;cGF3bmVk\x07 STORES", Amount: truelayer.MustAmount("-12.5"), Currency: "GBP",
			Timestamp: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), CategoryName: "Groceries"},
		{AccountID: "acc-1", ID: "b", Merchant: "Salary \u202eevil", Amount: truelayer.MustAmount("2100"), Currency: "GBP",
			Timestamp: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), CategoryName: "Income", Pending: true},
	}
	want := newTable("DATE", "ACCOUNT", "DESCRIPTION", "CATEGORY", " AMOUNT", " BALANCE", "")
	for _, r := range rows {
		want.row(txCells(r, names, time.UTC)...)
	}
	var whole bytes.Buffer
	if err := want.write(&whole); err != nil {
		t.Fatal(err)
	}
	passes := 0
	each := func(fn func(ledger.TxView) error) error {
		passes++
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
	var got bytes.Buffer
	shown, err := writeTransactionsTable(&got, views, each, time.UTC)
	if err != nil || shown != len(rows) || passes != 2 {
		t.Fatalf("shown %d rows in %d passes, err %v", shown, passes, err)
	}
	if got.String() != whole.String() {
		t.Errorf("streamed:\n%s\nwhole:\n%s", got.String(), whole.String())
	}
	if strings.ContainsAny(got.String(), "\x1b\x07\u202e") {
		t.Errorf("a control reached the table:\n%q", got.String())
	}

	// A row added between the passes, wider than any measured.
	grown := 0
	grow := func(fn func(ledger.TxView) error) error {
		if grown++; grown == 2 {
			rows = append(rows, ledger.TxView{AccountID: "acc-1", ID: "c", Description: strings.Repeat("W", 40),
				Amount: truelayer.MustAmount("-123456.78"), Currency: "GBP", Timestamp: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)})
		}
		return each(fn)
	}
	got.Reset()
	if shown, err := writeTransactionsTable(&got, views, grow, time.UTC); err != nil || shown != 3 {
		t.Fatalf("after a change between passes: %d rows, %v", shown, err)
	}
	if !strings.Contains(got.String(), strings.Repeat("W", 40)+"  ") || !strings.Contains(got.String(), "123,456.78") {
		t.Errorf("the wider row is cut or missing:\n%s", got.String())
	}
}
