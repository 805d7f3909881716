package ledger

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// hostile is bank text meant to escape its field: terminal escapes (OSC 52
// sets the clipboard, OSC 0 the window title, CSI 2J clears the screen), C1
// controls, bidi overrides, invalid UTF-8, and the quoting characters of
// every format.
var hostile = []string{
	"\x1b]52;c;cHduZWQ=\x07", "\x1b]0;pwned\x07", "\x1b[2J\x1b[H", "\u009b2J", "\u009d0;t\u009c",
	"INV\u202eOICE", "\u2066x\u2069\u200f", "a\x00b\x7f\u0085", "bad\xff\xfe", "\"quoted\", \\back; semi",
	"<NAME>&amp;</NAME>]]>", "=HYPERLINK(\"x\")", "line\nbreak\r\n", "\ufffe\uffff", "",
}

// hostileExport is one account and one card whose every piece of bank text
// (names, ids, currency, category, classification, the raw timestamp) is s.
func hostileExport(s string, units int64) ([]AccountView, []TxView) {
	views := []AccountView{
		{ConnectionID: "c1", ProviderID: "p" + s, ProviderName: s, Kind: KindAccount, ID: "acc" + s, DisplayName: s,
			Type: s, Currency: "GBP" + s, Number: s, HasBalance: true, Current: truelayer.AmountFromMinor(units, 2),
			Available: truelayer.AmountFromMinor(units, 3), BalanceAsOf: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
		{ConnectionID: "c1", ProviderID: s, ProviderName: s, Kind: KindCard, ID: "card" + s, DisplayName: s, Type: s,
			Currency: s, CardNetwork: s, PartialCardNumber: s},
	}
	var txs []TxView
	for i, v := range views {
		a := truelayer.AmountFromMinor(units+int64(i), int32(i+2))
		day := time.Date(2026, 11, 2+i, 12, 0, 0, 0, time.UTC)
		raw := truelayer.Transaction{TransactionID: "t" + s, Timestamp: truelayer.Timestamp{Time: day, Raw: s},
			Description: s, Amount: a, Currency: v.Currency, TransactionCategory: s, TransactionClassification: []string{s, s}}
		raw.MerchantName = &s
		txs = append(txs, TxView{AccountID: v.ID, ConnectionID: "c1", ID: raw.TransactionID, Timestamp: day,
			Description: s, Merchant: s, Category: s, Classification: raw.TransactionClassification, Amount: a,
			Currency: v.Currency, Raw: raw, Pending: i == 1})
	}
	return views, txs
}

// Every export of hostile bank text parses back, keeps no control or bidi
// character, and (JSON) gives a reader the bank's exact text.
func TestExportsOfHostileText(t *testing.T) {
	for _, s := range hostile {
		views, txs := hostileExport(s, -1234)
		checkCSVExport(t, views, txs)
		checkJSONExport(t, views, txs)
		checkOFXExport(t, views, txs)
		checkJournalExport(t, "ledger", views, txs)
		checkJournalExport(t, "beancount", views, txs)
	}
}

func fuzzExport(f *testing.F, check func(t *testing.T, views []AccountView, txs []TxView)) {
	for i, s := range hostile {
		f.Add(s, int64(i*1000-7000))
	}
	f.Fuzz(func(t *testing.T, s string, units int64) {
		views, txs := hostileExport(s, units)
		check(t, views, txs)
	})
}

// FuzzExportCSV: whatever the bank's text, the CSV parses back with
// encoding/csv, a row per transaction, amounts exact.
func FuzzExportCSV(f *testing.F) {
	fuzzExport(f, func(t *testing.T, views []AccountView, txs []TxView) { checkCSVExport(t, views, txs) })
}

// FuzzExportJSON: the JSON parses back with encoding/json to the bank's
// exact text, with no raw control or bidi character in it.
func FuzzExportJSON(f *testing.F) {
	fuzzExport(f, func(t *testing.T, views []AccountView, txs []TxView) { checkJSONExport(t, views, txs) })
}

// FuzzExportOFX: the OFX is well-formed XML (encoding/xml), one STMTTRN
// per transaction, amounts exact.
func FuzzExportOFX(f *testing.F) {
	fuzzExport(f, func(t *testing.T, views []AccountView, txs []TxView) { checkOFXExport(t, views, txs) })
}

// FuzzExportJournals: ledger and beancount journals keep one balanced
// transaction per bank row, postings in plain commodities.
func FuzzExportJournals(f *testing.F) {
	fuzzExport(f, func(t *testing.T, views []AccountView, txs []TxView) {
		checkJournalExport(t, "ledger", views, txs)
		checkJournalExport(t, "beancount", views, txs)
	})
}

// The exports of every hostile text at once, read by the programs they are
// for: hledger, bean-check and (for OFX) python3-ofxparse, installed with
// the project's tools; the test fails, never skips, without them.
func TestExportsOfHostileTextPassTheirReaders(t *testing.T) {
	var views []AccountView
	var txs []TxView
	for i, s := range hostile {
		v, x := hostileExport(s, int64(-1000*i-7))
		for j := range v {
			v[j].ID = fmt.Sprintf("%d-%s", i, v[j].ID)
			v[j].ProviderName = fmt.Sprintf("Bank %d %s", i, s) // one journal account per bank account
		}
		for j := range x {
			x[j].AccountID = v[j].ID
		}
		views, txs = append(views, v...), append(txs, x...)
	}
	dir := t.TempDir()
	countOFX := "import sys, ofxparse\n" +
		"o = ofxparse.OfxParser.parse(open(sys.argv[1], 'rb'))\n" +
		"n = sum(len(a.statement.transactions) for a in o.accounts)\n" +
		"sys.exit(0 if n == int(sys.argv[2]) else 'ofxparse read %d transactions' % n)\n"
	for _, c := range []struct {
		format, file, tool string
		args               func(path string) []string
	}{
		{"ledger", "bank.journal", "hledger", func(p string) []string { return []string{"-f", p, "check"} }},
		{"beancount", "bank.beancount", "bean-check", func(p string) []string { return []string{p} }},
		{"ofx", "bank.ofx", "/usr/bin/python3", func(p string) []string { return []string{"-W", "ignore", "-c", countOFX, p, fmt.Sprint(len(txs))} }},
	} {
		path := filepath.Join(dir, c.file)
		if err := os.WriteFile(path, []byte(exportOf(t, c.format, views, txs)), 0o600); err != nil {
			t.Fatal(err)
		}
		tool, err := exec.LookPath(c.tool)
		if err != nil {
			t.Fatalf("%s is not installed (apt-get install hledger python3-beancount python3-ofxparse): %v", c.tool, err)
		}
		if out, err := exec.Command(tool, c.args(path)...).CombinedOutput(); err != nil {
			t.Errorf("%s rejects the %s export of hostile text: %v\n%s", c.tool, c.format, err, out)
		}
	}
}
