package ledger

import (
	"context"
	"database/sql"
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
func (c *connSync) syncAccount(ctx context.Context, r accountRecord, balance AccountReport) AccountReport {
	balanceErr := balance.Err
	// The balance's skip stays in the report the account's replaces.
	ar := AccountReport{AccountID: r.ID, Kind: r.Kind, DisplayName: r.DisplayName, Skipped: balance.Skipped}
	st, err := c.y.store.syncState(ctx, r.ID)
	if err != nil {
		ar.Err = c.storeFailed(err)
		return ar
	}
	c.emit(Event{ConnectionID: c.id, AccountID: r.ID, Phase: PhaseTransactions})
	now := today(c.y.opts.now())
	stage, err := c.openStage(ctx)
	if err != nil {
		ar.Err = c.storeFailed(err)
		return ar
	}
	win := &accountWindows{stage: stage, firstSeen: c.y.store.now().UnixMilli()}
	defer win.close()

	f := accountFetch{firstSync: st.OldestDay.IsZero(), state: st, win: win}
	f.side = c.fetchSideLists(ctx, r) // in parallel with the windows
	if !f.firstSync {
		f.txErr = c.fetchRecent(ctx, r, st, now, f.win)
	}
	if f.txErr == nil && !st.Backfilled {
		f.state, f.txErr = c.backfill(ctx, r, st, now, f.win)
		ar.HistoryLimit = f.state.HistoryLimit
	}
	f.side.wg.Wait()
	ar.Added, ar.Duplicates = f.win.res.added, f.win.res.duplicates
	if err := c.stopped(ctx); err != nil {
		ar.Err = err
		return ar
	}

	ar.Err = reportedErr(f.err(), balanceErr)
	ar.noteSkipped(f.txErr, f.side.pendingErr, f.side.standingOrdersErr, f.side.directDebitsErr)
	batch := f.batch(balanceErr)
	batch.BalanceKept = balance.balanceKept
	res, pending, err := c.y.store.commitWithStage(ctx, r.ID, batch, stage, win.committer)
	if err != nil {
		ar.Err = c.storeFailed(fmt.Errorf("saving %s %s: %w", r.Kind, r.ID, err))
		return ar
	}
	ar.Added += res.added
	ar.Pending = pending
	return ar
}

// accountWindows are the transaction windows of an account's sync, each
// stored as it arrives.
type accountWindows struct {
	// stage takes the recent days, the back-fill's windows and the
	// account's last commit; spare, opened when first needed, takes every
	// other back-fill window, fetched while the one before commits
	// (windowPipe).
	stage, spare *stage
	// committer, opened with spare, commits every window from then on,
	// whichever stage holds it (stagefile.go); nil: each stage's own
	// connection does.
	committer *sql.Conn
	firstSeen int64        // when the sync began (unix ms), on every row it stores
	res       windowResult // summed over the windows
	committed int          // windows stored
}

// openStage opens a stage for an account's windows.
func (c *connSync) openStage(ctx context.Context) (*stage, error) {
	sg, err := c.y.store.openStage(ctx)
	if err == nil {
		sg.merged = c.y.opts.windowMerged
	}
	return sg, err
}

func (w *accountWindows) close() {
	w.stage.close()
	if w.spare != nil {
		w.spare.close()
	}
	if w.committer != nil {
		w.committer.Close()
	}
}

// fetchWindow asks the bank for an account's settled rows from..to and
// stores them as they arrive (those inside [from, keepTo]; keepTo zero: no
// end), committed in one transaction that also moves the oldest day asked
// back to oldestDay (zero: unchanged). It returns how many rows fell inside.
func (c *connSync) fetchWindow(ctx context.Context, r accountRecord, w *accountWindows, from, to, keepTo, oldestDay time.Time) (int, error) {
	n, err := c.stageWindow(ctx, r, w.stage, from, to, keepTo)
	if err != nil {
		return 0, err
	}
	return n, c.commitStaged(ctx, r, w, w.stage, w.committer, oldestDay)
}

// stageWindow asks the bank for an account's settled rows from..to and
// stages them on sg as they arrive (those inside [from, keepTo]; keepTo
// zero: no end). It returns how many rows fell inside.
func (c *connSync) stageWindow(ctx context.Context, r accountRecord, sg *stage, from, to, keepTo time.Time) (int, error) {
	sink := sg.window(from, keepTo)
	_, err := call(ctx, c, accountEndpoint(r, EndpointTransactions), func(cl *truelayer.Client) (struct{}, error) {
		if r.Kind == KindCard {
			return struct{}{}, cl.StreamCardTransactions(ctx, r.ID, from, to, sink)
		}
		return struct{}{}, cl.StreamTransactions(ctx, r.ID, from, to, sink)
	})
	if err != nil {
		if sink.err != nil { // the stage's, not the bank's
			return 0, c.storeFailed(fmt.Errorf("saving %s %s: %w", r.Kind, r.ID, sink.err))
		}
		return 0, err
	}
	return sink.inside, nil
}

// commitStaged merges the window staged on sg into the history, in one
// transaction on conn (nil: sg's) that also moves the oldest day asked
// back to oldestDay (zero: unchanged), and counts it in w.
func (c *connSync) commitStaged(ctx context.Context, r accountRecord, w *accountWindows, sg *stage, conn *sql.Conn, oldestDay time.Time) error {
	res, err := c.y.store.commitWindow(ctx, sg, conn, r.ID, oldestDay, w.firstSeen)
	if err != nil {
		return c.storeFailed(fmt.Errorf("saving %s %s: %w", r.Kind, r.ID, err))
	}
	w.res.added += res.added
	w.res.duplicates += res.duplicates
	w.committed++
	return nil
}

// fetchRecent asks again, up to today, the days where rows may still
// change (recentFrom).
func (c *connSync) fetchRecent(ctx context.Context, r accountRecord, st syncState, now time.Time, w *accountWindows) error {
	from := recentFrom(st, now, c.y.opts.overlap)
	_, err := c.fetchWindow(ctx, r, w, from, now, time.Time{}, time.Time{})
	return err
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
	win       *accountWindows
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
		FirstSeen:      f.win.firstSeen,
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
	if f.txErr != nil && f.firstSync && f.win.committed == 0 {
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
