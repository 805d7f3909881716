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

// CSVWriter writes transactions already read (banktui transactions
// --csv), a row at a time, as the CSV export does.
type CSVWriter struct {
	cw     *csv.Writer
	names  map[string]string // account display names by id
	loc    *time.Location
	record []string
}

// NewCSVWriter writes the header to w; views name the accounts.
func NewCSVWriter(w io.Writer, views []AccountView, loc *time.Location) *CSVWriter {
	c := &CSVWriter{cw: csv.NewWriter(w), names: make(map[string]string, len(views)), loc: loc, record: make([]string, len(csvHeader))}
	for _, v := range views {
		c.names[v.ID] = v.DisplayName
	}
	_ = c.cw.Write(csvHeader)
	return c
}

// Write writes x's row.
func (c *CSVWriter) Write(x TxView) error {
	text := csvText{stamp: x.Raw.Timestamp.Raw, amount: x.Amount.String(), classification: strings.Join(x.Classification, "/")}
	if x.RunningBalance != nil {
		text.running = x.RunningBalance.String()
	}
	return c.cw.Write(csvRecord(c.record, x, text, c.names[x.AccountID], c.loc))
}

// Flush writes what is buffered, and reports the first write error.
func (c *CSVWriter) Flush() error {
	c.cw.Flush()
	return c.cw.Error()
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
