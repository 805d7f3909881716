package cli

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

// What `connections` and `doctor` say of a saved connection: its consent's
// days left (a warning from a week before it lapses), and what each bank
// refuses or was not granted, per endpoint.

// consentWarnDays: from this many days before a consent lapses, banktui
// says so and how to renew it.
const consentWarnDays = 7

// daysLeft is how many days the connection's consent has left (0 on its
// last day, negative once lapsed); ok is false when the expiry is unknown.
func daysLeft(c config.Connection, now time.Time) (days int, ok bool) {
	if c.ConsentExpiresAt.IsZero() {
		return 0, false
	}
	return int(math.Floor(c.ConsentExpiresAt.Sub(now).Hours() / 24)), true
}

// consentState says what a connection's consent needs, with the command
// that does it: "" when nothing yet; warn is true from a week before it
// lapses; lost when only a new login brings it back (a refresh refused, or
// the account list denied: credentials.json says which).
func consentState(c config.Connection, now time.Time) (text string, warn, lost bool) {
	id := ledger.Sanitize(c.ID)
	relogin := "banktui login --provider " + ledger.Sanitize(c.ProviderID)
	days, known := daysLeft(c, now)
	switch {
	case c.NeedsReconnect:
		return fmt.Sprintf("needs reconnecting (%s): %s (its history is kept)", ledger.Sanitize(c.Reason), relogin), true, true
	case known && c.ConsentExpiresAt.Before(now):
		return fmt.Sprintf("consent expired %s: banktui connections extend %s, or %s (its history is kept)",
			c.ConsentExpiresAt.Local().Format(time.DateOnly), id, relogin), true, false
	case known && days <= consentWarnDays:
		return fmt.Sprintf("consent ends in %s (%s): renew it with banktui connections extend %s",
			plural(days, "day"), c.ConsentExpiresAt.Local().Format(time.DateOnly), id), true, false
	}
	return "", false, false
}

// consentCell is the CONSENT column: "until 2027-02-27 (89 days)".
func consentCell(c config.Connection, now time.Time) string {
	days, known := daysLeft(c, now)
	switch {
	case !known:
		return "-"
	case days < 0:
		return "expired " + c.ConsentExpiresAt.Local().Format(time.DateOnly)
	}
	return fmt.Sprintf("until %s (%s)", c.ConsentExpiresAt.Local().Format(time.DateOnly), plural(days, "day"))
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// notGranted are the scopes banktui would use that a connection lacks
// (none when its scopes are not recorded).
func notGranted(c config.Connection, wanted []string) []string {
	if len(c.Scopes) == 0 {
		return nil
	}
	var out []string
	for _, sc := range wanted {
		if !slices.Contains(c.Scopes, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// endpointNotes are the endpoint statuses the ledger holds for a
// connection, each as "Account name: direct debits: refused by the bank
// (403 access_denied)"; a 429 only while it lasts.
func endpointNotes(statuses []ledger.EndpointStatus, names map[string]string, connectionID string, now time.Time) []string {
	var out []string
	for _, s := range statuses {
		if s.ConnectionID != connectionID || (s.Status == 429 && !s.Until.After(now)) {
			continue
		}
		if s.AccountID == "" { // the connection's list (cards)
			out = append(out, s.Text())
			continue
		}
		out = append(out, ledger.Sanitize(cmpOr(names[s.AccountID], s.AccountID))+": "+s.Text())
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// storedState is what the ledger knows of every connection, for the
// commands that show connections: its accounts by connection, their names,
// the endpoint statuses and the last syncs. Empty when there is no store
// yet.
type storedState struct {
	accounts map[string][]ledger.AccountView // by connection id
	names    map[string]string               // account id -> display name
	statuses []ledger.EndpointStatus
	lastSync map[string]time.Time
	store    *ledger.Store
}

func (f *Factory) storedState(ctx context.Context) storedState {
	s := storedState{accounts: map[string][]ledger.AccountView{}, names: map[string]string{}, lastSync: map[string]time.Time{}}
	st, err := f.Store()
	if err != nil {
		return s // no store yet: never synced
	}
	s.store = st
	if views, err := st.Accounts(ctx); err == nil {
		for _, v := range views {
			s.accounts[v.ConnectionID] = append(s.accounts[v.ConnectionID], v)
			s.names[v.ID] = v.DisplayName
		}
	}
	s.statuses, _ = st.EndpointStatuses(ctx)
	if cv, err := st.Connections(ctx); err == nil {
		for _, c := range cv {
			s.lastSync[c.ID] = c.LastSync
		}
	}
	return s
}

// endpointsOf are the endpoints a sync calls for an account or card that
// the connection was granted (all when its scopes are unknown).
func endpointsOf(kind string, scopes []string) []string {
	has := func(sc ...string) bool {
		if len(scopes) == 0 {
			return true
		}
		for _, s := range sc {
			if !slices.Contains(scopes, s) {
				return false
			}
		}
		return true
	}
	base := truelayer.ScopeAccounts
	if kind == ledger.KindCard {
		base = truelayer.ScopeCards
	}
	var out []string
	for _, e := range []struct{ name, scope string }{
		{ledger.EndpointBalance, truelayer.ScopeBalance},
		{ledger.EndpointTransactions, truelayer.ScopeTransactions},
		{ledger.EndpointPending, truelayer.ScopeTransactions},
		{ledger.EndpointStandingOrders, truelayer.ScopeStandingOrders},
		{ledger.EndpointDirectDebits, truelayer.ScopeDirectDebits},
	} {
		card := e.name == ledger.EndpointStandingOrders || e.name == ledger.EndpointDirectDebits
		if (kind != ledger.KindCard || !card) && has(base, e.scope) {
			out = append(out, e.name)
		}
	}
	return out
}

// listEndpoints are the connection's lists a sync calls, as granted.
func listEndpoints(scopes []string) []string {
	var out []string
	for _, e := range []struct{ name, scope string }{{ledger.EndpointAccounts, truelayer.ScopeAccounts}, {ledger.EndpointCards, truelayer.ScopeCards}} {
		if len(scopes) == 0 || slices.Contains(scopes, e.scope) {
			out = append(out, e.name)
		}
	}
	return out
}

// grantedNote says which scopes banktui uses were not granted, and how to
// get them: "" when none.
func grantedNote(c config.Connection) string {
	missing := notGranted(c, []string{truelayer.ScopeStandingOrders, truelayer.ScopeDirectDebits, truelayer.ScopeCards,
		truelayer.ScopeBalance, truelayer.ScopeTransactions})
	if len(missing) == 0 {
		return ""
	}
	return "not granted: " + strings.Join(missing, " ") + " (not fetched; add them to scopes in config.toml, then banktui login)"
}
