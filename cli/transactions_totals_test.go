package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

// transactions follows its table with the totals line, summed here from
// transactions --json by itself (every row counted, matched transfers
// neither in nor out); --json stays an array, --json --totals carries the
// same figures; --limit says how many of them it shows.
func TestTransactionsTotalsLine(t *testing.T) {
	h, _ := sharedHome(t)
	// Last month: the demo bank's two years of history end now, so a fixed
	// month (October 2026 was) falls out of it.
	now := time.Now()
	lastMonth := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, time.Local)
	for _, args := range [][]string{
		{"transactions"},
		{"transactions", "--category", "groceries", "--from", lastMonth.Format(time.DateOnly), "--to", lastMonth.AddDate(0, 1, -1).Format(time.DateOnly)},
		{"transactions", "--settled", "--search", "tesco"},
	} {
		var txs []txJSON
		decode(t, h.must(append(args, "--json")...).stdout, &txs)
		if len(txs) == 0 {
			t.Fatalf("%v: nothing to sum", args)
		}
		count := map[string]int{}
		in, out := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
		var curs []string
		for _, x := range txs {
			if count[x.Currency]++; count[x.Currency] == 1 {
				curs = append(curs, x.Currency)
			}
			switch {
			case x.Transfer != "":
			case x.Amount.Sign() > 0:
				in[x.Currency] = in[x.Currency].Add(x.Amount)
			default:
				out[x.Currency] = out[x.Currency].Add(x.Amount)
			}
		}
		slices.Sort(curs) // the line lists currencies in order
		var parts []string
		for _, c := range curs {
			money := func(d decimal.Decimal) string { return ledger.FormatSignedMoney(truelayer.AmountFromDecimal(d), c) }
			parts = append(parts, "in "+money(in[c])+" · out "+money(out[c])+" · net "+money(in[c].Add(out[c])))
		}
		want := ledger.FormatCount(len(txs)) + " transactions · " + strings.Join(parts, " | ")
		lines := strings.Split(strings.TrimSpace(h.must(args...).stdout), "\n")
		if got := lines[len(lines)-1]; got != want {
			t.Errorf("%v: the table ends with\n%q, want\n%q", args, got, want)
		}
		var withTotals struct {
			Transactions []txJSON `json:"transactions"`
			Totals       []struct {
				Currency string          `json:"currency"`
				Count    int             `json:"count"`
				MoneyIn  decimal.Decimal `json:"money_in"`
				MoneyOut decimal.Decimal `json:"money_out"`
				Net      decimal.Decimal `json:"net"`
			} `json:"totals"`
		}
		decode(t, h.must(append(args, "--json", "--totals")...).stdout, &withTotals)
		if len(withTotals.Transactions) != len(txs) || len(withTotals.Totals) != len(curs) {
			t.Fatalf("%v --json --totals: %d rows, %d totals; want %d and %d", args, len(withTotals.Transactions), len(withTotals.Totals), len(txs), len(curs))
		}
		for _, b := range withTotals.Totals {
			c := b.Currency
			if b.Count != count[c] || !b.MoneyIn.Equal(in[c]) || !b.MoneyOut.Equal(out[c].Neg()) || !b.Net.Equal(in[c].Add(out[c])) {
				t.Errorf("%v --json --totals %s: %+v; want %d rows, in %s, out %s", args, c, b, count[c], in[c], out[c].Neg())
			}
		}
	}
	r := h.must("transactions", "--limit", "3")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 6 || lines[4] != "" || !strings.HasPrefix(lines[5], "3 of ") || !strings.Contains(lines[5], " transactions shown · in ") {
		t.Errorf("transactions --limit 3: want a header, 3 rows, a blank line and the totals line:\n%s", r.stdout)
	}
	var arr []json.RawMessage
	if err := json.Unmarshal([]byte(h.must("transactions", "--json", "--limit", "2").stdout), &arr); err != nil || len(arr) != 2 {
		t.Errorf("transactions --json is no longer an array of 2: %v", err)
	}
	h.expect(exitUsage, []string{"--totals goes with --json"}, "transactions", "--totals")
}
