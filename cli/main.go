// Package cli is banktui's command line: the root command (the TUI) and one
// file per subcommand, each an options struct filled by its cobra command
// and a run function that does the work (as gh's pkg/cmd does). A Factory
// opens settings, the store and the token manager lazily, so `banktui
// version` or `--help` touch neither the disk nor the network; IOStreams
// carry the standard streams, so every command runs in-process in tests;
// exit.go turns errors into one line and an exit code, in one place.
package cli

import (
	"context"
	"io"

	"github.com/charmbracelet/fang"
)

// Main runs banktui with args (without the program name) and returns the
// exit code: 0 ok, 1 failure, 2 usage, 3 needs login. ctx ends the run
// (main cancels it on SIGINT and SIGTERM).
func Main(ctx context.Context, args []string, streams *IOStreams, getenv func(string) string, version string) int {
	return run(ctx, NewFactory(streams, getenv, version), args)
}

// run is Main with a Factory the caller prepared (tests point its paths at
// a temporary home).
func run(ctx context.Context, f *Factory, args []string) (code int) {
	defer func() {
		// Closing waits for a token refresh in flight and saves its rotated
		// token: a failure there may cost the connection, so it is said.
		if cerr := f.close(); cerr != nil {
			msg, ccode := explain(cerr)
			printError(f.IO.ErrOut, msg)
			if code == exitOK {
				code = ccode
			}
		}
	}()
	f.args = args
	root := newCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetVersionTemplate(versionTemplate)
	err := fang.Execute(ctx, root,
		fang.WithVersion(versionText(f.Version)),
		fang.WithoutManpage(),
		fang.WithoutCompletions(), // ours checks the shell's name (completion.go)
		fang.WithErrorHandler(func(_ io.Writer, _ fang.Styles, err error) {
			msg, _ := explain(f.commandError(err))
			printError(f.IO.ErrOut, msg)
		}),
	)
	msg, code := explain(f.commandError(err))
	if err != nil {
		f.logger().Error("exit", "code", code, "error", msg)
	}
	return code
}
