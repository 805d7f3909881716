package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/banktui/banktui/ledger"
)

type balanceOptions struct {
	IO      *IOStreams
	Factory *Factory
	JSON    bool
	Offline bool
	Now     func() time.Time
}

func newCmdBalance(f *Factory) *cobra.Command {
	opts := &balanceOptions{IO: f.IO, Factory: f, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "balance",
		Short: "Quick balance check of every account and card",
		Long: "balance fetches the balances of every account and card of every connection in\n" +
			"parallel, stores them, and prints them with totals per currency. With --offline it\n" +
			"prints the last stored balances without touching the network.",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runBalance(cmd.Context(), opts) },
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON with TrueLayer's field names and the bank's exact amounts")
	cmd.Flags().BoolVar(&opts.Offline, "offline", false, "print the stored balances without contacting the bank")
	return cmd
}

func runBalance(ctx context.Context, opts *balanceOptions) error {
	var problems []problem
	if !opts.Offline {
		y, ids, err := opts.Factory.Syncer(ctx)
		if err != nil {
			return err
		}
		rep, err := y.Balances(ctx, ids, nil)
		if err != nil {
			return err
		}
		problems = reportProblems(rep)
	}
	st, err := opts.Factory.Store()
	if err != nil {
		return err
	}
	if views, err := st.Accounts(ctx); err == nil && len(views) == 0 && len(problems) > 0 {
		return partialFailure(opts.IO, problems) // why there is nothing to show, not "no accounts yet"
	}
	views, err := opts.Factory.StoredAccounts(ctx)
	if err != nil {
		return err
	}
	totals, err := st.Totals(ctx)
	if err != nil {
		return err
	}
	if opts.JSON {
		err = writeBalanceJSON(opts.IO.Out, views, totals)
	} else {
		err = writeBalanceTable(opts.IO.Out, views, totals, opts.Now())
	}
	if err != nil {
		return err
	}
	return partialFailure(opts.IO, problems)
}

// balanceEntryJSON is one account or card in balance --json.
type balanceEntryJSON struct {
	AccountID       string              `json:"account_id"`
	Kind            string              `json:"kind"`
	ConnectionID    string              `json:"connection_id"`
	DisplayName     string              `json:"display_name"`
	Provider        ledger.ProviderJSON `json:"provider"`
	Currency        string              `json:"currency"`
	Current         *ledger.Amount      `json:"current"`
	Available       *ledger.Amount      `json:"available"`
	Overdraft       *ledger.Amount      `json:"overdraft,omitempty"`
	CreditLimit     *ledger.Amount      `json:"credit_limit,omitempty"`
	UpdateTimestamp time.Time           `json:"update_timestamp,omitzero"`
	SyncError       string              `json:"sync_error,omitempty"`
	Disconnected    bool                `json:"disconnected,omitempty"` // logged out: not in the totals
}

// totalJSON is one currency's total in balance --json.
type totalJSON struct {
	Currency string        `json:"currency"`
	Total    ledger.Amount `json:"total"`
	Accounts ledger.Amount `json:"accounts"`
	Cards    ledger.Amount `json:"cards"`
}

func writeBalanceJSON(w io.Writer, views []ledger.AccountView, totals []ledger.CurrencyTotal) error {
	out := struct {
		Results []balanceEntryJSON `json:"results"`
		Totals  []totalJSON        `json:"totals"`
	}{Results: []balanceEntryJSON{}, Totals: []totalJSON{}}
	for _, v := range views {
		e := balanceEntryJSON{AccountID: v.ID, Kind: v.Kind, ConnectionID: v.ConnectionID, DisplayName: v.DisplayName,
			Provider: ledger.ProviderJSON{ProviderID: v.ProviderID, DisplayName: v.ProviderName}, Currency: v.Currency,
			Overdraft: v.Overdraft, CreditLimit: v.CreditLimit, SyncError: v.SyncError, Disconnected: v.Disconnected}
		if v.HasBalance {
			cur, avail := v.Current, v.Available
			e.Current, e.Available, e.UpdateTimestamp = &cur, &avail, v.BalanceAsOf.UTC()
		}
		out.Results = append(out.Results, e)
	}
	for _, t := range totals {
		out.Totals = append(out.Totals, totalJSON(t))
	}
	return writeJSON(w, out)
}

func writeBalanceTable(w io.Writer, views []ledger.AccountView, totals []ledger.CurrencyTotal, now time.Time) error {
	t := newTable("BANK", "ACCOUNT", "TYPE", " CURRENT", " AVAILABLE", "AS OF", "NOTE")
	for _, v := range views {
		cur, avail := balanceCells(v)
		name := ledger.Sanitize(v.DisplayName)
		if v.Kind == ledger.KindCard && v.PartialCardNumber != "" {
			name += " …" + ledger.Sanitize(v.PartialCardNumber)
		}
		t.row(ledger.Sanitize(v.ProviderName), name, strings.ToLower(ledger.Sanitize(v.Type)), cur, avail,
			age(v.BalanceAsOf, now), accountNote(v))
	}
	if err := t.write(w); err != nil {
		return err
	}
	for _, tot := range totals {
		fmt.Fprintf(w, "\ntotal %s: %s (accounts %s, cards %s)", ledger.Sanitize(tot.Currency), ledger.FormatMoney(tot.Total, tot.Currency),
			ledger.FormatMoney(tot.Accounts, tot.Currency), ledger.FormatMoney(tot.Cards, tot.Currency))
	}
	if len(totals) > 0 {
		fmt.Fprintln(w)
	}
	return nil
}
