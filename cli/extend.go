package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

type extendOptions struct {
	IO          *IOStreams
	Factory     *Factory
	Connections []string // none: every consent due within consentWarnDays
	Yes         bool
	NoBrowser   bool
	Name        string
	Email       string
	Phone       string
	Timeout     time.Duration
	Now         func() time.Time
}

func newCmdExtend(f *Factory) *cobra.Command {
	opts := &extendOptions{IO: f.IO, Factory: f, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "extend [CONNECTION...]",
		Short: "Renew a bank connection's consent before it lapses (or soon after)",
		Long: "extend renews a connection's consent for another period (90 days at UK banks) through\n" +
			"TrueLayer's /connections/extend, without a new login where the bank allows it. Where the\n" +
			"bank wants you to sign in again, it prints the bank's link and waits for the browser, as\n" +
			"banktui login does. Without CONNECTION it renews those that lapse within 7 days.\n" +
			"TrueLayer needs your name and an email or phone: from the bank (/info) unless given.\n" +
			"A connection that cannot be extended reconnects with banktui login, keeping its history.",
		Args: usageArgs(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Connections = args
			return runExtend(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "you reconfirm the consent (needed without a terminal)")
	cmd.Flags().BoolVar(&opts.NoBrowser, "no-browser", false, "print the bank's link instead of opening a browser")
	cmd.Flags().StringVar(&opts.Name, "name", "", "your full name, as TrueLayer needs it (default: from the bank)")
	cmd.Flags().StringVar(&opts.Email, "email", "", "your email address (or --phone)")
	cmd.Flags().StringVar(&opts.Phone, "phone", "", "your phone number (or --email)")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", auth.DefaultLoginTimeout, "how long to wait for the browser, if the bank wants you to sign in")
	return cmd
}

func runExtend(ctx context.Context, opts *extendOptions) error {
	f := opts.Factory
	s, err := f.Configured()
	if err != nil {
		return err
	}
	conns, err := f.Connections()
	if err != nil {
		return err
	}
	due, err := opts.pick(conns)
	if err != nil || len(due) == 0 {
		return err
	}
	f.present = true // a renewal is the user's own act
	var last error
	for _, c := range due {
		if err := opts.extendOne(ctx, s, c); err != nil {
			if last != nil {
				fmt.Fprintf(opts.IO.ErrOut, "banktui: %v\n", last)
			}
			last = err
		}
	}
	return last // the others are said above
}

// pick is the connections to renew: those named, or those due.
func (opts *extendOptions) pick(conns []config.Connection) ([]config.Connection, error) {
	if len(conns) == 0 {
		return nil, needsLoginErr("no bank connected yet: connect one with banktui login")
	}
	if len(opts.Connections) > 0 {
		var out []config.Connection
		for _, id := range opts.Connections {
			i := indexOf(conns, id)
			if i < 0 {
				return nil, usageErr("no connection %q: run banktui connections to see their ids", id)
			}
			out = append(out, conns[i])
		}
		return out, nil
	}
	now := opts.Now()
	var due []config.Connection
	for _, c := range conns {
		if _, warn, _ := consentState(c, now); warn {
			due = append(due, c)
		}
	}
	if len(due) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "No consent lapses within %d days; name a connection to renew it now (see banktui connections).\n", consentWarnDays)
	}
	return due, nil
}

func indexOf(conns []config.Connection, id string) int {
	for i, c := range conns {
		if c.ID == id {
			return i
		}
	}
	return -1
}

// extendOne reconfirms the consent with the user, then renews it.
func (opts *extendOptions) extendOne(ctx context.Context, s *config.Settings, c config.Connection) error {
	f, io := opts.Factory, opts.IO
	bank := ledger.Sanitize(cmpOr(c.ProviderName, c.ProviderID))
	if err := opts.reconfirm(ctx, c, bank); err != nil {
		return err
	}
	user, err := opts.user(ctx, c)
	if err != nil {
		return err
	}
	lo, err := f.loginOptions(ctx, s)
	if err != nil {
		return err
	}
	lo.Timeout, lo.ResponseMode = opts.Timeout, ""
	lo.ShowURL = func(u string) {
		fmt.Fprintf(io.ErrOut, "%s wants you to sign in again to renew the consent. Open this link:\n", bank)
		fmt.Fprintln(io.Out, u)
		fmt.Fprintf(io.ErrOut, "Waiting for the browser on %s (or paste here the URL it ends on)...\n", s.RedirectURI)
	}
	if !opts.NoBrowser {
		lo.Open = f.OpenBrowser
	}
	if io.InTTY {
		lo.Pasted = pastedLines(ctx, io.In)
		lo.PasteError = func(err error) {
			fmt.Fprintf(io.ErrOut, "banktui: %v; paste the whole URL from the address bar\n", err)
		}
	}
	ext, err := auth.Extend(ctx, auth.ExtendOptions{LoginOptions: lo, ConnectionID: c.ID, User: user})
	var re *auth.ReconnectError
	switch {
	case errors.As(err, &re), errors.Is(err, auth.ErrCannotExtend):
		msg, _ := explain(err)
		return needsLoginErr(fmt.Sprintf("%s cannot be extended (%s): reconnect it with banktui login --provider %s (its history is kept)",
			ledger.Sanitize(c.ID), msg, ledger.Sanitize(c.ProviderID)))
	case err != nil:
		return explained(ledger.Sanitize(c.ID), err)
	}
	if err := f.afterLogin(ctx, ext.Connection); err != nil {
		return err
	}
	until := "renewed"
	if t := ext.Connection.ConsentExpiresAt; !t.IsZero() {
		until = "consent until " + t.Local().Format(time.DateOnly)
	}
	_, err = fmt.Fprintf(io.ErrOut, "Renewed %s (%s): %s.\n", bank, ledger.Sanitize(c.ID), until)
	return err
}

// reconfirm is banktui's reconfirmation of consent, which TrueLayer wants
// shown before an extension: on a terminal the user answers it; without
// one, --yes is the answer.
func (opts *extendOptions) reconfirm(ctx context.Context, c config.Connection, bank string) error {
	io := opts.IO
	what := "your accounts, balances and transactions"
	if len(c.Scopes) > 0 {
		what = strings.Join(c.Scopes, ", ")
	}
	fmt.Fprintf(io.ErrOut, "banktui will go on reading %s at %s for another consent period (90 days at UK banks).\n", what, bank)
	if opts.Yes {
		return nil
	}
	if !io.InTTY {
		return usageErr("renewing %s needs your confirmation: run it on a terminal, or add --yes", ledger.Sanitize(c.ID))
	}
	fmt.Fprint(io.ErrOut, "Renew this consent? [y/N] ")
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(io.In).ReadString('\n')
		answer <- strings.ToLower(strings.TrimSpace(line))
	}()
	select {
	case a := <-answer:
		if a == "y" || a == "yes" {
			return nil
		}
		return &cliError{msg: "not renewed: the consent was not reconfirmed", code: exitFailure}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// user is who TrueLayer is told reconfirmed: the flags, else the bank's
// record of the account holder (/info, read with the user present).
func (opts *extendOptions) user(ctx context.Context, c config.Connection) (truelayer.ExtendUser, error) {
	u := truelayer.ExtendUser{Name: opts.Name, Email: opts.Email, Phone: opts.Phone}
	if u.Name != "" && (u.Email != "" || u.Phone != "") {
		return u, nil
	}
	ask := func(why string) error {
		return usageErr("TrueLayer needs your name and an email or a phone to renew a consent, and %s: give --name and --email (or --phone)", why)
	}
	info, err := opts.info(ctx, c)
	if err != nil {
		msg, _ := explain(err)
		return u, ask("the bank could not be asked (" + msg + ")")
	}
	u.Name = cmpOr(u.Name, info.FullName)
	if u.Email == "" && u.Phone == "" {
		if len(info.Emails) > 0 {
			u.Email = info.Emails[0]
		} else if len(info.Phones) > 0 {
			u.Phone = info.Phones[0]
		}
	}
	if u.Name == "" || (u.Email == "" && u.Phone == "") {
		return u, ask("the bank does not say")
	}
	return u, nil
}

// info is the bank's record of the account holder (/info).
func (opts *extendOptions) info(ctx context.Context, c config.Connection) (*truelayer.Info, error) {
	cl, err := opts.Factory.dataClient(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	return cl.Info(ctx)
}
