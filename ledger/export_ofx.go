package ledger

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// exportOFX writes an OFX 2.2 file: a statement per account, then one per
// card.
func exportOFX(w io.Writer, views []AccountView, txs []TxView, now time.Time, loc *time.Location) error {
	o := &ofxWriter{now: now, loc: loc, byAccount: groupByAccount(txs)}
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
	loc       *time.Location // the user's zone: dates are written in it
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
	fmt.Fprintf(o, "<STMTTRNRS><TRNUID>%d</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>\n<STMTRS><CURDEF>%s</CURDEF>\n", o.uid, currencyCode(v.Currency))
	fmt.Fprintf(o, "<BANKACCTFROM><BANKID>%s</BANKID><ACCTID>%s</ACCTID><ACCTTYPE>%s</ACCTTYPE></BANKACCTFROM>\n", ofxText(bankID, 9), ofxText(acctID, 22), acctType)
	o.statement(v)
	o.WriteString("</STMTRS></STMTTRNRS>\n")
}

func (o *ofxWriter) cardStatement(v AccountView) {
	o.uid++
	fmt.Fprintf(o, "<CCSTMTTRNRS><TRNUID>%d</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>\n<CCSTMTRS><CURDEF>%s</CURDEF>\n", o.uid, currencyCode(v.Currency))
	fmt.Fprintf(o, "<CCACCTFROM><ACCTID>%s</ACCTID></CCACCTFROM>\n", ofxText(v.ID, 22))
	o.statement(v)
	o.WriteString("</CCSTMTRS></CCSTMTTRNRS>\n")
}

// statement writes an account's transactions and its balances.
func (o *ofxWriter) statement(v AccountView) {
	list := o.byAccount[v.ID]
	start, end := o.now, o.now
	dated := false
	for _, x := range list {
		if t, ok := x.LocalTime(o.loc); ok {
			if !dated || t.Before(start) {
				start = t
			}
			if !dated || t.After(end) {
				end = t
			}
			dated = true
		}
	}
	fmt.Fprintf(o, "<BANKTRANLIST><DTSTART>%s</DTSTART><DTEND>%s</DTEND>\n", ofxTime(start), ofxTime(end))
	for _, x := range list {
		posted, ok := x.LocalTime(o.loc)
		if !ok {
			continue // no date, no statement line
		}
		kind := "DEBIT"
		if x.Amount.Sign() > 0 {
			kind = "CREDIT"
		}
		name := x.Merchant
		if name == "" {
			name = x.Description
		}
		fmt.Fprintf(o, "<STMTTRN><TRNTYPE>%s</TRNTYPE><DTPOSTED>%s</DTPOSTED><TRNAMT>%s</TRNAMT><FITID>%s</FITID>%s%s</STMTTRN>\n",
			kind, ofxTime(posted), PlainAmount(x.Amount, x.Currency), ofxText(x.ID, 255),
			ofxElement("NAME", name, 32), ofxElement("MEMO", x.Description, 255))
	}
	o.WriteString("</BANKTRANLIST>\n")
	if !v.HasBalance {
		return
	}
	cur, avail := v.Current, v.Available
	if v.Kind == KindCard { // a card's positive balance is money owed
		cur, avail = cur.Neg(), avail.Neg()
	}
	fmt.Fprintf(o, "<LEDGERBAL><BALAMT>%s</BALAMT><DTASOF>%s</DTASOF></LEDGERBAL>\n", PlainAmount(cur, v.Currency), ofxTime(v.BalanceAsOf.In(o.loc)))
	if v.Kind != KindCard {
		fmt.Fprintf(o, "<AVAILBAL><BALAMT>%s</BALAMT><DTASOF>%s</DTASOF></AVAILBAL>\n", PlainAmount(avail, v.Currency), ofxTime(v.BalanceAsOf.In(o.loc)))
	}
}

// ofxTime writes t in its own zone, with its offset and (when it is
// letters) the zone's abbreviation: 20261001003000[+1:BST].
func ofxTime(t time.Time) string {
	name, offset := t.Zone()
	hours := strconv.FormatFloat(float64(offset)/3600, 'f', -1, 64)
	if offset >= 0 {
		hours = "+" + hours
	}
	if strings.IndexFunc(name, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		name = ""
	}
	return t.Format("20060102150405") + "[" + hours + ":" + name + "]"
}

// ofxElement is <TAG>text</TAG>, or nothing when no text is left of s: an
// empty NAME is refused by OFX readers (ofxparse: "Empty transaction name").
func ofxElement(tag, s string, limit int) string {
	text := ofxText(s, limit)
	if strings.TrimSpace(text) == "" {
		return ""
	}
	return "<" + tag + ">" + text + "</" + tag + ">"
}

// ofxText is bank text as OFX content: sanitised, cut to limit, escaped
// for XML, and ASCII only (other characters as &#xHEX; references, which
// every XML reader decodes): readers such as ofxparse take an OFX 2 file
// without an OFX 1 ENCODING header for ASCII.
func ofxText(s string, limit int) string {
	var esc strings.Builder
	_ = xml.EscapeText(&esc, []byte(truncateText(Sanitize(s), limit)))
	var b strings.Builder
	for _, r := range esc.String() {
		if r > 0x7e {
			fmt.Fprintf(&b, "&#x%X;", r)
			continue
		}
		b.WriteRune(r)
	}
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
