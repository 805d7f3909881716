// Package ui is banktui's terminal interface: a Bubble Tea v2 root model
// composing the accounts, cards, transactions and detail panes. It reads bank
// data only through ledger (instant reads from the local store, refreshes by
// the ledger's Syncer in commands) and never does I/O in Update or View.
package ui

import (
	"context"
	"errors"
	"os"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

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
	Demo  bool                // footer badge DEMO + how to connect a real bank
	Keys  map[string][]string // [keys] from config.toml: action -> keys
	Now   func() time.Time    // nil => time.Now
}

// pane identifies what has the keyboard.
type pane int

const (
	paneAccounts pane = iota
	paneCards
	paneTransactions
	paneDetail
)

// listPane is the accounts or the cards pane: a cursor over stored views.
type listPane struct {
	items  []ledger.AccountView
	cursor int
	offset int // first line on screen
}

func (p *listPane) selected() *ledger.AccountView {
	if p.cursor < 0 || p.cursor >= len(p.items) {
		return nil
	}
	return &p.items[p.cursor]
}

// cachedTx keeps prepared rows per account so moving between accounts does
// not re-read a long history; a finished sync clears it.
type cachedTx struct {
	views []ledger.TxView
	rows  []txRow
	noRaw bool
}

// detailState is the full record (with Raw) of the transaction the detail
// pane shows. The list is read without Raw, so the detail shows the list's
// fields at once and the rest when loadDetailCmd's reply lands.
type detailState struct {
	key     txKey
	view    *ledger.TxView // the full record of key; nil until it is read
	loading bool
	err     string
}

// loginState is the connect-a-bank screen (L).
type loginState struct {
	open    bool
	running bool
	url     string
	err     error
	done    string // success note
	cancel  context.CancelFunc
}

// Model is the root model: the only tea.Model, the only View returning tea.View.
type Model struct {
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	now    func() time.Time

	keys    KeyMap
	keyErr  error
	styles  styles
	paints  paints
	isDark  bool
	noColor bool
	width   int
	height  int
	help    help.Model
	spinner spinner.Model
	ticking bool

	focus      pane
	lastList   pane // the list (accounts or cards) the shown transactions belong to
	showHelp   bool
	helpOffset int // scroll of the help on short terminals
	privacy    bool

	accounts, cards listPane
	totals          []ledger.CurrencyTotal
	connections     []ledger.Consent
	accountsLoaded  bool
	accountsLoading bool
	accountsErr     string
	selectedID      string

	tx          txPane
	txCache     map[string]cachedTx
	filterInput lineInput
	filtering   bool

	detailOffset int
	detail       detailState
	lastClickY   int // a second click on the selected row opens it

	login loginState

	seq         uint64 // last request number handed out
	accountsSeq uint64
	txSeq       uint64
	detailSeq   uint64
	syncSeq     uint64
	loginSeq    uint64

	syncCtx           context.Context
	syncCancel        context.CancelFunc
	syncing           bool
	syncingBalances   bool
	syncNote          string // latest progress, e.g. "Northgate Bank: transactions 2/5"
	lastSync          time.Time
	syncErr           string
	offline           bool
	accountErrs       map[string]string // account id -> error of the last sync
	connErrs          map[string]string // connection id -> error of the last sync
	status            string            // one-line note in the footer, cleared by the next key
	statusUntilSynced bool              // the note is about the running sync: clear it when the sync ends
}

// New builds the root model. It does no I/O: stored data is read by Init's
// commands (Run reads it once before starting so the first frame has it).
func New(o Options) Model { return newModel(context.Background(), o) }

func newModel(ctx context.Context, o Options) Model {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	keys, keyErr := KeyMapWith(o.Keys)
	ctx, cancel := context.WithCancel(ctx)
	_, noColor := os.LookupEnv("NO_COLOR")
	m := Model{
		opts:        o,
		ctx:         ctx,
		cancel:      cancel,
		now:         now,
		keys:        keys,
		keyErr:      keyErr,
		isDark:      true,
		noColor:     noColor,
		help:        help.New(),
		spinner:     spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		tx:          newTxPane(),
		txCache:     map[string]cachedTx{},
		accountErrs: map[string]string{},
		connErrs:    map[string]string{},
		ticking:     true, // Init starts the spinner
	}
	m.filterInput = lineInput{prompt: "/"}
	m.applyTheme()
	// Init cannot change the model, so the first requests get their numbers here.
	m.accountsSeq = m.nextSeq()
	m.accountsLoading = true
	if o.Syncer == nil {
		m.offline = true
	} else {
		m.syncSeq = m.nextSeq()
		m.syncing, m.syncingBalances = true, true
		var sctx context.Context
		sctx, m.syncCancel = context.WithCancel(ctx)
		m.syncCtx = sctx
	}
	return m
}

// Run shows the TUI until the user quits or ctx is cancelled.
func Run(ctx context.Context, o Options) error {
	m := firstFrameModel(ctx, o)
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
func firstFrameModel(ctx context.Context, o Options) Model {
	m := newModel(ctx, o)
	m, _ = m.applyAccounts(readAccounts(m.ctx, m.accountsSeq, o.Store, o.Connections))
	return m
}

func (m *Model) applyTheme() {
	m.styles = newStyles(m.isDark, m.noColor)
	m.paints = paintsOf(m.styles)
	m.help.Styles = m.styles.Help
	m.spinner.Style = m.styles.Muted
	m.filterInput.cursor = lipgloss.NewStyle().Reverse(true)
}

func (m *Model) nextSeq() uint64 {
	m.seq++
	return m.seq
}

// Init asks the terminal for its background colour, reads the store if Run
// did not already, and starts the live refresh: balances first, then transactions.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if !m.accountsLoaded {
		cmds = append(cmds, loadAccountsCmd(m.ctx, m.accountsSeq, m.opts.Store, m.opts.Connections))
	}
	if m.selectedID != "" && !m.tx.loaded {
		cmds = append(cmds, loadTxCmd(m.ctx, m.txSeq, m.opts.Store, m.selectedID, firstWindow))
	}
	if m.opts.Syncer != nil {
		cmds = append(cmds, syncCmd(m.syncCtx, m.syncSeq, m.opts.Syncer, m.opts.Connections, nil, true, true))
	}
	if m.keyErr != nil {
		cmds = append(cmds, func() tea.Msg { return statusMsg{text: m.keyErr.Error()} })
	}
	cmds = append(cmds, m.spinner.Tick)
	return tea.Batch(cmds...)
}

// statusMsg puts a one-line note in the footer.
type statusMsg struct{ text string }
