package cli

import (
	"context"
	"fmt"
	"net/url"
	"slices"

	"github.com/spf13/cobra"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

type emulatorOptions struct {
	IO          *IOStreams
	Addr        string
	Seed        int64
	AutoApprove string
	RedirectURI string
}

func newCmdEmulator(f *Factory) *cobra.Command {
	opts := &emulatorOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Serve the demo bank: a TrueLayer auth server and Data API on this machine",
		Long: "emulator serves a TrueLayer-compatible auth server and Data API with a deterministic\n" +
			"demo bank, for trying banktui (or your own TrueLayer app) offline. It prints the client\n" +
			"id, secret, redirect URI and the two base URLs to use with it, and serves until\n" +
			"interrupted (Ctrl+C).",
		Example: "  banktui emulator --addr 127.0.0.1:8787\n" +
			"  banktui login --provider ob-northgate\n" +
			"  banktui sync",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runEmulator(cmd.Context(), opts) },
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:8787", "address to listen on")
	cmd.Flags().Int64Var(&opts.Seed, "seed", 1, "demo bank seed (another seed, another deterministic bank)")
	cmd.Flags().StringVar(&opts.AutoApprove, "auto-approve", "", "approve every consent at once as this user (e.g. john), skipping the dialog")
	cmd.Flags().StringVar(&opts.RedirectURI, "redirect-uri", config.DefaultRedirectURI, "redirect URI to register for the demo client (when port 3000 is taken)")
	return cmd
}

func runEmulator(ctx context.Context, opts *emulatorOptions) error {
	if !slices.Contains(truelayertest.DefaultRedirectURIs, opts.RedirectURI) {
		if u, err := url.Parse(opts.RedirectURI); err != nil || u.Scheme == "" || u.Host == "" {
			return usageErr("--redirect-uri %q is not a URL, e.g. http://127.0.0.1:3001/callback", opts.RedirectURI)
		}
	}
	emuOpts := []truelayertest.Option{truelayertest.WithSeed(opts.Seed)}
	if opts.AutoApprove != "" {
		emuOpts = append(emuOpts, truelayertest.WithAutoApprove(opts.AutoApprove, ""))
	}
	srv, err := truelayertest.Listen(opts.Addr, emuOpts...)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (%v): pick another with --addr", opts.Addr, err)
	}
	defer srv.Close()
	if !slices.Contains(truelayertest.DefaultRedirectURIs, opts.RedirectURI) {
		srv.RegisterClient(truelayertest.ClientRegistration{
			ID: truelayertest.DefaultClientID, Secret: truelayertest.DefaultClientSecret,
			RedirectURIs: append(slices.Clone(truelayertest.DefaultRedirectURIs), opts.RedirectURI),
		})
	}
	w := opts.IO.Out
	fmt.Fprintf(w, "banktui emulator: TrueLayer auth server and Data API with the demo bank on %s\n\n", srv.URL())
	fmt.Fprintf(w, "export %s=%s\n", config.EnvClientID, truelayertest.DefaultClientID)
	fmt.Fprintf(w, "export %s=%s\n", config.EnvClientSecret, truelayertest.DefaultClientSecret)
	fmt.Fprintf(w, "export %s=%s\n", config.EnvRedirectURI, opts.RedirectURI)
	fmt.Fprintf(w, "export %s=%s\n", config.EnvAuthURL, srv.AuthURL())
	fmt.Fprintf(w, "export %s=%s\n", config.EnvAPIURL, srv.APIURL())
	fmt.Fprintf(w, "\nBanks: ob-northgate (Northgate Bank), ob-nova (Nova), ob-castle (Castle Bank), mock.\n")
	fmt.Fprintf(w, "Users: john / doe (and johnN / doeN), john / eternal, error.<code> / error.\n")
	fmt.Fprintf(w, "Then: banktui login. Stop with Ctrl+C.\n")
	<-ctx.Done()
	return nil
}
