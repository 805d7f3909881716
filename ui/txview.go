package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/ledger"
)

// txColumns are the column widths of the transactions pane for an inner
// width; account is 0 unless the list holds several accounts' rows.
type txColumns struct{ account, label, category, amount, balance int }

// wideTx is the inner width from which the columns widen: whole category
// labels ("Standing order") and seven-figure amounts, the rest to the
// description.
const wideTx = 100

// txColumnsFor sizes the columns for an inner width; amount and balance
// are the widest of the rows on screen, which the columns grow to fit.
func txColumnsFor(w int, multi bool, amount, balance int) txColumns {
	// mark(1) date(10) and a space between every column
	c := txColumns{amount: 12, balance: 11, category: 12}
	if w >= wideTx {
		c = txColumns{amount: 14, balance: 14, category: clamp(w/7, 14, 22)}
	}
	c.amount, c.balance = max(c.amount, amount), max(c.balance, balance)
	if multi && w >= 60 {
		c.account = clamp(w/8, 8, 18)
	}
	// Each row's running balance is its own account's: below the wide
	// layout a list of several accounts gives its room to the description.
	if w < 66 || (multi && w < wideTx) {
		c.balance = 0
	}
	if w < 54 {
		c.category = 0
	}
	used := 2 + 10 + 1 + c.amount + 1
	if c.account > 0 {
		used += c.account + 1
	}
	if c.category > 0 {
		used += c.category + 1
	}
	if c.balance > 0 {
		used += c.balance + 1
	}
	c.label = max(4, w-used)
	return c
}

// window is the first and end row on screen for a list height.
func (p *transactionsPane) window(height int) (start, end int) {
	l := &p.list
	start = clamp(l.offset, 0, max(0, len(l.views)-height))
	return start, min(len(l.views), start+height)
}

// listHeight is how many rows the pane shows in h lines.
func (p *transactionsPane) listHeight(h int) int {
	height := max(1, h-3)
	if p.filtered() {
		height = max(1, height-1)
	}
	return height
}

// columns sizes the columns for the rows on screen.
func (p *transactionsPane) columns(inner, h int) txColumns {
	start, end := p.window(p.listHeight(h))
	amount, balance := 0, 0
	for i := start; i < end; i++ {
		v := &p.list.views[i]
		amount = amountWidth(amount, money(v.Amount, v.Currency, true, p.pc.privacy))
		if v.RunningBalance != nil {
			balance = amountWidth(balance, money(*v.RunningBalance, v.Currency, false, p.pc.privacy))
		}
	}
	return txColumnsFor(inner, p.list.scope.multi, amount, balance)
}

// View draws the pane in a w×h box.
func (p transactionsPane) View(w, h int) string {
	pc := p.pc
	l := &p.list
	focused := pc.focus == paneTransactions || (pc.focus == paneDetail && p.stacked)
	inner := w - 2
	height := p.listHeight(h)
	cols := p.columns(inner, h)
	body := make([]string, 0, h-2)
	body = append(body, pc.styles.Muted.Render(p.header(cols, inner)))
	switch {
	case l.scope.id == "":
		body = append(body, pc.styles.Muted.Render(" select an account or card"))
	case l.err != "":
		body = append(body, pc.styles.Error.Render(" "+ledger.Sanitize(firstLine(l.err))))
	case !l.loaded && l.loading:
		body = append(body, " "+pc.spin()+" loading transactions…")
	case len(l.views) == 0 && !l.narrowed() && l.period.all():
		body = append(body, pc.styles.Muted.Render(" no transactions stored yet"))
	case len(l.views) == 0:
		body = append(body, pc.styles.Muted.Render(" nothing matches"))
	default:
		start, end := p.window(height)
		for i := start; i < end; i++ {
			body = append(body, p.row(i, cols, inner, i == l.cursor, pc.focus == paneTransactions))
		}
	}
	if p.filtered() {
		for len(body) < h-3 {
			body = append(body, "")
		}
		body = append(body, p.filterLine(inner))
	}
	return strings.Join(pc.boxFoot(w, h, p.title(), p.list.flows(pc.privacy), focused, body), "\n")
}

// title names the pane, says how many rows the period shown holds, the
// period, and the account.
func (p *transactionsPane) title() string {
	pc := p.pc
	l := &p.list
	title := " 3 Transactions "
	if l.loading || (pc.sync.running && !pc.sync.balances) {
		title += pc.spin() + " "
	}
	if l.loaded {
		title += "· " + l.countLabel() + " "
	}
	title += "· " + l.period.String() + " "
	if l.hidePending {
		title += "· pending hidden "
	}
	if l.scope.label != "" {
		title += "· " + l.scope.label + " "
	}
	if a := pc.bank.find(l.scope.id); a != nil {
		title += "· " + ledger.Sanitize(a.DisplayName) + " "
		switch {
		case a.Kind == ledger.KindCard && a.PartialCardNumber != "":
			title += maskNumber("•••• "+a.PartialCardNumber, pc.privacy) + " "
		case a.Number != "":
			title += maskNumber(a.Number, pc.privacy) + " "
		}
	}
	return title
}

func (p *transactionsPane) header(c txColumns, w int) string {
	arrow := func(col sortColumn) string {
		switch {
		case p.list.sortCol != col:
			return ""
		case p.list.desc:
			return "▼"
		}
		return "▲"
	}
	var b strings.Builder
	b.WriteString("  " + fit("Date"+arrow(sortDate), 10) + " ")
	if c.account > 0 {
		b.WriteString(fit("Account", c.account) + " ")
	}
	b.WriteString(fit("Description"+arrow(sortDescription), c.label))
	if c.category > 0 {
		b.WriteString(" " + fit("Category"+arrow(sortCategory), c.category))
	}
	b.WriteString(" " + fitRight("Amount"+arrow(sortAmount), c.amount))
	if c.balance > 0 {
		b.WriteString(" " + fitRight("Balance"+arrow(sortBalance), c.balance))
	}
	return fit(b.String(), w)
}

// row renders the window's row i. Money in carries "+", money out "-", and
// pending rows a ◌ mark, so none of it depends on colour.
func (p *transactionsPane) row(i int, c txColumns, w int, selected, focused bool) string {
	pc := p.pc
	r, v := &p.list.rows[i], &p.list.views[i]
	mark := " "
	if r.pending {
		mark = "◌"
	}
	var b strings.Builder
	b.Grow(w + 32)
	b.WriteString(mark)
	b.WriteByte(' ')
	b.WriteString(r.date)
	b.WriteByte(' ')
	if c.account > 0 {
		b.WriteString(fit(r.account, c.account))
		b.WriteByte(' ')
	}
	b.WriteString(fit(r.label, c.label))
	if c.category > 0 {
		b.WriteByte(' ')
		b.WriteString(fit(r.category, c.category))
	}
	b.WriteByte(' ')
	prefix := b.String()
	amount := fitRight(money(v.Amount, v.Currency, true, pc.privacy), c.amount)
	bal := ""
	if c.balance > 0 {
		bs := ""
		if v.RunningBalance != nil {
			bs = money(*v.RunningBalance, v.Currency, false, pc.privacy)
		}
		bal = " " + fitRight(bs, c.balance)
	}
	switch {
	case selected && focused:
		return pc.paints.selected.on(fit(prefix+amount+bal, w))
	case selected:
		return pc.paints.selectedBlur.on(fit(prefix+amount+bal, w))
	case r.pending:
		return pc.paints.pending.on(fit(prefix+amount+bal, w))
	}
	paint := pc.paints.positive
	if v.Amount.Sign() < 0 {
		paint = pc.paints.negative
	}
	return prefix + paint.on(amount) + pc.paints.muted.on(bal)
}

func (p *transactionsPane) filterLine(w int) string {
	st := &p.pc.styles
	var line string
	if p.editing {
		line = p.input.View()
	} else {
		line = st.Muted.Render("/" + ledger.Sanitize(p.list.filter.raw) + "  (/ edit, esc clears)")
	}
	if len(p.list.filter.problems) > 0 {
		line += "  " + st.Error.Render(ledger.Sanitize(strings.Join(p.list.filter.problems, "; ")))
	}
	return ansi.Truncate(line, w, "…")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
