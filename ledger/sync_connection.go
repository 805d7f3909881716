package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/banktui/banktui/truelayer"
)

// connSync is one connection's sync run.
type connSync struct {
	y    *Syncer
	id   string
	emit func(Event)
	sem  chan struct{} // this connection's request slots

	mu         sync.Mutex
	client     *truelayer.Client
	consentErr error
	cancel     context.CancelCauseFunc
	storeErrs  []error
}

func (c *connSync) sync(parent context.Context, full bool) ConnectionReport {
	y := c.y
	rep := ConnectionReport{ConnectionID: c.id}
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	c.cancel = cancel

	storedPID, storedName, err := y.store.connectionInfo(ctx, c.id)
	if err != nil {
		rep.Err = c.storeFailed(err)
		return rep
	}
	rep.ProviderID, rep.ProviderName = storedPID, storedName

	c.emit(Event{ConnectionID: c.id, Phase: PhaseConnect})
	cl, err := y.clients(ctx, c.id)
	if err != nil {
		return c.failConnection(parent, rep, err)
	}
	c.client = cl

	// Accounts and cards (and who the bank is, if unknown) in parallel.
	c.emit(Event{ConnectionID: c.id, Phase: PhaseAccounts})
	var (
		accounts        []truelayer.Account
		cards           []truelayer.Card
		me              *truelayer.Me
		accErr, cardErr error
		wg              sync.WaitGroup
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		accounts, accErr = call(ctx, c, func(cl *truelayer.Client) ([]truelayer.Account, error) { return cl.Accounts(ctx) })
	}()
	go func() {
		defer wg.Done()
		cards, cardErr = call(ctx, c, func(cl *truelayer.Client) ([]truelayer.Card, error) { return cl.Cards(ctx) })
	}()
	if storedName == "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			me, _ = call(ctx, c, func(cl *truelayer.Client) (*truelayer.Me, error) { return cl.Me(ctx) })
		}()
	}
	wg.Wait()
	if err := c.stopped(parent); err != nil {
		return c.failConnection(parent, rep, err)
	}
	// 501: the bank has no such products ("no cards"), not an error.
	var listed []string
	if errors.Is(accErr, truelayer.ErrNotSupported) {
		accounts, accErr = nil, nil
	}
	if errors.Is(cardErr, truelayer.ErrNotSupported) {
		cards, cardErr = nil, nil
	}
	if accErr == nil {
		listed = append(listed, KindAccount)
	}
	if cardErr == nil {
		listed = append(listed, KindCard)
	}
	if accErr != nil && cardErr != nil {
		return c.failConnection(parent, rep, accErr)
	}
	if accErr != nil {
		rep.Err = accErr
	} else if cardErr != nil {
		rep.Err = cardErr
	}

	var recs []accountRecord
	for _, a := range accounts {
		recs = append(recs, accountFromAPI(a))
	}
	for _, cd := range cards {
		recs = append(recs, cardFromAPI(cd))
	}
	pid, pname := storedPID, storedName
	for _, r := range recs {
		if pid == "" {
			pid = r.ProviderID
		}
		if pname == "" {
			pname = r.ProviderName
		}
	}
	if me != nil {
		if pid == "" {
			pid = me.Provider.ProviderID
		}
		if pname == "" {
			pname = me.Provider.DisplayName
		}
	}
	rep.ProviderID, rep.ProviderName = pid, pname
	if err := y.store.saveAccounts(ctx, c.id, pid, pname, recs, listed); err != nil {
		rep.Err = c.storeFailed(err)
		return rep
	}
	rep.Accounts = make([]AccountReport, len(recs))
	for i, r := range recs {
		rep.Accounts[i] = AccountReport{AccountID: r.ID, Kind: r.Kind, DisplayName: r.DisplayName}
	}

	// Balances first, all in parallel: the quick check.
	var done atomic.Int32
	total := len(recs)
	c.emit(Event{ConnectionID: c.id, Phase: PhaseBalances, Total: total})
	for i, r := range recs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// 501: the bank gives no balance for it; HasBalance says so.
			if err := c.syncBalance(ctx, r); err != nil && !errors.Is(err, truelayer.ErrNotSupported) {
				rep.Accounts[i].Err = err
			}
			c.emit(Event{ConnectionID: c.id, AccountID: r.ID, Phase: PhaseBalances, Done: int(done.Add(1)), Total: total, Err: rep.Accounts[i].Err})
		}()
	}
	wg.Wait()
	if err := c.stopped(parent); err != nil {
		return c.failConnection(parent, rep, err)
	}
	if !full {
		for _, a := range rep.Accounts {
			if a.Err != nil {
				if err := y.store.setAccountError(ctx, a.AccountID, syncErrorText(a.Err)); err != nil {
					c.storeFailed(err)
				}
			}
		}
		if err := y.store.setConnectionState(ctx, c.id, "", false, false); err != nil {
			rep.Err = c.storeFailed(err)
		}
		c.emit(Event{ConnectionID: c.id, Phase: PhaseDone, Done: total, Total: total, Err: rep.Err})
		return rep
	}

	// Transactions, account by account (bounded by the request slots).
	done.Store(0)
	c.emit(Event{ConnectionID: c.id, Phase: PhaseTransactions, Total: total})
	for i, r := range recs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			balanceErr := rep.Accounts[i].Err
			ar := c.syncAccount(ctx, r, balanceErr)
			rep.Accounts[i] = ar
			c.emit(Event{ConnectionID: c.id, AccountID: r.ID, Phase: PhaseDone, Done: int(done.Add(1)), Total: total, Added: ar.Added, Err: ar.Err})
		}()
	}
	wg.Wait()
	if err := c.stopped(parent); err != nil {
		return c.failConnection(parent, rep, err)
	}
	if err := y.store.setConnectionState(ctx, c.id, "", true, false); err != nil {
		rep.Err = c.storeFailed(err)
	}
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
	}
	c.emit(Event{ConnectionID: c.id, Phase: PhaseDone, Err: err})
	return rep
}

func (c *connSync) syncBalance(ctx context.Context, r accountRecord) error {
	var rec balanceRecord
	if r.Kind == KindCard {
		b, err := call(ctx, c, func(cl *truelayer.Client) (*truelayer.CardBalance, error) { return cl.CardBalance(ctx, r.ID) })
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(b)
		rec = balanceRecord{Currency: b.Currency, Current: b.Current, Available: b.Available, CreditLimit: b.CreditLimit, Raw: raw}
	} else {
		b, err := call(ctx, c, func(cl *truelayer.Client) (*truelayer.Balance, error) { return cl.Balance(ctx, r.ID) })
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(b)
		rec = balanceRecord{Currency: b.Currency, Current: b.Current, Available: b.Available, Overdraft: b.Overdraft, Raw: raw}
	}
	if rec.Currency == "" {
		rec.Currency = r.Currency
	}
	if err := c.y.store.saveBalance(ctx, r.ID, rec); err != nil {
		return c.storeFailed(err)
	}
	return nil
}
