package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

type providersOptions struct {
	IO      *IOStreams
	Factory *Factory
	JSON    bool
	Country string
	Type    string
}

func newCmdProviders(f *Factory) *cobra.Command {
	opts := &providersOptions{IO: f.IO, Factory: f}
	cmd := &cobra.Command{
		Use:   "providers",
		Short: "List the banks your TrueLayer client can connect to",
		Args:  usageArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runProviders(cmd.Context(), opts) },
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON with TrueLayer's field names")
	cmd.Flags().StringVar(&opts.Country, "country", "", "only this country, e.g. uk")
	cmd.Flags().StringVar(&opts.Type, "type", "", "provider type: oauth, oauth/openbanking or credentialssharing")
	return cmd
}

func runProviders(ctx context.Context, opts *providersOptions) error {
	switch opts.Type {
	case "", truelayer.ProviderTypeOAuth, truelayer.ProviderTypeOpenBanking, truelayer.ProviderTypeCredentialsSharing:
	default:
		return usageErr("--type %q is not a provider type: give oauth, oauth/openbanking or credentialssharing", opts.Type)
	}
	s, err := opts.Factory.Settings()
	if err != nil {
		return err
	}
	if !s.Configured() {
		return usageErr("no TrueLayer client configured: set TRUELAYER_CLIENT_ID (see banktui doctor), or try banktui emulator")
	}
	list, err := opts.Factory.providers(ctx, s, opts.Country, opts.Type)
	if err != nil {
		return err
	}
	if opts.JSON {
		return writeJSON(opts.IO.Out, list)
	}
	t := newTable("PROVIDER", "NAME", "COUNTRY", "STAGE", "SCOPES")
	for _, p := range list {
		t.row(ledger.Sanitize(p.ProviderID), ledger.Sanitize(p.DisplayName), ledger.Sanitize(p.Country),
			ledger.Sanitize(p.ReleaseStage), ledger.Sanitize(strings.Join(p.Scopes, " ")))
	}
	return t.write(opts.IO.Out)
}
