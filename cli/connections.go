package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/ledger"
)

type connectionsOptions struct {
	IO      *IOStreams
	Factory *Factory
	JSON    bool
	Now     func() time.Time
}

func newCmdConnections(f *Factory) *cobra.Command {
	opts := &connectionsOptions{IO: f.IO, Factory: f, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "connections",
		Short: "Saved bank connections, consent expiry and token state",
		Args:  usageArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runConnections(cmd.Context(), opts) },
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON (never tokens)")
	return cmd
}

// connectionJSON is one connection in connections --json: never a token.
type connectionJSON struct {
	ID               string    `json:"id"`
	ProviderID       string    `json:"provider_id"`
	ProviderName     string    `json:"provider_name,omitempty"`
	CredentialsID    string    `json:"credentials_id,omitempty"`
	Scopes           []string  `json:"scopes,omitempty"`
	ConsentCreatedAt time.Time `json:"consent_created_at,omitzero"`
	ConsentExpiresAt time.Time `json:"consent_expires_at,omitzero"`
	TokenState       string    `json:"token_state"`
	NeedsReconnect   bool      `json:"needs_reconnect"`
	Reason           string    `json:"reason,omitempty"`
	LastSync         time.Time `json:"last_sync,omitzero"`
}

func runConnections(ctx context.Context, opts *connectionsOptions) error {
	conns, err := opts.Factory.Connections()
	if err != nil {
		return err
	}
	lastSync := map[string]time.Time{}
	if st, err := opts.Factory.Store(); err == nil { // no store yet: never synced
		if cv, err := st.Connections(ctx); err == nil {
			for _, c := range cv {
				lastSync[c.ID] = c.LastSync
			}
		}
	}
	now := opts.Now()
	if opts.JSON {
		out := make([]connectionJSON, 0, len(conns))
		for _, c := range conns {
			out = append(out, connectionJSON{ID: c.ID, ProviderID: c.ProviderID, ProviderName: c.ProviderName,
				CredentialsID: c.CredentialsID, Scopes: c.Scopes, ConsentCreatedAt: c.ConsentCreatedAt,
				ConsentExpiresAt: c.ConsentExpiresAt, TokenState: tokenState(c, now), NeedsReconnect: c.NeedsReconnect,
				Reason: c.Reason, LastSync: lastSync[c.ID]})
		}
		return writeJSON(opts.IO.Out, out)
	}
	if len(conns) == 0 {
		_, err := fmt.Fprintln(opts.IO.Out, "no connections yet: run banktui login")
		return err
	}
	t := newTable("ID", "BANK", "CONSENT UNTIL", "TOKEN", "LAST SYNC")
	for _, c := range conns {
		until := "-"
		if !c.ConsentExpiresAt.IsZero() {
			until = c.ConsentExpiresAt.Local().Format(time.DateOnly)
		}
		ls := "never"
		if t := lastSync[c.ID]; !t.IsZero() {
			ls = t.Local().Format("2006-01-02 15:04")
		}
		t.row(ledger.Sanitize(c.ID), ledger.Sanitize(c.ProviderName), until, tokenState(c, now), ls)
	}
	return t.write(opts.IO.Out)
}

func tokenState(c config.Connection, now time.Time) string {
	switch {
	case c.NeedsReconnect:
		return "needs reconnect"
	case !c.ConsentExpiresAt.IsZero() && c.ConsentExpiresAt.Before(now):
		return "consent expired"
	case c.AccessToken != "" && c.Expiry.After(now):
		return "valid until " + c.Expiry.Local().Format("15:04")
	case c.RefreshToken != "":
		return "refreshes on next use"
	}
	return "no refresh token: reconnect when it expires"
}
