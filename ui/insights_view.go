package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/banktui/banktui/ledger"
)

// View draws the pane in a w×h box: one column of sections, scrolled.
func (p insightsPane) View(w, h int) string {
	inner := w - 2
	lines, cursorLine := p.lines(inner)
	rows := max(1, h-2)
	off := p.offset
	if off < 0 { // bring the cursor into sight
		off = clamp(cursorLine-rows/3, 0, max(0, len(lines)-rows))
	}
	off = clamp(off, 0, max(0, len(lines)-rows))
	return strings.Join(p.pc.box(w, h, p.title(), p.pc.focus == paneInsights, lines[off:]), "\n")
}

func (p *insightsPane) title() string {
	from, to := p.period()
	period := from.Format("Jan 2006")
	if p.year {
		period = from.Format("Jan 2006") + " – " + to.AddDate(0, 0, -1).Format("Jan 2006")
	}
	who := "all accounts"
	if len(p.accounts) == 1 {
		if a := p.pc.bank.find(p.accounts[0]); a != nil {
			who = ledger.Sanitize(a.DisplayName)
		}
	} else if len(p.accounts) > 1 {
		who = strconv.Itoa(len(p.accounts)) + " accounts"
	}
	return " 4 Insights · " + period + " · " + who + " "
}

// lines are the pane's body at width w, and the line of the cursor's bar.
func (p *insightsPane) lines(w int) ([]string, int) {
	st := &p.pc.styles
	switch {
	case p.src == nil:
		return []string{st.Muted.Render(" nothing stored yet")}, 0
	case p.err != "":
		return []string{st.Error.Render(" " + fit(ledger.Sanitize(firstLine(p.err)), w-1))}, 0
	case p.data == nil:
		return []string{st.Muted.Render(" " + p.pc.spin() + " reading…")}, 0
	}
	d := p.data
	var out []string
	cursorLine, target := 0, 0
	selectable := func(line string, ok bool) string {
		if ok {
			if target == p.cursor {
				cursorLine = len(out)
				if p.pc.focus == paneInsights {
					line = st.Selected.Render(fit(line, w))
				}
			}
			target++
		}
		return line
	}
	section := func(title string) {
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, " "+st.Bold.Render(title))
	}
	prev := ledger.Sanitize(d.Spending.PreviousFrom.Format("Jan 2006"))
	if p.year {
		prev = "the 12 months before"
	}
	section("Spending by category")
	out = p.flowBars(out, d.Spending, w, selectable)
	section("Change from " + prev)
	out = p.changes(out, d.Spending, w)
	section("Spending by merchant")
	out = p.flowBars(out, d.Merchants, w, selectable)
	section("Income and spending by month")
	out = p.cashflow(out, d.Cashflow, w)
	section("Net worth")
	out = p.networth(out, d.NetWorth, w)
	section("Recurring payments")
	out = p.recurring(out, d.Recurring, w)
	return out, cursorLine
}

// amount is money for the pane: masked in privacy mode.
func (p *insightsPane) amount(a ledger.Amount, currency string, signed bool) string {
	return money(a, currency, signed, p.pc.privacy)
}

// labelWidth is the width of the labels before the bars.
func labelWidth(w int) int { return clamp(w/3, 8, 28) }

// fitLabel fits a bar's label in w cells; a category too long for them
// keeps its last level whole and cuts the ones before ("Auto &… / Public
// transport", "… / Council tax"): the last level tells it from its
// siblings, where cutting the end would not.
func fitLabel(label string, w int) string {
	i := strings.LastIndex(label, " / ")
	if i < 0 || cellWidth(label) <= w {
		return fit(label, w)
	}
	first, last := label[:i], label[i:]
	if room := w - cellWidth(last); room >= 5 {
		return fit(fit(first, room)+last, w)
	}
	return fit("…"+last, w)
}

// flowBars draws one bar per item: label, bar, amount, share.
func (p *insightsPane) flowBars(out []string, r ledger.FlowReport, w int, selectable func(string, bool) string) []string {
	st := &p.pc.styles
	if len(r.Currencies) == 0 {
		return append(out, st.Muted.Render("  no spending in this period"))
	}
	lw := labelWidth(w)
	for _, c := range r.Currencies {
		if len(r.Currencies) > 1 {
			out = append(out, st.Muted.Render("  "+ledger.Sanitize(c.Currency)+" · total "+p.amount(c.Total, c.Currency, false)))
		}
		amountW := 0
		var most ledger.Amount // the longest bar's
		for _, it := range c.Items {
			amountW = max(amountW, cellWidth(p.amount(it.Amount, c.Currency, false)))
			if it.Amount.GreaterThan(most) {
				most = it.Amount
			}
		}
		barW := max(4, w-lw-amountW-12)
		for _, it := range c.Items {
			if it.Amount.Sign() == 0 {
				continue // only in the period before: see the changes
			}
			line := "  " + fitLabel(ledger.Sanitize(it.Label), lw) + " " + st.Header.Render(bar(fraction(it.Amount, most), barW)) + " " +
				fitRight(p.amount(it.Amount, c.Currency, false), amountW) + " " + fitRight(percentText(it.Share), 6)
			out = append(out, selectable(line, !it.Other))
		}
	}
	return out
}

func percentText(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

// changes lists each category's change from the period before, biggest
// moves first, with an arrow that says the direction without colour.
func (p *insightsPane) changes(out []string, r ledger.FlowReport, w int) []string {
	st := &p.pc.styles
	lw := labelWidth(w)
	n := 0
	for _, c := range r.Currencies {
		for _, it := range c.Items {
			if it.Other {
				continue
			}
			ch := it.Change()
			arrow, style := "=", st.Muted
			switch ch.Sign() {
			case 1:
				arrow, style = "▲", st.Negative // spending up
			case -1:
				arrow, style = "▼", st.Positive
			}
			pct := "new"
			if it.Previous.Sign() != 0 {
				f, _ := ch.Decimal().Div(it.Previous.Decimal()).Float64()
				pct = fmt.Sprintf("%+.0f%%", 100*f)
			}
			line := "  " + fitLabel(ledger.Sanitize(it.Label), lw) + " " + style.Render(arrow+" "+p.amount(ch, c.Currency, true)) +
				st.Muted.Render(" ("+pct+", was "+p.amount(it.Previous, c.Currency, false)+")")
			out = append(out, line)
			n++
		}
	}
	if n == 0 {
		out = append(out, st.Muted.Render("  nothing to compare"))
	}
	return out
}

// cashflow draws two bars a month, money in and money out, and the net.
func (p *insightsPane) cashflow(out []string, r ledger.CashflowReport, w int) []string {
	st := &p.pc.styles
	if len(r.Currencies) == 0 {
		return append(out, st.Muted.Render("  no income or spending"))
	}
	for _, c := range r.Currencies {
		var most ledger.Amount
		netW := 0
		for _, m := range c.Months {
			if m.Income.GreaterThan(most) {
				most = m.Income
			}
			if m.Spending.GreaterThan(most) {
				most = m.Spending
			}
			netW = max(netW, cellWidth(p.amount(m.Net, c.Currency, true)))
		}
		barW := max(3, (w-10-netW-14)/2)
		for _, m := range c.Months {
			t, _ := time.Parse("2006-01", m.Month)
			in, outBar := fraction(m.Income, most), fraction(m.Spending, most)
			line := "  " + t.Format("Jan 06") + " in " + st.Positive.Render(bar(in, barW)) + " out " + st.Negative.Render(bar(outBar, barW)) +
				" " + fitRight(p.amount(m.Net, c.Currency, true), netW)
			out = append(out, line)
		}
		out = append(out, st.Muted.Render(fmt.Sprintf("  %s: in %s, out %s, net %s", ledger.Sanitize(c.Currency),
			p.amount(c.Income, c.Currency, false), p.amount(c.Spending, c.Currency, false), p.amount(c.Net, c.Currency, true))))
	}
	return out
}

// fraction is a/of as a float (0 when of is 0).
func fraction(a, of ledger.Amount) float64 {
	if of.Sign() == 0 {
		return 0
	}
	f, _ := a.Decimal().Div(of.Decimal()).Float64()
	return f
}

// networthHeight is how many rows the net worth line takes.
const networthHeight = 5

// networth draws each currency's net worth as a line, with its range, and
// each account's latest balance.
func (p *insightsPane) networth(out []string, r ledger.NetWorthReport, w int) []string {
	st := &p.pc.styles
	if len(r.Totals) == 0 {
		return append(out, st.Muted.Render("  no balances stored yet"))
	}
	for _, t := range r.Totals {
		if len(t.Points) == 0 {
			continue
		}
		values := seriesValues(t)
		lo, hi := t.Points[0].Balance, t.Points[0].Balance
		for _, pt := range t.Points {
			if pt.Balance.LessThan(lo) {
				lo = pt.Balance
			}
			if pt.Balance.GreaterThan(hi) {
				hi = pt.Balance
			}
		}
		axisW := max(cellWidth(p.amount(hi, t.Currency, false)), cellWidth(p.amount(lo, t.Currency, false)))
		chart := lineChart(values, max(4, w-axisW-4), networthHeight)
		for i, row := range chart {
			axis := ""
			switch i {
			case 0:
				axis = p.amount(hi, t.Currency, false)
			case len(chart) - 1:
				axis = p.amount(lo, t.Currency, false)
			}
			out = append(out, "  "+st.Muted.Render(fitRight(axis, axisW))+" "+st.Header.Render(row))
		}
		out = append(out, st.Muted.Render(fmt.Sprintf("  %s to %s · now %s", t.Points[0].Date, t.Points[len(t.Points)-1].Date,
			p.amount(t.Last(), t.Currency, false))))
	}
	// Each account: its balance over the period as a sparkline, and now.
	lw, amountW := labelWidth(w), 0
	for _, a := range r.Accounts {
		amountW = max(amountW, cellWidth(p.amount(a.Last(), a.Currency, true)))
	}
	sparkW := w - 2 - lw - 1 - 1 - amountW - 1
	if sparkW < 4 {
		sparkW = 0
	}
	for _, a := range r.Accounts {
		line := "  " + fit(ledger.Sanitize(a.Name), lw) + " "
		if sparkW > 0 {
			line += st.Header.Render(fit(sparkline(seriesValues(a), sparkW), sparkW)) + " "
		}
		out = append(out, line+fitRight(p.amount(a.Last(), a.Currency, true), amountW))
	}
	return out
}

// seriesValues are a balance series' points as numbers to draw.
func seriesValues(s ledger.BalanceSeries) []float64 {
	values := make([]float64, len(s.Points))
	for i, pt := range s.Points {
		values[i], _ = pt.Balance.Decimal().Float64()
	}
	return values
}

// recurring lists the payments by next date, with their source, and the
// monthly cost.
func (p *insightsPane) recurring(out []string, r ledger.RecurringReport, w int) []string {
	st := &p.pc.styles
	if len(r.Payments) == 0 {
		return append(out, st.Muted.Render("  none found"))
	}
	// Columns: next, payee, transfer mark, amount, how often (and the monthly
	// cost when it is not the amount), source.
	every := make([]string, len(r.Payments))
	everyW, amountW := 11, 0
	for i, pay := range r.Payments {
		amountW = max(amountW, cellWidth(p.amount(pay.Amount, pay.Currency, false)))
		every[i] = ledger.Sanitize(pay.Interval)
		if !pay.MonthlyCost.Equal(pay.Amount) {
			every[i] += ", " + p.amount(pay.MonthlyCost, pay.Currency, false) + " a month"
		}
		everyW = max(everyW, cellWidth(every[i]))
	}
	// The source goes first when narrow: the payee says more.
	payeeW, source := w-2-6-1-1-1-1-amountW-1-everyW, true
	if payeeW-1-len("standing order") >= 16 {
		payeeW -= 1 + len("standing order")
	} else {
		source = false
	}
	payeeW = clamp(payeeW, 8, 28)
	for i, pay := range r.Payments {
		next := pay.Next
		if t, err := time.Parse(time.DateOnly, next); err == nil {
			next = t.Format("02 Jan")
		}
		mark := " "
		if pay.Transfer {
			mark = "⇄" // to your own account: not a cost
		}
		line := "  " + fit(next, 6) + " " + fit(ledger.Sanitize(pay.Payee), payeeW) + " " + mark + " " +
			fitRight(p.amount(pay.Amount, pay.Currency, false), amountW) + " " +
			st.Muted.Render(fit(every[i], everyW))
		if source {
			line += " " + st.Muted.Render(pay.SourceName())
		}
		out = append(out, fit(line, w))
	}
	for _, m := range r.Monthly {
		out = append(out, st.Muted.Render("  monthly cost "+p.amount(m.Amount, m.Currency, false)+" (⇄ transfers left out)"))
	}
	return out
}
