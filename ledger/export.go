package ledger

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
)

// exporters are the formats Export writes, each in its own file
// (export_<format>.go): a new format is a writer there and a line here.
// Writers read the transactions from an exportSource as they write, so
// their memory does not grow with the history; raw says a writer needs
// every field the bank sent (TxView.Raw), not only the timestamp's text.
var exporters = []struct {
	format string
	raw    bool
	write  func(w io.Writer, src exportSource, now time.Time) error
}{
	{"csv", false, exportCSV},
	{"json", true, exportJSON},
	{"ofx", false, exportOFX},
	{"ledger", false, exportLedger},
	{"beancount", false, exportBeancount},
}

// TxRows is where an export reads its transactions, one at a time in date
// order: Store.ExportRows reads the store a page at a time; SliceRows
// reads a list.
type TxRows interface {
	each(ctx context.Context, span rowSpan, fn func(*TxView) error) error
}

// rowSpan is what TxRows.each reads: the transactions of one account (""
// for all), oldest first or newest first, at most limit (0: no limit),
// with every field the bank sent (raw) or its timestamp's text alone.
type rowSpan struct {
	account string
	desc    bool
	limit   int
	raw     bool
}

// exportSource is a writer's input: the accounts, and their transactions.
type exportSource struct {
	ctx   context.Context
	views []AccountView
	rows  TxRows
	raw   bool
}

// each calls fn with every transaction in date order.
func (s exportSource) each(fn func(*TxView) error) error {
	return s.rows.each(s.ctx, rowSpan{raw: s.raw}, fn)
}

// ofAccount calls fn with the account's transactions in date order.
func (s exportSource) ofAccount(id string, fn func(*TxView) error) error {
	return s.rows.each(s.ctx, rowSpan{account: id, raw: s.raw}, fn)
}

// edges are the account's first and last transactions in date order.
func (s exportSource) edges(id string) (first, last *TxView, err error) {
	keep := func(into **TxView) func(*TxView) error {
		return func(v *TxView) error { c := *v; *into = &c; return nil }
	}
	if err := s.rows.each(s.ctx, rowSpan{account: id, limit: 1}, keep(&first)); err != nil {
		return nil, nil, err
	}
	err = s.rows.each(s.ctx, rowSpan{account: id, desc: true, limit: 1}, keep(&last))
	return first, last, err
}

// SliceRows reads transactions from a list in date order (TxRows).
func SliceRows(txs []TxView) TxRows { return sliceRows(txs) }

type sliceRows []TxView

func (l sliceRows) each(_ context.Context, span rowSpan, fn func(*TxView) error) error {
	n := 0
	for k := range l {
		i := k
		if span.desc {
			i = len(l) - 1 - k
		}
		if span.account != "" && l[i].AccountID != span.account {
			continue
		}
		if span.limit > 0 && n == span.limit {
			return nil
		}
		n++
		if err := fn(&l[i]); err != nil {
			return err
		}
	}
	return nil
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
// The transactions are read from rows as they are written.
func Export(ctx context.Context, w io.Writer, format string, views []AccountView, rows TxRows, now time.Time) error {
	for _, e := range exporters {
		if e.format == format {
			return e.write(w, exportSource{ctx: ctx, views: views, rows: rows, raw: e.raw}, now)
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
func counterAccount(x *TxView) string {
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
func journalFlag(x *TxView) string {
	if x.Pending {
		return "!"
	}
	return "*"
}
