package cli

import (
	"context"
	"fmt"
	"strings"
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
		Short: "Saved bank connections: consent days left, token state, what each bank refuses",
		Long: "connections lists the saved bank connections: each consent's days left (with a\n" +
			"warning from a week before it lapses), the token state, the last sync, and what each\n" +
			"bank refuses or was not granted, per endpoint. --json adds the calls each account has\n" +
			"left today without you present (banks allow 4 per account and endpoint a day).",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runConnections(cmd.Context(), opts) },
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON (never tokens)")
	cmd.AddCommand(newCmdExtend(f))
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
	ConsentDaysLeft  *int      `json:"consent_days_left,omitempty"`
	// Warning says what the consent needs (renewal, reconnection), from a
	// week before it lapses.
	Warning        string    `json:"warning,omitempty"`
	TokenState     string    `json:"token_state"`
	NeedsReconnect bool      `json:"needs_reconnect"`
	Reason         string    `json:"reason,omitempty"`
	LastSync       time.Time `json:"last_sync,omitzero"`
	// Endpoints are what the bank refuses (403), lacks (501) or limits
	// (429, until) per account ("" for the connection's lists).
	Endpoints []endpointJSON `json:"endpoints"`
	// UnattendedCallsLeft are the calls a sync without you present may
	// still make today, per account ("" for the lists) and endpoint.
	UnattendedCallsLeft []callsLeftJSON `json:"unattended_calls_left"`
}

type endpointJSON struct {
	AccountID string    `json:"account_id"`
	Endpoint  string    `json:"endpoint"`
	Status    int       `json:"status"`
	Code      string    `json:"code,omitempty"`
	Until     time.Time `json:"until,omitzero"`
	Note      string    `json:"note"`
}

type callsLeftJSON struct {
	AccountID   string               `json:"account_id"`
	DisplayName string               `json:"display_name,omitempty"`
	Left        map[string]int       `json:"left"`
	Next        map[string]time.Time `json:"next,omitempty"` // when a call frees up, for endpoints with none left
}

func runConnections(ctx context.Context, opts *connectionsOptions) error {
	conns, err := opts.Factory.Connections()
	if err != nil {
		return err
	}
	stored := opts.Factory.storedState(ctx)
	now := opts.Now()
	if opts.JSON {
		out := make([]connectionJSON, 0, len(conns))
		for _, c := range conns {
			cj, err := connectionOut(ctx, c, stored, now)
			if err != nil {
				return err
			}
			out = append(out, cj)
		}
		return writeJSON(opts.IO.Out, out)
	}
	if len(conns) == 0 {
		_, err := fmt.Fprintln(opts.IO.Out, "no connections yet: run banktui login")
		return err
	}
	t := newTable("ID", "BANK", "CONSENT", "TOKEN", "LAST SYNC")
	var notes []string
	for _, c := range conns {
		ls := "never"
		if t := stored.lastSync[c.ID]; !t.IsZero() {
			ls = t.Local().Format("2006-01-02 15:04")
		}
		t.row(ledger.Sanitize(c.ID), ledger.Sanitize(c.ProviderName), consentCell(c, now), tokenState(c, now), ls)
		for _, n := range connectionNotes(c, stored, now) {
			notes = append(notes, ledger.Sanitize(c.ID)+": "+n)
		}
	}
	if err := t.write(opts.IO.Out); err != nil {
		return err
	}
	if len(notes) > 0 {
		_, err = fmt.Fprintln(opts.IO.Out, "\n"+strings.Join(notes, "\n"))
	}
	return err
}

// connectionNotes are what to know about a connection: its consent, the
// scopes it lacks, and what its bank refuses per endpoint.
func connectionNotes(c config.Connection, stored storedState, now time.Time) []string {
	var notes []string
	if text, _, _ := consentState(c, now); text != "" {
		notes = append(notes, text)
	}
	if g := grantedNote(c); g != "" {
		notes = append(notes, g)
	}
	return append(notes, endpointNotes(stored.statuses, stored.names, c.ID, now)...)
}

// connectionOut is a connection in connections --json.
func connectionOut(ctx context.Context, c config.Connection, stored storedState, now time.Time) (connectionJSON, error) {
	cj := connectionJSON{ID: c.ID, ProviderID: c.ProviderID, ProviderName: c.ProviderName,
		CredentialsID: c.CredentialsID, Scopes: c.Scopes, ConsentCreatedAt: c.ConsentCreatedAt,
		ConsentExpiresAt: c.ConsentExpiresAt, TokenState: tokenState(c, now), NeedsReconnect: c.NeedsReconnect,
		Reason: c.Reason, LastSync: stored.lastSync[c.ID], Endpoints: []endpointJSON{}, UnattendedCallsLeft: []callsLeftJSON{}}
	if days, ok := daysLeft(c, now); ok {
		cj.ConsentDaysLeft = &days
	}
	cj.Warning, _, _ = consentState(c, now)
	for _, s := range stored.statuses {
		if s.ConnectionID == c.ID && (s.Status != 429 || s.Until.After(now)) {
			cj.Endpoints = append(cj.Endpoints, endpointJSON{AccountID: s.AccountID, Endpoint: s.Endpoint,
				Status: s.Status, Code: s.Code, Until: s.Until, Note: s.Text()})
		}
	}
	if stored.store == nil {
		return cj, nil
	}
	order, want := []string{""}, map[string][]string{"": listEndpoints(c.Scopes)}
	for _, v := range stored.accounts[c.ID] {
		if !v.Gone {
			order = append(order, v.ID)
			want[v.ID] = endpointsOf(v.Kind, c.Scopes)
		}
	}
	left, err := stored.store.UnattendedCallsLeft(ctx, c.ID, now, order, want)
	if err != nil {
		return cj, err
	}
	byAccount := map[string]*callsLeftJSON{}
	for _, acct := range order {
		cj.UnattendedCallsLeft = append(cj.UnattendedCallsLeft, callsLeftJSON{AccountID: acct, DisplayName: stored.names[acct], Left: map[string]int{}})
	}
	for i := range cj.UnattendedCallsLeft {
		byAccount[cj.UnattendedCallsLeft[i].AccountID] = &cj.UnattendedCallsLeft[i]
	}
	for _, l := range left {
		e := byAccount[l.AccountID]
		e.Left[l.Endpoint] = l.Left
		if !l.Next.IsZero() {
			if e.Next == nil {
				e.Next = map[string]time.Time{}
			}
			e.Next[l.Endpoint] = l.Next
		}
	}
	return cj, nil
}

func tokenState(c config.Connection, now time.Time) string {
	switch {
	case c.NeedsReconnect:
		return "needs reconnect"
	case !c.ConsentExpiresAt.IsZero() && c.ConsentExpiresAt.Before(now):
		return "consent expired"
	case c.AccessToken != "" && c.Expiry.After(now):
		return "valid until " + age(c.Expiry, now)
	case c.RefreshToken != "":
		return "refreshes on next use"
	}
	return "no refresh token: reconnect when it expires"
}
