package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

type loginOptions struct {
	IO        *IOStreams
	Factory   *Factory
	NoBrowser bool
	NoSync    bool
	Provider  string
	Timeout   time.Duration
}

func newCmdLogin(f *Factory) *cobra.Command {
	opts := &loginOptions{IO: f.IO, Factory: f}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Connect a bank (opens the TrueLayer consent page in your browser)",
		Long: "login opens TrueLayer's consent page, waits for the browser to come back to the\n" +
			"redirect URI (http://localhost:3000/callback by default) on this machine, saves the\n" +
			"connection's tokens in credentials.json (0600), then syncs it with a progress display.\n" +
			"With --no-browser it prints the link and asks the bank to put the code in the URL the\n" +
			"browser ends on: when the browser runs elsewhere (SSH), paste that URL here.\n" +
			"Logging in to a bank whose consent expired reconnects it, keeping its history.",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runLogin(cmd.Context(), opts) },
	}
	cmd.Flags().BoolVar(&opts.NoBrowser, "no-browser", false, "print the link instead of opening a browser, and take the pasted URL the browser ends on")
	cmd.Flags().BoolVar(&opts.NoSync, "no-sync", false, "do not sync the new connection now")
	cmd.Flags().StringVar(&opts.Provider, "provider", "", "skip the bank choice, e.g. ob-monzo or mock (see banktui providers)")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", auth.DefaultLoginTimeout, "how long to wait for the browser")
	return cmd
}

func runLogin(ctx context.Context, opts *loginOptions) error {
	f, io := opts.Factory, opts.IO
	s, err := f.Configured()
	if err != nil {
		return err
	}
	o, err := f.loginOptions(ctx, s)
	if err != nil {
		return err
	}
	if opts.Provider != "" {
		o.ProviderID = opts.Provider
	}
	o.Timeout = opts.Timeout
	paste := io.InTTY || opts.NoBrowser
	o.ShowURL = func(u string) {
		fmt.Fprintln(io.ErrOut, "Open this link to connect your bank:")
		fmt.Fprintln(io.Out, u)
		fmt.Fprintf(io.ErrOut, "Waiting for the browser on %s", s.RedirectURI)
		if paste {
			fmt.Fprint(io.ErrOut, " (or paste here the URL the browser ends on)")
		}
		fmt.Fprintln(io.ErrOut, "...")
	}
	if opts.NoBrowser {
		// The browser may be on another machine: the code must be in the
		// URL it ends on, to paste (form_post would POST it, unseen).
		o.ResponseMode = truelayer.ResponseModeQuery
	} else {
		o.Open = f.OpenBrowser
	}
	if paste {
		o.Pasted = pastedLines(ctx, io.In)
		o.PasteError = func(err error) {
			printError(io.ErrOut, err.Error()+"; paste the whole URL from the address bar")
		}
	}
	conn, err := auth.Login(ctx, o)
	if err != nil {
		return err
	}
	if err := f.afterLogin(ctx, conn); err != nil {
		return err
	}
	msg := fmt.Sprintf("Connected %s as %s", ledger.Sanitize(conn.ProviderName), ledger.Sanitize(conn.ID))
	if !conn.ConsentExpiresAt.IsZero() {
		msg += fmt.Sprintf(" (consent until %s)", conn.ConsentExpiresAt.Local().Format(time.DateOnly))
	}
	if opts.NoSync {
		_, err = fmt.Fprintln(io.ErrOut, msg+". Run banktui sync to fetch its history, then banktui or banktui balance.")
		return err
	}
	fmt.Fprintln(io.ErrOut, msg+".")
	return syncAfterLogin(ctx, opts, conn.ID)
}

// syncAfterLogin fetches the new connection at once, with the progress
// display: the user just authenticated, so the bank gives its whole
// history (some give more than 90 days only now). Then it says what to try.
func syncAfterLogin(ctx context.Context, opts *loginOptions, id string) error {
	f, io := opts.Factory, opts.IO
	f.present = true // they are at the browser
	rep, err := f.syncShown(ctx, []string{id})
	if err != nil {
		return err
	}
	n := 0
	if len(rep.Connections) > 0 {
		n = len(rep.Connections[0].Accounts)
	}
	fmt.Fprintf(io.ErrOut, "Synced %d accounts and cards, %d transactions. Try banktui (the TUI) or banktui balance.\n", n, rep.Added())
	return partialFailure(io, reportProblems(rep))
}

// afterLogin counts a logged-out connection again and lets the next sync
// fetch history the bank had held back until the user authenticated again
// (sca_exceeded).
func (f *Factory) afterLogin(ctx context.Context, conn *config.Connection) error {
	st, err := f.Store()
	if err != nil {
		return err
	}
	return st.ConnectionRenewed(ctx, conn.ID)
}

// pastedLines reads lines from in until ctx ends.
func pastedLines(ctx context.Context, in io.Reader) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 64<<10)
		for sc.Scan() {
			select {
			case ch <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}
