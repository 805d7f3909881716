package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/ledger"
)

type logoutOptions struct {
	IO            *IOStreams
	Factory       *Factory
	Connection    string // "" with All
	All           bool
	ForgetHistory bool
}

func newCmdLogout(f *Factory) *cobra.Command {
	opts := &logoutOptions{IO: f.IO, Factory: f}
	cmd := &cobra.Command{
		Use:   "logout [CONNECTION | --all]",
		Short: "Revoke a bank connection at TrueLayer and forget its tokens",
		Long: "logout revokes the connection at TrueLayer and deletes its tokens. Its history stays\n" +
			"in the local store (offline reading, exports) unless --forget-history is given.",
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.All == (len(args) == 1) {
				return usageErr("give a connection id (see banktui connections) or --all")
			}
			if len(args) == 1 {
				opts.Connection = args[0]
			}
			return runLogout(cmd.Context(), opts)
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			conns, _ := f.Connections()
			var out []string
			for _, c := range conns {
				out = append(out, c.ID+"\t"+ledger.Sanitize(c.ProviderName))
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "every connection")
	cmd.Flags().BoolVar(&opts.ForgetHistory, "forget-history", false, "also delete its accounts and transactions from the local store")
	return cmd
}

func (opts *logoutOptions) matches(id string) bool { return opts.All || id == opts.Connection }

func runLogout(ctx context.Context, opts *logoutOptions) error {
	m, _, err := opts.Factory.Manager(ctx)
	if err != nil {
		return err
	}
	saved, err := m.Connections()
	if err != nil {
		return err
	}
	var ids []string
	for _, c := range saved {
		if opts.matches(c.ID) {
			ids = append(ids, c.ID)
		}
	}
	revoke := slices.Clone(ids)
	if opts.ForgetHistory { // also the history of connections logged out before
		if ids, err = opts.storedToo(ctx, ids); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		if opts.All {
			_, err := fmt.Fprintln(opts.IO.ErrOut, "no connections to forget")
			return err
		}
		return usageErr("no connection %q: run banktui connections to see their ids", opts.Connection)
	}
	var failed []string
	for _, id := range ids {
		if slices.Contains(revoke, id) {
			failed = append(failed, opts.revoke(ctx, m, id)...)
		}
		if opts.ForgetHistory {
			failed = append(failed, opts.forget(ctx, id)...)
		}
	}
	if len(failed) > 0 {
		return &cliError{msg: strings.Join(failed, "; "), code: exitFailure}
	}
	return nil
}

// storedToo adds the connections the store still holds history of.
func (opts *logoutOptions) storedToo(ctx context.Context, ids []string) ([]string, error) {
	st, err := opts.Factory.Store()
	if err != nil {
		return nil, err
	}
	stored, err := st.Connections(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range stored {
		if opts.matches(c.ID) && !slices.Contains(ids, c.ID) {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

// revoke logs one connection out; a revocation TrueLayer did not confirm
// still forgets the tokens here (they expire on their own). Its accounts
// leave the totals; their history stays, marked disconnected.
func (opts *logoutOptions) revoke(ctx context.Context, m *auth.Manager, id string) []string {
	err := m.Logout(ctx, id)
	switch {
	case errors.Is(err, auth.ErrRevokeFailed):
		msg, _ := explain(err)
		fmt.Fprintf(opts.IO.ErrOut, "%s: forgotten here, but TrueLayer could not be told (%s); it expires on its own\n", ledger.Sanitize(id), msg)
	case err != nil:
		return []string{explained(id, err).Error()}
	default:
		fmt.Fprintf(opts.IO.ErrOut, "%s: revoked and forgotten\n", ledger.Sanitize(id))
	}
	if opts.ForgetHistory {
		return nil
	}
	st, err := opts.Factory.Store()
	if err == nil {
		err = st.MarkDisconnected(ctx, id)
	}
	if err != nil {
		return []string{explained(id+": marking its history disconnected", err).Error()}
	}
	return nil
}

// forget deletes one connection's history from the store.
func (opts *logoutOptions) forget(ctx context.Context, id string) []string {
	st, err := opts.Factory.Store()
	if err == nil {
		err = st.ForgetConnection(ctx, id)
	}
	if err != nil {
		return []string{explained(id+": deleting its history", err).Error()}
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s: history deleted\n", ledger.Sanitize(id))
	return nil
}
