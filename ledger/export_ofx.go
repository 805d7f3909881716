package ledger

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// exportOFX writes an OFX 2.2 file: a statement per account, then one per
// card, each with its settled transactions (BANKTRANLIST), its closing
// balance (LEDGERBAL: the bank's balance at the end of the period, as the
// journals reach it; a card's is negative, money owed), its available
// balance when the period runs to today (AVAILBAL), and its pending rows
// when asked for (BANKTRANLISTP, which importers do not book).
//
// The file is plain ASCII (any other character is an XML character
// reference: readers such as ofxparse decode an OFX 2 file as ASCII), and
// ids are at most as long as OFX allows, a stable hash standing for a
// longer bank id (ofxID).
func exportOFX(e *exportRun) error {
	b, err := e.planBooks()
	if err != nil {
		return err
	}
	e.printf(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>` + "\n")
	e.printf(`<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>` + "\n")
	e.printf("<OFX>\n<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>")
	e.printf("<DTSERVER>%s</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>\n", ofxTime(e.now))
	uid := 0
	for _, kind := range []string{KindAccount, KindCard} {
		open := false
		for _, a := range b.accounts {
			if a.view.Kind != kind {
				continue
			}
			if !open {
				e.printf("<%s>\n", ofxMessageSet(kind))
				open = true
			}
			uid++
			if err := e.ofxStatement(b, a, uid); err != nil {
				return err
			}
		}
		if open {
			e.printf("</%s>\n", ofxMessageSet(kind))
		}
	}
	e.printf("</OFX>\n")
	return nil
}

func ofxMessageSet(kind string) string {
	if kind == KindCard {
		return "CREDITCARDMSGSRSV1"
	}
	return "BANKMSGSRSV1"
}

// ofxStatement writes one account's or card's statement.
func (e *exportRun) ofxStatement(b *books, a *accountBook, uid int) error {
	v := a.view
	card := v.Kind == KindCard
	tag := "STMT"
	if card {
		tag = "CCSTMT"
	}
	e.printf("<%sTRNRS><TRNUID>%d</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>\n<%sRS><CURDEF>%s</CURDEF>\n",
		tag, uid, tag, a.commodity)
	if card {
		e.printf("<CCACCTFROM><ACCTID>%s</ACCTID></CCACCTFROM>\n", ofxID(v.ID, 22))
	} else {
		bankID, acctID := ofxBankAccount(v)
		acctType := "CHECKING"
		if strings.Contains(v.Type, "SAVINGS") {
			acctType = "SAVINGS"
		}
		e.printf("<BANKACCTFROM><BANKID>%s</BANKID><ACCTID>%s</ACCTID><ACCTTYPE>%s</ACCTTYPE></BANKACCTFROM>\n", bankID, acctID, acctType)
	}
	start, end := e.now, e.now
	switch {
	case !e.q.From.IsZero():
		start = e.q.From.In(e.loc)
	case a.first != 0:
		start = time.Unix(a.first, 0).In(e.loc)
	}
	if !e.q.To.IsZero() && e.q.To.Before(e.now) {
		end = e.q.To.In(e.loc)
	}
	e.printf("<BANKTRANLIST><DTSTART>%s</DTSTART><DTEND>%s</DTEND>\n", ofxTime(start), ofxTime(end))
	q := e.q
	q.AccountIDs = []string{v.ID}
	if q.Pending <= 0 {
		q.Pending = PendingExclude
		if err := e.eachRow(q, 0, e.ofxTransaction); err != nil {
			return err
		}
	}
	e.printf("</BANKTRANLIST>\n")
	e.ofxBalances(b, a)
	if e.q.Pending >= 0 {
		q.Pending = PendingOnly
		e.printf("<BANKTRANLISTP><DTASOF>%s</DTASOF>\n", ofxTime(e.now))
		if err := e.eachRow(q, 0, e.ofxPending); err != nil {
			return err
		}
		e.printf("</BANKTRANLISTP>\n")
	}
	e.printf("</%sRS></%sTRNRS>\n", tag, tag)
	return nil
}

// ofxBankAccount is a bank account's BANKID and ACCTID: the sort code and
// the number when the bank gave them, else the provider and the number or
// IBAN (or the account id), each within OFX's limits.
func ofxBankAccount(v AccountView) (bankID, acctID string) {
	bankID, acctID = v.ProviderID, v.ID
	if sort, num, ok := strings.Cut(v.Number, " "); ok && len(sort) >= 6 {
		bankID, acctID = strings.ReplaceAll(sort, "-", ""), num
	} else if v.Number != "" {
		acctID = strings.ReplaceAll(v.Number, " ", "")
	}
	return ofxID(bankID, 9), ofxID(acctID, 22)
}

// ofxBalances writes the closing balance and, when the period runs to
// today, the available one.
func (e *exportRun) ofxBalances(b *books, a *accountBook) {
	s := a.latest
	asOf := e.now
	if s != nil {
		asOf = s.at.In(e.loc)
	}
	if !e.q.To.IsZero() && e.q.To.Before(asOf) {
		asOf = e.q.To.In(e.loc)
	}
	switch {
	case b.balanced && a.hasOpening:
		e.printf("<LEDGERBAL><BALAMT>%s</BALAMT><DTASOF>%s</DTASOF></LEDGERBAL>\n", PlainAmount(a.closing, a.view.Currency), ofxTime(asOf))
	case s != nil:
		e.printf("<LEDGERBAL><BALAMT>%s</BALAMT><DTASOF>%s</DTASOF></LEDGERBAL>\n", PlainAmount(s.current, a.view.Currency), ofxTime(asOf))
	default:
		return
	}
	if s != nil && e.q.To.IsZero() {
		e.printf("<AVAILBAL><BALAMT>%s</BALAMT><DTASOF>%s</DTASOF></AVAILBAL>\n", PlainAmount(s.avail, a.view.Currency), ofxTime(asOf))
	}
}

func (e *exportRun) ofxTransaction(r *exportRow) error {
	posted, ok := r.LocalTime(e.loc)
	if !ok {
		e.report.Undated++
		return nil // no date, no statement line
	}
	e.report.Transactions++
	kind := "DEBIT"
	switch {
	case r.TransferKind != "":
		kind = "XFER"
	case r.amount().Sign() > 0:
		kind = "CREDIT"
	}
	e.printf("<STMTTRN><TRNTYPE>%s</TRNTYPE><DTPOSTED>%s</DTPOSTED><TRNAMT>%s</TRNAMT><FITID>%s</FITID>%s%s</STMTTRN>\n",
		kind, ofxTime(posted), PlainAmount(r.amount(), r.Currency), ofxID(r.ID, 255),
		ofxElement("NAME", ofxName(r), 32), ofxElement("MEMO", r.Description, 255))
	return nil
}

// ofxPending writes a pending row (OFX 2.1's STMTTRNP).
func (e *exportRun) ofxPending(r *exportRow) error {
	posted, ok := r.LocalTime(e.loc)
	if !ok {
		e.report.Undated++
		return nil
	}
	e.report.Transactions++
	kind := "DEBIT"
	if r.amount().Sign() > 0 {
		kind = "CREDIT"
	}
	e.printf("<STMTTRNP><TRNTYPE>%s</TRNTYPE><DTTRAN>%s</DTTRAN><TRNAMT>%s</TRNAMT>%s%s</STMTTRNP>\n",
		kind, ofxTime(posted), PlainAmount(r.amount(), r.Currency), ofxElement("NAME", ofxName(r), 32), ofxElement("MEMO", r.Description, 255))
	return nil
}

func ofxName(r *exportRow) string {
	if r.Merchant != "" {
		return r.Merchant
	}
	return r.Description
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

// ofxText is bank text as OFX element content: sanitised, at most limit
// cells, markup escaped, and ASCII only (other characters as references).
func ofxText(s string, limit int) string {
	var b strings.Builder
	for _, r := range truncateText(Sanitize(s), limit) {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r < 0x80:
			b.WriteRune(r)
		case !xmlChar(r):
			b.WriteString("&#65533;") // U+FFFD: no XML reader takes a noncharacter, even as a reference
		default:
			b.WriteString("&#" + strconv.Itoa(int(r)) + ";")
		}
	}
	return b.String()
}

// xmlChar reports whether XML allows r (its Char production).
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd) || (r >= 0x10000 && r <= 0x10ffff)
}

// truncateText shortens s to n cells, marking the cut with "…".
func truncateText(s string, n int) string {
	if ansi.StringWidth(s) <= n {
		return s
	}
	return ansi.Truncate(s, n, "…")
}
