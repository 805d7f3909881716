package cli

import (
	"context"
	"fmt"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/ui"
)

// tuiOptions are the inputs of banktui without a subcommand.
type tuiOptions struct {
	IO      *IOStreams
	Factory *Factory
}

// runTUI opens the TUI: on the user's connections when a TrueLayer client is
// configured, otherwise (or with --demo) on the built-in demo bank.
func runTUI(ctx context.Context, opts *tuiOptions) error {
	f := opts.Factory
	s, err := f.Settings()
	if err != nil {
		return err
	}
	if err := checkKeys(s); err != nil {
		return err
	}
	if !opts.IO.OutTTY {
		return usageErr("the TUI needs a terminal; in scripts use a subcommand such as banktui balance or banktui transactions --json")
	}
	f.present = true // someone is looking at it
	if f.demo || !s.Configured() {
		demo, err := f.startDemo(ctx)
		if err != nil {
			return fmt.Errorf("cannot start the demo bank: %w", err)
		}
		defer demo.close()
		return ui.Run(ctx, ui.Options{
			Store: demo.store, Syncer: demo.syncer, Connections: consentsOf(demo.manager.Connections),
			Login: demo.login, Demo: true, Keys: s.Keys, SlowBank: slowBank(s), Location: s.Zone(),
		})
	}
	// The first frame comes from the store alone: the client secret (maybe a
	// slow client_secret_command) and the token manager are only needed once
	// the TUI refreshes or connects a bank.
	st, err := f.Store()
	if err != nil {
		return err
	}
	login := func(ctx context.Context, show func(string)) (ledger.Consent, error) {
		o, err := f.loginOptions(ctx, s)
		if err != nil {
			return ledger.Consent{}, err
		}
		o.Open, o.ShowURL = f.OpenBrowser, show
		conn, err := auth.Login(ctx, o)
		if err != nil {
			return ledger.Consent{}, err // the TUI explains it (ledger.Explain)
		}
		return consentOf(*conn), f.afterLogin(ctx, conn)
	}
	f.tuiRuns.Store(true)
	defer f.tuiRuns.Store(false)
	return ui.Run(ctx, ui.Options{
		Store: st, Syncer: f.newSyncer(st), Connections: consentsOf(f.Connections),
		Login: login, Keys: s.Keys, SlowBank: slowBank(s), Location: s.Zone(),
	})
}
