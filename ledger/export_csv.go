package ledger

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
)

// exportCSV writes one row per transaction, exact amounts, bank text
// defused for spreadsheets.
func exportCSV(w io.Writer, views []AccountView, txs []TxView, _ time.Time) error {
	names := make(map[string]string, len(views))
	for _, v := range views {
		names[v.ID] = v.DisplayName
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"date", "timestamp", "account_id", "account", "description", "merchant_name", "transaction_category",
		"transaction_classification", "amount", "currency", "running_balance", "pending", "transaction_id"})
	for _, x := range txs {
		bal := ""
		if x.RunningBalance != nil {
			bal = x.RunningBalance.String()
		}
		_ = cw.Write([]string{x.Timestamp.Format(time.DateOnly), x.Raw.Timestamp.Raw, x.AccountID, csvSafe(names[x.AccountID]),
			csvSafe(x.Description), csvSafe(x.Merchant), x.Category, csvSafe(strings.Join(x.Classification, "/")),
			x.Amount.String(), x.Currency, bal, fmt.Sprint(x.Pending), x.ID})
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
