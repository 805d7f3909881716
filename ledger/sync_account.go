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
