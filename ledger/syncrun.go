package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// History limits (AccountView.HistoryLimit): why back-fill stopped.
const (
	LimitInvalidDateRange = "invalid_date_range" // the bank refused an older range
	LimitEmpty            = "empty"              // a window came back empty
	LimitSCAExceeded      = "sca_exceeded"       // older history needs the user to re-authenticate
	LimitMax              = "max"                // WithMaxHistory reached
)

// shortHistory is how far back banks give history without a fresh SCA
// (PSD2's 90 days); a refused longer window is retried clipped to it.
const shortHistory = 89 * 24 * time.Hour

const day = 24 * time.Hour

func (y *Syncer) run(ctx context.Context, connectionIDs []string, progress func(Event), full bool) (*Report, error) {
	select {
	case y.running <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-y.running }()

	start := time.Now()
	rep := &Report{Started: y.opts.now(), Connections: make([]ConnectionReport, len(connectionIDs))}
	var emitMu sync.Mutex
	emit := func(e Event) {
		if progress == nil {
			return
		}
		emitMu.Lock()
		defer emitMu.Unlock()
		progress(e)
	}
	var storeErrs []error
	var storeMu sync.Mutex
	var wg sync.WaitGroup
	for i, id := range connectionIDs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs := &connSync{y: y, id: id, emit: emit, sem: make(chan struct{}, y.opts.perConnection)}
			rep.Connections[i] = cs.sync(ctx, full)
			storeMu.Lock()
			storeErrs = append(storeErrs, cs.storeErrs...)
			storeMu.Unlock()
		}()
	}
	wg.Wait()
	rep.Duration = time.Since(start)
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	if len(storeErrs) > 0 {
		return rep, errors.Join(storeErrs...)
	}
	return rep, nil
}

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

func (c *connSync) storeFailed(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.storeErrs = append(c.storeErrs, err)
	return err
}

func (c *connSync) current() *truelayer.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.client
}

// consentFailed records that the connection's consent is gone and stops its
// other requests.
func (c *connSync) consentFailed(err error) {
	c.mu.Lock()
	if c.consentErr == nil {
		c.consentErr = err
	}
	c.mu.Unlock()
	c.cancel(err)
}

func (c *connSync) consent() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.consentErr
}

// refresh replaces the client after a 401, once per failed client.
func (c *connSync) refresh(ctx context.Context, failed *truelayer.Client) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client != failed {
		return nil // another request already refreshed
	}
	cl, err := c.y.clients(ctx, c.id)
	if err != nil {
		return err
	}
	c.client = cl
	return nil
}

func (c *connSync) acquire(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	select {
	case c.y.global <- struct{}{}:
		return nil
	case <-ctx.Done():
		<-c.sem
		return context.Cause(ctx)
	}
}

func (c *connSync) release() {
	<-c.y.global
	<-c.sem
}

// call runs one API request within the concurrency bounds; after a 401 it
// gets a fresh client and tries once more.
func call[T any](ctx context.Context, c *connSync, fn func(cl *truelayer.Client) (T, error)) (T, error) {
	var zero T
	for attempt := 0; ; attempt++ {
		cl := c.current()
		if err := c.acquire(ctx); err != nil {
			return zero, err
		}
		v, err := fn(cl)
		c.release()
		if err == nil {
			return v, nil
		}
		if errors.Is(err, truelayer.ErrUnauthorized) && attempt == 0 {
			if rerr := c.refresh(ctx, cl); rerr != nil {
				err = rerr
			} else {
				continue
			}
		}
		if errors.Is(err, truelayer.ErrConsentNeeded) {
			c.consentFailed(err)
		}
		if ctx.Err() != nil && c.consent() != nil {
			return zero, c.consent()
		}
		return zero, err
	}
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

// fetchTransactions fetches settled transactions of an account or a card.
func (c *connSync) fetchTransactions(ctx context.Context, r accountRecord, from, to time.Time) ([]truelayer.Transaction, error) {
	return call(ctx, c, func(cl *truelayer.Client) ([]truelayer.Transaction, error) {
		if r.Kind == KindCard {
			return cl.CardTransactions(ctx, r.ID, from, to)
		}
		return cl.Transactions(ctx, r.ID, from, to)
	})
}

// syncAccount fetches an account's transactions (incremental part and
// back-fill), pending set, standing orders and direct debits, and commits
// them at once with the sync state.
func (c *connSync) syncAccount(ctx context.Context, r accountRecord, balanceErr error) AccountReport {
	y := c.y
	ar := AccountReport{AccountID: r.ID, Kind: r.Kind, DisplayName: r.DisplayName}
	st, err := y.store.syncState(ctx, r.ID)
	if err != nil {
		ar.Err = c.storeFailed(err)
		return ar
	}
	c.emit(Event{ConnectionID: c.id, AccountID: r.ID, Phase: PhaseTransactions})
	now := y.opts.now().UTC()
	today := now.Truncate(day)

	// Independent requests run in parallel with the transaction windows.
	var (
		wg                  sync.WaitGroup
		pending             []truelayer.Transaction
		pendingErr          error
		standingOrders, dds [][]byte
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		pending, pendingErr = call(ctx, c, func(cl *truelayer.Client) ([]truelayer.Transaction, error) {
			if r.Kind == KindCard {
				return cl.CardPendingTransactions(ctx, r.ID)
			}
			return cl.PendingTransactions(ctx, r.ID)
		})
		if errors.Is(pendingErr, truelayer.ErrNotSupported) {
			pending, pendingErr = nil, nil
		}
	}()
	if r.Kind == KindAccount && y.opts.details {
		wg.Add(2)
		go func() {
			defer wg.Done()
			sos, err := call(ctx, c, func(cl *truelayer.Client) ([]truelayer.StandingOrder, error) { return cl.StandingOrders(ctx, r.ID) })
			standingOrders = rawList(sos, err)
		}()
		go func() {
			defer wg.Done()
			dd, err := call(ctx, c, func(cl *truelayer.Client) ([]truelayer.DirectDebit, error) { return cl.DirectDebits(ctx, r.ID) })
			dds = rawList(dd, err)
		}()
	}

	collected := map[string]truelayer.Transaction{}
	var order []string
	// keep collects the rows of a window [from, to] (to zero: up to now)
	// and returns how many fall inside it. Banks reportedly ignore `from`,
	// so rows are filtered locally too, with a day of slack each side for
	// banks whose days are not UTC days; a row with an unreadable date
	// cannot be placed and is kept.
	keep := func(txs []truelayer.Transaction, from, to time.Time) int {
		n := 0
		for _, t := range txs {
			ts := t.Timestamp.Time
			inside := !t.Timestamp.Valid() || (!ts.Before(from) && (to.IsZero() || ts.Before(to.Add(day))))
			near := !t.Timestamp.Valid() || (!ts.Before(from.Add(-day)) && (to.IsZero() || ts.Before(to.Add(2*day))))
			if !near {
				continue
			}
			if _, dup := collected[t.TransactionID]; !dup {
				order = append(order, t.TransactionID)
			}
			collected[t.TransactionID] = t
			if inside {
				n++
			}
		}
		return n
	}

	var txErr error
	state := st
	synced := !st.OldestDay.IsZero()
	if synced {
		// Incremental: from the newest stored day minus the overlap.
		from := st.NewestTx
		if from.IsZero() {
			from = st.LastSync
		}
		from = from.UTC().Truncate(day).Add(-y.opts.overlap)
		if from.Before(st.OldestDay) {
			from = st.OldestDay
		}
		txs, err := c.fetchTransactions(ctx, r, from, now)
		if err != nil {
			txErr = err
		} else {
			keep(txs, from, time.Time{})
		}
	}
	if txErr == nil && !st.Backfilled {
		state = c.backfill(ctx, r, st, now, today, keep, &txErr)
		ar.HistoryLimit = state.HistoryLimit
	}
	wg.Wait()

	if err := c.stopped(ctx); err != nil {
		ar.Err = err
		return ar
	}
	accountErr := txErr
	if accountErr == nil {
		accountErr = pendingErr
	}
	ar.Err = accountErr
	if errors.Is(accountErr, truelayer.ErrNotSupported) {
		// The bank gives no transactions for it: said on the account
		// (SyncErrNotSupported), not a failure of the sync.
		ar.Err = nil
	}
	if ar.Err == nil {
		ar.Err = balanceErr
	}
	settled := make([]truelayer.Transaction, 0, len(order))
	for _, id := range order {
		settled = append(settled, collected[id])
	}
	batch := accountBatch{
		Settled:        settled,
		Pending:        pending,
		PendingFetched: pendingErr == nil,
		State:          state,
		StandingOrders: standingOrders,
		DirectDebits:   dds,
		SyncError:      syncErrorText(accountErr),
	}
	if accountErr == nil && balanceErr != nil {
		batch.SyncError = syncErrorText(balanceErr)
	}
	if txErr != nil && !synced && len(settled) == 0 {
		// Nothing fetched on a first sync: keep it a first sync.
		batch.State = syncState{}
	}
	added, npending, err := y.store.commitAccount(ctx, r.ID, batch)
	if err != nil {
		ar.Err = c.storeFailed(fmt.Errorf("saving %s %s: %w", r.Kind, r.ID, err))
		return ar
	}
	ar.Added, ar.Pending = added, npending
	return ar
}

// backfill walks back in windows from the oldest day asked so far (or now),
// until the bank refuses (invalid_date_range, sca_exceeded), a window is
// empty or WithMaxHistory is reached. Windows cover whole days without
// overlap: [from, to] with to the day before the previous window's from. A
// refused first window is tried again shorter (a year, half a year, then the
// 89 days PSD2 lets banks give without a fresh SCA) so that a bank with a
// shorter limit still gives what it can; that also ends the back-fill. A
// refused older window is bisected to the day (seekLimit), so a bank whose
// limit lies within it still gives all it has. On
// another error it stops with the state so far, to resume next time.
func (c *connSync) backfill(ctx context.Context, r accountRecord, st syncState, now, today time.Time,
	keep func([]truelayer.Transaction, time.Time, time.Time) int, txErr *error) syncState {
	y := c.y
	floor := today.Add(-y.opts.maxHistory)
	first := st.OldestDay.IsZero()
	for {
		to := now
		if !first {
			if !st.OldestDay.After(floor) {
				st.HistoryLimit = LimitMax
				break
			}
			to = st.OldestDay.Add(-day)
		}
		windowEnd := to.Truncate(day)
		if first {
			windowEnd = today
		}
		from := windowEnd.Add(-y.opts.window)
		if from.Before(floor) {
			from = floor
		}
		txs, err := c.fetchTransactions(ctx, r, from, to)
		if refused(err) && first {
			limit := limitOf(err)
			for _, span := range []time.Duration{364 * day, 180 * day, shortHistory} {
				shorter := windowEnd.Add(-span)
				if !shorter.After(from) {
					continue
				}
				from = shorter
				txs, err = c.fetchTransactions(ctx, r, from, to)
				if !refused(err) {
					break
				}
			}
			if err == nil {
				keep(txs, from, endFor(first, to))
				st.OldestDay = from
				st.HistoryLimit = limit
				break
			}
		}
		if refused(err) {
			if first {
				*txErr = err // not even recent history
				return st
			}
			// The limit lies within this window: find it.
			limit, serr := c.seekLimit(ctx, r, from, st.OldestDay, keep, &st)
			if serr != nil {
				*txErr = serr
				return st // resume from st.OldestDay next time
			}
			if limit == "" {
				limit = limitOf(err)
			}
			st.HistoryLimit = limit
			break
		}
		if err != nil {
			*txErr = err
			return st // resume from st.OldestDay next time
		}
		n := keep(txs, from, endFor(first, to))
		st.OldestDay = from
		if n == 0 {
			st.HistoryLimit = LimitEmpty
			break
		}
		first = false
	}
	st.Backfilled = true
	return st
}

// seekLimit finds, to the day, the oldest day the bank gives when it refused
// an older window starting at refusedFrom while it gave everything from
// accepted on. It bisects the days between them, asking each time only the
// days not stored yet, [mid, accepted-1 day]: an accepted probe is kept and
// moves st.OldestDay back to mid, a refused one moves refusedFrom up. Banks
// refuse by how old `from` is, so the boundary found is the bank's limit,
// in about log2(days) requests (ten for a two-year window). It returns the
// last refusal's limit ("" if none), or the error of a failed request, with
// st.OldestDay the oldest day fetched so far.
func (c *connSync) seekLimit(ctx context.Context, r accountRecord, refusedFrom, accepted time.Time,
	keep func([]truelayer.Transaction, time.Time, time.Time) int, st *syncState) (string, error) {
	lo, hi := refusedFrom.UTC().Truncate(day), accepted.UTC().Truncate(day)
	limit := ""
	for hi.Sub(lo) > day {
		mid := lo.Add(hi.Sub(lo) / day / 2 * day)
		to := hi.Add(-day)
		txs, err := c.fetchTransactions(ctx, r, mid, to)
		switch {
		case refused(err):
			limit = limitOf(err)
			lo = mid
		case err != nil:
			return limit, err
		default:
			keep(txs, mid, to)
			hi = mid
			st.OldestDay = mid
		}
	}
	return limit, nil
}

// endFor: the first window ends now, and rows dated later are kept.
func endFor(first bool, to time.Time) time.Time {
	if first {
		return time.Time{}
	}
	return to
}

func refused(err error) bool {
	return errors.Is(err, truelayer.ErrInvalidDateRange) || errors.Is(err, truelayer.ErrSCAExceeded)
}

func limitOf(err error) string {
	if errors.Is(err, truelayer.ErrSCAExceeded) {
		return LimitSCAExceeded
	}
	return LimitInvalidDateRange
}

// rawList marshals each item; on 501 it is an empty list, on another error
// nil (keep what is stored).
func rawList[T any](items []T, err error) [][]byte {
	if errors.Is(err, truelayer.ErrNotSupported) {
		return [][]byte{}
	}
	if err != nil {
		return nil
	}
	out := make([][]byte, 0, len(items))
	for _, it := range items {
		raw, _ := json.Marshal(it)
		out = append(out, raw)
	}
	return out
}
