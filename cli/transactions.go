package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/banktui/banktui/ledger"
)

type transactionsOptions struct {
	IO       *IOStreams
	Factory  *Factory
	Filter   txFilter
	Accounts []string
	JSON     bool
	CSV      bool
}

func newCmdTransactions(f *Factory) *cobra.Command {
	opts := &transactionsOptions{IO: f.IO, Factory: f}
	cmd := &cobra.Command{
		Use:     "transactions [ACCOUNT...]",
		Aliases: []string{"tx"},
		Short:   "List transactions from the local store (all accounts, or the ones named)",
		Long: "transactions lists stored transactions, newest first. ACCOUNT is an account or card id,\n" +
			"its display name, or its number as banktui accounts prints it (or its last digits).\n" +
			"Both settled and pending rows are listed, pending marked; --pending lists only pending\n" +
			"ones and --settled only settled ones. Run banktui sync first to fetch what is new.",
		Example: "  banktui transactions --from 2026-01-01 --to 2026-01-31\n" +
			"  banktui transactions \"Current Account\" --pending --json\n" +
			"  banktui transactions --csv > transactions.csv",
		Args: usageArgs(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Accounts = args
			return runTransactions(cmd.Context(), opts)
		},
		ValidArgsFunction: completeAccounts(f),
	}
	opts.Filter.addFlags(cmd)
	cmd.Flags().BoolVar(&opts.Filter.Pending, "pending", false, "only pending transactions")
	cmd.Flags().BoolVar(&opts.Filter.Settled, "settled", false, "only settled transactions")
	cmd.Flags().IntVar(&opts.Filter.Limit, "limit", 0, "at most this many (newest first); 0 = all")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON with TrueLayer's field names and the bank's exact amounts")
	cmd.Flags().BoolVar(&opts.CSV, "csv", false, "print CSV")
	return cmd
}

func runTransactions(ctx context.Context, opts *transactionsOptions) error {
	if opts.JSON && opts.CSV {
		return usageErr("--json and --csv exclude each other; give one")
	}
	zone, err := opts.Factory.Zone()
	if err != nil {
		return err
	}
	q, err := opts.Filter.query(zone)
	if err != nil {
		return err
	}
	q.Sort, q.Desc = "date", true
	views, txs, err := opts.Factory.selectTransactions(ctx, q, opts.Accounts)
	if err != nil {
		return err
	}
	switch {
	case opts.JSON:
		return writeTransactionsJSON(opts.IO.Out, txs, zone)
	case opts.CSV:
		return ledger.Export(opts.IO.Out, "csv", views, txs, time.Now(), zone)
	}
	return writeTransactionsTable(opts.IO.Out, views, txs, zone)
}

// completeAccounts offers account and card ids for shell completion.
func completeAccounts(f *Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		views, err := f.StoredAccounts(cmd.Context())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, v := range views {
			out = append(out, v.ID+"\t"+ledger.Sanitize(v.ProviderName+" "+v.DisplayName))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func writeTransactionsJSON(w io.Writer, txs []ledger.TxView, zone *time.Location) error {
	out := make([]json.RawMessage, 0, len(txs))
	for _, t := range txs {
		m, err := ledger.TransactionJSON(t, zone)
		if err != nil {
			return err
		}
		out = append(out, m)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := writeJSON(bw, out); err != nil {
		return err
	}
	return bw.Flush()
}

func writeTransactionsTable(w io.Writer, views []ledger.AccountView, txs []ledger.TxView, zone *time.Location) error {
	if len(txs) == 0 {
		_, err := fmt.Fprintln(w, "no transactions match")
		return err
	}
	names := make(map[string]string, len(views))
	for _, v := range views {
		names[v.ID] = v.DisplayName
	}
	t := newTable("DATE", "ACCOUNT", "DESCRIPTION", "CATEGORY", " AMOUNT", " BALANCE", "")
	for _, x := range txs {
		desc := x.Merchant
		if desc == "" {
			desc = x.Description
		}
		bal, state := "", ""
		if x.RunningBalance != nil {
			bal = ledger.FormatMoney(*x.RunningBalance, x.Currency)
		}
		if x.Pending {
			state = "pending"
		}
		amount := ledger.FormatMoney(x.Amount, x.Currency)
		if x.Amount.Sign() > 0 {
			amount = "+" + amount // money in is readable without colour
		}
		t.row(x.LocalDate(zone), ledger.Sanitize(names[x.AccountID]), truncate(ledger.Sanitize(desc), 40),
			x.CategoryName, amount, bal, state)
	}
	return t.write(w)
}
