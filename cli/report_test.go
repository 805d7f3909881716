package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// txJSON is what the test reads of transactions --json.
type txJSON struct {
	Date     string          `json:"date"`
	Pending  bool            `json:"pending"`
	Category string          `json:"category"`
	Transfer string          `json:"transfer"`
	Amount   decimal.Decimal `json:"amount"`
	Currency string          `json:"currency"`
	Account  string          `json:"account_id"`
	Merchant string          `json:"merchant_name"`
	Desc     string          `json:"description"`
}

// payee is who a row paid or was paid by, as the reports group it: the
// merchant, else the description without its digits.
func (x txJSON) payee() string {
	if x.Merchant != "" {
		return x.Merchant
	}
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, x.Desc)
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(d, "   ", " "), "  ", " "))
}

// independentSums sums transactions --json by itself: per month and
// currency, settled rows that are not a matched transfer, money out and in;
// and each month's spending and income by category, merchant and account.
type independentSums struct {
	out, in map[string]decimal.Decimal // "2026-11 GBP"
	// by: "spending category 2026-11 GBP Shopping / Groceries", "income
	// merchant 2026-11 GBP ACME LTD", "spending account 2026-11 GBP <id>"
	by map[string]decimal.Decimal
}

func (s independentSums) split(dir, by, monthCurrency, key string) decimal.Decimal {
	return s.by[dir+" "+by+" "+monthCurrency+" "+key]
}

func sumTransactions(t *testing.T, h *home) (independentSums, []string) {
	t.Helper()
	var txs []txJSON
	if err := json.Unmarshal([]byte(h.must("transactions", "--json").stdout), &txs); err != nil {
		t.Fatal(err)
	}
	s := independentSums{out: map[string]decimal.Decimal{}, in: map[string]decimal.Decimal{}, by: map[string]decimal.Decimal{}}
	months := map[string]bool{}
	for _, x := range txs {
		if x.Pending || x.Transfer != "" || len(x.Date) < 7 {
			continue
		}
		k := x.Date[:7] + " " + x.Currency
		months[x.Date[:7]] = true
		dir, side := "income", s.in
		if x.Amount.Sign() < 0 {
			dir, side = "spending", s.out
		}
		side[k] = side[k].Add(x.Amount.Abs())
		for by, key := range map[string]string{"category": x.Category, "merchant": x.payee(), "account": x.Account} {
			bk := dir + " " + by + " " + k + " " + key
			s.by[bk] = s.by[bk].Add(x.Amount.Abs())
		}
	}
	var list []string
	for m := range months {
		list = append(list, m)
	}
	sort.Strings(list)
	return s, list
}

// TestReportTotalsAgreeWithTransactions: every month's spending, income and
// cashflow, and every category's spending, equal sums made here from
// transactions --json (matched transfers, marked "transfer", left out).
func TestReportTotalsAgreeWithTransactions(t *testing.T) {
	h, _ := sharedHome(t)
	sums, months := sumTransactions(t, h)
	if len(months) < 13 {
		t.Fatalf("the demo bank has %d months of history; want a year at least", len(months))
	}
	for i := len(months) - 13; i < len(months); i++ {
		month, before := months[i], months[i-1]
		for _, dir := range []string{"spending", "income"} {
			total := map[string]map[string]decimal.Decimal{"spending": sums.out, "income": sums.in}[dir]
			for _, by := range []string{"category", "merchant", "account"} {
				var rep ledger.FlowReport
				decode(t, h.must("report", dir, "--by", by, "--month", month, "--json").stdout, &rep)
				if len(rep.Currencies) == 0 {
					t.Errorf("%s: no %s", month, dir)
				}
				for _, c := range rep.Currencies {
					k, kb := month+" "+c.Currency, before+" "+c.Currency
					if !c.Total.Decimal().Equal(total[k]) {
						t.Errorf("%s %s %s, transactions say %s", k, dir, c.Total, total[k])
					}
					var items decimal.Decimal
					for _, it := range c.Items {
						items = items.Add(it.Amount.Decimal())
						// Each group's amount, and (month over month) what it was the month before.
						if want := sums.split(dir, by, k, it.Key); !it.Amount.Decimal().Equal(want) {
							t.Errorf("%s %s by %s %q: %s, transactions say %s", k, dir, by, it.Key, it.Amount, want)
						}
						if want := sums.split(dir, by, kb, it.Key); !it.Previous.Decimal().Equal(want) {
							t.Errorf("%s %s by %s %q the month before: %s, transactions say %s", k, dir, by, it.Key, it.Previous, want)
						}
					}
					if !items.Equal(total[k]) {
						t.Errorf("%s %s by %s: the groups add up to %s, the total is %s", k, dir, by, items, total[k])
					}
				}
			}
		}
	}
	last := months[len(months)-1]
	var cash ledger.CashflowReport
	decode(t, h.must("report", "cashflow", "--month", last, "--json").stdout, &cash)
	if len(cash.Currencies) != 1 || len(cash.Currencies[0].Months) != 12 {
		t.Fatalf("cashflow: %+v", cash)
	}
	for _, m := range cash.Currencies[0].Months {
		k := m.Month + " GBP"
		if !m.Spending.Decimal().Equal(sums.out[k]) || !m.Income.Decimal().Equal(sums.in[k]) {
			t.Errorf("cashflow %s: in %s out %s, transactions say in %s out %s", k, m.Income, m.Spending, sums.in[k], sums.out[k])
		}
	}
}

// TestReportJSONIsWhatTheInsightsRead: report --json prints the reports
// the insights pane reads (ledger.Insights) for the same month and accounts.
func TestReportJSONIsWhatTheInsightsRead(t *testing.T) {
	h, _ := sharedHome(t)
	_, months := sumTransactions(t, h)
	month := months[len(months)-2]
	f := h.factory(&IOStreams{})
	st, err := f.Store()
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	zone, err := f.Zone()
	if err != nil {
		t.Fatal(err)
	}
	views, err := f.StoredAccounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	start, _ := time.ParseInLocation("2006-01", month, zone)
	for _, accounts := range [][]string{nil, {views[0].ID}} {
		from, to := ledger.MonthsEnding(start, 1, zone)
		in, err := st.Insights(context.Background(), ledger.TxQuery{AccountIDs: accounts, From: from, To: to, Location: zone})
		if err != nil {
			t.Fatal(err)
		}
		args := []string{"--month", month, "--json"}
		if accounts != nil {
			args = append(args, "--account", views[0].DisplayName)
		}
		top := []string{"--top", "8"}
		for _, c := range []struct {
			report any
			args   []string
		}{
			{in.Spending, append([]string{"report", "spending"}, append(top, args...)...)},
			{in.Merchants, append([]string{"report", "spending", "--by", "merchant"}, append(top, args...)...)},
			{in.Cashflow, append([]string{"report", "cashflow"}, args...)},
			{in.NetWorth, append([]string{"report", "networth"}, args...)},
			{in.Recurring, append([]string{"report", "recurring"}, args...)},
		} {
			raw, err := json.Marshal(c.report)
			if err != nil {
				t.Fatal(err)
			}
			var want, got any
			decode(t, string(raw), &want)
			out := h.must(c.args...).stdout
			if decode(t, out, &got); !reflect.DeepEqual(got, want) {
				t.Errorf("%v:\n%s\nthe insights read:\n%s", c.args, out, raw)
			}
		}
	}
}

func TestReportTablesAndCSV(t *testing.T) {
	h, _ := sharedHome(t)
	out := h.must("report", "spending").stdout
	for _, want := range []string{"spending by category", "CATEGORY", "SHARE", "total GBP"} {
		if !strings.Contains(out, want) {
			t.Errorf("spending table lacks %q:\n%s", want, out)
		}
	}
	recs, err := csv.NewReader(strings.NewReader(h.must("report", "cashflow", "--csv").stdout)).ReadAll()
	if err != nil || len(recs) != 13 || strings.Join(recs[0], ",") != "month,currency,income,spending,net" {
		t.Errorf("cashflow CSV: %d records, %v", len(recs), err)
	}
	out = h.must("report", "recurring").stdout
	for _, want := range []string{"NEXT", "monthly", "monthly cost (transfers left out)"} {
		if !strings.Contains(out, want) {
			t.Errorf("recurring table lacks %q:\n%s", want, out)
		}
	}
	if out := h.must("report", "networth", "--by", "account").stdout; !strings.Contains(out, "Current Account") {
		t.Errorf("networth by account:\n%s", out)
	}
}

func TestReportRefusesBadInput(t *testing.T) {
	h, _ := sharedHome(t)
	for _, c := range []struct {
		phrase string
		args   []string
	}{
		{"no report", []string{"report", "profit"}},
		{"--month", []string{"report", "spending", "--month", "2026-13"}},
		{"exclude each other", []string{"report", "spending", "--month", "2026-10", "--from", "2026-10-01"}},
		{"--json and --csv", []string{"report", "income", "--json", "--csv"}},
		{"--by", []string{"report", "spending", "--by", "weekday"}},
		{"--by applies", []string{"report", "cashflow", "--by", "merchant"}},
		{"--top applies", []string{"report", "recurring", "--top", "3"}},
		{"no account or card", []string{"report", "spending", "--account", "nope"}},
		{"is after", []string{"report", "networth", "--from", "2026-10-10", "--to", "2026-10-01"}},
	} {
		h.expect(exitUsage, []string{c.phrase}, c.args...)
	}
}

func decode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%v in %s", err, s)
	}
}

// TestReportRecurringListsTheBanksPaymentsAndSeries: every active standing
// order and direct debit the bank lists is a recurring payment of its
// account, with its next date and a monthly cost; the card's subscriptions
// are found as monthly series; the monthly cost is the sum of the
// payments' that are not transfers.
func TestReportRecurringListsTheBanksPaymentsAndSeries(t *testing.T) {
	h, srv := sharedHome(t)
	h.env["TZ"] = "UTC"
	var rep ledger.RecurringReport
	decode(t, h.must("report", "recurring", "--json").stdout, &rep)
	got := map[string]ledger.RecurringPayment{}
	monthly := decimal.Zero
	for _, p := range rep.Payments {
		got[p.Source+" "+p.AccountID+" "+p.Payee] = p
		// A payment due later today is next today (the demo bank's are due
		// at 07:00 UTC): next is never before the report's day.
		if p.Next < rep.AsOf || p.MonthlyCost.Sign() <= 0 || p.Amount.Sign() <= 0 {
			t.Errorf("%s %s: next %s (as of %s), amount %s, monthly %s", p.Source, p.Payee, p.Next, rep.AsOf, p.Amount, p.MonthlyCost)
		}
		if !p.Transfer {
			monthly = monthly.Add(p.MonthlyCost.Decimal())
		}
	}
	if len(rep.Monthly) != 1 || !rep.Monthly[0].Amount.Decimal().Equal(monthly) {
		t.Errorf("monthly cost %+v, the payments' add up to %s", rep.Monthly, monthly)
	}
	truth := srv.Truth("john", truelayertest.ProviderNorthgate)
	var bank int
	for _, a := range truth.Accounts {
		for _, so := range a.StandingOrders {
			p, ok := got[ledger.SourceStandingOrder+" "+a.ID+" "+so.Payee]
			if want := so.NextPaymentDate.Time.UTC().Format(time.DateOnly); !ok || p.Next != want {
				t.Errorf("standing order to %s: %+v, want next %s", so.Payee, p, want)
			}
			bank++
		}
		for _, dd := range a.DirectDebits {
			if dd.Status != "Active" {
				continue
			}
			if p, ok := got[ledger.SourceDirectDebit+" "+a.ID+" "+dd.Name]; !ok || p.Interval != "monthly" {
				t.Errorf("direct debit %s: %+v", dd.Name, p)
			}
			bank++
		}
	}
	if bank < 5 {
		t.Errorf("the demo bank lists %d standing orders and direct debits", bank)
	}
	card := truth.Cards[0].ID
	for _, sub := range []string{"Netflix", "Spotify", "Amazon Prime", "Apple", "Disney+"} {
		p, ok := got[ledger.SourceDetected+" "+card+" "+sub]
		if !ok || p.Interval != "monthly" || !p.MonthlyCost.Equal(p.Amount) || p.Count < 12 {
			t.Errorf("subscription %s: %+v", sub, p)
		}
	}
}

// TestReportsCountWhatBalanceCounts: after a logout, the reports over
// every account leave that connection's accounts out as balance's totals
// do; net worth today is balance's total; --account still reads them.
func TestReportsCountWhatBalanceCounts(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t, "ob-northgate", "ob-nova")
	h.must("sync")
	h.must("logout", "ob-nova")
	nova := srv.Truth("john", truelayertest.ProviderNova).Accounts[0].ID
	bal := parseBalance(t, h.must("balance", "--offline", "--json").stdout)
	var nw ledger.NetWorthReport
	decode(t, h.must("report", "networth", "--json").stdout, &nw)
	if len(nw.Totals) != 1 || len(bal.Totals) != 1 || !nw.Totals[0].Last().Equal(bal.Totals[0].Total) {
		t.Errorf("net worth today %+v, balance's total %+v", nw.Totals, bal.Totals)
	}
	for _, a := range nw.Accounts {
		if a.AccountID == nova {
			t.Errorf("net worth counts Nova's account after logout")
		}
	}
	var spending ledger.FlowReport
	decode(t, h.must("report", "spending", "--by", "account", "--json").stdout, &spending)
	for _, c := range spending.Currencies {
		for _, it := range c.Items {
			if it.Key == nova {
				t.Errorf("spending counts Nova's account after logout: %+v", it)
			}
		}
	}
	var named ledger.CashflowReport
	decode(t, h.must("report", "cashflow", "--account", nova, "--json").stdout, &named)
	if len(named.Currencies) != 1 || named.Currencies[0].Spending.Sign() == 0 {
		t.Errorf("Nova's own cashflow: %+v", named.Currencies)
	}
}

// TestReportNetWorthFollowsTheRunningBalances: net worth is walked back
// from the latest balance through the stored rows; at the end of every
// day of a month, and of every month of a year, each account's point is
// the running balance the bank put on its last transaction by then (a
// card's negated: it is owed), read from transactions --json.
func TestReportNetWorthFollowsTheRunningBalances(t *testing.T) {
	h, _ := sharedHome(t)
	h.env["TZ"] = "UTC"
	var txs []struct {
		Account   string `json:"account_id"`
		Pending   bool   `json:"pending"`
		Date      string `json:"date"`
		Timestamp string `json:"timestamp"`
		Running   *struct {
			Amount decimal.Decimal `json:"amount"`
		} `json:"running_balance"`
	}
	decode(t, h.must("transactions", "--json").stdout, &txs)
	type last struct {
		at      time.Time
		balance decimal.Decimal
	}
	byDay := map[string]map[string]last{} // account -> day -> the day's last running balance
	for _, x := range txs {
		at, err := time.Parse(time.RFC3339, x.Timestamp)
		if x.Pending || x.Running == nil || err != nil {
			continue
		}
		if byDay[x.Account] == nil {
			byDay[x.Account] = map[string]last{}
		}
		if l, ok := byDay[x.Account][x.Date]; !ok || at.After(l.at) {
			byDay[x.Account][x.Date] = last{at, x.Running.Amount}
		}
	}
	// balanceBy is the running balance after the account's last row on or before the day.
	balanceBy := func(account, day string) (decimal.Decimal, bool) {
		best := ""
		for d := range byDay[account] {
			if d <= day && d > best {
				best = d
			}
		}
		return byDay[account][best].balance, best != ""
	}
	now := time.Now().UTC()
	lastMonth := now.AddDate(0, -1, -now.Day()+1).Format("2006-01")
	checked := 0
	for _, args := range [][]string{{"--month", lastMonth}, {"--from", now.AddDate(-1, 0, 0).Format(time.DateOnly), "--to", now.Format(time.DateOnly)}} {
		var nw ledger.NetWorthReport
		decode(t, h.must(append([]string{"report", "networth", "--by", "account", "--json"}, args...)...).stdout, &nw)
		for _, a := range nw.Accounts {
			for _, p := range a.Points {
				day := p.Date
				if nw.Step == ledger.StepMonth { // the month's last day
					m, _ := time.Parse("2006-01", p.Date)
					day = m.AddDate(0, 1, -1).Format(time.DateOnly)
				}
				want, ok := balanceBy(a.AccountID, day)
				if !ok {
					continue
				}
				if a.Kind == ledger.KindCard {
					want = want.Neg()
				}
				if !p.Balance.Decimal().Equal(want) {
					t.Errorf("%s (%s) on %s: %s, running balance %s", a.Name, nw.Step, p.Date, p.Balance, want)
				}
				checked++
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d points checked", checked)
	}
}
