package ledger

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

// exportLedger writes a journal for hledger and ledger-cli: one transaction
// per bank row, both postings explicit, pending rows flagged "!".
func exportLedger(w io.Writer, views []AccountView, txs []TxView, now time.Time) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "; banktui export, %s\n\n", now.UTC().Format(time.RFC3339))
	accounts := map[string]string{}
	for _, v := range views {
		accounts[v.ID] = JournalAccount(v)
		fmt.Fprintf(bw, "account %s  ; %s %s\n", accounts[v.ID], v.ID, v.Currency)
	}
	fmt.Fprintln(bw)
	for _, x := range txs {
		acct, ok := accounts[x.AccountID]
		if !ok {
			continue
		}
		payee := x.Merchant
		if payee == "" {
			payee = x.Description
		}
		fmt.Fprintf(bw, "%s %s %s  ; transaction_id:%s\n", x.Timestamp.Format(time.DateOnly), journalFlag(x), journalText(payee), journalText(x.ID))
		if x.Merchant != "" && x.Description != x.Merchant {
			fmt.Fprintf(bw, "    ; %s\n", journalText(x.Description))
		}
		amt := PlainAmount(x.Amount, x.Currency)
		fmt.Fprintf(bw, "    %s  %s %s\n", acct, amt, x.Currency)
		fmt.Fprintf(bw, "    %s  %s %s\n\n", counterAccount(x), PlainAmount(x.Amount.Neg(), x.Currency), x.Currency)
	}
	return bw.Flush()
}
