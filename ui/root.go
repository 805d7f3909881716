package ui

import (
	"context"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/ledger"
)

// Model is the root model: the only tea.Model, the only View returning
// tea.View. It routes each message to the pane it concerns, owns what no
// pane owns alone (focus, which account is shown, the refresh) and lays the
// panes out.
type Model struct {
	pc     *programContext
	cancel context.CancelFunc
	deps
	conns  func() ([]ledger.Consent, error)
	keyErr error // a bad [keys] table: said in the footer, defaults kept

	width, height int
	lay           layout
	selectedID    string // the account or card whose transactions are shown
	lastList      pane   // the list (accounts or cards) they belong to
	ticking       bool   // the spinner's tick is scheduled

	accounts, cards listPane
	tx              transactionsPane
	detail          detailPane
	insights        insightsPane
	help            helpPane
	login           loginPane
	footer          footerPane
}

// Update handles one message. It never blocks: loads and refreshes are
// commands whose typed results come back here.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.route(msg)
	cmd = tea.Batch(cmd, m.settle()) // before m is copied out
	return m, cmd
}

// route hands msg to the pane it concerns.
func (m *Model) route(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.BackgroundColorMsg:
		m.pc.isDark = msg.IsDark()
		m.pc.applyTheme()
	case tea.ModeReportMsg:
		// Bubble Tea's renderer switches to grapheme widths on the same report.
		if msg.Mode == ansi.ModeUnicodeCore && (msg.Value == ansi.ModeSet || msg.Value == ansi.ModeReset || msg.Value == ansi.ModePermanentlySet) {
			m.pc.graphemes = true
		}
	case tea.KeyPressMsg:
		m.footer, _ = m.footer.Update(msg)
		return m.key(msg)
	case tea.MouseWheelMsg, tea.MouseClickMsg:
		return m.mouse(msg.(tea.MouseMsg))
	case tea.PasteMsg:
		var cmd tea.Cmd
		m.tx, cmd = m.tx.Update(msg)
		return cmd
	case spinner.TickMsg:
		if !m.busy() {
			m.ticking = false
			return nil
		}
		var cmd tea.Cmd
		m.pc.spinner, cmd = m.pc.spinner.Update(msg)
		return cmd
	case noteMsg:
		m.footer, _ = m.footer.Update(msg)
	case accountsLoadedMsg:
		if msg.seq == m.pc.bank.seq { // else stale
			return m.accountsRead(msg)
		}
	case txPageMsg, txCountsMsg:
		var cmd tea.Cmd
		m.tx, cmd = m.tx.Update(msg)
		return cmd
	case detailLoadedMsg:
		m.detail, _ = m.detail.Update(msg)
	case insightsLoadedMsg:
		m.insights, _ = m.insights.Update(msg)
	case openSelectionMsg:
		return m.open()
	default:
		return m.routeWork(msg)
	}
	return nil
}

// routeWork hands on the reports of the refresh, the login and the store's
// change watch.
func (m *Model) routeWork(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case syncStartedMsg:
		// Always drain the channel, even for a stale sync, so its goroutine ends.
		return waitFor(msg.ch)
	case syncProgressMsg:
		if msg.seq == m.pc.sync.seq {
			m.pc.sync.progress(msg.event, m.pc.now())
		}
		return waitFor(msg.ch)
	case syncPhaseDoneMsg:
		if msg.seq != m.pc.sync.seq {
			return waitFor(msg.ch)
		}
		return tea.Batch(waitFor(msg.ch), m.syncPhaseDone(msg))
	case loginStartedMsg, loginURLMsg, loginDoneMsg:
		var cmd tea.Cmd
		m.login, cmd = m.login.Update(msg)
		return cmd
	case bankConnectedMsg:
		return m.bankConnected(msg.conn)
	case watchTickMsg:
		return m.checkStore()
	case storeCheckedMsg:
		return m.storeChecked(msg)
	}
	return nil
}

// settle brings the panes in line with what the message changed: their
// sizes, the detail's record, the footer's hints, the spinner.
func (m *Model) settle() tea.Cmd {
	m.lay = m.layout()
	l := &m.lay
	m.accounts.setSize(l.accounts.w, l.accounts.h)
	m.cards.setSize(l.cards.w, l.cards.h)
	txW, txH := l.transactions.w, l.transactions.h
	if txH == 0 { // hidden on a narrow screen: it will get the whole body
		txW, txH = l.body.w, l.body.h
	}
	m.tx.stacked = l.narrow
	m.tx.setSize(txW, txH)
	m.detail.setSize(l.details.w, l.details.h)
	m.insights.setSize(l.insights.w, l.insights.h)
	// Whatever moved the selection under an open detail (a key, a click,
	// a reload), the detail reads its transaction's full record.
	cmd := m.detail.follow(m.tx.selected(), m.tx.gen, m.pc.focus == paneDetail)
	m.footer.hints = m.hints()
	if m.busy() && !m.ticking {
		m.ticking = true
		return tea.Batch(cmd, m.pc.spinner.Tick)
	}
	return cmd
}

// busy reports whether any spinner should turn.
func (m *Model) busy() bool {
	return m.pc.sync.running || m.pc.bank.loading || m.tx.list.loading || m.login.running || m.insights.loading
}

// accountsRead installs a read of the bank, keeps the selection, and shows
// the selected account's transactions.
func (m *Model) accountsRead(msg accountsLoadedMsg) tea.Cmd {
	b := &m.pc.bank
	b.apply(msg)
	m.accounts.follow(m.selectedID)
	m.cards.follow(m.selectedID)
	// Keep showing the same account; on first load pick the first account
	// (the "All accounts" entries are above it), else the first card.
	id := m.selectedID
	if id == "" || b.scope(id).id == "" || (!isAll(id) && b.find(id) == nil) {
		id = ""
		if len(b.accounts) > 0 {
			id, m.lastList = b.accounts[0].ID, paneAccounts
			m.accounts.follow(id)
		} else if c := m.cards.selected(); c != nil {
			id, m.lastList = c.ID, paneCards
		}
	}
	return m.selectAccount(id)
}

// selectAccount shows the transactions of account or card id, or of an
// "All accounts" entry.
func (m *Model) selectAccount(id string) tea.Cmd {
	if id != m.selectedID {
		m.detail.rewind()
	}
	m.selectedID = id
	scope := m.pc.bank.scope(id)
	return tea.Batch(m.tx.show(scope), m.insights.setAccounts(scope.accountIDs))
}

// readBank reads the stored accounts again.
func (m *Model) readBank() tea.Cmd {
	b := &m.pc.bank
	b.seq, b.loading = m.pc.nextSeq(), true
	return m.bankReader().cmd(m.pc.ctx, b.seq)
}

// startSync refreshes connectionIDs (nil: all); the running refresh, if
// any, is cancelled and its reports dropped.
func (m *Model) startSync(connectionIDs []string, balances, transactions bool) tea.Cmd {
	s := &m.pc.sync
	s.begin(m.pc.ctx, m.pc.nextSeq(), balances)
	return syncCmd(s.ctx, m.syncer, m.conns, syncRun{seq: s.seq, connectionIDs: connectionIDs, balances: balances, transactions: transactions})
}

// syncPhaseDone re-reads the store after each phase: balances replace the
// stale ones as soon as they land, transactions after the full sync.
func (m *Model) syncPhaseDone(msg syncPhaseDoneMsg) tea.Cmd {
	m.pc.sync.phaseDone(msg, m.pc.now())
	if msg.last {
		m.footer.syncEnded(msg.err == nil && m.pc.sync.failed == "")
	}
	var cmds []tea.Cmd
	if msg.transactions {
		cmds = append(cmds, m.tx.reload(), m.insights.invalidate())
	}
	return tea.Batch(append(cmds, m.readBank())...)
}

// bankConnected syncs a connection the login screen just made.
func (m *Model) bankConnected(conn ledger.Consent) tea.Cmd {
	name := "the bank"
	if conn.ProviderName != "" {
		name = ledger.Sanitize(conn.ProviderName)
	}
	m.footer.bankConnected(name, m.syncer != nil)
	if m.syncer == nil {
		return m.readBank()
	}
	var ids []string
	if conn.ConnectionID != "" {
		ids = []string{conn.ConnectionID}
	}
	return m.startSync(ids, true, true)
}

func (m *Model) quit() tea.Cmd {
	m.login.stop()
	m.pc.sync.stop()
	m.cancel()
	return tea.Quit
}
