package cli

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// completionShells are the shells cobra writes completion scripts for.
var completionShells = []string{"bash", "zsh", "fish", "powershell"}

type completionOptions struct {
	IO    *IOStreams
	Shell string
}

func newCmdCompletion(f *Factory) *cobra.Command {
	opts := &completionOptions{IO: f.IO}
	return &cobra.Command{
		Use:   "completion " + strings.Join(completionShells, "|"),
		Short: "Print a shell completion script",
		Long: "completion prints the script that teaches your shell banktui's commands, flags and\n" +
			"account ids. Load it from your shell's start-up file.",
		Example: "  source <(banktui completion bash)       # ~/.bashrc\n" +
			"  banktui completion zsh > \"${fpath[1]}/_banktui\"\n" +
			"  banktui completion fish > ~/.config/fish/completions/banktui.fish",
		ValidArgs: completionShells,
		Args: func(cmd *cobra.Command, args []string) error {
			valid := strings.Join(completionShells, ", ")
			switch {
			case len(args) != 1:
				return usageErr("give one shell: %s (see %s --help)", valid, cmd.CommandPath())
			case !slices.Contains(completionShells, args[0]):
				return usageErr("unknown shell %q: give one of %s (see %s --help)", args[0], valid, cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Shell = args[0]
			return runCompletion(cmd.Root(), opts)
		},
	}
}

func runCompletion(root *cobra.Command, opts *completionOptions) error {
	w := opts.IO.Out
	switch opts.Shell {
	case "bash":
		return root.GenBashCompletionV2(w, true)
	case "zsh":
		return root.GenZshCompletion(w)
	case "fish":
		return root.GenFishCompletion(w, true)
	}
	return root.GenPowerShellCompletionWithDesc(w)
}
