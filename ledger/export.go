package ledger

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/truelayer"
)

// ExportFormats are the formats Export writes.
var ExportFormats = []string{"csv", "json", "ofx", "ledger", "beancount"}

// Export writes accounts and their transactions (in date order) in one of
// ExportFormats:
//
//   - csv: one row per transaction, bank text defused for spreadsheets;
//   - json: accounts (AccountJSON) and transactions (TransactionJSON);
//   - ofx: OFX 2.2 bank and credit card statements;
//   - ledger: a journal for hledger and ledger-cli;
//   - beancount: a beancount file.
//
// Amounts are exact (PlainAmount), every transaction in a journal balances,
// and control characters in bank text are stripped. now dates the file.
func Export(w io.Writer, format string, views []AccountView, txs []TxView, now time.Time) error {
	switch format {
	case "csv":
		return writeTransactionsCSV(w, views, txs)
	case "json":
		return exportJSON(w, views, txs)
	case "ofx":
		return exportOFX(w, views, txs, now)
	case "ledger":
		return exportLedger(w, views, txs, now)
	case "beancount":
		return exportBeancount(w, views, txs, now)
	}
	return fmt.Errorf("unknown export format %q (one of %s)", format, strings.Join(ExportFormats, ", "))
}

// writeTransactionsCSV writes one row per transaction, exact amounts, bank
// text defused for spreadsheets.
func writeTransactionsCSV(w io.Writer, views []AccountView, txs []TxView) error {
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

func exportJSON(w io.Writer, views []AccountView, txs []TxView) error {
	out := struct {
		Accounts     []AccountJSON     `json:"accounts"`
		Transactions []json.RawMessage `json:"transactions"`
	}{Accounts: []AccountJSON{}, Transactions: []json.RawMessage{}}
	for _, v := range views {
		out.Accounts = append(out.Accounts, NewAccountJSON(v))
	}
	for _, t := range txs {
		m, err := TransactionJSON(t)
		if err != nil {
			return err
		}
		out.Transactions = append(out.Transactions, m)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// groupByAccount keeps the date order of each account's transactions.
func groupByAccount(txs []TxView) map[string][]TxView {
	by := map[string][]TxView{}
	for _, t := range txs {
		by[t.AccountID] = append(by[t.AccountID], t)
	}
	return by
}

func ofxTime(t time.Time) string { return t.UTC().Format("20060102150405") + "[0:GMT]" }

func ofxText(s string, limit int) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(truncateText(Sanitize(s), limit)))
	return b.String()
}

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

// journalName makes bank text safe as one component of an account name:
// letters, digits and single dashes, starting with a capital (beancount's
// rule, which hledger and ledger-cli also accept).
func journalName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range Sanitize(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if b.Len() == 0 {
				r = unicode.ToUpper(r)
			}
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	out := b.String()
	if out == "" || !(unicode.IsUpper([]rune(out)[0]) || unicode.IsDigit([]rune(out)[0])) {
		out = "X" + out
	}
	return out
}

// JournalAccount is the account's name in the ledger and beancount exports:
// "Assets:Provider:Name" for an account, "Liabilities:Provider:Name" for a
// card.
func JournalAccount(v AccountView) string {
	root := "Assets"
	if v.Kind == KindCard {
		root = "Liabilities"
	}
	return root + ":" + journalName(v.ProviderName) + ":" + journalName(v.DisplayName)
}

// counterAccount is the account on the other side of a transaction: income
// or expenses, by the bank's category.
func counterAccount(x TxView) string {
	label := x.Category
	if len(x.Classification) > 0 {
		label = x.Classification[0]
	}
	if label == "" {
		label = "Unknown"
	}
	label = strings.ToLower(label)
	if x.Amount.Sign() > 0 {
		return "Income:" + journalName(label)
	}
	return "Expenses:" + journalName(label)
}

// journalText makes bank text safe inside a quoted string or a payee.
func journalText(s string) string {
	return strings.NewReplacer(`"`, "'", `\`, "/", ";", ",").Replace(strings.Join(strings.Fields(Sanitize(s)), " "))
}

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
		flag := "*"
		if x.Pending {
			flag = "!"
		}
		payee := x.Merchant
		if payee == "" {
			payee = x.Description
		}
		fmt.Fprintf(bw, "%s %s %s  ; transaction_id:%s\n", x.Timestamp.Format(time.DateOnly), flag, journalText(payee), journalText(x.ID))
		if x.Merchant != "" && x.Description != x.Merchant {
			fmt.Fprintf(bw, "    ; %s\n", journalText(x.Description))
		}
		amt := PlainAmount(x.Amount, x.Currency)
		fmt.Fprintf(bw, "    %s  %s %s\n", acct, amt, x.Currency)
		fmt.Fprintf(bw, "    %s  %s %s\n\n", counterAccount(x), PlainAmount(x.Amount.Neg(), x.Currency), x.Currency)
	}
	return bw.Flush()
}

// exportBeancount writes a beancount file: open directives dated before the
// first transaction, then one transaction per bank row.
func exportBeancount(w io.Writer, views []AccountView, txs []TxView, now time.Time) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "; banktui export, %s\n", now.UTC().Format(time.RFC3339))
	fmt.Fprintf(bw, "option \"title\" \"banktui\"\n\n")
	first := now
	for _, x := range txs {
		if x.Timestamp.Before(first) {
			first = x.Timestamp
		}
	}
	openDate := first.AddDate(0, 0, -1).Format(time.DateOnly)
	accounts := map[string]string{}
	opened := map[string]bool{}
	for _, v := range views {
		accounts[v.ID] = JournalAccount(v)
		if !opened[accounts[v.ID]] {
			opened[accounts[v.ID]] = true
			fmt.Fprintf(bw, "%s open %s %s\n", openDate, accounts[v.ID], v.Currency)
		}
	}
	var counters []string
	for _, x := range txs {
		if c := counterAccount(x); !opened[c] {
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
		flag := "*"
		if x.Pending {
			flag = "!"
		}
		fmt.Fprintf(bw, "%s %s \"%s\" \"%s\"\n", x.Timestamp.Format(time.DateOnly), flag, journalText(x.Merchant), journalText(x.Description))
		fmt.Fprintf(bw, "  transaction_id: \"%s\"\n", journalText(x.ID))
		fmt.Fprintf(bw, "  %s  %s %s\n", acct, PlainAmount(x.Amount, x.Currency), x.Currency)
		fmt.Fprintf(bw, "  %s  %s %s\n\n", counterAccount(x), PlainAmount(x.Amount.Neg(), x.Currency), x.Currency)
	}
	return bw.Flush()
}

// ProviderJSON is an account's provider, with TrueLayer's field names.
type ProviderJSON struct {
	ProviderID  string `json:"provider_id"`
	DisplayName string `json:"display_name,omitempty"`
}

// BalanceJSON is a stored balance with TrueLayer's field names.
type BalanceJSON struct {
	Currency        string            `json:"currency"`
	Current         truelayer.Amount  `json:"current"`
	Available       truelayer.Amount  `json:"available"`
	Overdraft       *truelayer.Amount `json:"overdraft,omitempty"`
	CreditLimit     *truelayer.Amount `json:"credit_limit,omitempty"`
	UpdateTimestamp time.Time         `json:"update_timestamp,omitzero"`
}

// AccountJSON is an account or card in TrueLayer's vocabulary, with
// banktui's connection id and the latest stored balance: as the json export
// and the CLI's --json print it.
type AccountJSON struct {
	AccountID         string       `json:"account_id"`
	Kind              string       `json:"kind"`
	ConnectionID      string       `json:"connection_id"`
	AccountType       string       `json:"account_type,omitempty"`
	CardType          string       `json:"card_type,omitempty"`
	CardNetwork       string       `json:"card_network,omitempty"`
	PartialCardNumber string       `json:"partial_card_number,omitempty"`
	DisplayName       string       `json:"display_name"`
	Currency          string       `json:"currency"`
	Number            string       `json:"number,omitempty"`
	Provider          ProviderJSON `json:"provider"`
	Balance           *BalanceJSON `json:"balance,omitempty"`
	SyncError         string       `json:"sync_error,omitempty"`
}

// NewAccountJSON is v in the shape of AccountJSON.
func NewAccountJSON(v AccountView) AccountJSON {
	j := AccountJSON{
		AccountID: v.ID, Kind: v.Kind, ConnectionID: v.ConnectionID, DisplayName: v.DisplayName,
		Currency: v.Currency, Number: v.Number, SyncError: v.SyncError,
		Provider: ProviderJSON{ProviderID: v.ProviderID, DisplayName: v.ProviderName},
	}
	if v.Kind == KindCard {
		j.CardType, j.CardNetwork, j.PartialCardNumber = v.Type, v.CardNetwork, v.PartialCardNumber
	} else {
		j.AccountType = v.Type
	}
	if v.HasBalance {
		j.Balance = &BalanceJSON{Currency: v.Currency, Current: v.Current, Available: v.Available,
			Overdraft: v.Overdraft, CreditLimit: v.CreditLimit, UpdateTimestamp: v.BalanceAsOf.UTC()}
	}
	return j
}

// TransactionJSON is the transaction exactly as the bank sent it, preceded
// by the account it belongs to and whether it is pending.
func TransactionJSON(t TxView) (json.RawMessage, error) {
	raw, err := json.Marshal(t.Raw)
	if err != nil {
		return nil, err
	}
	id, _ := json.Marshal(t.AccountID)
	out := make([]byte, 0, len(raw)+len(id)+40)
	out = append(out, `{"account_id":`...)
	out = append(out, id...)
	out = append(out, `,"pending":`...)
	out = strconv.AppendBool(out, t.Pending)
	if len(raw) > 2 { // raw is an object: splice its fields in
		out = append(out, ',')
	}
	return append(out, raw[1:]...), nil
}

// truncateText shortens s to n cells, marking the cut with "…".
func truncateText(s string, n int) string {
	if ansi.StringWidth(s) <= n {
		return s
	}
	return ansi.Truncate(s, n, "…")
}
