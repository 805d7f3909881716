package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

// Deadlines: every request has its own (connect, TLS handshake, response
// headers, body: [timeouts] in config.toml, defaults in truelayer), and
// every command but the interactive ones an overall one.

// defaultCommandTimeout bounds a whole command unless [timeouts] command
// says otherwise: room for a first sync of several banks going back years,
// and a script never hangs.
const defaultCommandTimeout = 10 * time.Minute

// untimedCommands run as long as their user wants: the TUI, the emulator,
// and a login waiting for a browser (it has its own --timeout).
var untimedCommands = []string{"banktui", "emulator", "login", "version", "help", "completion",
	cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd}

// commandDeadlineError is a command stopped by its overall deadline.
type commandDeadlineError struct {
	limit  time.Duration
	source string // where the limit came from
}

func (e *commandDeadlineError) Error() string {
	return fmt.Sprintf("stopped after %v, the limit for a whole command (%s): the bank may be slow right now; try again later, or raise command in [timeouts] of config.toml (0: no limit)",
		e.limit, e.source)
}

// startDeadline gives cmd its overall deadline. The settings are only read
// for it: one that cannot be read is left to the command to report, if it
// needs the settings at all.
func (f *Factory) startDeadline(cmd *cobra.Command) {
	if slices.Contains(untimedCommands, cmd.Name()) {
		return
	}
	limit, source := defaultCommandTimeout, "the default"
	if !f.demo {
		if s, err := f.Settings(); err == nil && s.Timeouts.Set[config.TimeoutCommand] {
			limit, source = s.Timeouts.Command, s.Sources[config.KeyTimeouts+"."+config.TimeoutCommand]
		}
	}
	if limit <= 0 {
		return
	}
	ctx, cancel := context.WithTimeoutCause(cmd.Context(), limit, &commandDeadlineError{limit: limit, source: source})
	cmd.SetContext(ctx)
	f.deadline = ctx
	f.closers = append(f.closers, func() error { cancel(); return nil })
}

// commandError is the error a command ends with: its own, unless the
// command's deadline passed, which then says so; SQLite's word that the
// ledger is damaged, met while reading it, is given the ledger's path.
func (f *Factory) commandError(err error) error {
	if err == nil {
		return nil
	}
	var de *commandDeadlineError
	if f.deadline != nil && errors.As(context.Cause(f.deadline), &de) {
		return de
	}
	var fe *ledger.FileError
	if f.store != nil && !errors.As(err, &fe) && ledger.Explain(err).Remedy == ledger.RemedyRebuildLedger {
		return &ledger.FileError{Path: f.store.Path(), Err: ledger.ErrCorrupt, Detail: err.Error()}
	}
	return err
}

// requestTimeouts are the per-request deadlines of [timeouts]; fields not
// set keep truelayer's defaults.
func (f *Factory) requestTimeouts() truelayer.Timeouts {
	if f.settings == nil {
		return truelayer.Timeouts{}
	}
	t := f.settings.Timeouts
	return truelayer.Timeouts{Connect: t.Connect, TLSHandshake: t.TLSHandshake, ResponseHeader: t.ResponseHeaders, Body: t.Body}
}

// slowBank is how long a bank may go without progress in the TUI's refresh
// before the footer names it ([timeouts] slow_bank; not set: the TUI's default).
func slowBank(s *config.Settings) time.Duration { return s.Timeouts.SlowBank }
