package cli

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/banktui/banktui/ledger"
)

// listKind is what banktui accounts or banktui cards lists.
type listKind string

const (
	listAccounts listKind = ledger.KindAccount
	listCards    listKind = ledger.KindCard
)

type listOptions struct {
	IO      *IOStreams
	Factory *Factory
	Kind    listKind
	JSON    bool
}

func newCmdList(f *Factory, kind listKind) *cobra.Command {
	opts := &listOptions{IO: f.IO, Factory: f, Kind: kind}
	cmd := &cobra.Command{
		Use:   string(kind) + "s",
		Short: "List your " + string(kind) + "s (from the local store; banktui sync refreshes it)",
		Args:  usageArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runList(cmd.Context(), opts) },
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON with TrueLayer's field names")
	return cmd
}

func runList(ctx context.Context, opts *listOptions) error {
	views, err := opts.Factory.StoredAccounts(ctx)
	if err != nil {
		return err
	}
	views = slices.DeleteFunc(views, func(v ledger.AccountView) bool { return v.Kind != string(opts.Kind) })
	if opts.JSON {
		out := make([]ledger.AccountJSON, 0, len(views))
		for _, v := range views {
			out = append(out, ledger.NewAccountJSON(v))
		}
		return writeJSON(opts.IO.Out, out)
	}
	if len(views) == 0 {
		_, err := fmt.Fprintf(opts.IO.Out, "no %ss\n", opts.Kind)
		return err
	}
	if opts.Kind == listCards {
		return writeCardsTable(opts.IO, views)
	}
	t := newTable("ID", "BANK", "ACCOUNT", "TYPE", "NUMBER", " CURRENT", " AVAILABLE", "NOTE")
	for _, v := range views {
		cur, avail := balanceCells(v)
		t.row(v.ID, ledger.Sanitize(v.ProviderName), ledger.Sanitize(v.DisplayName), ledger.Sanitize(v.Type),
			ledger.Sanitize(v.Number), cur, avail, accountNote(v))
	}
	return t.write(opts.IO.Out)
}

func writeCardsTable(io *IOStreams, views []ledger.AccountView) error {
	t := newTable("ID", "BANK", "CARD", "NETWORK", "NUMBER", " BALANCE", " CREDIT LIMIT", "NOTE")
	for _, v := range views {
		cur, _ := balanceCells(v)
		limit := "-"
		if v.CreditLimit != nil {
			limit = ledger.FormatMoney(*v.CreditLimit, v.Currency)
		}
		t.row(v.ID, ledger.Sanitize(v.ProviderName), ledger.Sanitize(v.DisplayName), ledger.Sanitize(v.CardNetwork),
			"…"+ledger.Sanitize(v.PartialCardNumber), cur, limit, accountNote(v))
	}
	return t.write(io.Out)
}

// balanceCells are the current and available balance, or "-" before the first one.
func balanceCells(v ledger.AccountView) (current, available string) {
	if !v.HasBalance {
		return "-", "-"
	}
	return ledger.FormatMoney(v.Current, v.Currency), ledger.FormatMoney(v.Available, v.Currency)
}

// storedNote explains the error code a failed sync left on an account.
func storedNote(code string) string { return ledger.ExplainStored(code).Text(ledger.CLI) }

// accountNote is what to know about a stored account: logged out, or what
// its last sync left.
func accountNote(v ledger.AccountView) string {
	if v.Disconnected {
		return "disconnected (logged out; history kept, not in the totals)"
	}
	return storedNote(v.SyncError)
}
