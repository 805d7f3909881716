package ledger

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

func exportOFX(w io.Writer, views []AccountView, txs []TxView, now time.Time) error {
	by := groupByAccount(txs)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>` + "\n")
	b.WriteString(`<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>` + "\n")
	b.WriteString("<OFX>\n<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>")
	fmt.Fprintf(&b, "<DTSERVER>%s</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>\n", ofxTime(now))
	statement := func(v AccountView) {
		list := by[v.ID]
		start, end := now, now
		if len(list) > 0 {
			start, end = list[0].Timestamp, list[len(list)-1].Timestamp
		}
		fmt.Fprintf(&b, "<BANKTRANLIST><DTSTART>%s</DTSTART><DTEND>%s</DTEND>\n", ofxTime(start), ofxTime(end))
		for _, x := range list {
			kind := "DEBIT"
			if x.Amount.Sign() > 0 {
				kind = "CREDIT"
			}
			name := x.Merchant
			if name == "" {
				name = x.Description
			}
			fmt.Fprintf(&b, "<STMTTRN><TRNTYPE>%s</TRNTYPE><DTPOSTED>%s</DTPOSTED><TRNAMT>%s</TRNAMT><FITID>%s</FITID><NAME>%s</NAME><MEMO>%s</MEMO></STMTTRN>\n",
				kind, ofxTime(x.Timestamp), PlainAmount(x.Amount, x.Currency), ofxText(x.ID, 255), ofxText(name, 32), ofxText(x.Description, 255))
		}
		b.WriteString("</BANKTRANLIST>\n")
		if v.HasBalance {
			cur, avail := v.Current, v.Available
			if v.Kind == KindCard { // a card's positive balance is money owed
				cur, avail = cur.Neg(), avail.Neg()
			}
			fmt.Fprintf(&b, "<LEDGERBAL><BALAMT>%s</BALAMT><DTASOF>%s</DTASOF></LEDGERBAL>\n", PlainAmount(cur, v.Currency), ofxTime(v.BalanceAsOf))
			if v.Kind != KindCard {
				fmt.Fprintf(&b, "<AVAILBAL><BALAMT>%s</BALAMT><DTASOF>%s</DTASOF></AVAILBAL>\n", PlainAmount(avail, v.Currency), ofxTime(v.BalanceAsOf))
			}
		}
	}
	uid := 0
	var banks, cards []AccountView
	for _, v := range views {
		if v.Kind == KindCard {
			cards = append(cards, v)
		} else {
			banks = append(banks, v)
		}
	}
	if len(banks) > 0 {
		b.WriteString("<BANKMSGSRSV1>\n")
		for _, v := range banks {
			uid++
			acctType := "CHECKING"
			if strings.Contains(v.Type, "SAVINGS") {
				acctType = "SAVINGS"
			}
			bankID, acctID := v.ProviderID, v.ID
			if sort, num, ok := strings.Cut(v.Number, " "); ok && len(sort) >= 6 {
				bankID, acctID = strings.ReplaceAll(sort, "-", ""), num
			} else if v.Number != "" {
				acctID = strings.ReplaceAll(v.Number, " ", "")
			}
			fmt.Fprintf(&b, "<STMTTRNRS><TRNUID>%d</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>\n<STMTRS><CURDEF>%s</CURDEF>\n", uid, v.Currency)
			fmt.Fprintf(&b, "<BANKACCTFROM><BANKID>%s</BANKID><ACCTID>%s</ACCTID><ACCTTYPE>%s</ACCTTYPE></BANKACCTFROM>\n", ofxText(bankID, 9), ofxText(acctID, 22), acctType)
			statement(v)
			b.WriteString("</STMTRS></STMTTRNRS>\n")
		}
		b.WriteString("</BANKMSGSRSV1>\n")
	}
	if len(cards) > 0 {
		b.WriteString("<CREDITCARDMSGSRSV1>\n")
		for _, v := range cards {
			uid++
			fmt.Fprintf(&b, "<CCSTMTTRNRS><TRNUID>%d</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>\n<CCSTMTRS><CURDEF>%s</CURDEF>\n", uid, v.Currency)
			fmt.Fprintf(&b, "<CCACCTFROM><ACCTID>%s</ACCTID></CCACCTFROM>\n", ofxText(v.ID, 22))
			statement(v)
			b.WriteString("</CCSTMTRS></CCSTMTTRNRS>\n")
		}
		b.WriteString("</CREDITCARDMSGSRSV1>\n")
	}
	b.WriteString("</OFX>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func ofxTime(t time.Time) string { return t.UTC().Format("20060102150405") + "[0:GMT]" }

func ofxText(s string, limit int) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(truncateText(Sanitize(s), limit)))
	return b.String()
}

// groupByAccount keeps the date order of each account's transactions.
func groupByAccount(txs []TxView) map[string][]TxView {
	by := map[string][]TxView{}
	for _, t := range txs {
		by[t.AccountID] = append(by[t.AccountID], t)
	}
	return by
}

// truncateText shortens s to n cells, marking the cut with "…".
func truncateText(s string, n int) string {
	if ansi.StringWidth(s) <= n {
		return s
	}
	return ansi.Truncate(s, n, "…")
}
