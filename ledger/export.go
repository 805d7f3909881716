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
	write  func(w io.Writer, views []AccountView, txs []TxView, now time.Time, loc *time.Location) error
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
// Dates are days in loc, the user's time zone (nil = UTC), by
// TxView.LocalTime; the journals leave out, with a comment, a transaction
// whose date is unreadable. Categories are CategoryLevels, as everywhere.
func Export(w io.Writer, format string, views []AccountView, txs []TxView, now time.Time, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	for _, e := range exporters {
		if e.format == format {
			return e.write(w, views, txs, now.In(loc), loc)
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

// CategoryAccount is the journal account (ledger, beancount) on the other
// side of a transaction, from its category (CategoryLevels): money in is
// "Income:...", money out "Expenses:...", one component per level
// ("Expenses:Shopping:Groceries", "Income:Salary": a first level that
// repeats the root is not written twice).
func CategoryAccount(x TxView) string {
	root := "Expenses"
	if x.Amount.Sign() > 0 {
		root = "Income"
	}
	levels := x.CategoryLevels()
	if len(levels) > 1 && strings.EqualFold(journalName(levels[0]), root) {
		levels = levels[1:]
	}
	name := root
	for _, l := range levels {
		name += ":" + journalName(l)
	}
	return name
}

// currencyCode is a currency as the files write it: the bank's code in
// capitals, letters and digits only, 2 to 24 of them starting with a letter
// (what OFX's CURDEF, ledger and beancount commodities accept), or "XXX"
// (ISO 4217's "no currency") when that is not left of it. A currency is
// bank text like any other.
func currencyCode(currency string) string {
	code := strings.Map(func(r rune) rune {
		r = unicode.ToUpper(r)
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, Sanitize(currency))
	if len(code) < 2 || len(code) > 24 || code[0] < 'A' {
		return "XXX"
	}
	return code
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
