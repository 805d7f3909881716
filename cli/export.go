package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/banktui/banktui/ledger"
)

// exportExtensions name the file export writes into a directory given as -o.
var exportExtensions = map[string]string{"csv": "csv", "json": "json", "ofx": "ofx", "ledger": "journal", "beancount": "beancount"}

type exportOptions struct {
	IO             *IOStreams
	Factory        *Factory
	Filter         txFilter
	Format         string
	Output         string
	Accounts       []string
	IncludePending bool
	oldPending     bool // --pending, the old name of --include-pending
	Now            func() time.Time
}

func newCmdExport(f *Factory) *cobra.Command {
	opts := &exportOptions{IO: f.IO, Factory: f, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export stored transactions: --format csv, json, ofx, ledger or beancount",
		Long: "export writes stored transactions (settled only, unless --include-pending) to stdout\n" +
			"or -o FILE. -o DIR (an existing directory) writes DIR/banktui-YYYY-MM-DD.EXT.\n" +
			"  csv        one row per transaction\n" +
			"  json       accounts with balances, and transactions with TrueLayer's field names\n" +
			"  ofx        OFX 2.2 bank and credit card statements (for GnuCash, Money, ...)\n" +
			"  ledger     a plain-text journal readable by hledger and ledger-cli (.journal)\n" +
			"  beancount  a beancount file (bean-check clean)\n" +
			"The journals open each account with the bank's balance, assert the balances the bank\n" +
			"stated, and book transfers between your accounts as one transaction; dates are days\n" +
			"in your time zone. Rows without a readable date are left out and counted on stderr.",
		Example: "  banktui export --format ledger -o bank.journal && hledger -f bank.journal check -s\n" +
			"  banktui export --format beancount --from 2026-01-01 -o bank.beancount\n" +
			"  banktui export --format csv -o ~/exports/",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runExport(cmd.Context(), opts) },
	}
	opts.Filter.addFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.Format, "format", "", "one of csv, json, ofx, ledger, beancount (required)")
	fl.StringVarP(&opts.Output, "output", "o", "", "write to FILE (0600, atomically), or into an existing DIR, instead of stdout")
	fl.StringSliceVar(&opts.Accounts, "account", nil, "only these accounts or cards (id, name or number); repeatable")
	fl.BoolVar(&opts.IncludePending, "include-pending", false, "include pending transactions (marked as such)")
	// The old name, kept working: on transactions --pending narrows to
	// pending rows, so on export it is hidden and points to the new one.
	fl.BoolVar(&opts.oldPending, "pending", false, "include pending transactions (old name of --include-pending)")
	_ = fl.MarkHidden("pending")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(ledger.ExportFormats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runExport(ctx context.Context, opts *exportOptions) error {
	formats := strings.Join(ledger.ExportFormats, ", ")
	switch {
	case opts.Format == "":
		return usageErr("--format is required: one of %s (see banktui export --help)", formats)
	case !slices.Contains(ledger.ExportFormats, opts.Format):
		return usageErr("--format %q is not one of %s", opts.Format, formats)
	}
	if opts.oldPending {
		fmt.Fprintln(opts.IO.ErrOut, "banktui: export --pending is now --include-pending (on transactions, --pending lists only pending rows)")
		opts.IncludePending = true
	}
	path, err := exportPath(opts.Output, opts.Format, opts.Now())
	if err != nil {
		return err
	}
	zone, err := opts.Factory.Zone()
	if err != nil {
		return err
	}
	filter := opts.Filter
	filter.Settled = !opts.IncludePending
	q, err := filter.query(zone)
	if err != nil {
		return err
	}
	if _, q.AccountIDs, err = opts.Factory.namedAccounts(ctx, opts.Accounts); err != nil {
		return err
	}
	st, err := opts.Factory.Store()
	if err != nil {
		return err
	}
	// The rows stream from the store to the file: nothing holds them all.
	var rep ledger.ExportReport
	err = writeOutput(opts.IO.Out, path, func(w io.Writer) error {
		var err error
		rep, err = st.Export(ctx, w, ledger.ExportRequest{Format: opts.Format, Query: q, Now: opts.Now()})
		return err
	})
	if err != nil {
		return err
	}
	if path != "" && path != "-" {
		fmt.Fprintf(opts.IO.ErrOut, "wrote %d transactions to %s\n", rep.Transactions, path)
	}
	reportExport(opts.IO.ErrOut, opts.Format, rep)
	return nil
}

// reportExport tells what an export left out or adjusted.
func reportExport(w io.Writer, format string, rep ledger.ExportReport) {
	journal := format == "ledger" || format == "beancount"
	if rep.Undated > 0 {
		what := "left out"
		if format == "csv" || format == "json" {
			what = "written with an empty date"
		}
		fmt.Fprintf(w, "banktui: %d transactions have no readable date (the bank's timestamp is unreadable): %s\n", rep.Undated, what)
	}
	if journal && rep.Adjustments > 0 {
		fmt.Fprintf(w, "banktui: at %d points the bank's balance differs from its transactions: each difference is booked to %s (see the comments beside them)\n",
			rep.Adjustments, ledger.UnreconciledAccount)
	}
	if journal && rep.Filtered {
		fmt.Fprintln(w, "banktui: a filtered export is a list of transactions: no opening balances or balance assertions")
	}
}

// exportPath is where -o writes: "" or "-" for stdout, a file, or a file
// with a default name inside an existing directory. A path ending in a
// slash must be a directory that exists.
func exportPath(output, format string, now time.Time) (string, error) {
	if output == "" || output == "-" {
		return output, nil
	}
	fi, err := os.Stat(output)
	switch {
	case err == nil && fi.IsDir():
		return filepath.Join(output, "banktui-"+now.Format(time.DateOnly)+"."+exportExtensions[format]), nil
	case strings.HasSuffix(output, "/") && errors.Is(err, fs.ErrNotExist):
		return "", usageErr("-o %s: no such directory: create it first, or give a file name", output)
	case strings.HasSuffix(output, "/"):
		return "", usageErr("-o %s is not a directory: give a directory or a file name", output)
	}
	return output, nil
}
