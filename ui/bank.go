package ui

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/banktui/banktui/ledger"
)

// storeReader is what the TUI reads from the ledger: *ledger.Store, or a
// fake in tests. Every call runs in a command, never in Update or View.
type storeReader interface {
	Accounts(ctx context.Context) ([]ledger.AccountView, error)
	Totals(ctx context.Context) ([]ledger.CurrencyTotal, error)
	TransactionPage(ctx context.Context, q ledger.TxQuery) ([]ledger.TxView, error)
	TransactionTotals(ctx context.Context, q ledger.TxQuery) ([]ledger.Bucket, error)
	FlowTotals(ctx context.Context, q ledger.TxQuery) ([]ledger.Bucket, error)
	Transaction(ctx context.Context, accountID, id string, pending bool) (ledger.TxView, error)
}

// bank is what the store holds of the accounts, cards, totals and saved
// connections: the accounts and cards panes list it, the header sums it, the
// transactions and detail panes name the account they show.
type bank struct {
	accounts, cards []ledger.AccountView
	// listed is what the accounts pane lists: the "All accounts" entries
	// (one per currency when they differ), then the accounts.
	listed          []ledger.AccountView
	totals          []ledger.CurrencyTotal
	connections     []ledger.Consent
	loaded, loading bool
	err             string
	seq             uint64 // the latest read; older replies are dropped
}

type accountsLoadedMsg struct {
	seq         uint64
	accounts    []ledger.AccountView
	totals      []ledger.CurrencyTotal
	connections []ledger.Consent
	err         error
}

// bankReader reads the stored accounts and the saved connections.
type bankReader struct {
	store storeReader
	conns func() ([]ledger.Consent, error)
}

func (r bankReader) cmd(ctx context.Context, seq uint64) tea.Cmd {
	return func() tea.Msg { return r.read(ctx, seq) }
}

// read reads accounts, totals and connections. Run also calls it once
// before the program starts so the first frame already shows balances.
func (r bankReader) read(ctx context.Context, seq uint64) accountsLoadedMsg {
	msg := accountsLoadedMsg{seq: seq}
	if r.store != nil {
		msg.accounts, msg.err = r.store.Accounts(ctx)
		if msg.err == nil {
			msg.totals, msg.err = r.store.Totals(ctx)
		}
	}
	if r.conns != nil {
		// A broken credentials file must not hide the stored balances.
		if cs, err := r.conns(); err == nil {
			msg.connections = cs
		} else if msg.err == nil {
			msg.err = err
		}
	}
	return msg
}

// apply installs a read, splitting accounts from cards.
func (b *bank) apply(msg accountsLoadedMsg) {
	b.loading, b.loaded, b.err = false, true, ""
	if msg.err != nil {
		b.err = msg.err.Error()
	}
	b.accounts, b.cards = nil, nil
	for _, a := range msg.accounts {
		if a.Kind == ledger.KindCard {
			b.cards = append(b.cards, a)
		} else {
			b.accounts = append(b.accounts, a)
		}
	}
	b.totals = msg.totals
	b.listed = append(b.allEntries(), b.accounts...)
	if msg.connections != nil || msg.err == nil {
		b.connections = msg.connections
	}
}

// allKind is the Kind of the accounts pane's "All accounts" entries; their
// ids are allID ("all"), or allID+":"+currency when currencies differ.
const (
	allKind = "all"
	allID   = "all"
)

func isAll(id string) bool { return id == allID || strings.HasPrefix(id, allID+":") }

// allEntries are the "All accounts" entries: one, or one per currency when
// the accounts and cards that count (ledger.AccountView.Counts: balance's
// totals and the reports' rule) hold several, with the net total as
// balance.
func (b *bank) allEntries() []ledger.AccountView {
	var curs []string
	for _, a := range b.counted("") {
		if !slices.Contains(curs, a.Currency) {
			curs = append(curs, a.Currency)
		}
	}
	slices.Sort(curs)
	out := make([]ledger.AccountView, 0, len(curs))
	for _, cur := range curs {
		e := ledger.AccountView{Kind: allKind, ID: allID, DisplayName: "All accounts", Currency: cur}
		if len(curs) > 1 {
			e.ID, e.DisplayName = allID+":"+cur, "All "+cur+" accounts"
		}
		for _, t := range b.totals {
			if t.Currency == cur {
				e.Current, e.HasBalance = t.Total, true
			}
		}
		out = append(out, e)
	}
	return out
}

// counted are the accounts and cards that count, of currency cur ("": any).
func (b *bank) counted(cur string) []ledger.AccountView {
	var out []ledger.AccountView
	for _, l := range [][]ledger.AccountView{b.accounts, b.cards} {
		for _, a := range l {
			if a.Counts() && (cur == "" || a.Currency == cur) {
				out = append(out, a)
			}
		}
	}
	return out
}

// scope is what the transactions pane lists for the selected item id: an
// account or card, or the accounts and cards an "All accounts" entry
// stands for (nil: every one, when all of them count).
func (b *bank) scope(id string) txScope {
	switch {
	case id == "":
		return txScope{}
	case !isAll(id):
		return txScope{id: id, accountIDs: []string{id}}
	}
	for _, e := range b.listed {
		if e.ID != id {
			continue
		}
		s := txScope{id: id, label: ledger.Sanitize(e.DisplayName), multi: true}
		cur := e.Currency
		if id == allID {
			cur = ""
		}
		counted := b.counted(cur)
		if id != allID || len(counted) < len(b.accounts)+len(b.cards) {
			s.accountIDs = make([]string, len(counted))
			for i, a := range counted {
				s.accountIDs[i] = a.ID
			}
		}
		return s
	}
	return txScope{}
}

// find is the account or card id, or nil.
func (b *bank) find(id string) *ledger.AccountView {
	for _, l := range [][]ledger.AccountView{b.accounts, b.cards} {
		for i := range l {
			if l[i].ID == id {
				return &l[i]
			}
		}
	}
	return nil
}

// providerName names a connection by its bank, or "" if unknown.
func (b *bank) providerName(connectionID string) string {
	for _, l := range [][]ledger.AccountView{b.accounts, b.cards} {
		for _, a := range l {
			if a.ConnectionID == connectionID && a.ProviderName != "" {
				return a.ProviderName
			}
		}
	}
	return ""
}

// oldestBalance is the age of the stalest stored balance.
func (b *bank) oldestBalance() (t time.Time) {
	for _, l := range [][]ledger.AccountView{b.accounts, b.cards} {
		for _, a := range l {
			if a.HasBalance && !a.BalanceAsOf.IsZero() && (t.IsZero() || a.BalanceAsOf.Before(t)) {
				t = a.BalanceAsOf
			}
		}
	}
	return t
}

// newestBalance is when the freshest stored balance was fetched.
func (b *bank) newestBalance() (t time.Time) {
	for _, l := range [][]ledger.AccountView{b.accounts, b.cards} {
		for _, a := range l {
			if a.HasBalance && a.BalanceAsOf.After(t) {
				t = a.BalanceAsOf
			}
		}
	}
	return t
}

// consentWarnDays: from this many days before a consent lapses, the TUI
// says so.
const consentWarnDays = 7

// consentOf is the saved connection's consent, if known.
func (b *bank) consentOf(connectionID string) (ledger.Consent, bool) {
	for _, c := range b.connections {
		if c.ConnectionID == connectionID {
			return c, true
		}
	}
	return ledger.Consent{}, false
}

// reconnectNote is the prompt of a connection whose consent expired or is
// about to, or "".
func (b *bank) reconnectNote(connectionID string, now time.Time) string {
	c, ok := b.consentOf(connectionID)
	switch {
	case !ok:
		return ""
	case c.NeedsReconnect:
		note := "consent expired: press L to reconnect"
		if c.Reason != "" {
			note += " (" + ledger.Sanitize(c.Reason) + ")"
		}
		return note
	case !c.ExpiresAt.IsZero() && c.ExpiresAt.Before(now):
		return "consent expired: press L to reconnect (or banktui connections extend " + ledger.Sanitize(c.ConnectionID) + ")"
	case !c.ExpiresAt.IsZero() && daysLeft(c.ExpiresAt, now) <= consentWarnDays:
		return "consent ends in " + plural(daysLeft(c.ExpiresAt, now), "day") + ": renew it with banktui connections extend " + ledger.Sanitize(c.ConnectionID)
	}
	return ""
}

// consentDays is "89 days of consent" for a connection's heading, or "".
func (b *bank) consentDays(connectionID string, now time.Time) string {
	c, ok := b.consentOf(connectionID)
	if !ok || c.ExpiresAt.IsZero() || c.ExpiresAt.Before(now) || c.NeedsReconnect {
		return ""
	}
	return plural(daysLeft(c.ExpiresAt, now), "day") + " of consent"
}

// daysLeft counts whole days until t (0 on its last day).
func daysLeft(t, now time.Time) int { return int(t.Sub(now).Hours() / 24) }

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
