package ui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/banktui/banktui/ledger"
)

// The accounts pane: name, type, current and available balance, grouped by bank.

func (p *listPane) viewAccounts(w, h int) string {
	pc := p.pc
	title := p.title("1 Accounts", pc.bank.loading || pc.sync.balances)
	inner := w - 2
	var body []string
	if len(pc.bank.accounts)+len(pc.bank.cards) == 0 {
		body = p.emptyAccounts()
	} else {
		// One sizing for the header and every row (rows are one cell
		// narrower: the cursor's column).
		c := p.accountColumns(inner - 1)
		row := func(a *ledger.AccountView, _ int) string { return p.accountRow(a, c) }
		body = append([]string{p.accountHeader(c, inner)}, p.render(p.lines(), h-3, inner, row)...)
	}
	return p.box(w, h, title, body)
}

// wantHeight is how many lines the accounts pane needs to show everything.
func (p *listPane) wantHeight() int {
	if len(p.items()) == 0 {
		return len(p.emptyAccounts()) + 2
	}
	return len(p.lines()) + 3 // borders and column header
}

func (p *listPane) emptyAccounts() []string {
	pc := p.pc
	switch {
	case pc.bank.loading && !pc.bank.loaded:
		return []string{" " + pc.spin() + " reading stored accounts…"}
	case pc.sync.running && len(pc.bank.connections) > 0:
		return []string{" " + pc.spin() + " fetching your accounts from the bank…"}
	case pc.demo:
		return []string{" The demo bank is connecting…"}
	}
	return []string{
		"",
		" No bank connected yet.",
		"",
		" Press " + pc.styles.Bold.Render("L") + " to connect a bank,",
		" or run " + pc.styles.Bold.Render("banktui --demo") + " for the demo bank.",
	}
}

// accountColumns are the widths of the accounts pane for a row width.
type accountColumns struct{ name, typ, amount, avail int }

// accountColumns sizes the columns for a row width: the balance columns fit
// the widest balance listed, taking room from the name, then from the
// type and available columns if the name would shrink below nameMin.
func (p *listPane) accountColumns(w int) accountColumns {
	var cur, avail []string
	for _, a := range p.items() {
		c, v := p.balances(&a)
		cur, avail = append(cur, c), append(avail, v)
	}
	const nameMin = 8
	c := accountColumns{typ: 11, amount: amountWidth(12, cur...), avail: amountWidth(12, avail...)}
	if w < 62 {
		c.typ = 0
	}
	if w < 42 {
		c.avail = 0
	}
	name := func() int {
		n := w - c.amount - 1
		if c.typ > 0 {
			n -= c.typ + 1
		}
		if c.avail > 0 {
			n -= c.avail + 1
		}
		return n
	}
	if name() < nameMin {
		c.typ = 0
	}
	if name() < nameMin {
		c.avail = 0
	}
	c.name = name()
	return c
}

// balances are an account's current and available balance as shown.
func (p *listPane) balances(a *ledger.AccountView) (cur, avail string) {
	pc := p.pc
	cur = "—"
	if a.HasBalance {
		cur = money(a.Current, a.Currency, false, pc.privacy)
		if a.Kind != allKind { // an "All accounts" entry has its net total only
			avail = money(a.Available, a.Currency, false, pc.privacy)
		}
	}
	return cur, avail
}

func (p *listPane) accountHeader(c accountColumns, w int) string {
	s := " " + fit(" Account", c.name)
	if c.typ > 0 {
		s += " " + fit("Type", c.typ)
	}
	s += " " + fitRight("Current", c.amount)
	if c.avail > 0 {
		s += " " + fitRight("Available", c.avail)
	}
	return p.pc.styles.Muted.Render(fit(s, w))
}

func (p *listPane) accountRow(a *ledger.AccountView, c accountColumns) string {
	pc := p.pc
	var b strings.Builder
	b.WriteString(fit(" "+ledger.Sanitize(a.DisplayName), c.name))
	if c.typ > 0 {
		b.WriteString(" " + pc.styles.Muted.Render(fit(titleCase(a.Type), c.typ)))
	}
	cur, avail := p.balances(a)
	b.WriteString(" " + pc.amountStyle(a.Current, a.HasBalance).Render(fitRight(cur, c.amount)))
	if c.avail > 0 {
		b.WriteString(" " + pc.styles.Muted.Render(fitRight(avail, c.avail)))
	}
	return b.String()
}

// amountStyle colours a balance: muted when unknown, red when negative.
func (pc *programContext) amountStyle(a interface{ Sign() int }, has bool) lipgloss.Style {
	switch {
	case !has:
		return pc.styles.Muted
	case a.Sign() < 0:
		return pc.styles.Negative
	}
	return lipgloss.NewStyle()
}
