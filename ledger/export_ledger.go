package ledger

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

// exportLedger writes a journal for hledger and ledger-cli: one transaction
// per bank row, both postings explicit, pending rows flagged "!".
func exportLedger(w io.Writer, views []AccountView, txs []TxView, now time.Time, loc *time.Location) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "; banktui export, %s\n\n", now.Format(time.RFC3339))
	accounts := map[string]string{}
	for _, v := range views {
		accounts[v.ID] = JournalAccount(v)
		fmt.Fprintf(bw, "account %s  ; %s %s\n", accounts[v.ID], journalText(v.ID), currencyCode(v.Currency))
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
		payee := x.Merchant
		if payee == "" {
			payee = x.Description
		}
		fmt.Fprintf(bw, "%s %s %s  ; transaction_id:%s\n", date.Format(time.DateOnly), journalFlag(x), journalText(payee), journalText(x.ID))
		if x.Merchant != "" && x.Description != x.Merchant {
			fmt.Fprintf(bw, "    ; %s\n", journalText(x.Description))
		}
		fmt.Fprintf(bw, "    ; category: %s\n", journalText(CategoryName(x.Category, x.Classification)))
		cur := currencyCode(x.Currency)
		fmt.Fprintf(bw, "    %s  %s %s\n", acct, PlainAmount(x.Amount, x.Currency), cur)
		fmt.Fprintf(bw, "    %s  %s %s\n\n", CategoryAccount(x), PlainAmount(x.Amount.Neg(), x.Currency), cur)
	}
	return bw.Flush()
}
