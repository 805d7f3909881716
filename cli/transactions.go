package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
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
	Totals   bool // --json prints an object with the transactions and their totals
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
			"ones and --settled only settled ones. Run banktui sync first to fetch what is new.\n" +
			"The table is followed by the totals line: how many rows the filter selects, money in, money\n" +
			"out and net per currency (transfers between your own accounts and card repayments are\n" +
			"neither in nor out, as in banktui report). --json prints an array of transactions;\n" +
			"--json --totals an object {\"transactions\": [...], \"totals\": [...]}.",
		Example: "  banktui transactions --from 2026-01-01 --to 2026-01-31\n" +
			"  banktui transactions --category groceries --json --totals\n" +
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
	cmd.Flags().BoolVar(&opts.Totals, "totals", false, "with --json: print {\"transactions\": [...], \"totals\": [...]} (money in, out and net per currency)")
	return cmd
}

func runTransactions(ctx context.Context, opts *transactionsOptions) error {
	switch {
	case opts.JSON && opts.CSV:
		return usageErr("--json and --csv exclude each other; give one")
	case opts.Totals && !opts.JSON:
		return usageErr("--totals goes with --json (the table always ends with the totals line)")
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
	views, ids, err := opts.Factory.namedAccounts(ctx, opts.Accounts)
	if err != nil {
		return err
	}
	if q.AccountIDs = ids; len(ids) > 0 {
		views = slices.DeleteFunc(views, func(v ledger.AccountView) bool { return !slices.Contains(ids, v.ID) })
	}
	st, err := opts.Factory.Store()
	if err != nil {
		return err
	}
	// CSV and JSON stream the rows from the store: a decade of history
	// costs no more memory than a day.
	each := func(fn func(ledger.TxView) error) error { return st.EachTransaction(ctx, q, fn) }
	if opts.CSV {
		c := ledger.NewCSVWriter(opts.IO.Out, views, zone)
		if err := each(c.Write); err != nil {
			return err
		}
		return c.Flush()
	}
	var totals []ledger.Bucket
	if opts.Totals || !opts.JSON {
		// The totals of everything q selects, whatever its --limit.
		if totals, err = st.FlowTotals(ctx, q); err != nil {
			return err
		}
	}
	if opts.JSON {
		return writeTransactionsJSON(opts.IO.Out, each, zone, totals, opts.Totals)
	}
	light := q // the table shows no JSON
	light.WithoutRaw = true
	shown, err := writeTransactionsTable(opts.IO.Out, views, func(fn func(ledger.TxView) error) error {
		return st.EachTransaction(ctx, light, fn)
	}, zone)
	if err != nil || shown == 0 {
		return err
	}
	_, err = fmt.Fprintf(opts.IO.Out, "\n%s\n", totalsLine(totals, shown))
	return err
}

// totalsLine is "1,768 transactions · in +£66,023.77 · out -£64,396.62 ·
// net +£1,627.15" (the TUI's line, ledger.FlowsLine), and "10 of 1,768
// transactions shown · ..." when --limit left some out.
func totalsLine(totals []ledger.Bucket, shown int) string {
	n := 0
	for _, b := range totals {
		n += b.Count
	}
	count := ledger.FormatCount(n) + " transactions"
	if n == 1 {
		count = "1 transaction"
	}
	if shown < n {
		count = ledger.FormatCount(shown) + " of " + count + " shown"
	}
	return count + " · " + ledger.FlowsLine(totals, false)
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

// flowTotalJSON is one currency of the totals line in --json --totals.
type flowTotalJSON struct {
	Currency string        `json:"currency"`
	Count    int           `json:"count"`
	MoneyIn  ledger.Amount `json:"money_in"`
	MoneyOut ledger.Amount `json:"money_out"` // positive
	Net      ledger.Amount `json:"net"`
}

// writeTransactionsJSON prints the transactions each hands over as an
// array (the contract scripts rely on), or with totals as
// {"transactions": [...], "totals": [...]}: the document writeJSON would
// print, written a row at a time.
func writeTransactionsJSON(w io.Writer, each func(func(ledger.TxView) error) error, zone *time.Location,
	totals []ledger.Bucket, withTotals bool) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	indent := "  " // of a row inside the array
	if withTotals {
		bw.WriteString("{\n  \"transactions\": ")
		indent = "    "
	}
	n := 0
	var buf bytes.Buffer
	err := each(func(t ledger.TxView) error {
		m, err := ledger.TransactionJSON(t, zone)
		if err != nil {
			return err
		}
		sep := ",\n"
		if n == 0 {
			sep = "[\n"
		}
		n++
		buf.Reset()
		buf.WriteString(sep + indent)
		if err := json.Indent(&buf, m, indent, "  "); err != nil {
			return err
		}
		_, err = bw.Write(ledger.EscapeJSON(buf.Bytes()))
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		bw.WriteString("[]")
	} else {
		bw.WriteString("\n" + indent[2:] + "]")
	}
	if withTotals {
		tj := make([]flowTotalJSON, len(totals))
		for i, b := range totals {
			tj[i] = flowTotalJSON{Currency: ledger.Sanitize(b.Currency), Count: b.Count, MoneyIn: b.Received, MoneyOut: b.Spent, Net: b.Net}
		}
		bw.WriteString(",\n  \"totals\": ")
		var tb bytes.Buffer
		if err := writeJSON(&tb, tj); err != nil {
			return err
		}
		// writeJSON's document, one level in, without its newline.
		bw.WriteString(strings.ReplaceAll(strings.TrimSuffix(tb.String(), "\n"), "\n", "\n  ") + "\n}")
	}
	bw.WriteString("\n")
	return bw.Flush()
}

// writeTransactionsTable prints the rows each hands over as a table, in
// two passes over the store (the widths, then the rows), so memory does
// not grow with the history; it returns how many rows it printed.
func writeTransactionsTable(w io.Writer, views []ledger.AccountView, each func(func(ledger.TxView) error) error,
	zone *time.Location) (int, error) {
	names := make(map[string]string, len(views))
	for _, v := range views {
		names[v.ID] = v.DisplayName
	}
	t := newTable("DATE", "ACCOUNT", "DESCRIPTION", "CATEGORY", " AMOUNT", " BALANCE", "")
	measured := 0
	if err := each(func(x ledger.TxView) error {
		t.measure(txCells(x, names, zone))
		measured++
		return nil
	}); err != nil {
		return 0, err
	}
	if measured == 0 {
		_, err := fmt.Fprintln(w, "no transactions match")
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	t.line(bw, t.header)
	shown := 0
	err := each(func(x ledger.TxView) error {
		t.line(bw, sanitized(txCells(x, names, zone)))
		shown++
		return nil
	})
	if err != nil {
		return 0, err
	}
	return shown, bw.Flush()
}

// txCells is a transaction's row of the table.
func txCells(x ledger.TxView, names map[string]string, zone *time.Location) []string {
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
	return []string{x.LocalDate(zone), names[x.AccountID], truncate(ledger.Sanitize(desc), 40), x.CategoryName, amount, bal, state}
}
