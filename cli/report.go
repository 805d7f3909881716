package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/banktui/banktui/ledger"
)

// The reports, through the ledger queries the TUI's insights pane reads
// (ledger.Insights is made of them), so the numbers on screen and here are
// one computation.
var reportKinds = []string{"spending", "income", "cashflow", "recurring", "networth"}

type reportOptions struct {
	IO       *IOStreams
	Factory  *Factory
	Kind     string
	Month    string
	From, To string
	By       string
	Accounts []string
	Top      int
	JSON     bool
	CSV      bool
}

func newCmdReport(f *Factory) *cobra.Command {
	opts := &reportOptions{IO: f.IO, Factory: f}
	cmd := &cobra.Command{
		Use:   "report spending|income|cashflow|recurring|networth",
		Short: "Where the money goes: spending, income, cashflow, recurring payments, net worth",
		Long: "report sums the stored transactions, as the TUI's insights pane (4) shows them.\n" +
			"  spending   money out by category (or --by merchant, account), with share and the period before\n" +
			"  income     money in, the same way\n" +
			"  cashflow   income against spending month by month: the 12 months ending with --month\n" +
			"             (default this month), or the months from --from to --to\n" +
			"  recurring  standing orders, direct debits and payments found recurring, with their next\n" +
			"             date and monthly cost, as of the end of the period\n" +
			"  networth   every account's balance and their sum, day by day over a month, month by month\n" +
			"             over a longer period, walked back from the latest balance (--by account: each)\n" +
			"The period is --month YYYY-MM, or --from/--to YYYY-MM-DD, or this month. Transfers between\n" +
			"your own accounts and card repayments are neither spending nor income. Amounts are per\n" +
			"currency. As in balance's totals, the accounts of a logged-out connection and those the\n" +
			"bank no longer lists count only when named with --account. Run banktui sync first to\n" +
			"fetch what is new.",
		Example: "  banktui report spending --month 2026-10\n" +
			"  banktui report spending --by merchant --top 10 --from 2026-01-01 --to 2026-06-30\n" +
			"  banktui report cashflow --json\n" +
			"  banktui report recurring --account \"Current Account\" --csv",
		Args:      usageArgs(cobra.ExactArgs(1)),
		ValidArgs: reportKinds,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Kind = args[0]
			return runReport(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Month, "month", "", "the month, YYYY-MM (default: this month)")
	fl.StringVar(&opts.From, "from", "", "first day, YYYY-MM-DD")
	fl.StringVar(&opts.To, "to", "", "last day (inclusive), YYYY-MM-DD")
	fl.StringVar(&opts.By, "by", "", "spending and income: category (default), merchant or account; networth: account")
	fl.StringArrayVar(&opts.Accounts, "account", nil, "only this account or card (id, name or number; repeat for more; default all)")
	fl.IntVar(&opts.Top, "top", 0, "spending and income: the biggest N and the rest as other (0 = all)")
	fl.BoolVar(&opts.JSON, "json", false, "print JSON (amounts exact, as decimal numbers)")
	fl.BoolVar(&opts.CSV, "csv", false, "print CSV")
	return cmd
}

func runReport(ctx context.Context, opts *reportOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	zone, err := opts.Factory.Zone()
	if err != nil {
		return err
	}
	q, byMonth, err := opts.period(zone, time.Now())
	if err != nil {
		return err
	}
	views, ids, err := opts.Factory.namedAccounts(ctx, opts.Accounts)
	if err != nil {
		return err
	}
	q.AccountIDs = ids
	st, err := opts.Factory.Store()
	if err != nil {
		return err
	}
	var rep any
	switch opts.Kind {
	case "spending", "income":
		by := opts.By
		if by == "" {
			by = ledger.ByCategory
		}
		dir := ledger.FlowSpending
		if opts.Kind == "income" {
			dir = ledger.FlowIncome
		}
		rep, err = st.Flows(ctx, ledger.FlowQuery{TxQuery: q, Direction: dir, By: by, Top: opts.Top})
	case "cashflow":
		if byMonth {
			q = ledger.CashflowPeriod(q)
		}
		rep, err = st.Cashflow(ctx, q)
	case "recurring":
		rep, err = st.Recurring(ctx, q)
	case "networth":
		rep, err = st.NetWorth(ctx, q)
	}
	if err != nil {
		return err
	}
	return writeReport(opts, rep, views)
}

// check refuses flags that do not go together, before anything is read.
func (opts *reportOptions) check() error {
	known := false
	for _, k := range reportKinds {
		known = known || k == opts.Kind
	}
	switch {
	case !known:
		return usageErr("no report %q: give one of spending, income, cashflow, recurring, networth", opts.Kind)
	case opts.JSON && opts.CSV:
		return usageErr("--json and --csv exclude each other; give one")
	case opts.Month != "" && (opts.From != "" || opts.To != ""):
		return usageErr("--month and --from/--to exclude each other; give a month or days")
	case opts.Top < 0:
		return usageErr("--top must be 0 (all) or more")
	}
	switch opts.Kind {
	case "spending", "income":
		if opts.By != "" && opts.By != ledger.ByCategory && opts.By != ledger.ByMerchant && opts.By != ledger.ByAccount {
			return usageErr("--by %q: give category, merchant or account", opts.By)
		}
	case "networth":
		if opts.By != "" && opts.By != ledger.ByAccount {
			return usageErr("--by %q: networth is by account or, without --by, in total", opts.By)
		}
	default:
		if opts.By != "" {
			return usageErr("--by applies to spending, income and networth, not %s", opts.Kind)
		}
	}
	if opts.Top > 0 && opts.Kind != "spending" && opts.Kind != "income" {
		return usageErr("--top applies to spending and income, not %s", opts.Kind)
	}
	return nil
}

// period is the report's period in zone: --month, --from/--to (both
// optional: from the first stored day, to today), or this month; byMonth
// is true for a month (cashflow then covers the 12 months ending with it).
func (opts *reportOptions) period(zone *time.Location, now time.Time) (q ledger.TxQuery, byMonth bool, err error) {
	q.Location = zone
	if opts.From == "" && opts.To == "" {
		month := now.In(zone)
		if opts.Month != "" {
			if month, err = time.ParseInLocation("2006-01", opts.Month, zone); err != nil {
				return q, false, usageErr("--month %q is not a month: use YYYY-MM, e.g. %s", opts.Month, now.Format("2006-01"))
			}
		}
		q.From, q.To = ledger.MonthsEnding(month, 1, zone)
		return q, true, nil
	}
	days := txFilter{From: opts.From, To: opts.To}
	dq, err := days.query(zone)
	if err != nil {
		return q, false, err
	}
	q.From, q.To = dq.From, dq.To
	if q.From.IsZero() {
		q.From = time.Date(1970, 1, 1, 0, 0, 0, 0, zone)
	}
	if q.To.IsZero() {
		y, m, d := now.In(zone).Date()
		q.To = time.Date(y, m, d+1, 0, 0, 0, 0, zone)
	}
	return q, false, nil
}

func writeReport(opts *reportOptions, rep any, views []ledger.AccountView) error {
	w := opts.IO.Out
	if opts.JSON {
		return writeJSON(w, rep)
	}
	names := map[string]string{}
	for _, v := range views {
		names[v.ID] = v.DisplayName
	}
	switch r := rep.(type) {
	case ledger.FlowReport:
		return pick(opts.CSV, w, r, flowsCSV, flowsTable)
	case ledger.CashflowReport:
		return pick(opts.CSV, w, r, cashflowCSV, cashflowTable)
	case ledger.RecurringReport:
		return pick(opts.CSV, w, r, recurringCSV, func(w io.Writer, r ledger.RecurringReport) error { return recurringTable(w, r, names) })
	case ledger.NetWorthReport:
		perAccount := opts.By == ledger.ByAccount
		return pick(opts.CSV, w, r,
			func(w io.Writer, r ledger.NetWorthReport) error { return networthCSV(w, r, perAccount) },
			func(w io.Writer, r ledger.NetWorthReport) error { return networthTable(w, r, perAccount) })
	}
	return fmt.Errorf("report: nothing to print")
}

func pick[R any](csv bool, w io.Writer, r R, asCSV, asTable func(io.Writer, R) error) error {
	if csv {
		return asCSV(w, r)
	}
	return asTable(w, r)
}
