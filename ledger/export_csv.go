package ledger

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
)

// exportCSV writes one row per transaction, exact amounts, every cell of
// bank text (ids, timestamps and currencies included) sanitised and defused
// for spreadsheets: date is the day in the user's zone (empty when
// unreadable), timestamp the bank's text, and the last column, category,
// the name shown everywhere (the bank's own fields are kept too).
func exportCSV(w io.Writer, views []AccountView, txs []TxView, _ time.Time, loc *time.Location) error {
	names := make(map[string]string, len(views))
	for _, v := range views {
		names[v.ID] = v.DisplayName
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"date", "timestamp", "account_id", "account", "description", "merchant_name", "transaction_category",
		"transaction_classification", "amount", "currency", "running_balance", "pending", "transaction_id", "category"})
	for _, x := range txs {
		bal := ""
		if x.RunningBalance != nil {
			bal = x.RunningBalance.String()
		}
		date := ""
		if t, ok := x.LocalTime(loc); ok {
			date = t.Format(time.DateOnly)
		}
		_ = cw.Write([]string{date, csvSafe(x.Raw.Timestamp.Raw), csvSafe(x.AccountID), csvSafe(names[x.AccountID]),
			csvSafe(x.Description), csvSafe(x.Merchant), csvSafe(x.Category), csvSafe(strings.Join(x.Classification, "/")),
			x.Amount.String(), csvSafe(x.Currency), bal, fmt.Sprint(x.Pending), csvSafe(x.ID),
			csvSafe(CategoryName(x.Category, x.Classification))})
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses spreadsheet formulas in bank text ("=HYPERLINK(...)").
func csvSafe(s string) string {
	s = Sanitize(s)
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
