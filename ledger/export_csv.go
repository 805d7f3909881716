package ledger

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// csvHeader names the CSV export's columns: date is the day in the user's
// zone (empty when the bank's timestamp is unreadable), timestamp the
// bank's text, and the last column, category, the name shown everywhere
// (the bank's own fields are kept too).
var csvHeader = []string{"date", "timestamp", "account_id", "account", "description", "merchant_name", "transaction_category",
	"transaction_classification", "amount", "currency", "running_balance", "pending", "transaction_id", "category"}

// exportCSV writes one row per transaction, exact amounts, every cell of
// bank text (ids, timestamps and currencies included) sanitised and defused
// for spreadsheets.
func exportCSV(e *exportRun) error {
	names := make(map[string]string, len(e.all))
	for _, v := range e.all {
		names[v.ID] = v.DisplayName
	}
	cw := csv.NewWriter(e.w)
	_ = cw.Write(csvHeader)
	record := make([]string, len(csvHeader))
	err := e.eachRow(e.q, withBankText, func(r *exportRow) error {
		e.report.Transactions++
		if !r.dated {
			e.report.Undated++
		}
		return cw.Write(csvRecord(record, r.TxView, csvText{stamp: r.stamp, amount: r.amountText, running: r.runningText,
			classification: strings.ReplaceAll(r.classText, classSep, "/")}, names[r.AccountID], e.loc))
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}

// WriteCSV writes transactions already read (banktui transactions --csv)
// as the CSV export does.
func WriteCSV(w io.Writer, views []AccountView, txs []TxView, loc *time.Location) error {
	names := make(map[string]string, len(views))
	for _, v := range views {
		names[v.ID] = v.DisplayName
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	record := make([]string, len(csvHeader))
	for _, x := range txs {
		text := csvText{stamp: x.Raw.Timestamp.Raw, amount: x.Amount.String(), classification: strings.Join(x.Classification, "/")}
		if x.RunningBalance != nil {
			text.running = x.RunningBalance.String()
		}
		if err := cw.Write(csvRecord(record, x, text, names[x.AccountID], loc)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvText are the columns written as the bank sent them.
type csvText struct{ stamp, amount, running, classification string }

// csvRecord fills record with x's columns.
func csvRecord(record []string, x TxView, text csvText, account string, loc *time.Location) []string {
	date := ""
	if t, ok := x.LocalTime(loc); ok {
		date = t.Format(time.DateOnly)
	}
	category := x.CategoryName
	if category == "" {
		category = CategoryName(x.Category, x.Classification)
	}
	copy(record, []string{date, csvSafe(text.stamp), csvSafe(x.AccountID), csvSafe(account),
		csvSafe(x.Description), csvSafe(x.Merchant), csvSafe(x.Category), csvSafe(text.classification),
		text.amount, csvSafe(x.Currency), text.running, strconv.FormatBool(x.Pending), csvSafe(x.ID), csvSafe(category)})
	return record
}

// csvSafe defuses spreadsheet formulas in bank text ("=HYPERLINK(...)").
func csvSafe(s string) string {
	s = Sanitize(s)
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
