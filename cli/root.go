package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func newCmdRoot(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "banktui",
		Short: "A terminal browser for your bank accounts, cards and transactions",
		Long: "banktui shows your bank accounts, cards and transactions in the terminal, through the\n" +
			"TrueLayer Data API. Without a subcommand it opens the TUI; with no TrueLayer client\n" +
			"configured (or with --demo) it opens the built-in demo bank.",
		Example: "  banktui --demo\n" +
			"  banktui login\n" +
			"  banktui balance --json\n" +
			"  banktui transactions --from 2026-01-01 --csv",
		Args:          usageArgs(unknownCommand),
		SilenceUsage:  true,
		SilenceErrors: true,
		// unknownCommand suggests commands this close to a typo.
		SuggestionsMinimumDistance: 2,
	}
	opts := &tuiOptions{IO: f.IO, Factory: f}
	root.RunE = func(cmd *cobra.Command, _ []string) error { return runTUI(cmd.Context(), opts) }
	root.SetFlagErrorFunc(flagError)
	pf := root.PersistentFlags()
	pf.BoolVar(&f.demo, "demo", false, "use the built-in demo bank (never touches real credentials)")
	pf.BoolVar(&f.debug, "debug", false, "write a debug log (secrets redacted) to $XDG_STATE_HOME/banktui/debug.log")
	pf.StringVar(&f.configPath, "config", "", "config file (default $BANKTUI_CONFIG or $XDG_CONFIG_HOME/banktui/config.toml)")

	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := f.startLogging(); err != nil {
			return err
		}
		f.startDeadline(cmd)
		switch cmd.Name() {
		case "banktui", "emulator", "version", "help", "completion", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
			return nil // the TUI starts its own demo; the others need no bank
		}
		if f.demo {
			return f.useDemo(cmd.Context())
		}
		return nil
	}
	root.AddCommand(newCmdVersion(f), newCmdProviders(f), newCmdDoctor(f),
		newCmdList(f, listAccounts), newCmdList(f, listCards), newCmdTransactions(f), newCmdExport(f),
		newCmdBalance(f), newCmdConnections(f), newCmdLogin(f), newCmdLogout(f), newCmdSync(f),
		newCmdReport(f), newCmdEmulator(f), newCmdCompletion(f))
	return root
}

// usageArgs turns cobra's argument errors into usage errors that point at
// the command's own help.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageErr("%s (see %s --help)", err, cmd.CommandPath())
		}
		return nil
	}
}

// unknownCommand rejects arguments to the root: a mistyped subcommand, with
// cobra's suggestions.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += " (did you mean " + strings.Join(s, " or ") + "?)"
	}
	return errors.New(msg)
}

// flagError explains a bad flag and points at the help of the command it
// was given to (banktui export --help, not banktui --help).
func flagError(cmd *cobra.Command, err error) error {
	var bad *pflag.InvalidValueError
	if errors.As(err, &bad) {
		return usageErr("--%s %q is not %s (see %s --help)", bad.GetFlag().Name, bad.GetValue(),
			flagKind(bad.GetFlag()), cmd.CommandPath())
	}
	return usageErr("%s (see %s --help)", err, cmd.CommandPath())
}

// flagKind says what a flag's value must look like.
func flagKind(fl *pflag.Flag) string {
	switch fl.Value.Type() {
	case "int", "int64", "int32", "uint", "uint64":
		return "a whole number, e.g. 50"
	case "duration":
		return "a duration, e.g. 90s, 5m or 1h"
	case "bool":
		return "true or false"
	}
	return "a valid " + fl.Value.Type()
}
