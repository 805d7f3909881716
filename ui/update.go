package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/banktui/banktui/ledger"
)

// Update handles one message. It never blocks: loads and refreshes are
// commands whose typed results come back here.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	nm, cmd := m.update(msg)
	mm, ok := nm.(Model)
	if !ok {
		return nm, cmd
	}
	// Whatever moved the selection under an open detail (a key, a click,
	// a reload), the detail reads its transaction's full record.
	if c := mm.ensureDetail(); c != nil {
		return mm, tea.Batch(cmd, c)
	}
	return mm, cmd
}

func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.keepCursorsOnScreen()
		return m, nil

	case tea.BackgroundColorMsg:
		m.isDark = msg.IsDark()
		m.applyTheme()
		return m, nil

	case tea.KeyPressMsg:
		m.status = ""
		return m.handleKey(msg)

	case tea.MouseWheelMsg:
		return m.handleWheel(msg)

	case tea.MouseClickMsg:
		return m.handleClick(msg)

	case tea.PasteMsg:
		if m.filtering {
			m.filterInput.update(msg)
			m.applyFilter()
		}
		return m, nil

	case spinner.TickMsg:
		if !m.busy() {
			m.ticking = false
			return m, nil
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return m, cmd

	case statusMsg:
		m.status = msg.text
		return m, nil

	case accountsLoadedMsg:
		if msg.seq != m.accountsSeq {
			return m, nil // stale
		}
		return m.applyAccounts(msg)

	case txLoadedMsg:
		if msg.seq != m.txSeq {
			return m, nil // stale: the user moved on, or a newer load is running
		}
		if msg.err != nil {
			m.tx.loading = false
			m.tx.err = msg.err.Error()
			return m, nil
		}
		m.tx.setRows(msg.accountID, msg.views, msg.rows, msg.noRaw)
		m.tx.scrollTo(m.txPageHeight())
		var cmds []tea.Cmd
		if v := m.tx.selected(); v != nil && m.focus == paneDetail && m.detail.key == keyOf(v) && msg.noRaw && m.opts.Store != nil {
			// The shown transaction may have changed in the store: read it
			// again (the detail keeps showing the old record meanwhile).
			cmds = append(cmds, m.fetchDetail(keyOf(v)))
		}
		if msg.partial {
			// Show the newest rows now; read the whole history behind them.
			m.tx.loading, m.tx.partial = true, true
			cmds = append(cmds, loadTxCmd(m.ctx, msg.seq, m.opts.Store, msg.accountID, 0))
		} else {
			m.txCache[msg.accountID] = cachedTx{views: msg.views, rows: msg.rows, noRaw: msg.noRaw}
		}
		return m, tea.Batch(cmds...)

	case detailLoadedMsg:
		if msg.seq != m.detailSeq || msg.key != m.detail.key {
			return m, nil // stale: the selection moved on
		}
		m.detail.loading = false
		if msg.err != nil {
			m.detail.view, m.detail.err = nil, msg.err.Error()
			return m, nil
		}
		v := msg.view
		m.detail.view = &v
		return m, nil

	case syncStartedMsg:
		// Always drain the channel, even for a stale sync, so its goroutine ends.
		return m, waitFor(msg.ch)

	case syncProgressMsg:
		if msg.seq == m.syncSeq {
			m.noteProgress(msg.event)
		}
		return m, m.keepWaiting(msg)

	case syncPhaseDoneMsg:
		cmd := m.keepWaiting(msg)
		if msg.seq != m.syncSeq {
			return m, cmd
		}
		return m.syncPhaseDone(msg, cmd)

	case loginStartedMsg:
		return m, waitFor(msg.ch)

	case loginURLMsg:
		if msg.seq == m.loginSeq {
			m.login.url = ledger.Sanitize(msg.url)
		}
		return m, m.keepWaiting(msg)

	case loginDoneMsg:
		if msg.seq != m.loginSeq {
			return m, nil
		}
		return m.loginDone(msg)

	case channelClosedMsg:
		return m, nil
	}
	return m, nil
}

// keepWaiting schedules the next read from the goroutine that sent msg.
func (m *Model) keepWaiting(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case syncProgressMsg:
		return waitFor(msg.ch)
	case syncPhaseDoneMsg:
		return waitFor(msg.ch)
	case loginURLMsg:
		return waitFor(msg.ch)
	}
	return nil
}

// ensureDetail asks for the full record of the transaction under an open
// detail pane when the list was read without it and it is not read yet.
func (m *Model) ensureDetail() tea.Cmd {
	if m.focus != paneDetail || !m.tx.noRaw || m.opts.Store == nil {
		return nil
	}
	v := m.tx.selected()
	if v == nil {
		return nil
	}
	k := keyOf(v)
	if m.detail.key == k && (m.detail.view != nil || m.detail.loading || m.detail.err != "") {
		return nil
	}
	return m.fetchDetail(k)
}

// fetchDetail reads transaction k for the detail pane; a reply for any
// earlier request is then dropped. The record already read for k stays
// shown until the new one lands.
func (m *Model) fetchDetail(k txKey) tea.Cmd {
	if m.detail.key != k {
		m.detail = detailState{key: k}
	}
	m.detail.loading, m.detail.err = true, ""
	m.detailSeq = m.nextSeq()
	return loadDetailCmd(m.ctx, m.detailSeq, m.opts.Store, k)
}

// busy reports whether any spinner should turn.
func (m *Model) busy() bool {
	return m.syncing || m.accountsLoading || m.tx.loading || m.login.running
}

// startSpinner returns the tick command if the spinner is not turning yet.
func (m *Model) startSpinner() tea.Cmd {
	if m.ticking {
		return nil
	}
	m.ticking = true
	return m.spinner.Tick
}

// applyAccounts installs stored accounts, cards and totals, keeps the
// selection, and loads the selected account's transactions if needed.
func (m Model) applyAccounts(msg accountsLoadedMsg) (Model, tea.Cmd) {
	m.accountsLoading = false
	m.accountsLoaded = true
	m.accountsErr = ""
	if msg.err != nil {
		m.accountsErr = msg.err.Error()
	}
	var accs, cards []ledger.AccountView
	for _, a := range msg.accounts {
		if a.Kind == "card" {
			cards = append(cards, a)
		} else {
			accs = append(accs, a)
		}
	}
	m.accounts.items = accs
	m.cards.items = cards
	m.totals = msg.totals
	if msg.connections != nil || msg.err == nil {
		m.connections = msg.connections
	}
	m.accounts.cursor = clamp(indexOf(accs, m.selectedID, m.accounts.cursor), 0, len(accs)-1)
	m.cards.cursor = clamp(indexOf(cards, m.selectedID, m.cards.cursor), 0, len(cards)-1)
	m.keepCursorsOnScreen()
	// Keep showing the same account; on first load pick the first one.
	id := m.selectedID
	if id == "" || (indexOf(accs, id, -1) < 0 && indexOf(cards, id, -1) < 0) {
		id = ""
		if a := m.accounts.selected(); a != nil {
			id, m.lastList = a.ID, paneAccounts
		} else if c := m.cards.selected(); c != nil {
			id, m.lastList = c.ID, paneCards
		}
	}
	return m.selectAccount(id)
}

func indexOf(items []ledger.AccountView, id string, def int) int {
	for i := range items {
		if items[i].ID == id {
			return i
		}
	}
	return def
}

// selectAccount shows the transactions of account or card id, from the cache
// when possible, else by loading them.
func (m Model) selectAccount(id string) (Model, tea.Cmd) {
	if id == m.selectedID && (m.tx.loaded || m.tx.loading) && m.tx.accountID == id {
		return m, nil
	}
	m.selectedID = id
	m.detailOffset = 0
	if id == "" {
		m.tx = txPane{sortCol: m.tx.sortCol, desc: m.tx.desc, period: m.tx.period, hidePending: m.tx.hidePending, filter: m.tx.filter}
		return m, nil
	}
	if c, ok := m.txCache[id]; ok {
		m.tx.offset, m.tx.cursor = 0, 0
		m.tx.visible = m.tx.visible[:0]
		m.tx.setRows(id, c.views, c.rows, c.noRaw)
		m.tx.scrollTo(m.txPageHeight())
		return m, nil
	}
	m.txSeq = m.nextSeq()
	m.tx.accountID = id
	m.tx.views, m.tx.rows, m.tx.order, m.tx.visible = nil, nil, nil, nil
	m.tx.cursor, m.tx.offset = 0, 0
	m.tx.loading, m.tx.loaded, m.tx.err = true, false, ""
	return m, tea.Batch(loadTxCmd(m.ctx, m.txSeq, m.opts.Store, id, firstWindow), m.startSpinner())
}

// selectedAccount is the account or card whose transactions are shown.
func (m *Model) selectedAccount() *ledger.AccountView {
	for _, l := range []*listPane{&m.accounts, &m.cards} {
		for i := range l.items {
			if l.items[i].ID == m.selectedID {
				return &l.items[i]
			}
		}
	}
	return nil
}

func (m *Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if msg.String() == "ctrl+c" {
		return m.quit()
	}
	if m.login.open {
		return m.handleLoginKey(msg)
	}
	if m.filtering {
		return m.handleFilterKey(msg)
	}
	if m.showHelp {
		switch {
		case key.Matches(msg, m.keys.Quit):
			return m.quit()
		case key.Matches(msg, m.keys.Help, m.keys.Back):
			m.showHelp = false
		case key.Matches(msg, m.keys.Down, m.keys.PageDown, m.keys.HalfPageDown):
			m.helpOffset = min(m.helpOffset+1, 40) // the view clamps to the text
		case key.Matches(msg, m.keys.Up, m.keys.PageUp, m.keys.HalfPageUp):
			m.helpOffset = max(0, m.helpOffset-1)
		}
		return *m, nil
	}
	k := &m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.showHelp, m.helpOffset = true, 0
	case key.Matches(msg, k.NextPane):
		return m.focusPane(m.nextPane(1))
	case key.Matches(msg, k.PrevPane):
		return m.focusPane(m.nextPane(-1))
	case key.Matches(msg, k.PaneAccounts):
		return m.focusPane(paneAccounts)
	case key.Matches(msg, k.PaneCards):
		return m.focusPane(paneCards)
	case key.Matches(msg, k.PaneTransactions):
		return m.focusPane(paneTransactions)
	case key.Matches(msg, k.Filter):
		m.focus = paneTransactions // the filter applies to the transactions
		m.filtering = true
		m.filterInput.SetValue(m.tx.filter.raw)
		m.filterInput.Focus()
		return *m, nil
	case key.Matches(msg, k.Sort):
		m.tx.sortCol = (m.tx.sortCol + 1) % sortColumns
		m.tx.desc = m.tx.sortCol == sortDate || m.tx.sortCol == sortBalance
		m.resortTx()
	case key.Matches(msg, k.Reverse):
		m.tx.desc = !m.tx.desc
		m.resortTx()
	case key.Matches(msg, k.PrevMonth):
		m.stepMonth(-1)
	case key.Matches(msg, k.NextMonth):
		m.stepMonth(1)
	case key.Matches(msg, k.Pending):
		m.tx.hidePending = !m.tx.hidePending
		m.tx.refilter()
		m.tx.scrollTo(m.txPageHeight())
	case key.Matches(msg, k.Privacy):
		m.privacy = !m.privacy
	case key.Matches(msg, k.Refresh):
		return m.refresh(false)
	case key.Matches(msg, k.RefreshAll):
		return m.refresh(true)
	case key.Matches(msg, k.Login):
		return m.openLogin()
	case key.Matches(msg, k.Open):
		return m.open()
	case key.Matches(msg, k.Back):
		return m.back()
	case key.Matches(msg, k.Up):
		return m.moveCursor(-1)
	case key.Matches(msg, k.Down):
		return m.moveCursor(1)
	case key.Matches(msg, k.Top):
		return m.moveCursor(-1 << 30)
	case key.Matches(msg, k.Bottom):
		return m.moveCursor(1 << 30)
	case key.Matches(msg, k.HalfPageDown):
		return m.moveCursor(max(1, m.pageHeight()/2))
	case key.Matches(msg, k.HalfPageUp):
		return m.moveCursor(-max(1, m.pageHeight()/2))
	case key.Matches(msg, k.PageDown):
		return m.moveCursor(max(1, m.pageHeight()))
	case key.Matches(msg, k.PageUp):
		return m.moveCursor(-max(1, m.pageHeight()))
	}
	return *m, nil
}

func (m *Model) quit() (tea.Model, tea.Cmd) {
	if m.login.cancel != nil {
		m.login.cancel()
	}
	if m.syncCancel != nil {
		m.syncCancel()
	}
	m.cancel()
	return *m, tea.Quit
}

func (m *Model) nextPane(dir int) pane {
	order := []pane{paneAccounts, paneCards, paneTransactions}
	cur := m.focus
	if cur == paneDetail {
		cur = paneTransactions
	}
	for i, p := range order {
		if p == cur {
			return order[(i+dir+len(order))%len(order)]
		}
	}
	return paneAccounts
}

func (m *Model) focusPane(p pane) (tea.Model, tea.Cmd) {
	m.focus = p
	// Entering a list shows the transactions of its selected item.
	switch p {
	case paneAccounts:
		if a := m.accounts.selected(); a != nil {
			m.lastList = paneAccounts
			mm, cmd := m.selectAccount(a.ID)
			return mm, cmd
		}
	case paneCards:
		if c := m.cards.selected(); c != nil {
			m.lastList = paneCards
			mm, cmd := m.selectAccount(c.ID)
			return mm, cmd
		}
	}
	return *m, nil
}

func (m *Model) open() (tea.Model, tea.Cmd) {
	switch m.focus {
	case paneAccounts, paneCards:
		m.focus = paneTransactions
	case paneTransactions:
		if m.tx.selected() != nil {
			m.focus = paneDetail
			m.detailOffset = 0
		}
	}
	return *m, nil
}

func (m *Model) back() (tea.Model, tea.Cmd) {
	switch m.focus {
	case paneDetail:
		m.focus = paneTransactions
	case paneTransactions:
		if !m.tx.filter.empty() {
			m.setFilter("")
			return *m, nil
		}
		m.focus = m.lastList
	}
	return *m, nil
}

// moveCursor moves the focused pane's cursor; in a list, the new item's
// transactions are shown at once.
func (m *Model) moveCursor(delta int) (tea.Model, tea.Cmd) {
	switch m.focus {
	case paneAccounts, paneCards:
		l := &m.accounts
		if m.focus == paneCards {
			l = &m.cards
		}
		if len(l.items) == 0 {
			return *m, nil
		}
		l.cursor = clamp(l.cursor+clampDelta(delta), 0, len(l.items)-1)
		m.keepCursorsOnScreen()
		m.lastList = m.focus
		mm, cmd := m.selectAccount(l.items[l.cursor].ID)
		return mm, cmd
	case paneTransactions:
		m.tx.move(clampDelta(delta), m.txPageHeight())
	case paneDetail:
		// One step walks to the neighbouring transaction (the list stays in
		// view beside or above); bigger moves scroll a long detail.
		if delta == 1 || delta == -1 {
			m.tx.move(delta, m.txPageHeight())
			m.detailOffset = 0
			return *m, nil
		}
		l := m.layout()
		n := 0
		if v := m.tx.selected(); v != nil {
			n = len(m.detailLines(v, l.details.w-2))
		}
		m.detailOffset = clamp(m.detailOffset+clampDelta(delta), 0, max(0, n-(l.details.h-2)))
	}
	return *m, nil
}

func clampDelta(d int) int { return max(-1<<30, min(d, 1<<30)) }

func (m *Model) resortTx() {
	m.tx.resort()
	m.tx.refilter()
	m.tx.scrollTo(m.txPageHeight())
}

// stepMonth moves the month shown. From all history, either key enters the
// current month; stepping past the current month returns to all history.
func (m *Model) stepMonth(dir int) {
	now := m.now()
	cur := month{now.Year(), now.Month()}
	switch {
	case m.tx.period.all():
		m.tx.period = cur
	default:
		next := m.tx.period.add(dir)
		if next.after(cur) {
			next = month{}
		}
		m.tx.period = next
	}
	m.tx.refilter()
	m.tx.scrollTo(m.txPageHeight())
}

func (m *Model) handleFilterKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "enter":
		m.filtering = false
		m.filterInput.Blur()
		return *m, nil
	case "esc":
		m.filtering = false
		m.filterInput.Blur()
		m.setFilter("")
		return *m, nil
	case "up", "down", "pgup", "pgdown":
		delta := map[string]int{"up": -1, "down": 1, "pgup": -m.txPageHeight(), "pgdown": m.txPageHeight()}[msg.String()]
		m.tx.move(delta, m.txPageHeight())
		return *m, nil
	}
	m.filterInput.update(msg)
	m.applyFilter()
	return *m, nil
}

func (m *Model) applyFilter() {
	if v := m.filterInput.Value(); v != m.tx.filter.raw {
		m.tx.filter = parseFilter(v)
		m.tx.refilter()
		m.tx.scrollTo(m.txPageHeight())
	}
}

func (m *Model) setFilter(s string) {
	m.filterInput.SetValue(s)
	m.tx.filter = parseFilter(s)
	m.tx.refilter()
	m.tx.scrollTo(m.txPageHeight())
}

// refresh: r refreshes the focused pane (balances of the selected account's
// connection, or its transactions); R refreshes everything.
func (m *Model) refresh(all bool) (tea.Model, tea.Cmd) {
	if m.opts.Syncer == nil {
		m.status = "offline: no bank client configured, showing stored data"
		return *m, nil
	}
	var ids []string
	balances, transactions := true, true
	if !all {
		if a := m.selectedAccount(); a != nil {
			ids = []string{a.ConnectionID}
		}
		if m.focus == paneAccounts || m.focus == paneCards {
			transactions = false
		} else {
			balances = false
		}
	}
	return m.startSync(ids, balances, transactions)
}

func (m *Model) startSync(connectionIDs []string, balances, transactions bool) (tea.Model, tea.Cmd) {
	if m.syncCancel != nil {
		m.syncCancel() // the newer request wins; the old one's results are dropped
	}
	m.syncSeq = m.nextSeq()
	m.syncCtx, m.syncCancel = context.WithCancel(m.ctx)
	m.syncing, m.syncingBalances = true, balances
	m.syncErr, m.syncNote = "", ""
	return *m, tea.Batch(syncCmd(m.syncCtx, m.syncSeq, m.opts.Syncer, m.opts.Connections, connectionIDs, balances, transactions), m.startSpinner())
}

func (m *Model) noteProgress(e ledger.Event) {
	name := e.ConnectionID
	for _, l := range []*listPane{&m.accounts, &m.cards} {
		for _, a := range l.items {
			if a.ConnectionID == e.ConnectionID && a.ProviderName != "" {
				name = a.ProviderName
			}
		}
	}
	note := ledger.Sanitize(name)
	if e.Phase != "" {
		note += ": " + ledger.Sanitize(e.Phase)
	}
	if e.Total > 0 {
		note += fmt.Sprintf(" %d/%d", e.Done, e.Total)
	}
	m.syncNote = note
	if e.AccountID != "" {
		if e.Err != nil {
			m.accountErrs[e.AccountID] = describeError(e.Err)
		} else {
			delete(m.accountErrs, e.AccountID)
		}
	}
}

// syncPhaseDone re-reads the store after each phase: balances replace the
// stale ones as soon as they land, transactions after the full sync.
func (m Model) syncPhaseDone(msg syncPhaseDoneMsg, wait tea.Cmd) (tea.Model, tea.Cmd) {
	cmds := []tea.Cmd{wait}
	if msg.err != nil && !errors.Is(msg.err, context.Canceled) {
		m.syncErr = describeError(msg.err)
		r := ledger.Explain(msg.err).Remedy
		m.offline = r == ledger.RemedyCheckNetwork || r == ledger.RemedyRetryLater
	} else if msg.err == nil {
		m.offline = false
	}
	if msg.phase == "balances" {
		m.syncingBalances = false
	}
	m.noteReport(msg.report)
	if msg.last {
		m.syncing = false
		m.syncNote = ""
		if m.statusUntilSynced {
			m.status, m.statusUntilSynced = "", false
		}
		if msg.err == nil {
			m.lastSync = m.now()
		}
	}
	if msg.phase == "transactions" {
		// New rows may have landed in any account: forget prepared rows and
		// reload the shown account.
		clear(m.txCache)
		if m.selectedID != "" {
			m.txSeq = m.nextSeq()
			m.tx.loading = true
			cmds = append(cmds, loadTxCmd(m.ctx, m.txSeq, m.opts.Store, m.selectedID, 0))
		}
	}
	m.accountsSeq = m.nextSeq()
	m.accountsLoading = true
	cmds = append(cmds, loadAccountsCmd(m.ctx, m.accountsSeq, m.opts.Store, m.opts.Connections), m.startSpinner())
	return m, tea.Batch(cmds...)
}

// noteReport keeps what went wrong per connection and per account, so the
// panes can say it next to the item; the others keep working.
func (m *Model) noteReport(rep *ledger.Report) {
	if rep == nil {
		return
	}
	for _, c := range rep.Connections {
		if c.Err != nil {
			m.connErrs[c.ConnectionID] = describeError(c.Err)
		} else {
			delete(m.connErrs, c.ConnectionID)
		}
		for _, a := range c.Accounts {
			if a.Err != nil {
				m.accountErrs[a.AccountID] = describeError(a.Err)
			} else {
				delete(m.accountErrs, a.AccountID)
			}
		}
	}
}

// describeError is the advice for err, worded for the TUI.
func describeError(err error) string { return ledger.Explain(err).Text(ledger.TUI) }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Login screen.

func (m *Model) openLogin() (tea.Model, tea.Cmd) {
	m.login = loginState{open: true}
	if m.opts.Login == nil {
		return *m, nil
	}
	return m.startLogin()
}

func (m *Model) startLogin() (tea.Model, tea.Cmd) {
	ctx, cancel := context.WithCancel(m.ctx)
	m.loginSeq = m.nextSeq()
	m.login = loginState{open: true, running: true, cancel: cancel}
	return *m, tea.Batch(loginCmd(ctx, m.loginSeq, m.opts.Login), m.startSpinner())
}

func (m *Model) handleLoginKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Back):
		if m.login.running && m.login.cancel != nil {
			m.login.cancel() // the login returns context.Canceled; its result is then ignored
		}
		m.loginSeq = m.nextSeq()
		m.login = loginState{}
	case key.Matches(msg, m.keys.Login), msg.String() == "enter":
		if !m.login.running && m.opts.Login != nil {
			return m.startLogin()
		}
		if !m.login.running {
			m.login = loginState{}
		}
	case key.Matches(msg, m.keys.Quit) && !m.login.running:
		m.login = loginState{}
	}
	return *m, nil
}

func (m Model) loginDone(msg loginDoneMsg) (tea.Model, tea.Cmd) {
	if m.login.cancel != nil {
		m.login.cancel()
	}
	m.login.running = false
	m.login.cancel = nil
	if msg.err != nil {
		m.login.err = msg.err
		return m, nil
	}
	m.login = loginState{}
	name := "the bank"
	if msg.conn.ProviderName != "" {
		name = ledger.Sanitize(msg.conn.ProviderName)
	}
	m.status = "connected " + name + ": syncing"
	m.statusUntilSynced = true
	var ids []string
	if msg.conn.ConnectionID != "" {
		ids = []string{msg.conn.ConnectionID}
	}
	if m.opts.Syncer == nil {
		m.accountsSeq = m.nextSeq()
		return m, loadAccountsCmd(m.ctx, m.accountsSeq, m.opts.Store, m.opts.Connections)
	}
	mm, cmd := m.startSync(ids, true, true)
	return mm, cmd
}
