package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// syncAccount fetches an account's transactions (the recent days again, and
// the back-fill until it is done), pending set, standing orders and direct
// debits, and commits them at once with the sync state.
func (c *connSync) syncAccount(ctx context.Context, r accountRecord, balanceErr error) AccountReport {
	ar := AccountReport{AccountID: r.ID, Kind: r.Kind, DisplayName: r.DisplayName}
	st, err := c.y.store.syncState(ctx, r.ID)
	if err != nil {
		ar.Err = c.storeFailed(err)
		return ar
	}
	c.emit(Event{ConnectionID: c.id, AccountID: r.ID, Phase: PhaseTransactions})
	now := today(c.y.opts.now())

	f := accountFetch{firstSync: st.OldestDay.IsZero(), state: st, rows: newWindowRows()}
	f.side = c.fetchSideLists(ctx, r) // in parallel with the windows
	if !f.firstSync {
		f.txErr = c.fetchRecent(ctx, r, st, now, f.rows)
	}
	if f.txErr == nil && !st.Backfilled {
		f.state, f.txErr = c.backfill(ctx, r, st, now, f.rows)
		ar.HistoryLimit = f.state.HistoryLimit
	}
	f.side.wg.Wait()
	if err := c.stopped(ctx); err != nil {
		ar.Err = err
		return ar
	}

	ar.Err = reportedErr(f.err(), balanceErr)
	ar.noteSkipped(f.txErr, f.side.pendingErr, f.side.standingOrdersErr, f.side.directDebitsErr)
	added, pending, err := c.y.store.commitAccount(ctx, r.ID, f.batch(balanceErr))
	if err != nil {
		ar.Err = c.storeFailed(fmt.Errorf("saving %s %s: %w", r.Kind, r.ID, err))
		return ar
	}
	ar.Added, ar.Pending = added, pending
	return ar
}

// fetchTransactions fetches settled transactions of an account or a card,
// in the bank's order, oldest first.
func (c *connSync) fetchTransactions(ctx context.Context, r accountRecord, from, to time.Time) ([]truelayer.Transaction, error) {
	txs, err := call(ctx, c, accountEndpoint(r, EndpointTransactions), func(cl *truelayer.Client) ([]truelayer.Transaction, error) {
		if r.Kind == KindCard {
			return cl.CardTransactions(ctx, r.ID, from, to)
		}
		return cl.Transactions(ctx, r.ID, from, to)
	})
	return oldestFirst(txs), err
}

// fetchRecent asks again, up to today, the days where rows may still
// change (recentFrom).
func (c *connSync) fetchRecent(ctx context.Context, r accountRecord, st syncState, now time.Time, rows *windowRows) error {
	from := recentFrom(st, now, c.y.opts.overlap)
	txs, err := c.fetchTransactions(ctx, r, from, now)
	if err != nil {
		return err
	}
	rows.keep(txs, from, time.Time{})
	return nil
}

// windowRows collects the settled rows of an account's transaction
// windows: each id once, the last copy sent winning, in the order first seen.
type windowRows struct {
	byID  map[string]truelayer.Transaction
	order []string
}

func newWindowRows() *windowRows { return &windowRows{byID: map[string]truelayer.Transaction{}} }

// keep collects the rows of a window [from, to] (to zero: up to now) and
// returns how many fall inside it. Banks reportedly ignore `from`, so rows
// are filtered locally too, with a day of slack each side for banks whose
// days are not UTC days; a row with an unreadable date cannot be placed and
// is kept.
func (w *windowRows) keep(txs []truelayer.Transaction, from, to time.Time) int {
	n := 0
	for _, t := range txs {
		ts := t.Timestamp.Time
		inside := !t.Timestamp.Valid() || (!ts.Before(from) && (to.IsZero() || ts.Before(to.Add(day))))
		near := !t.Timestamp.Valid() || (!ts.Before(from.Add(-day)) && (to.IsZero() || ts.Before(to.Add(2*day))))
		if !near {
			continue
		}
		if _, dup := w.byID[t.TransactionID]; !dup {
			w.order = append(w.order, t.TransactionID)
		}
		w.byID[t.TransactionID] = t
		if inside {
			n++
		}
	}
	return n
}

func (w *windowRows) settled() []truelayer.Transaction {
	out := make([]truelayer.Transaction, 0, len(w.order))
	for _, id := range w.order {
		out = append(out, w.byID[id])
	}
	return out
}

// sideLists are the lists fetched beside an account's transaction windows.
// Wait on wg before reading them.
type sideLists struct {
	wg                sync.WaitGroup
	pending           []truelayer.Transaction
	pendingErr        error
	pendingKept       bool     // not fetched (skipped, refused): keep the stored set
	standingOrders    [][]byte // nil: keep the stored ones
	directDebits      [][]byte
	standingOrdersErr error
	directDebitsErr   error
}

// fetchSideLists starts the requests that do not depend on the windows: the
// pending set (a 501 is an empty one), and an account's standing orders and
// direct debits unless turned off. Each is optional: one skipped or refused
// keeps what is stored and fails nothing.
func (c *connSync) fetchSideLists(ctx context.Context, r accountRecord) *sideLists {
	s := &sideLists{}
	s.wg.Go(func() {
		s.pending, s.pendingErr = call(ctx, c, accountEndpoint(r, EndpointPending), func(cl *truelayer.Client) ([]truelayer.Transaction, error) {
			if r.Kind == KindCard {
				return cl.CardPendingTransactions(ctx, r.ID)
			}
			return cl.PendingTransactions(ctx, r.ID)
		})
		switch {
		case errors.Is(s.pendingErr, truelayer.ErrNotSupported):
			s.pending, s.pendingErr = nil, nil
		case notFetched(s.pendingErr):
			s.pendingKept = true
		}
	})
	if r.Kind == KindAccount && c.y.opts.details {
		s.wg.Go(func() {
			sos, err := call(ctx, c, accountEndpoint(r, EndpointStandingOrders), func(cl *truelayer.Client) ([]truelayer.StandingOrder, error) {
				return cl.StandingOrders(ctx, r.ID)
			})
			s.standingOrders, s.standingOrdersErr = rawList(sos, err), err
		})
		s.wg.Go(func() {
			dds, err := call(ctx, c, accountEndpoint(r, EndpointDirectDebits), func(cl *truelayer.Client) ([]truelayer.DirectDebit, error) {
				return cl.DirectDebits(ctx, r.ID)
			})
			s.directDebits, s.directDebitsErr = rawList(dds, err), err
		})
	}
	return s
}

// notFetched: the sync did not call an endpoint (SkippedError) or the bank
// refused it for this account (RefusedError): neither is the account's
// failure.
func notFetched(err error) bool {
	var se *SkippedError
	var re *RefusedError
	return errors.As(err, &se) || errors.As(err, &re)
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

// accountFetch is what one account's sync fetched.
type accountFetch struct {
	firstSync bool      // nothing was fetched for it before
	state     syncState // the sync state to store
	rows      *windowRows
	txErr     error // a transaction window failed
	side      *sideLists
}

// err is the account's own failure: a transaction window, else the
// pending set. An endpoint skipped (budget, scope) is no failure.
func (f *accountFetch) err() error {
	var se *SkippedError
	if f.txErr != nil && !errors.As(f.txErr, &se) {
		return f.txErr
	}
	if f.side.pendingKept {
		return nil
	}
	return f.side.pendingErr
}

// batch is what the store commits for the account. Its SyncError says what
// failed (a 501 included: the account shows "not supported"), else the
// balance error; a first sync that fetched nothing stays a first sync.
func (f *accountFetch) batch(balanceErr error) accountBatch {
	b := accountBatch{
		Settled:        f.rows.settled(),
		Pending:        f.side.pending,
		PendingFetched: f.side.pendingErr == nil && !f.side.pendingKept,
		State:          f.state,
		StandingOrders: f.side.standingOrders,
		DirectDebits:   f.side.directDebits,
		SyncError:      syncErrorText(f.err()),
	}
	if f.err() == nil && balanceErr != nil {
		b.SyncError = syncErrorText(balanceErr)
	}
	if f.txErr != nil && f.firstSync && len(b.Settled) == 0 {
		b.State = syncState{}
	}
	return b
}

// reportedErr is an account's error in the report: its own failure, unless
// a 501 (the bank gives no transactions for it, which is no failure of the
// sync), else the balance error.
func reportedErr(accountErr, balanceErr error) error {
	if accountErr != nil && !errors.Is(accountErr, truelayer.ErrNotSupported) {
		return accountErr
	}
	return balanceErr
}
