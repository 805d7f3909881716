package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

type versionOptions struct {
	IO      *IOStreams
	Version string
}

func newCmdVersion(f *Factory) *cobra.Command {
	opts := &versionOptions{IO: f.IO, Version: f.Version}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  usageArgs(cobra.NoArgs),
		RunE:  func(*cobra.Command, []string) error { return runVersion(opts) },
	}
}

func runVersion(opts *versionOptions) error {
	_, err := fmt.Fprintf(opts.IO.Out, "banktui %s\n", versionText(opts.Version))
	return err
}

// versionText is what banktui version and --version both print after the
// program's name: the version, the Go that built it and the platform.
func versionText(version string) string {
	return fmt.Sprintf("%s (%s, %s/%s)", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// versionTemplate makes --version print versionText as banktui version
// does (cobra's own says "banktui version 1.2.3").
const versionTemplate = "banktui {{.Version}}\n"
