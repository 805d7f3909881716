package ledger

import "strings"

// exportLedger writes a journal for hledger and ledger-cli (see
// export_journal.go for what it holds): declarations, the opening entry,
// one transaction per row or transfer, flagged "!" when pending, and the
// bank's balances asserted at the end of each day it stated one. A
// transfer's other side keeps its own day as a posting date ("; [DATE]",
// which both read).
func exportLedger(e *exportRun) error { return writeJournal(e, ledgerDialect{}) }

type ledgerDialect struct{}

func (ledgerDialect) declare(e *exportRun, b *books) {
	e.header(";")
	e.printf("\n")
	for _, c := range b.commodities() {
		e.printf("commodity %s\n", ledgerCommodity(c))
	}
	e.printf("\n")
	for _, name := range journalDeclarations(e, b) {
		e.printf("account %s\n", name)
	}
	e.printf("\n")
	// The metadata tags, declared for ledger-cli --pedantic.
	for _, tag := range ledgerTags {
		e.printf("tag %s\n", tag)
	}
	e.printf("\n")
}

// ledgerTags are the metadata tags rowTx writes.
var ledgerTags = []string{"transaction_id", "category", "transfer", "counterpart_id"}

func (ledgerDialect) transaction(e *exportRun, t *journalTx) {
	w := e.w
	w.WriteString(t.date)
	w.WriteString(" " + journalFlag(t.pending) + " ")
	w.WriteString(ledgerPayee(t.payee))
	if len(t.meta) > 0 {
		w.WriteString("  ; ")
		w.WriteString(t.meta[0][0])
		w.WriteByte(':')
		w.WriteString(journalText(t.meta[0][1]))
	}
	w.WriteByte('\n')
	if t.comment != "" {
		w.WriteString("    ; " + t.comment + "\n")
	}
	if t.note != "" && t.note != t.payee {
		w.WriteString("    ; " + journalText(t.note) + "\n")
	}
	for _, m := range t.meta[min(1, len(t.meta)):] {
		w.WriteString("    ; ")
		w.WriteString(m[0])
		w.WriteString(": ")
		w.WriteString(journalText(m[1]))
		w.WriteByte('\n')
	}
	for _, p := range t.postings {
		e.writePosting("    ", p, ledgerCommodity(currencyCode(p.currency)))
		switch {
		case p.dated && p.comment != "":
			w.WriteString("  ; [" + dayDate(p.day) + "] " + p.comment)
		case p.dated:
			w.WriteString("  ; [" + dayDate(p.day) + "]")
		case p.comment != "":
			w.WriteString("  ; " + p.comment)
		}
		w.WriteByte('\n')
	}
	w.WriteByte('\n')
}

// ledgerPayee is bank text as a payee: hledger and ledger-cli read a
// leading "(...)" as the transaction's code, so it becomes "[...]".
func ledgerPayee(s string) string {
	s = journalText(s)
	if strings.HasPrefix(s, "(") {
		s = "[" + strings.Replace(s[1:], ")", "]", 1)
	}
	return s
}

func (ledgerDialect) balances(e *exportRun, day int, evs []bookEvent) {
	e.printf("%s * Balances  ; the bank's, at the end of the day\n", dayDate(day))
	for _, ev := range evs {
		a := ev.acct
		e.printf("    %s  %s = %s  ; %s\n", a.name, ledgerAmount(truelayer0, a.view.Currency),
			ledgerAmount(ev.value, a.view.Currency), ev.describe())
	}
	e.printf("\n")
}

func (ledgerDialect) leftOut(e *exportRun, r *exportRow) {
	e.printf("; left out: transaction %s has no readable date (%s)\n\n", journalText(r.ID), journalText(r.stamp))
}

// ledgerAmount is an amount and its commodity as hledger writes them.
func ledgerAmount(a Amount, currency string) string {
	return PlainAmount(a, currency) + " " + ledgerCommodity(currencyCode(currency))
}

// truelayer0 is a zero amount.
var truelayer0 Amount
