// Command banktui is a terminal browser for your own bank accounts, cards and
// transactions, through the TrueLayer Data API.
//
// Without a subcommand it opens the TUI (the built-in demo bank when no
// TrueLayer client is configured); every view of the TUI has a scriptable twin
// among the subcommands, and both compute their numbers through the ledger.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/charmbracelet/fang"
	"github.com/spf13/cobra"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

// Exit codes: a contract with scripts (design.md, Command line).
const (
	exitOK         = 0
	exitFailure    = 1
	exitUsage      = 2
	exitNeedsLogin = 3
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	defer a.close()
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := fang.Execute(ctx, root,
		fang.WithVersion(version),
		fang.WithoutManpage(),
		fang.WithErrorHandler(a.printError),
		fang.WithNotifySignal(os.Interrupt, syscall.SIGTERM),
	)
	return exitCode(err)
}

// app holds what one invocation needs; built lazily so that `banktui version`
// or `banktui --help` never touch the disk or the network.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string

	// global flags
	demo       bool
	debug      bool
	configPath string

	closers []func() error
}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
	a.closers = nil
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "banktui",
		Short: "A terminal browser for your bank accounts, cards and transactions",
		Long: "banktui shows your bank accounts, cards and transactions in the terminal, through the\n" +
			"TrueLayer Data API. Without a subcommand it opens the TUI; with no TrueLayer client\n" +
			"configured (or with --demo) it opens the built-in demo bank.",
		Example: "  banktui                 # the TUI (demo bank until you configure a client)\n" +
			"  banktui login           # connect a bank\n" +
			"  banktui balance         # quick balance check\n" +
			"  banktui transactions --from 2026-01-01 --csv",
		Args:          usageArgs(cobra.NoArgs),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          a.runTUI,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%s", err) })
	pf := root.PersistentFlags()
	pf.BoolVar(&a.demo, "demo", false, "use the built-in demo bank (never touches real credentials)")
	pf.BoolVar(&a.debug, "debug", false, "write a debug log (secrets redacted) to $XDG_STATE_HOME/banktui/debug.log")
	pf.StringVar(&a.configPath, "config", "", "config file (default $BANKTUI_CONFIG or $XDG_CONFIG_HOME/banktui/config.toml)")

	root.AddCommand(a.versionCommand())
	return root
}

func (a *app) runTUI(cmd *cobra.Command, _ []string) error {
	return errors.New("the TUI is not wired yet in this build")
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(a.stdout, "banktui %s\n", version)
			return err
		},
	}
}

// ---- errors and exit codes ----

// usageError is bad input: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// usageArgs turns cobra's argument validation errors into usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageErr("%s (see %s --help)", err, cmd.CommandPath())
		}
		return nil
	}
}

// needsLoginError: no connection, or consent expired. Exit code 3.
type needsLoginError struct{ msg string }

func (e *needsLoginError) Error() string { return e.msg }

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	var nl *needsLoginError
	switch {
	case errors.As(err, &ue), isCobraUsage(err):
		return exitUsage
	case errors.As(err, &nl):
		return exitNeedsLogin
	}
	return exitFailure
}

// isCobraUsage recognises the errors cobra returns before any RunE (unknown
// command, bad flag) that do not pass through our hooks.
func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "required flag"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// printError writes one line: what went wrong and what to do.
func (a *app) printError(w io.Writer, _ fang.Styles, err error) {
	msg := err.Error()
	if isCobraUsage(err) && !strings.Contains(msg, "--help") {
		msg += " (see banktui --help)"
	}
	fmt.Fprintf(w, "banktui: %s\n", msg)
}
