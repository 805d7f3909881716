package ledger

import (
	"strings"
)

// exportBeancount writes a beancount file (see export_journal.go for what
// it holds): open directives (with the currencies of each bank account) on
// the first day, the opening entry, one transaction per row or transfer,
// and balance directives dated the day after each day the bank stated a
// balance (beancount checks them before that day's rows). Beancount has no
// posting dates, so a transfer whose sides are days apart is booked on the
// first side's day, and the other account's balances are not asserted on
// the days between.
func exportBeancount(e *exportRun) error { return writeJournal(e, beancountDialect{}) }

type beancountDialect struct{}

func (beancountDialect) declare(e *exportRun, b *books) {
	e.header(";")
	e.printf("option \"title\" \"banktui\"\n\n")
	open := dayDate(b.start)
	for _, c := range b.commodities() {
		e.printf("%s commodity %s\n", open, c)
	}
	currencies := map[string][]string{}
	for _, a := range b.accounts {
		currencies[a.name] = sortedKeys(a.commodities)
		currencies[a.name+pendingSuffix] = sortedKeys(a.pendingCur)
	}
	for _, name := range journalDeclarations(e, b) {
		e.printf("%s open %s", open, name)
		if cs := currencies[name]; len(cs) > 0 {
			e.printf(" %s", strings.Join(cs, ","))
		}
		e.printf("\n")
	}
	e.printf("\n")
}

func (beancountDialect) transaction(e *exportRun, t *journalTx) {
	payee, note := t.payee, t.note
	if note == "" || note == payee {
		payee, note = "", payee
	}
	w := e.w
	w.WriteString(t.date)
	w.WriteString(" " + journalFlag(t.pending) + " \"")
	w.WriteString(journalText(payee))
	w.WriteString("\" \"")
	w.WriteString(journalText(note))
	w.WriteString("\"\n")
	if t.comment != "" {
		w.WriteString("  comment: \"" + journalText(t.comment) + "\"\n")
	}
	for _, m := range t.meta {
		w.WriteString("  " + m[0] + ": \"")
		w.WriteString(journalText(m[1]))
		w.WriteString("\"\n")
	}
	for _, p := range t.postings {
		e.writePosting("  ", p, currencyCode(p.currency))
		w.WriteByte('\n')
		if p.dated {
			w.WriteString("    date: " + dayDate(p.day) + "\n")
		}
		if p.comment != "" {
			w.WriteString("    comment: \"" + journalText(p.comment) + "\"\n")
		}
	}
	w.WriteByte('\n')
}

func (beancountDialect) balances(e *exportRun, day int, evs []bookEvent) {
	for _, ev := range evs {
		a := ev.acct
		e.printf("; %s, at the end of %s\n%s balance %s  %s %s\n", ev.describe(), dayDate(day), dayDate(day+1),
			a.name, PlainAmount(ev.value, a.view.Currency), a.commodity)
	}
	e.printf("\n")
}

func (beancountDialect) leftOut(e *exportRun, r *exportRow) {
	e.printf("; left out: transaction %s has no readable date (%s)\n\n", journalText(r.ID), journalText(r.stamp))
}

// journalDeclarations are the accounts a journal declares, in order: the
// exported ones (each followed by its pending sibling when the export has
// pending rows of it), the other accounts transfers are booked to, transit
// and equity, then the categories.
func journalDeclarations(e *exportRun, b *books) []string {
	var out []string
	for _, a := range b.accounts {
		out = append(out, a.name)
		if len(a.pendingCur) > 0 {
			out = append(out, a.name+pendingSuffix)
		}
	}
	out = append(out, b.others...)
	if b.usesTransit || len(b.transitOpening) > 0 {
		out = append(out, TransitAccount)
	}
	if b.balanced {
		out = append(out, OpeningAccount)
	}
	if b.adjusts() {
		out = append(out, UnreconciledAccount)
	}
	return append(out, b.categories...)
}
