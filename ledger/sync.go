package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// Phases of Event.
const (
	PhaseConnect      = "connect"      // getting a client (token) for the connection
	PhaseAccounts     = "accounts"     // listing accounts and cards
	PhaseBalances     = "balances"     // fetching balances
	PhaseTransactions = "transactions" // fetching an account's transactions
	PhaseDone         = "done"         // a connection (AccountID "") or an account finished
)

// Event reports sync progress. Done/Total count accounts and cards of the
// connection within a phase. Added is set only on an account's PhaseDone
// event (the new transactions of that account), so summing Added over all
// events gives the run's total. Err is set when the connection or the
// account failed. A connection's events come in phase order: PhaseConnect,
// PhaseAccounts, PhaseBalances (one per account), PhaseTransactions (one
// per account as it starts), PhaseDone (one per account, then one with
// AccountID "" for the connection).
type Event struct {
	ConnectionID, AccountID, Phase string
	Done, Total, Added             int
	Err                            error
}

// Report is what a Sync or Balances run did.
type Report struct {
	Connections []ConnectionReport
	Started     time.Time
	Duration    time.Duration
}

// ConnectionReport is one connection's outcome.
type ConnectionReport struct {
	ConnectionID, ProviderID, ProviderName string
	Err                                    error // the connection failed as a whole (e.g. consent expired)
	Accounts                               []AccountReport
	// Skipped are the lists (accounts, cards) not fetched because the
	// bank's unattended budget is spent; the stored ones were used.
	Skipped []*SkippedError
}

// AccountReport is one account's or card's outcome.
type AccountReport struct {
	AccountID, Kind, DisplayName string
	Added                        int // new settled transactions
	Pending                      int // pending transactions now stored
	// Duplicates counts transaction ids the bank sent twice in one answer:
	// copies alike are stored once, different ones kept apart (id#2...).
	Duplicates   int
	HistoryLimit string // set when back-fill stopped on this run
	Err          error
	// Skipped are the endpoints not called because the bank's unattended
	// budget for them is spent (the stored data stays); the next sync
	// with budget, or one with the user present, fetches them.
	Skipped []*SkippedError

	balanceKept bool // the balance was not asked (skipped, refused): its note stays
}

// noteSkipped keeps a skip for the budget; a scope not granted is the
// user's choice, said by `banktui connections`, not by every sync.
func (a *AccountReport) noteSkipped(errs ...error) {
	for _, err := range errs {
		var se *SkippedError
		if errors.As(err, &se) && errors.Is(se, ErrUnattendedBudget) {
			a.Skipped = append(a.Skipped, se)
		}
	}
}

// Added sums new transactions over the report.
func (r *Report) Added() int {
	n := 0
	for _, c := range r.Connections {
		for _, a := range c.Accounts {
			n += a.Added
		}
	}
	return n
}

// Errors lists every connection and account error, prefixed by what failed.
func (r *Report) Errors() []error {
	var out []error
	for _, c := range r.Connections {
		if c.Err != nil {
			out = append(out, fmt.Errorf("connection %s: %w", c.ConnectionID, c.Err))
		}
		for _, a := range c.Accounts {
			if a.Err != nil {
				out = append(out, fmt.Errorf("%s %s: %w", a.Kind, a.AccountID, a.Err))
			}
		}
	}
	return out
}

// ClientFunc returns a Data API client for a connection. In banktui it is
// auth.Manager.Client; tests build one from an emulator token.
type ClientFunc func(ctx context.Context, connectionID string) (*truelayer.Client, error)

// Syncer fills the store from the Data API. It is safe for concurrent use;
// its runs (Sync, Balances) take turns.
//
// It follows the rules the real API enforces: it calls only the endpoints
// whose scopes a connection was granted (WithGrantedScopes); when the
// client a ClientFunc returns does not say the user is present
// (truelayer.WithPSUIP), it spends at most UnattendedLimit calls per
// account and endpoint a day, counted in the store, and skips what it
// cannot afford (AccountReport.Skipped); and it asks for whole days up to
// today, never later.
type Syncer struct {
	store   *Store
	clients ClientFunc
	opts    syncOptions
	global  chan struct{} // overall request slots
	running chan struct{} // one run at a time
}

type syncOptions struct {
	perConnection int
	overall       int
	overlap       time.Duration
	window        time.Duration
	maxHistory    time.Duration
	now           func() time.Time
	details       bool                                        // standing orders and direct debits
	scopes        func(connectionID string) []string          // granted scopes; nil: unknown
	consentLost   func(connectionID, reason string)           // the account list was denied
	windowMerged  func(tx *sql.Tx, oldestDay time.Time) error // tests: stage.merged
}

// SyncOption configures a Syncer.
type SyncOption func(*syncOptions)

// WithConnectionConcurrency bounds requests in flight per connection (default 4).
func WithConnectionConcurrency(n int) SyncOption {
	return func(o *syncOptions) {
		if n > 0 {
			o.perConnection = n
		}
	}
}

// WithConcurrency bounds requests in flight over all connections (default 8).
func WithConcurrency(n int) SyncOption {
	return func(o *syncOptions) {
		if n > 0 {
			o.overall = n
		}
	}
}

// WithOverlap sets how many days before the newest stored day an incremental
// sync asks again, to catch late and settled rows (default 7 days).
func WithOverlap(d time.Duration) SyncOption {
	return func(o *syncOptions) {
		if d >= 0 {
			o.overlap = d
		}
	}
}

// WithBackfillWindow sets the span of each back-fill request (default two
// years: most banks give at most that, so one request usually gets it all).
func WithBackfillWindow(d time.Duration) SyncOption {
	return func(o *syncOptions) {
		if d >= 24*time.Hour {
			o.window = d
		}
	}
}

// WithMaxHistory caps how far back the first sync goes (default 10 years).
func WithMaxHistory(d time.Duration) SyncOption {
	return func(o *syncOptions) {
		if d > 0 {
			o.maxHistory = d
		}
	}
}

// WithClock sets the clock deciding "today" (tests, the emulator's clock).
func WithClock(now func() time.Time) SyncOption {
	return func(o *syncOptions) {
		if now != nil {
			o.now = now
		}
	}
}

// WithStandingOrdersAndDirectDebits turns fetching standing orders and
// direct debits during Sync on or off (default on). Each costs a call per
// account, and banks limit unattended calls.
func WithStandingOrdersAndDirectDebits(on bool) SyncOption {
	return func(o *syncOptions) { o.details = on }
}

// WithGrantedScopes tells the Syncer the scopes each connection was granted
// (config.Connection.Scopes): it calls only the endpoints they cover. A
// connection for which scopes returns nil, or a Syncer without this
// option, has every endpoint tried.
func WithGrantedScopes(scopes func(connectionID string) []string) SyncOption {
	return func(o *syncOptions) { o.scopes = scopes }
}

// WithConsentLost is told when a connection's consent is lost though its
// token still refreshes: the bank denied its account list (access_denied).
// banktui marks the connection "reconnect needed" in credentials.json, as
// a refused refresh does.
func WithConsentLost(lost func(connectionID, reason string)) SyncOption {
	return func(o *syncOptions) { o.consentLost = lost }
}

// NewSyncer returns a Syncer writing to st, getting clients from clients.
func NewSyncer(st *Store, clients func(ctx context.Context, connectionID string) (*truelayer.Client, error), opts ...SyncOption) *Syncer {
	o := syncOptions{
		perConnection: 4,
		overall:       8,
		overlap:       7 * 24 * time.Hour,
		window:        730 * 24 * time.Hour,
		maxHistory:    10 * 365 * 24 * time.Hour,
		now:           time.Now,
		details:       true,
	}
	for _, opt := range opts {
		opt(&o)
	}
	return &Syncer{store: st, clients: clients, opts: o,
		global: make(chan struct{}, o.overall), running: make(chan struct{}, 1)}
}

// Sync fetches everything new for each connection: accounts and cards,
// balances first, then transactions (back-filling on an account's first
// sync), pending transactions, standing orders and direct debits. Failures
// of one account or connection are recorded and reported; the others go on.
// The error is non-nil only when ctx ends or the store fails.
func (y *Syncer) Sync(ctx context.Context, connectionIDs []string, progress func(Event)) (*Report, error) {
	return y.run(ctx, connectionIDs, progress, true)
}

// Balances is the quick check: accounts, cards and their balances, no
// transactions.
func (y *Syncer) Balances(ctx context.Context, connectionIDs []string, progress func(Event)) (*Report, error) {
	return y.run(ctx, connectionIDs, progress, false)
}

const day = 24 * time.Hour

// run syncs the connections in parallel, one run at a time per Syncer; full
// adds transactions to the balances.
func (y *Syncer) run(ctx context.Context, connectionIDs []string, progress func(Event), full bool) (*Report, error) {
	select {
	case y.running <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-y.running }()
	y.store.checkAhead() // while the bank answers: the first write waits for it

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
			cs := &connSync{y: y, id: id, emit: emit, sem: make(chan struct{}, y.opts.perConnection),
				budget: newBudget(y.store, id, y.opts.now)}
			rep.Connections[i] = cs.sync(ctx, full)
			storeMu.Lock()
			storeErrs = append(storeErrs, cs.storeErrs...)
			storeMu.Unlock()
		}()
	}
	wg.Wait()
	if full && ctx.Err() == nil {
		// Pair the transfers among what the run stored (transfers.go).
		if _, err := y.store.MatchTransfers(ctx); err != nil {
			storeErrs = append(storeErrs, err)
		}
	}
	rep.Duration = time.Since(start)
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	if len(storeErrs) > 0 {
		return rep, errors.Join(storeErrs...)
	}
	return rep, nil
}

// syncErrorText is the SyncError stored for err: a SyncErr* code for the
// conditions the UI explains, else a short message without secrets.
func syncErrorText(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, truelayer.ErrConsentNeeded):
		return SyncErrConsentExpired
	case errors.Is(err, truelayer.ErrSCAExceeded):
		return SyncErrSCAExceeded
	case errors.Is(err, truelayer.ErrNotSupported):
		return SyncErrNotSupported
	case errors.Is(err, ErrBadBalance):
		return SyncErrBadBalance
	case errors.Is(err, truelayer.ErrMalformedResponse):
		return clipNote(SyncErrUnreadable + firstLine(err))
	}
	var ae *truelayer.APIError
	if errors.As(err, &ae) {
		if ae.Code != "" {
			return strings.TrimSpace(fmt.Sprintf("%d %s", ae.StatusCode, ae.Code))
		}
	}
	return clipNote(err.Error())
}

// clipNote keeps a stored note to about 200 bytes, whole characters.
func clipNote(msg string) string {
	if len(msg) <= 200 {
		return msg
	}
	return strings.ToValidUTF8(msg[:200], "")
}
