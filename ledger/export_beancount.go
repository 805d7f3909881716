package ledger

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"time"
)

// exportBeancount writes a beancount file: open directives dated before the
// first transaction, then one transaction per bank row.
func exportBeancount(w io.Writer, views []AccountView, txs []TxView, now time.Time, loc *time.Location) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "; banktui export, %s\n", now.Format(time.RFC3339))
	fmt.Fprintf(bw, "option \"title\" \"banktui\"\n\n")
	first := now
	for _, x := range txs {
		if d, ok := x.LocalTime(loc); ok && d.Before(first) {
			first = d
		}
	}
	openDate := first.AddDate(0, 0, -1).Format(time.DateOnly)
	accounts := map[string]string{}
	opened := map[string]bool{}
	for _, v := range views {
		accounts[v.ID] = JournalAccount(v)
		if !opened[accounts[v.ID]] {
			opened[accounts[v.ID]] = true
			fmt.Fprintf(bw, "%s open %s %s\n", openDate, accounts[v.ID], currencyCode(v.Currency))
		}
	}
	var counters []string
	for _, x := range txs {
		if c := CategoryAccount(x); !opened[c] {
			opened[c] = true
			counters = append(counters, c)
		}
	}
	slices.Sort(counters)
	for _, c := range counters {
		fmt.Fprintf(bw, "%s open %s\n", openDate, c)
	}
	fmt.Fprintln(bw)
	for _, x := range txs {
		acct, ok := accounts[x.AccountID]
		if !ok {
			continue
		}
		date, dated := x.LocalTime(loc)
		if !dated {
			fmt.Fprintf(bw, "; left out: transaction %s has no readable date (%s)\n\n", journalText(x.ID), journalText(x.Raw.Timestamp.Raw))
			continue
		}
		fmt.Fprintf(bw, "%s %s \"%s\" \"%s\"\n", date.Format(time.DateOnly), journalFlag(x), journalText(x.Merchant), journalText(x.Description))
		fmt.Fprintf(bw, "  transaction_id: \"%s\"\n", journalText(x.ID))
		fmt.Fprintf(bw, "  category: \"%s\"\n", journalText(CategoryName(x.Category, x.Classification)))
		cur := currencyCode(x.Currency)
		fmt.Fprintf(bw, "  %s  %s %s\n", acct, PlainAmount(x.Amount, x.Currency), cur)
		fmt.Fprintf(bw, "  %s  %s %s\n\n", CategoryAccount(x), PlainAmount(x.Amount.Neg(), x.Currency), cur)
	}
	return bw.Flush()
}
