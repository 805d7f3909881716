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
	_, err := fmt.Fprintf(opts.IO.Out, "banktui %s (%s, %s/%s)\n", opts.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}
