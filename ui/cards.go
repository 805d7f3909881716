package ui

import (
	"strings"

	"github.com/banktui/banktui/ledger"
)

// The cards pane: network, last four, balance and credit used, grouped by bank.

func (p *listPane) viewCards(w, h int) string {
	pc := p.pc
	title := p.title("2 Cards", pc.sync.balances)
	var body []string
	switch {
	case len(pc.bank.cards) > 0:
		amtW := p.cardAmountWidth()
		body = p.render(p.lines(), h-2, w-2, func(c *ledger.AccountView, w int) string { return p.cardRow(c, w, amtW) })
	case pc.bank.loaded:
		body = []string{pc.styles.Muted.Render(" no cards")}
	}
	return p.box(w, h, title, body)
}

// cardRow: network, last four, balance, credit used.
func (p *listPane) cardRow(c *ledger.AccountView, w, amtW int) string {
	pc := p.pc
	showUsed := w-amtW >= 32 // 44 cells with the usual amounts
	digits := "•••• " + ledger.Sanitize(c.PartialCardNumber)
	if pc.privacy {
		digits = "•••• ••••"
	}
	nameW := w - amtW - 1 - 10
	if showUsed {
		nameW -= 10
	}
	name := ledger.Sanitize(c.DisplayName)
	if c.CardNetwork != "" {
		name = titleCase(c.CardNetwork) + " " + name
	}
	var b strings.Builder
	b.WriteString(fit(" "+name, max(1, nameW)))
	b.WriteString(" " + fit(digits, 9))
	b.WriteString(" " + fitRight(p.cardBalance(c), amtW))
	if showUsed {
		b.WriteString(" " + pc.styles.Muted.Render(fitRight(p.creditUsed(c), 9)))
	}
	return b.String()
}

// cardBalance is a card's balance as shown.
func (p *listPane) cardBalance(c *ledger.AccountView) string {
	if !c.HasBalance {
		return "—"
	}
	return money(c.Current, c.Currency, false, p.pc.privacy)
}

// cardAmountWidth fits the widest card balance.
func (p *listPane) cardAmountWidth() int {
	w := 12
	for _, c := range p.items() {
		w = amountWidth(w, p.cardBalance(&c))
	}
	return w
}

// creditUsed is "used 14%" of a card's limit, or "" without a limit.
func (p *listPane) creditUsed(c *ledger.AccountView) string {
	if !c.HasBalance || c.CreditLimit == nil || c.CreditLimit.Sign() <= 0 {
		return ""
	}
	if p.pc.privacy {
		return "used ••%"
	}
	pct := c.Current.Decimal().Abs().Div(c.CreditLimit.Decimal()).Shift(2).Round(0)
	return "used " + pct.String() + "%"
}
