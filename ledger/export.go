package ledger

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
)

// exporters are the formats Export writes, each in its own file
// (export_<format>.go): a new format is a writer there and a line here.
var exporters = []struct {
	format string
	write  func(w io.Writer, views []AccountView, txs []TxView, now time.Time) error
}{
	{"csv", exportCSV},
	{"json", exportJSON},
	{"ofx", exportOFX},
	{"ledger", exportLedger},
	{"beancount", exportBeancount},
}

// ExportFormats are the formats Export writes.
var ExportFormats = func() []string {
	out := make([]string, len(exporters))
	for i, e := range exporters {
		out[i] = e.format
	}
	return out
}()

// Export writes accounts and their transactions (in date order) in one of
// ExportFormats:
//
//   - csv: one row per transaction, bank text defused for spreadsheets;
//   - json: accounts (AccountJSON) and transactions (TransactionJSON);
//   - ofx: OFX 2.2 bank and credit card statements;
//   - ledger: a journal for hledger and ledger-cli;
//   - beancount: a beancount file.
//
// Amounts are exact (PlainAmount), every transaction in a journal balances,
// and control characters in bank text are stripped. now dates the file.
func Export(w io.Writer, format string, views []AccountView, txs []TxView, now time.Time) error {
	for _, e := range exporters {
		if e.format == format {
			return e.write(w, views, txs, now)
		}
	}
	return fmt.Errorf("unknown export format %q (one of %s)", format, strings.Join(ExportFormats, ", "))
}

// journalName makes bank text safe as one component of an account name:
// letters, digits and single dashes, starting with a capital (beancount's
// rule, which hledger and ledger-cli also accept).
func journalName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range Sanitize(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if b.Len() == 0 {
				r = unicode.ToUpper(r)
			}
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	out := b.String()
	if out == "" || !(unicode.IsUpper([]rune(out)[0]) || unicode.IsDigit([]rune(out)[0])) {
		out = "X" + out
	}
	return out
}

// JournalAccount is the account's name in the ledger and beancount exports:
// "Assets:Provider:Name" for an account, "Liabilities:Provider:Name" for a
// card.
func JournalAccount(v AccountView) string {
	root := "Assets"
	if v.Kind == KindCard {
		root = "Liabilities"
	}
	return root + ":" + journalName(v.ProviderName) + ":" + journalName(v.DisplayName)
}

// counterAccount is the account on the other side of a transaction: income
// or expenses, by the bank's category.
func counterAccount(x TxView) string {
	label := x.Category
	if len(x.Classification) > 0 {
		label = x.Classification[0]
	}
	if label == "" {
		label = "Unknown"
	}
	label = strings.ToLower(label)
	if x.Amount.Sign() > 0 {
		return "Income:" + journalName(label)
	}
	return "Expenses:" + journalName(label)
}

// journalText makes bank text safe inside a quoted string or a payee.
func journalText(s string) string {
	return strings.NewReplacer(`"`, "'", `\`, "/", ";", ",").Replace(strings.Join(strings.Fields(Sanitize(s)), " "))
}

// journalFlag marks a settled transaction "*" (cleared) and a pending one
// "!", as hledger, ledger-cli and beancount all read them.
func journalFlag(x TxView) string {
	if x.Pending {
		return "!"
	}
	return "*"
}
