// Package ui is banktui's terminal interface: a Bubble Tea v2 root model
// that routes messages and lays out one sub-model per pane (accounts, cards,
// transactions, detail, help, login, footer), each with its own Update and
// View, sharing one programContext by pointer. It reads bank data only
// through ledger (instant reads from the local store, refreshes by the
// ledger's Syncer), always in commands: no I/O in Update or View.
package ui

import (
	"context"
	"errors"
	"os"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/banktui/banktui/ledger"
)

// Options wires the TUI to the rest of banktui.
type Options struct {
	Store  *ledger.Store
	Syncer *ledger.Syncer // nil => offline (no refresh)
	// Connections lists the saved bank connections (for consent state).
	Connections func() ([]ledger.Consent, error)
	// Login connects a bank; show is called with the auth URL as soon as it is known.
	// nil => L shows how to connect from the command line.
	Login func(ctx context.Context, show func(url string)) (ledger.Consent, error)
	Demo  bool                // footer badge DEMO; L says what it does before connecting
	Keys  map[string][]string // [keys] from config.toml: action -> keys
	Now   func() time.Time    // nil => time.Now
	// SlowBank is how long a bank may go without progress in a refresh
	// before the footer names it (0 => DefaultSlowBank).
	SlowBank time.Duration
	// Location is the user's time zone: dates, month steps and "as of"
	// times are in it. nil => time.Local.
	Location *time.Location
}

// deps are what the model reads and runs: the ledger's store and syncer in
// the program, fakes in tests.
type deps struct {
	store  storeReader // nil: nothing stored to show
	syncer refresher   // nil: offline, no refresh
}

func (o Options) deps() deps {
	var d deps
	if o.Store != nil {
		d.store = o.Store
	}
	if o.Syncer != nil {
		d.syncer = o.Syncer
	}
	return d
}

// New builds the root model. It does no I/O: stored data is read by Init's
// commands (Run reads it once before starting so the first frame has it).
func New(o Options) Model { return newModel(context.Background(), o, o.deps()) }

// Run shows the TUI until the user quits or ctx is cancelled.
func Run(ctx context.Context, o Options) error {
	m := firstFrameModel(ctx, o, o.deps())
	defer m.cancel()
	p := tea.NewProgram(m, tea.WithContext(ctx))
	_, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// firstFrameModel reads the stored balances before the program starts, so
// the first frame shows them instead of a loading state. Init then loads the
// selected account's transactions and starts the refresh.
func firstFrameModel(ctx context.Context, o Options, d deps) Model {
	m := newModel(ctx, o, d)
	if w := m.watcher(); w != nil {
		// The change watch's baseline, before the reads it guards: Init's
		// first check then sees whatever was written since.
		w.Changed(m.pc.ctx)
	}
	m.accountsRead(m.bankReader().read(m.pc.ctx, m.pc.bank.seq))
	return m
}

func newModel(ctx context.Context, o Options, d deps) Model {
	clock := o.Now
	if clock == nil {
		clock = time.Now
	}
	loc := o.Location
	if loc == nil {
		loc = time.Local
	}
	now := func() time.Time { return clock().In(loc) }
	keys, keyErr := KeyMapWith(o.Keys)
	ctx, cancel := context.WithCancel(ctx)
	_, noColor := os.LookupEnv("NO_COLOR")
	pc := &programContext{
		ctx: ctx, now: now, loc: loc, keys: keys, isDark: true, noColor: noColor, demo: o.Demo,
		spinner: spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		sync:    newSyncState(d.syncer == nil, o.SlowBank), watchEvery: watchEvery,
	}
	pc.applyTheme()
	var src txSource
	var insights insightsReader
	if d.store != nil {
		src = storeSource{d.store}
		insights, _ = d.store.(insightsReader)
	}
	m := Model{
		pc: pc, cancel: cancel, deps: d, conns: o.Connections, keyErr: keyErr,
		ticking:  true, // Init starts the spinner
		accounts: newListPane(pc, paneAccounts),
		cards:    newListPane(pc, paneCards),
		tx:       newTransactionsPane(pc, src),
		detail:   newDetailPane(pc, src),
		insights: newInsightsPane(pc, insights),
		help:     newHelpPane(pc),
		login:    newLoginPane(pc, o.Login),
		footer:   newFooterPane(pc),
	}
	// Init cannot change the model, so the first requests get their numbers here.
	pc.bank.seq, pc.bank.loading = pc.nextSeq(), true
	if d.syncer != nil {
		pc.sync.begin(ctx, pc.nextSeq(), true)
	}
	m.settle()
	return m
}

// Init asks the terminal for its background colour, reads the store if Run
// did not already, and starts the live refresh: balances first, then transactions.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if !m.pc.bank.loaded {
		cmds = append(cmds, m.bankReader().cmd(m.pc.ctx, m.pc.bank.seq))
	}
	cmds = append(cmds, m.tx.pendingLoad(), m.checkStore())
	if m.syncer != nil {
		s := &m.pc.sync
		cmds = append(cmds, syncCmd(s.ctx, m.syncer, m.conns, syncRun{seq: s.seq, balances: true, transactions: true}))
	}
	if m.keyErr != nil {
		text := m.keyErr.Error()
		cmds = append(cmds, func() tea.Msg { return noteMsg{text: text} })
	}
	cmds = append(cmds, m.pc.spinner.Tick)
	return tea.Batch(cmds...)
}

func (m *Model) bankReader() bankReader { return bankReader{store: m.store, conns: m.conns} }
