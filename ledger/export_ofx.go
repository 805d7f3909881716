package ledger

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// exportOFX writes an OFX 2.2 file: a statement per account, then one per
// card.
func exportOFX(w io.Writer, views []AccountView, txs []TxView, now time.Time) error {
	o := &ofxWriter{now: now, byAccount: groupByAccount(txs)}
	o.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>` + "\n")
	o.WriteString(`<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>` + "\n")
	o.WriteString("<OFX>\n<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>")
	fmt.Fprintf(o, "<DTSERVER>%s</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>\n", ofxTime(now))
	var banks, cards []AccountView
	for _, v := range views {
		if v.Kind == KindCard {
			cards = append(cards, v)
		} else {
			banks = append(banks, v)
		}
	}
	if len(banks) > 0 {
		o.WriteString("<BANKMSGSRSV1>\n")
		for _, v := range banks {
			o.bankStatement(v)
		}
		o.WriteString("</BANKMSGSRSV1>\n")
	}
	if len(cards) > 0 {
		o.WriteString("<CREDITCARDMSGSRSV1>\n")
		for _, v := range cards {
			o.cardStatement(v)
		}
		o.WriteString("</CREDITCARDMSGSRSV1>\n")
	}
	o.WriteString("</OFX>\n")
	_, err := io.WriteString(w, o.String())
	return err
}

// ofxWriter builds an OFX file; uid numbers its statements.
type ofxWriter struct {
	strings.Builder
	now       time.Time
	byAccount map[string][]TxView
	uid       int
}

func (o *ofxWriter) bankStatement(v AccountView) {
	o.uid++
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
	fmt.Fprintf(o, "<STMTTRNRS><TRNUID>%d</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>\n<STMTRS><CURDEF>%s</CURDEF>\n", o.uid, v.Currency)
	fmt.Fprintf(o, "<BANKACCTFROM><BANKID>%s</BANKID><ACCTID>%s</ACCTID><ACCTTYPE>%s</ACCTTYPE></BANKACCTFROM>\n", ofxText(bankID, 9), ofxText(acctID, 22), acctType)
	o.statement(v)
	o.WriteString("</STMTRS></STMTTRNRS>\n")
}

func (o *ofxWriter) cardStatement(v AccountView) {
	o.uid++
	fmt.Fprintf(o, "<CCSTMTTRNRS><TRNUID>%d</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>\n<CCSTMTRS><CURDEF>%s</CURDEF>\n", o.uid, v.Currency)
	fmt.Fprintf(o, "<CCACCTFROM><ACCTID>%s</ACCTID></CCACCTFROM>\n", ofxText(v.ID, 22))
	o.statement(v)
	o.WriteString("</CCSTMTRS></CCSTMTTRNRS>\n")
}

// statement writes an account's transactions and its balances.
func (o *ofxWriter) statement(v AccountView) {
	list := o.byAccount[v.ID]
	start, end := o.now, o.now
	if len(list) > 0 {
		start, end = list[0].Timestamp, list[len(list)-1].Timestamp
	}
	fmt.Fprintf(o, "<BANKTRANLIST><DTSTART>%s</DTSTART><DTEND>%s</DTEND>\n", ofxTime(start), ofxTime(end))
	for _, x := range list {
		kind := "DEBIT"
		if x.Amount.Sign() > 0 {
			kind = "CREDIT"
		}
		name := x.Merchant
		if name == "" {
			name = x.Description
		}
		fmt.Fprintf(o, "<STMTTRN><TRNTYPE>%s</TRNTYPE><DTPOSTED>%s</DTPOSTED><TRNAMT>%s</TRNAMT><FITID>%s</FITID><NAME>%s</NAME><MEMO>%s</MEMO></STMTTRN>\n",
			kind, ofxTime(x.Timestamp), PlainAmount(x.Amount, x.Currency), ofxText(x.ID, 255), ofxText(name, 32), ofxText(x.Description, 255))
	}
	o.WriteString("</BANKTRANLIST>\n")
	if !v.HasBalance {
		return
	}
	cur, avail := v.Current, v.Available
	if v.Kind == KindCard { // a card's positive balance is money owed
		cur, avail = cur.Neg(), avail.Neg()
	}
	fmt.Fprintf(o, "<LEDGERBAL><BALAMT>%s</BALAMT><DTASOF>%s</DTASOF></LEDGERBAL>\n", PlainAmount(cur, v.Currency), ofxTime(v.BalanceAsOf))
	if v.Kind != KindCard {
		fmt.Fprintf(o, "<AVAILBAL><BALAMT>%s</BALAMT><DTASOF>%s</DTASOF></AVAILBAL>\n", PlainAmount(avail, v.Currency), ofxTime(v.BalanceAsOf))
	}
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
