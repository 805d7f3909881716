package cli

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/banktui/banktui/ledger"
)

// The tables and CSV of banktui report. Bank text is sanitised; amounts
// are ledger.FormatMoney in tables and ledger.PlainAmount in CSV.

func flowsTable(w io.Writer, r ledger.FlowReport) error {
	if len(r.Currencies) == 0 {
		_, err := fmt.Fprintf(w, "no %s from %s to %s\n", r.Direction, day(r.From), lastDay(r.To))
		return err
	}
	head := map[string]string{ledger.ByCategory: "CATEGORY", ledger.ByMerchant: "MERCHANT", ledger.ByAccount: "ACCOUNT"}[r.By]
	fmt.Fprintf(w, "%s by %s, %s to %s (before: %s to %s)\n", r.Direction, r.By, day(r.From), lastDay(r.To), day(r.PreviousFrom), lastDay(r.PreviousTo))
	t := newTable(head, " AMOUNT", " SHARE", " ROWS", " BEFORE", " CHANGE")
	for _, c := range r.Currencies {
		for _, it := range c.Items {
			t.row(truncate(ledger.Sanitize(it.Label), 40), ledger.FormatMoney(it.Amount, c.Currency), percent(it.Share),
				strconv.Itoa(it.Count), ledger.FormatMoney(it.Previous, c.Currency), ledger.FormatSignedMoney(it.Change(), c.Currency))
		}
		t.row("total "+ledger.Sanitize(c.Currency), ledger.FormatMoney(c.Total, c.Currency), "", strconv.Itoa(c.Count),
			ledger.FormatMoney(c.Previous, c.Currency), ledger.FormatSignedMoney(c.Total.Sub(c.Previous), c.Currency))
	}
	return t.write(w)
}

func flowsCSV(w io.Writer, r ledger.FlowReport) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"currency", r.By, "amount", "share", "count", "previous", "other"})
	for _, c := range r.Currencies {
		for _, it := range c.Items {
			cw.Write([]string{c.Currency, ledger.Sanitize(it.Label), ledger.PlainAmount(it.Amount, c.Currency),
				strconv.FormatFloat(it.Share, 'f', 4, 64), strconv.Itoa(it.Count), ledger.PlainAmount(it.Previous, c.Currency),
				strconv.FormatBool(it.Other)})
		}
	}
	cw.Flush()
	return cw.Error()
}

func cashflowTable(w io.Writer, r ledger.CashflowReport) error {
	if len(r.Currencies) == 0 {
		_, err := fmt.Fprintf(w, "no income or spending from %s to %s\n", day(r.From), lastDay(r.To))
		return err
	}
	t := newTable("MONTH", "CURRENCY", " INCOME", " SPENDING", " NET")
	for _, c := range r.Currencies {
		for _, m := range c.Months {
			t.row(m.Month, ledger.Sanitize(c.Currency), ledger.FormatMoney(m.Income, c.Currency),
				ledger.FormatMoney(m.Spending, c.Currency), ledger.FormatSignedMoney(m.Net, c.Currency))
		}
		t.row("total", ledger.Sanitize(c.Currency), ledger.FormatMoney(c.Income, c.Currency),
			ledger.FormatMoney(c.Spending, c.Currency), ledger.FormatSignedMoney(c.Net, c.Currency))
	}
	return t.write(w)
}

func cashflowCSV(w io.Writer, r ledger.CashflowReport) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"month", "currency", "income", "spending", "net"})
	for _, c := range r.Currencies {
		for _, m := range c.Months {
			cw.Write([]string{m.Month, c.Currency, ledger.PlainAmount(m.Income, c.Currency),
				ledger.PlainAmount(m.Spending, c.Currency), ledger.PlainAmount(m.Net, c.Currency)})
		}
	}
	cw.Flush()
	return cw.Error()
}

func recurringTable(w io.Writer, r ledger.RecurringReport, names map[string]string) error {
	if len(r.Payments) == 0 {
		_, err := fmt.Fprintf(w, "no recurring payments as of %s\n", r.AsOf)
		return err
	}
	t := newTable("NEXT", "PAYEE", "ACCOUNT", " AMOUNT", "EVERY", " MONTHLY", "SOURCE")
	for _, p := range r.Payments {
		source := p.SourceName()
		if p.Transfer {
			source += ", transfer"
		}
		t.row(p.Next, truncate(ledger.Sanitize(p.Payee), 32), truncate(ledger.Sanitize(names[p.AccountID]), 24),
			ledger.FormatMoney(p.Amount, p.Currency), ledger.Sanitize(p.Interval), ledger.FormatMoney(p.MonthlyCost, p.Currency), source)
	}
	for _, m := range r.Monthly {
		t.row("", "monthly cost (transfers left out)", "", "", "", ledger.FormatMoney(m.Amount, m.Currency), "")
	}
	return t.write(w)
}

func recurringCSV(w io.Writer, r ledger.RecurringReport) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"next", "payee", "account_id", "currency", "amount", "interval", "last", "monthly_cost", "source", "transfer", "count"})
	for _, p := range r.Payments {
		cw.Write([]string{p.Next, ledger.Sanitize(p.Payee), p.AccountID, p.Currency, ledger.PlainAmount(p.Amount, p.Currency),
			ledger.Sanitize(p.Interval), p.Last, ledger.PlainAmount(p.MonthlyCost, p.Currency), p.Source,
			strconv.FormatBool(p.Transfer), strconv.Itoa(p.Count)})
	}
	cw.Flush()
	return cw.Error()
}

// networthSeries is what a net worth report prints: the totals, or each
// account.
func networthSeries(r ledger.NetWorthReport, perAccount bool) []ledger.BalanceSeries {
	if perAccount {
		return r.Accounts
	}
	return r.Totals
}

func networthTable(w io.Writer, r ledger.NetWorthReport, perAccount bool) error {
	series := networthSeries(r, perAccount)
	if len(series) == 0 {
		_, err := fmt.Fprintln(w, "no balances stored: run banktui sync")
		return err
	}
	t := newTable("DATE", "ACCOUNT", " BALANCE")
	for _, s := range series {
		name := "net worth " + ledger.Sanitize(s.Currency)
		if perAccount {
			name = ledger.Sanitize(s.Name)
		}
		for _, p := range s.Points {
			t.row(p.Date, truncate(name, 32), ledger.FormatMoney(p.Balance, s.Currency))
		}
	}
	return t.write(w)
}

func networthCSV(w io.Writer, r ledger.NetWorthReport, perAccount bool) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"date", "account_id", "name", "currency", "balance"})
	for _, s := range networthSeries(r, perAccount) {
		for _, p := range s.Points {
			cw.Write([]string{p.Date, s.AccountID, ledger.Sanitize(s.Name), s.Currency, ledger.PlainAmount(p.Balance, s.Currency)})
		}
	}
	cw.Flush()
	return cw.Error()
}

func percent(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

func day(t time.Time) string { return t.Format(time.DateOnly) }

// lastDay is the day before an exclusive end.
func lastDay(t time.Time) string { return t.AddDate(0, 0, -1).Format(time.DateOnly) }
