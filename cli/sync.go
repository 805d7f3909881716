package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/banktui/banktui/ledger"
)

type syncOptions struct {
	IO          *IOStreams
	Factory     *Factory
	Connections []string // "" = all
	JSON        bool
}

func newCmdSync(f *Factory) *cobra.Command {
	opts := &syncOptions{IO: f.IO, Factory: f}
	cmd := &cobra.Command{
		Use:   "sync [CONNECTION...]",
		Short: "Fetch everything new from the bank into the local store",
		Long: "sync fetches accounts, cards, balances and transactions of every connection (or the\n" +
			"ones named) into the local store; the first sync of an account back-fills all the\n" +
			"history the bank gives. On a terminal it shows a progress bar, otherwise plain lines\n" +
			"naming each account (for cron).",
		Args: usageArgs(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Connections = args
			return runSync(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the report as JSON")
	return cmd
}

func runSync(ctx context.Context, opts *syncOptions) error {
	_, ids, err := opts.Factory.Syncer(ctx)
	if err != nil {
		return err
	}
	if len(opts.Connections) > 0 {
		for _, id := range opts.Connections {
			if !slices.Contains(ids, id) {
				return usageErr("no connection %q: run banktui connections to see their ids", id)
			}
		}
		ids = opts.Connections
	}
	rep, err := opts.Factory.syncShown(ctx, ids)
	if err != nil {
		return err
	}
	if opts.JSON {
		err = writeSyncJSON(opts.IO.Out, rep)
	} else {
		err = writeSyncReport(opts.IO.Out, rep)
	}
	if err != nil {
		return err
	}
	return partialFailure(opts.IO, reportProblems(rep))
}

// syncShown syncs the connections ids (nil: every one) with the progress
// display on stderr.
func (f *Factory) syncShown(ctx context.Context, ids []string) (*ledger.Report, error) {
	y, all, err := f.Syncer(ctx)
	if err != nil {
		return nil, err
	}
	if ids == nil {
		ids = all
	}
	st, err := f.Store()
	if err != nil {
		return nil, err
	}
	progress := newProgress(f.IO, accountNames(ctx, st))
	rep, err := y.Sync(ctx, ids, progress.event)
	progress.done()
	return rep, err
}

// accountNames names accounts from the store; an account the store does
// not hold yet (a first sync) is looked up again once it may be stored.
func accountNames(ctx context.Context, st *ledger.Store) func(id string) string {
	names := map[string]string{}
	load := func() {
		if views, err := st.Accounts(ctx); err == nil {
			for _, v := range views {
				names[v.ID] = v.DisplayName
			}
		}
	}
	load()
	missed := map[string]bool{}
	return func(id string) string { // called under progress's lock
		if _, ok := names[id]; !ok && !missed[id] {
			missed[id] = true
			load()
		}
		if n := names[id]; n != "" {
			return n
		}
		return id
	}
}

// syncNote says what the sync of one account left to know.
func syncNote(acc ledger.AccountReport) string {
	switch {
	case acc.Err != nil:
		msg, _ := explain(acc.Err)
		return msg
	case len(acc.Skipped) > 0:
		return skippedNote(acc.Skipped)
	case acc.HistoryLimit == ledger.SyncErrSCAExceeded:
		return ledger.ExplainStored(acc.HistoryLimit).Text(ledger.CLI)
	case acc.HistoryLimit != "":
		return "all the history the bank gives"
	case acc.Duplicates > 0:
		return fmt.Sprintf("the bank sent %d transaction ids twice: different rows kept apart (id#2)", acc.Duplicates)
	}
	return ""
}

// skippedNote says which endpoints a sync without the user present could
// not afford, and when the bank allows calls again.
func skippedNote(skipped []*ledger.SkippedError) string {
	var names []string
	var next time.Time
	for _, s := range skipped {
		names = append(names, strings.ReplaceAll(s.Endpoint, "_", " "))
		if next.IsZero() || s.Next.Before(next) {
			next = s.Next
		}
	}
	return fmt.Sprintf("skipped %s: the bank allows %d calls a day without you present (more after %s, or now on a terminal)",
		strings.Join(names, ", "), ledger.UnattendedLimit, age(next, time.Now()))
}

func writeSyncReport(w io.Writer, rep *ledger.Report) error {
	t := newTable("CONNECTION", "ACCOUNT", " NEW", " PENDING", "NOTE")
	for _, c := range rep.Connections {
		if c.Err != nil {
			msg, _ := explain(c.Err)
			t.row(c.ConnectionID, "-", "", "", msg)
			continue
		}
		if len(c.Skipped) > 0 {
			t.row(c.ConnectionID, "-", "", "", skippedNote(c.Skipped)+"; the stored lists were used")
		}
		for _, acc := range c.Accounts {
			t.row(c.ConnectionID, ledger.Sanitize(acc.DisplayName), fmt.Sprint(acc.Added), fmt.Sprint(acc.Pending), syncNote(acc))
		}
	}
	if err := t.write(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d new transactions in %s\n", rep.Added(), rep.Duration.Round(time.Millisecond))
	return err
}

type syncAccountJSON struct {
	AccountID    string   `json:"account_id"`
	Kind         string   `json:"kind"`
	DisplayName  string   `json:"display_name"`
	Added        int      `json:"added"`
	Pending      int      `json:"pending"`
	HistoryLimit string   `json:"history_limit,omitempty"`
	Duplicates   int      `json:"duplicate_ids,omitempty"`
	Error        string   `json:"error,omitempty"`
	Skipped      []string `json:"skipped,omitempty"` // endpoints the unattended budget left out
}

type syncConnectionJSON struct {
	ConnectionID string            `json:"connection_id"`
	ProviderID   string            `json:"provider_id"`
	Error        string            `json:"error,omitempty"`
	Accounts     []syncAccountJSON `json:"accounts"`
	Skipped      []string          `json:"skipped,omitempty"` // lists the unattended budget left out
}

func writeSyncJSON(w io.Writer, rep *ledger.Report) error {
	out := struct {
		Connections []syncConnectionJSON `json:"connections"`
		Added       int                  `json:"added"`
		DurationMS  int64                `json:"duration_ms"`
	}{Connections: []syncConnectionJSON{}, Added: rep.Added(), DurationMS: rep.Duration.Milliseconds()}
	for _, c := range rep.Connections {
		co := syncConnectionJSON{ConnectionID: c.ConnectionID, ProviderID: c.ProviderID, Accounts: []syncAccountJSON{}}
		if c.Err != nil {
			co.Error, _ = explain(c.Err)
		}
		co.Skipped = skippedNames(c.Skipped)
		for _, acc := range c.Accounts {
			ao := syncAccountJSON{AccountID: acc.AccountID, Kind: acc.Kind, DisplayName: acc.DisplayName,
				Added: acc.Added, Pending: acc.Pending, HistoryLimit: acc.HistoryLimit, Duplicates: acc.Duplicates,
				Skipped: skippedNames(acc.Skipped)}
			if acc.Err != nil {
				ao.Error, _ = explain(acc.Err)
			}
			co.Accounts = append(co.Accounts, ao)
		}
		out.Connections = append(out.Connections, co)
	}
	return writeJSON(w, out)
}

func skippedNames(skipped []*ledger.SkippedError) []string {
	var out []string
	for _, s := range skipped {
		out = append(out, s.Endpoint)
	}
	return out
}
