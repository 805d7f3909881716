package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/truelayer"
)

// connSync is one connection's sync run.
type connSync struct {
	y    *Syncer
	id   string
	emit func(Event)
	sem  chan struct{} // this connection's request slots

	// scopes are the connection's granted scopes (nil: unknown, every
	// endpoint is tried); unattended: its client does not say the user is
	// present, so calls spend budget.
	scopes     []string
	unattended bool
	budget     *budget

	mu         sync.Mutex
	client     *truelayer.Client
	consentErr error
	cancel     context.CancelCauseFunc
	storeErrs  []error
	statuses   map[budgetKey]int // the endpoint statuses stored for the connection
	changed    []statusChange    // to store once the connection ran to the end
}

// sync runs the connection's phases in order: connect, list and save the
// accounts and cards, fetch their balances and, when full, their
// transactions. Between phases it stops if the caller cancelled or the
// consent is gone.
func (c *connSync) sync(parent context.Context, full bool) ConnectionReport {
	rep := ConnectionReport{ConnectionID: c.id}
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	c.cancel = cancel

	storedPID, storedName, err := c.y.store.connectionInfo(ctx, c.id)
	if err != nil {
		rep.Err = c.storeFailed(err)
		return rep
	}
	rep.ProviderID, rep.ProviderName = storedPID, storedName

	c.emit(Event{ConnectionID: c.id, Phase: PhaseConnect})
	cl, err := c.y.clients(ctx, c.id)
	if err != nil {
		return c.failConnection(parent, rep, err)
	}
	if err := c.prepare(ctx, cl); err != nil {
		rep.Err = c.storeFailed(err)
		return rep
	}

	c.emit(Event{ConnectionID: c.id, Phase: PhaseAccounts})
	l := c.listAccounts(ctx, storedName == "")
	if err := c.stopped(parent); err != nil {
		return c.failConnection(parent, rep, err)
	}
	if l.accErr != nil && l.cardErr != nil {
		return c.failConnection(parent, rep, l.accErr)
	}
	rep.Err = l.err()
	if err := c.keepUnlisted(ctx, &l); err != nil {
		rep.Err = c.storeFailed(err)
		return rep
	}
	rep.Skipped = l.skipped
	recs := l.records()
	rep.ProviderID, rep.ProviderName = l.provider(storedPID, storedName, recs)
	if err := c.y.store.saveAccounts(ctx, c.id, rep.ProviderID, rep.ProviderName, recs, l.listedKinds()); err != nil {
		rep.Err = c.storeFailed(err)
		return rep
	}
	rep.Accounts = make([]AccountReport, len(recs))
	for i, r := range recs {
		rep.Accounts[i] = AccountReport{AccountID: r.ID, Kind: r.Kind, DisplayName: r.DisplayName}
	}
	if len(recs) == 0 && len(l.skipped) > 0 {
		// Nothing listed nor stored yet: the connection's first sync waits
		// for the bank's budget; its lists are not "gone".
		return c.finish(ctx, rep, false)
	}

	c.syncBalances(ctx, recs, rep.Accounts)
	if err := c.stopped(parent); err != nil {
		return c.failConnection(parent, rep, err)
	}
	if full {
		c.syncTransactions(ctx, recs, rep.Accounts)
		if err := c.stopped(parent); err != nil {
			return c.failConnection(parent, rep, err)
		}
	}
	return c.finish(ctx, rep, full)
}

// prepare learns, before the first call, what the connection may call:
// its granted scopes, whether its client says the user is present (else
// calls spend the bank's unattended budget), and the endpoint statuses
// stored for it.
func (c *connSync) prepare(ctx context.Context, cl *truelayer.Client) error {
	c.client = cl
	c.unattended = cl.PSUIP() == ""
	if c.y.opts.scopes != nil {
		c.scopes = c.y.opts.scopes(c.id)
	}
	statuses, err := c.y.store.EndpointStatuses(ctx)
	if err != nil {
		return err
	}
	c.statuses = map[budgetKey]int{}
	for _, s := range statuses {
		if s.ConnectionID == c.id {
			c.statuses[budgetKey{s.AccountID, s.Endpoint}] = s.Status
		}
	}
	return nil
}

// bankListing is what the bank listed: its accounts, its cards and, when
// asked, who it is. A kind the sync could not list (skipped, refused) is
// taken from the store (stored) and never marked gone.
type bankListing struct {
	accounts        []truelayer.Account
	cards           []truelayer.Card
	me              *truelayer.Me
	accErr, cardErr error
	stored          []accountRecord // the kinds not listed, as stored
	unlisted        []string        // those kinds
	skipped         []*SkippedError // lists the unattended budget left out
}

// listAccounts fetches the accounts and the cards, and who the bank is when
// askWho, in parallel. A 501 for accounts or cards is an empty list ("this
// bank has no cards"), not an error.
func (c *connSync) listAccounts(ctx context.Context, askWho bool) bankListing {
	var (
		l  bankListing
		wg sync.WaitGroup
	)
	wg.Go(func() {
		l.accounts, l.accErr = call(ctx, c, listEndpoint(EndpointAccounts), func(cl *truelayer.Client) ([]truelayer.Account, error) { return cl.Accounts(ctx) })
	})
	wg.Go(func() {
		l.cards, l.cardErr = call(ctx, c, listEndpoint(EndpointCards), func(cl *truelayer.Client) ([]truelayer.Card, error) { return cl.Cards(ctx) })
	})
	if askWho {
		wg.Go(func() {
			l.me, _ = call(ctx, c, listEndpoint(endpointMe), func(cl *truelayer.Client) (*truelayer.Me, error) { return cl.Me(ctx) })
		})
	}
	wg.Wait()
	if errors.Is(l.accErr, truelayer.ErrNotSupported) {
		l.accounts, l.accErr = nil, nil
	}
	if errors.Is(l.cardErr, truelayer.ErrNotSupported) {
		l.cards, l.cardErr = nil, nil
	}
	l.accErr = l.unlist(KindAccount, l.accErr)
	l.cardErr = l.unlist(KindCard, l.cardErr)
	return l
}

// unlist notes a kind the sync did not list, and why, when that is no
// failure: skipped (scope, budget) or refused by the bank. It returns err
// otherwise.
func (l *bankListing) unlist(kind string, err error) error {
	var se *SkippedError
	var re *RefusedError
	switch {
	case errors.As(err, &se):
		if errors.Is(se, ErrUnattendedBudget) {
			l.skipped = append(l.skipped, se)
		}
	case errors.As(err, &re) && kind == KindCard:
	default:
		return err
	}
	l.unlisted = append(l.unlisted, kind)
	return nil
}

// keepUnlisted takes the kinds the sync did not list from the store, so
// their balances and transactions still sync.
func (c *connSync) keepUnlisted(ctx context.Context, l *bankListing) error {
	for _, kind := range l.unlisted {
		recs, err := c.y.store.storedRecords(ctx, c.id, kind)
		if err != nil {
			return err
		}
		l.stored = append(l.stored, recs...)
	}
	return nil
}

// err is why half of the listing (accounts or cards) failed, if it did.
func (l bankListing) err() error {
	if l.accErr != nil {
		return l.accErr
	}
	return l.cardErr
}

// records are the accounts, then the cards, as the store keeps them.
func (l bankListing) records() []accountRecord {
	recs := make([]accountRecord, 0, len(l.accounts)+len(l.cards))
	for _, a := range l.accounts {
		recs = append(recs, accountFromAPI(a))
	}
	for _, cd := range l.cards {
		recs = append(recs, cardFromAPI(cd))
	}
	recs = append(recs, l.stored...)
	slices.SortStableFunc(recs, func(a, b accountRecord) int { return boolInt(a.Kind == KindCard) - boolInt(b.Kind == KindCard) })
	return recs
}

// listedKinds are the kinds the bank answered for: only their missing
// members may be marked gone.
func (l bankListing) listedKinds() []string {
	var listed []string
	if l.accErr == nil && !slices.Contains(l.unlisted, KindAccount) {
		listed = append(listed, KindAccount)
	}
	if l.cardErr == nil && !slices.Contains(l.unlisted, KindCard) {
		listed = append(listed, KindCard)
	}
	return listed
}

// provider names the bank: as stored, else as its accounts say, else as
// /me says.
func (l bankListing) provider(storedID, storedName string, recs []accountRecord) (id, name string) {
	id, name = storedID, storedName
	for _, r := range recs {
		if id == "" {
			id = r.ProviderID
		}
		if name == "" {
			name = r.ProviderName
		}
	}
	if l.me != nil {
		if id == "" {
			id = l.me.Provider.ProviderID
		}
		if name == "" {
			name = l.me.Provider.DisplayName
		}
	}
	return id, name
}

// syncBalances fetches every balance at once: the quick check. A 501 means
// the bank gives no balance for it (AccountView.HasBalance says so), not a
// failure; other errors go on the account's report.
func (c *connSync) syncBalances(ctx context.Context, recs []accountRecord, reps []AccountReport) {
	c.eachAccount(PhaseBalances, recs, func(i int, r accountRecord) Event {
		err := c.syncBalance(ctx, r)
		var se *SkippedError
		switch {
		case notFetched(err):
			reps[i].balanceKept = true
			if errors.As(err, &se) {
				reps[i].noteSkipped(se)
			}
		case err != nil && !errors.Is(err, truelayer.ErrNotSupported):
			reps[i].Err = err
		}
		return Event{Phase: PhaseBalances, Err: reps[i].Err}
	})
}

// syncTransactions syncs every account's transactions, bounded by the
// request slots. An account's report replaces its balance report, which
// it is given so a balance error is not lost.
func (c *connSync) syncTransactions(ctx context.Context, recs []accountRecord, reps []AccountReport) {
	c.eachAccount(PhaseTransactions, recs, func(i int, r accountRecord) Event {
		reps[i] = c.syncAccount(ctx, r, reps[i])
		return Event{Phase: PhaseDone, Added: reps[i].Added, Err: reps[i].Err}
	})
}

// eachAccount announces phase, then runs run for every account at once and
// emits the event it returns, numbered as the accounts finish.
func (c *connSync) eachAccount(phase string, recs []accountRecord, run func(i int, r accountRecord) Event) {
	var (
		done atomic.Int32
		wg   sync.WaitGroup
	)
	total := len(recs)
	c.emit(Event{ConnectionID: c.id, Phase: phase, Total: total})
	for i, r := range recs {
		wg.Go(func() {
			ev := run(i, r)
			ev.ConnectionID, ev.AccountID, ev.Done, ev.Total = c.id, r.ID, int(done.Add(1)), total
			c.emit(ev)
		})
	}
	wg.Wait()
}

// finish records a connection that ran to the end. A balances-only run
// (synced false) records each account's balance error, as no transaction
// sync will; a full run marks the connection synced.
func (c *connSync) finish(ctx context.Context, rep ConnectionReport, synced bool) ConnectionReport {
	c.storeStatuses(ctx)
	if !synced {
		for _, a := range rep.Accounts {
			if a.Err == nil {
				continue
			}
			if err := c.y.store.setAccountError(ctx, a.AccountID, syncErrorText(a.Err)); err != nil {
				c.storeFailed(err)
			}
		}
	}
	if err := c.y.store.setConnectionState(ctx, c.id, "", synced, false); err != nil {
		rep.Err = c.storeFailed(err)
	}
	total := len(rep.Accounts)
	c.emit(Event{ConnectionID: c.id, Phase: PhaseDone, Done: total, Total: total, Err: rep.Err})
	return rep
}

// stopped returns why the connection must stop: the caller cancelled, or
// the consent is gone.
func (c *connSync) stopped(parent context.Context) error {
	if err := parent.Err(); err != nil {
		return err
	}
	return c.consent()
}

// failConnection records a connection-wide failure. A consent failure is
// written on the connection and every one of its accounts; a cancelled
// run writes nothing.
func (c *connSync) failConnection(parent context.Context, rep ConnectionReport, err error) ConnectionReport {
	if cerr := c.consent(); cerr != nil {
		err = cerr
	}
	rep.Err = err
	for i := range rep.Accounts {
		if rep.Accounts[i].Err == nil || errors.Is(err, truelayer.ErrConsentNeeded) {
			rep.Accounts[i].Err = err
		}
	}
	if parent.Err() == nil {
		consent := errors.Is(err, truelayer.ErrConsentNeeded)
		if serr := c.y.store.setConnectionState(parent, c.id, syncErrorText(err), false, consent); serr != nil {
			c.storeFailed(serr)
		}
		if consent && !errors.Is(err, auth.ErrNeedsReconnect) && c.y.opts.consentLost != nil {
			// A refused refresh is marked by the token manager already.
			c.y.opts.consentLost(c.id, "the bank denied the account list ("+errorCode(err)+")")
		}
	}
	c.emit(Event{ConnectionID: c.id, Phase: PhaseDone, Err: err})
	return rep
}

func (c *connSync) syncBalance(ctx context.Context, r accountRecord) error {
	var rec balanceRecord
	ep := accountEndpoint(r, EndpointBalance)
	if r.Kind == KindCard {
		b, err := call(ctx, c, ep, func(cl *truelayer.Client) (*truelayer.CardBalance, error) { return cl.CardBalance(ctx, r.ID) })
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(b)
		rec = balanceRecord{Currency: b.Currency, Current: b.Current, Available: b.Available, CreditLimit: b.CreditLimit, Raw: raw}
	} else {
		b, err := call(ctx, c, ep, func(cl *truelayer.Client) (*truelayer.Balance, error) { return cl.Balance(ctx, r.ID) })
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(b)
		rec = balanceRecord{Currency: b.Currency, Current: b.Current, Available: b.Available, Overdraft: b.Overdraft, Raw: raw}
	}
	if rec.Currency == "" {
		rec.Currency = r.Currency
	}
	if rec.Current.Missing() || rec.Available.Missing() {
		// Not a balance of zero: keep the last good one, and say so.
		return fmt.Errorf("%w: %s %s", ErrBadBalance, r.Kind, r.ID)
	}
	if err := c.y.store.saveBalance(ctx, r.ID, rec); err != nil {
		return c.storeFailed(err)
	}
	return nil
}

// errorCode is an API error's code ("access_denied"), or "refused".
func errorCode(err error) string {
	var ae *truelayer.APIError
	if errors.As(err, &ae) && ae.Code != "" {
		return Sanitize(ae.Code)
	}
	return "refused"
}
