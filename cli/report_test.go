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
)

// txJSON is what the test reads of transactions --json.
type txJSON struct {
	Date     string          `json:"date"`
	Pending  bool            `json:"pending"`
	Category string          `json:"category"`
	Transfer string          `json:"transfer"`
	Amount   decimal.Decimal `json:"amount"`
	Currency string          `json:"currency"`
}

// independentSums sums transactions --json by itself: per month and
// currency, settled rows that are not a matched transfer, money out and in;
// and spending per category of each month.
type independentSums struct {
	out, in  map[string]decimal.Decimal // "2026-11 GBP"
	category map[string]decimal.Decimal // "2026-11 GBP Shopping / Groceries"
}

func sumTransactions(t *testing.T, h *home) (independentSums, []string) {
	t.Helper()
	var txs []txJSON
	if err := json.Unmarshal([]byte(h.must("transactions", "--json").stdout), &txs); err != nil {
		t.Fatal(err)
	}
	s := independentSums{out: map[string]decimal.Decimal{}, in: map[string]decimal.Decimal{}, category: map[string]decimal.Decimal{}}
	months := map[string]bool{}
	for _, x := range txs {
		if x.Pending || x.Transfer != "" || len(x.Date) < 7 {
			continue
		}
		k := x.Date[:7] + " " + x.Currency
		months[x.Date[:7]] = true
		switch x.Amount.Sign() {
		case -1:
			s.out[k] = s.out[k].Sub(x.Amount)
			s.category[k+" "+x.Category] = s.category[k+" "+x.Category].Sub(x.Amount)
		case 1:
			s.in[k] = s.in[k].Add(x.Amount)
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
	for _, month := range months[len(months)-13:] {
		var spending, income ledger.FlowReport
		decode(t, h.must("report", "spending", "--month", month, "--json").stdout, &spending)
		decode(t, h.must("report", "income", "--month", month, "--json").stdout, &income)
		for _, c := range spending.Currencies {
			k := month + " " + c.Currency
			if !c.Total.Decimal().Equal(sums.out[k]) {
				t.Errorf("%s spending %s, transactions say %s", k, c.Total, sums.out[k])
			}
			for _, it := range c.Items {
				if want := sums.category[k+" "+it.Key]; !it.Amount.Decimal().Equal(want) {
					t.Errorf("%s %s: %s, transactions say %s", k, it.Key, it.Amount, want)
				}
			}
		}
		for _, c := range income.Currencies {
			if k := month + " " + c.Currency; !c.Total.Decimal().Equal(sums.in[k]) {
				t.Errorf("%s income %s, transactions say %s", k, c.Total, sums.in[k])
			}
		}
		if len(spending.Currencies) == 0 || len(income.Currencies) == 0 {
			t.Errorf("%s: no spending or no income", month)
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
