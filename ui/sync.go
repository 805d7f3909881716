package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/banktui/banktui/ledger"
)

// refresher fills the store from the bank: *ledger.Syncer, or a fake in tests.
type refresher interface {
	Balances(ctx context.Context, connectionIDs []string, progress func(ledger.Event)) (*ledger.Report, error)
	Sync(ctx context.Context, connectionIDs []string, progress func(ledger.Event)) (*ledger.Report, error)
}

// syncState is the refresh: the running one (its request number, its
// cancel, its progress) and what the last ones left (when, which error,
// which accounts and connections failed). The root starts and finishes it;
// the panes read it to show spinners and per-account notes.
type syncState struct {
	seq      uint64 // the latest run; reports of older runs are dropped
	ctx      context.Context
	cancel   context.CancelFunc
	running  bool
	balances bool          // the balances phase is running
	latest   *ledger.Event // the latest progress of the running sync
	last     time.Time
	err      string
	offline  bool              // no syncer, or the last run could not reach the bank
	disabled bool              // no syncer: no bank client is configured
	accounts map[string]string // account id -> error of the last run
	conns    map[string]string // connection id -> error of the last run
	// failed says what the last finished sync failed to do ("" if
	// nothing); synced and banks count the connections it did sync.
	failed        string
	synced, banks int

	// steps holds, per connection of the running sync, when it last made
	// progress; one silent for slowAfter is named in the footer.
	steps     map[string]time.Time
	slowAfter time.Duration
}

// DefaultSlowBank is how long a bank may go without progress in a refresh
// before the footer names it as slow.
const DefaultSlowBank = 10 * time.Second

func newSyncState(disabled bool, slowAfter time.Duration) syncState {
	if slowAfter <= 0 {
		slowAfter = DefaultSlowBank
	}
	return syncState{offline: disabled, disabled: disabled, accounts: map[string]string{}, conns: map[string]string{},
		steps: map[string]time.Time{}, slowAfter: slowAfter}
}

// syncStartedMsg hands Update the channel on which the running sync reports.
type syncStartedMsg struct {
	seq uint64
	ch  <-chan tea.Msg
}

type syncProgressMsg struct {
	seq   uint64
	event ledger.Event
	ch    <-chan tea.Msg // to read the next report
}

// syncPhaseDoneMsg ends one phase: balances (then the stored balances are
// re-read) or transactions (the end of the sync).
type syncPhaseDoneMsg struct {
	seq          uint64
	transactions bool // the transactions phase, else the balances phase
	last         bool // no phase follows: the sync is over
	report       *ledger.Report
	err          error
	ch           <-chan tea.Msg
}

// channelClosedMsg: a sync or login goroutine has finished reporting.
type channelClosedMsg struct{}

// begin numbers a new run and cancels the one before: the newer request
// wins, and the old one's reports are dropped.
func (s *syncState) begin(parent context.Context, seq uint64, balances bool) {
	if s.cancel != nil {
		s.cancel()
	}
	s.seq = seq
	s.ctx, s.cancel = context.WithCancel(parent)
	s.running, s.balances = true, balances
	s.err, s.latest = "", nil
	clear(s.steps)
}

// progress notes one event of the running sync, arrived at now.
func (s *syncState) progress(e ledger.Event, now time.Time) {
	s.latest = &e
	if e.Phase == ledger.PhaseDone && e.AccountID == "" {
		delete(s.steps, e.ConnectionID)
	} else if e.ConnectionID != "" {
		s.steps[e.ConnectionID] = now
	}
	if e.AccountID != "" {
		if e.Err != nil {
			s.accounts[e.AccountID] = describeError(e.Err)
		} else {
			delete(s.accounts, e.AccountID)
		}
	}
}

// note says where the running sync is, e.g. "Northgate Bank: transactions
// 2/5", naming the bank once its accounts are read.
func (s *syncState) note(bank *bank) string {
	e := s.latest
	if e == nil {
		return ""
	}
	name := bank.providerName(e.ConnectionID)
	if name == "" {
		name = e.ConnectionID
	}
	note := ledger.Sanitize(name)
	if e.Phase != "" {
		note += ": " + ledger.Sanitize(e.Phase)
	}
	if e.Total > 0 {
		note += fmt.Sprintf(" %d/%d", e.Done, e.Total)
	}
	return note
}

// slow is the connection of the running sync that has gone longest
// without progress, if that is slowAfter or more, and for how long.
func (s *syncState) slow(now time.Time) (connectionID string, silent time.Duration, ok bool) {
	if !s.running {
		return "", 0, false
	}
	for id, at := range s.steps {
		if d := now.Sub(at); d >= s.slowAfter && (d > silent || (d == silent && id < connectionID)) {
			connectionID, silent, ok = id, d, true
		}
	}
	return connectionID, silent, ok
}

// phaseDone records the end of a phase; now stamps a finished sync.
func (s *syncState) phaseDone(msg syncPhaseDoneMsg, now time.Time) {
	if msg.err != nil && !errors.Is(msg.err, context.Canceled) {
		s.err = describeError(msg.err)
		r := ledger.Explain(msg.err).Remedy
		s.offline = r == ledger.RemedyCheckNetwork || r == ledger.RemedyRetryLater
	} else if msg.err == nil {
		s.offline = false
	}
	if !msg.transactions {
		s.balances = false
	}
	s.noteReport(msg.report)
	if msg.last {
		s.running, s.latest = false, nil
		clear(s.steps)
		s.failed, s.synced, s.banks = failures(msg.report)
		if msg.err == nil && (s.synced > 0 || s.banks == 0) {
			s.last = now
		}
	}
}

// failures sums up what a finished sync failed to do, naming the first
// failure ("Castle Bank: consent expired: press L to reconnect", "+1
// more"), and counts the connections it synced. A bank's own limits (no
// cards, older history behind SCA, a skipped endpoint) are no failure.
func failures(rep *ledger.Report) (failed string, synced, banks int) {
	if rep == nil {
		return "", 0, 0
	}
	var all []string
	for _, c := range rep.Connections {
		banks++
		name := ledger.Sanitize(cmp.Or(c.ProviderName, c.ConnectionID))
		if c.Err != nil {
			all = append(all, name+": "+describeError(c.Err))
			continue
		}
		synced++
		for _, a := range c.Accounts {
			if a.Err != nil && !ledger.Explain(a.Err).BankLimit {
				all = append(all, ledger.Sanitize(cmp.Or(a.DisplayName, a.AccountID))+": "+describeError(a.Err))
			}
		}
	}
	if len(all) == 0 {
		return "", synced, banks
	}
	failed = all[0]
	if len(all) > 1 {
		failed += fmt.Sprintf(" (+%d more)", len(all)-1)
	}
	return failed, synced, banks
}

// noteReport keeps what went wrong per connection and per account, so the
// panes can say it next to the item; the others keep working.
func (s *syncState) noteReport(rep *ledger.Report) {
	if rep == nil {
		return
	}
	for _, c := range rep.Connections {
		if c.Err != nil {
			s.conns[c.ConnectionID] = describeError(c.Err)
		} else {
			delete(s.conns, c.ConnectionID)
		}
		for _, a := range c.Accounts {
			if a.Err != nil {
				s.accounts[a.AccountID] = describeError(a.Err)
			} else {
				delete(s.accounts, a.AccountID)
			}
		}
	}
}

func (s *syncState) stop() {
	if s.cancel != nil {
		s.cancel()
	}
}

// describeError is the advice for err, worded for the TUI.
func describeError(err error) string { return ledger.Explain(err).Text(ledger.TUI) }

// syncRun is one refresh: which connections (nil: every saved one) and phases.
type syncRun struct {
	seq                    uint64
	connectionIDs          []string
	balances, transactions bool
}

// syncCmd runs the quick balance check and then (if transactions) the
// transaction sync, in a goroutine that reports on a channel, so Update
// stays free and progress shows as it happens.
func syncCmd(ctx context.Context, y refresher, conns func() ([]ledger.Consent, error), run syncRun) tea.Cmd {
	return func() tea.Msg {
		ch := make(chan tea.Msg, 64)
		go func() {
			defer close(ch)
			seq, ids := run.seq, run.connectionIDs
			if ids == nil && conns != nil {
				cs, err := conns()
				if err != nil {
					ch <- syncPhaseDoneMsg{seq: seq, transactions: true, last: true, err: err, ch: ch}
					return
				}
				for _, c := range cs {
					ids = append(ids, c.ConnectionID)
				}
			}
			progress := func(e ledger.Event) {
				select { // progress is advisory: drop it rather than stall the sync
				case ch <- syncProgressMsg{seq: seq, event: e, ch: ch}:
				default:
				}
			}
			send := func(m tea.Msg) {
				select {
				case ch <- m:
				case <-ctx.Done():
				}
			}
			if run.balances {
				rep, err := y.Balances(ctx, ids, progress)
				send(syncPhaseDoneMsg{seq: seq, last: !run.transactions, report: rep, err: err, ch: ch})
				if ctx.Err() != nil {
					return
				}
			}
			if run.transactions {
				rep, err := y.Sync(ctx, ids, progress)
				send(syncPhaseDoneMsg{seq: seq, transactions: true, last: true, report: rep, err: err, ch: ch})
			}
		}()
		return syncStartedMsg{seq: run.seq, ch: ch}
	}
}

// waitFor reads the next report from a sync or login goroutine.
func waitFor(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return channelClosedMsg{}
		}
		return m
	}
}
