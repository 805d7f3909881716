package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/ledger"
)

// Below these sizes the layout cannot show a useful screen.
const (
	minWidth  = 40
	minHeight = 12
	// wideWidth: at and above, panes sit side by side and the detail pane on
	// the right; below, one pane at a time and the detail below the list.
	wideWidth = 100
)

type rect struct{ x, y, w, h int }

func (r rect) contains(x, y int) bool { return x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h }

// layout places the panes for the current size and state. View and the mouse
// handler share it, so a click lands on what is drawn.
type layout struct {
	tooSmall, narrow                       bool
	header, banner, tabs, body, footer     rect
	accounts, cards, transactions, details rect
}

func (m *Model) layout() layout {
	var l layout
	if m.width < minWidth || m.height < minHeight {
		l.tooSmall = true
		return l
	}
	y := 0
	l.header = rect{0, y, m.width, 1}
	y++
	if m.banner() != "" {
		l.banner = rect{0, y, m.width, 1}
		y++
	}
	const footerH = 2
	l.footer = rect{0, m.height - footerH, m.width, footerH}
	if m.width < wideWidth {
		l.narrow = true
		l.tabs = rect{0, y, m.width, 1}
		y++
	}
	bodyH := m.height - footerH - y
	l.body = rect{0, y, m.width, bodyH}
	if l.narrow {
		full := rect{0, y, m.width, bodyH}
		switch m.focus {
		case paneAccounts:
			l.accounts = full
		case paneCards:
			l.cards = full
		case paneTransactions:
			l.transactions = full
		case paneDetail:
			top := bodyH / 2
			l.transactions = rect{0, y, m.width, top}
			l.details = rect{0, y + top, m.width, bodyH - top}
		}
		return l
	}
	if m.focus == paneDetail {
		txW := m.width * 3 / 5
		l.transactions = rect{0, y, txW, bodyH}
		l.details = rect{txW, y, m.width - txW, bodyH}
		return l
	}
	leftW := clamp(m.width*2/5, 46, 60)
	const minCards = 5
	accLines := len(m.accountLines()) + 1 // + column header
	if len(m.accounts.items) == 0 {
		accLines = len(m.emptyAccounts())
	}
	accH := clamp(accLines+2, 5, bodyH-minCards)
	l.accounts = rect{0, y, leftW, accH}
	l.cards = rect{0, y + accH, leftW, bodyH - accH}
	l.transactions = rect{leftW, y, m.width - leftW, bodyH}
	return l
}

// View renders the whole screen; it only reads the model.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "banktui"
	if m.opts.Demo {
		v.WindowTitle = "banktui (demo)"
	}
	return v
}

func (m *Model) render() string {
	if m.width == 0 || m.height == 0 {
		return "banktui: starting…"
	}
	l := m.layout()
	if l.tooSmall {
		return m.renderTooSmall()
	}
	lines := make([]string, 0, m.height)
	lines = append(lines, m.renderHeader(l.header.w))
	if l.banner.h > 0 {
		lines = append(lines, m.styles.Banner.Render(fit(" "+m.banner(), l.banner.w)))
	}
	if l.narrow {
		lines = append(lines, m.renderTabs(l.tabs.w))
	}
	switch {
	case m.login.open:
		lines = append(lines, m.renderLogin(l.body)...)
	case m.showHelp:
		lines = append(lines, m.renderHelp(l.body)...)
	default:
		lines = append(lines, m.renderBody(l)...)
	}
	lines = append(lines, m.renderFooter(l.footer.w)...)
	return strings.Join(lines, "\n")
}

func (m *Model) renderTooSmall() string {
	msg := []string{
		"Terminal too small",
		fmt.Sprintf("%d×%d, need %d×%d", m.width, m.height, minWidth, minHeight),
		"q quits",
	}
	var b strings.Builder
	top := max(0, (m.height-len(msg))/2)
	for i := 0; i < m.height; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		if j := i - top; j >= 0 && j < len(msg) {
			s := ansi.Truncate(msg[j], m.width, "")
			pad := max(0, (m.width-ansi.StringWidth(s))/2)
			b.WriteString(fit(strings.Repeat(" ", pad)+s, m.width))
		} else {
			b.WriteString(strings.Repeat(" ", m.width))
		}
	}
	return b.String()
}

// renderBody draws the panes of the layout, side by side where they share rows.
func (m *Model) renderBody(l layout) []string {
	canvas := make([][]string, l.body.h) // per body row, the segments left to right
	place := func(r rect, box []string) {
		for i, line := range box {
			row := r.y - l.body.y + i
			if row >= 0 && row < len(canvas) {
				canvas[row] = append(canvas[row], line)
			}
		}
	}
	// Left to right, top to bottom: accounts and cards share the left column.
	if l.accounts.w > 0 {
		place(l.accounts, m.renderAccounts(l.accounts))
	}
	if l.cards.w > 0 {
		place(l.cards, m.renderCards(l.cards))
	}
	if l.transactions.w > 0 {
		place(l.transactions, m.renderTransactions(l.transactions))
	}
	if l.details.w > 0 {
		place(l.details, m.renderDetail(l.details))
	}
	out := make([]string, len(canvas))
	for i, segs := range canvas {
		out[i] = strings.Join(segs, "")
	}
	return out
}

// box frames body lines (already at most w-2 cells wide) with a border whose
// weight shows focus, also without colour, and a title in the top edge.
func (m *Model) box(r rect, title string, focused bool, body []string) []string {
	if r.w < 4 || r.h < 2 {
		return nil
	}
	tl, tr, bl, br, hz, vt := "╭", "╮", "╰", "╯", "─", "│"
	bs := m.styles.Pane
	ts := m.styles.Title
	if focused {
		tl, tr, bl, br, hz, vt = "┏", "┓", "┗", "┛", "━", "┃"
		bs = m.styles.PaneFocused
		ts = m.styles.TitleFocused
	}
	border := lipgloss.NewStyle().Foreground(bs.GetBorderTopForeground())
	if m.noColor {
		border = lipgloss.NewStyle()
	}
	inner := r.w - 2
	title = ansi.Truncate(title, max(0, inner-2), "…")
	tw := ansi.StringWidth(title)
	out := make([]string, 0, r.h)
	top := border.Render(tl+hz) + ts.Render(title) + border.Render(strings.Repeat(hz, max(0, inner-1-tw))+tr)
	if title == "" {
		top = border.Render(tl + strings.Repeat(hz, inner) + tr)
	}
	out = append(out, top)
	left, right := border.Render(vt), border.Render(vt)
	for i := 0; i < r.h-2; i++ {
		line := ""
		if i < len(body) {
			line = body[i]
		}
		if w := cellWidth(line); w < inner {
			line += strings.Repeat(" ", inner-w)
		} else if w > inner {
			line = ansi.Truncate(line, inner, "…")
		}
		out = append(out, left+line+right)
	}
	out = append(out, border.Render(bl+strings.Repeat(hz, inner)+br))
	return out
}

// Header: the app name and totals per currency.
func (m *Model) renderHeader(w int) string {
	left := m.styles.Header.Render(" banktui")
	var totals []string
	for _, t := range m.totals {
		totals = append(totals, ledger.Sanitize(t.Currency)+" "+money(t.Total, t.Currency, false, m.privacy))
	}
	right := ""
	if len(totals) > 0 {
		right = "total " + strings.Join(totals, " · ") + " "
	}
	gap := w - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		right = ansi.Truncate(right, max(0, w-ansi.StringWidth(left)-1), "…")
		gap = max(1, w-ansi.StringWidth(left)-ansi.StringWidth(right))
	}
	return fit(left+strings.Repeat(" ", gap)+m.styles.Bold.Render(right), w)
}

// banner is the one-line offline notice above the panes.
func (m *Model) banner() string {
	if !m.offline {
		return ""
	}
	since := ""
	if t := m.oldestBalance(); !t.IsZero() {
		since = " as of " + asOf(t, m.now())
	}
	if m.opts.Syncer == nil {
		return "offline: showing stored data" + since + " (no bank client configured)"
	}
	return "offline: showing stored data" + since + "; r retries"
}

func (m *Model) renderTabs(w int) string {
	names := []struct {
		p    pane
		name string
	}{{paneAccounts, "1 Accounts"}, {paneCards, "2 Cards"}, {paneTransactions, "3 Transactions"}}
	var parts []string
	for _, n := range names {
		active := m.focus == n.p || (m.focus == paneDetail && n.p == paneTransactions)
		if active {
			parts = append(parts, m.styles.Selected.Render("["+n.name+"]"))
		} else {
			parts = append(parts, m.styles.Muted.Render(" "+n.name+" "))
		}
	}
	return fit(" "+strings.Join(parts, " "), w)
}

// Footer: sync state and time, errors and notes, then the short help.
func (m *Model) renderFooter(w int) []string {
	var left string
	switch {
	case m.syncing:
		note := "refreshing balances"
		if !m.syncingBalances {
			note = "syncing transactions"
		}
		if m.syncNote != "" {
			note += " · " + m.syncNote
		}
		left = m.spinner.View() + " " + note
	case !m.lastSync.IsZero():
		left = "✓ synced " + asOf(m.lastSync, m.now())
	case m.opts.Syncer == nil:
		left = "offline"
	default:
		left = "not synced yet"
	}
	switch {
	case m.status != "":
		left += "  " + m.styles.Warning.Render(ledger.Sanitize(m.status))
	case m.syncErr != "":
		left += "  " + m.styles.Error.Render("✗ "+m.syncErr)
	case m.accountsErr != "":
		left += "  " + m.styles.Error.Render("✗ "+ledger.Sanitize(firstLine(m.accountsErr)))
	}
	right := ""
	if m.opts.Demo {
		right = m.styles.Badge.Render(" DEMO ") + m.styles.Muted.Render(" real bank: banktui login ")
	}
	status := " " + left
	if right != "" {
		rw := ansi.StringWidth(right)
		if rw > w/2 {
			right = m.styles.Badge.Render(" DEMO ")
			rw = ansi.StringWidth(right)
		}
		status = fit(status, max(0, w-rw)) + right
	}
	help := m.help.ShortHelpView(m.contextHelp())
	return []string{fit(status, w), fit(" "+help, w)}
}

// contextHelp is the short help for what has the keyboard.
func (m *Model) contextHelp() []key.Binding {
	k := m.keys
	switch {
	case m.filtering:
		return []key.Binding{helpPair("enter", "keep filter"), helpPair("esc", "clear filter"), helpPair("↑/↓", "move")}
	case m.login.open:
		return []key.Binding{helpPair(k.Back.Help().Key, "cancel/close"), helpPair(k.Login.Help().Key, "try again")}
	case m.showHelp:
		return []key.Binding{helpPair(k.Help.Help().Key, "close help"), k.Quit}
	}
	return k.ShortHelp()
}

// helpPair is a help entry for keys handled by a mode (the filter input)
// rather than by the key map.
func helpPair(keys, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc))
}

func (m *Model) renderHelp(r rect) []string {
	h := m.help
	h.ShowAll = true
	inner := r.w - 4
	h.SetWidth(0) // lay out every column, then fold if too wide
	groups := m.keys.FullHelp()
	var blocks []string
	if full := h.FullHelpView(groups); lipgloss.Width(full) <= inner {
		blocks = []string{full}
	} else {
		// Narrow terminal: two rows of columns, so no key drops off the edge.
		half := (len(groups) + 1) / 2
		blocks = []string{h.FullHelpView(groups[:half]), h.FullHelpView(groups[half:])}
	}
	body := []string{""}
	for _, b := range blocks {
		for _, line := range strings.Split(b, "\n") {
			body = append(body, " "+line)
		}
		body = append(body, "")
	}
	notes := []string{
		"Filter (/): words match description, merchant and category; amount:>50 amount:<-100 category:food merchant:tesco pending settled !word \"a phrase\"",
		"Mouse: the wheel scrolls, a click selects, a click on a column header sorts. Keys are rebindable in config.toml [keys].",
	}
	for _, n := range notes {
		for _, line := range strings.Split(ansi.Wrap(n, inner, " "), "\n") {
			body = append(body, " "+line)
		}
	}
	off := clamp(m.helpOffset, 0, max(0, len(body)-(r.h-2)))
	title := " Help "
	if len(body) > r.h-2 {
		title += "· ↑/↓ scroll "
	}
	return m.box(r, title, true, body[off:])
}

// accountLine is one line of the accounts or cards pane: a bank heading, an
// item (selectable), or a note under an item.
type accountLine struct {
	item int // index into the pane's items, -1 for headings and notes
	text string
	kind int // 0 heading, 1 item, 2 note
}

const (
	lineHeading = iota
	lineItem
	lineNote
)

// accountLines groups the accounts by bank with connection and sync notes.
func (m *Model) accountLines() []accountLine { return m.groupLines(m.accounts.items) }

// staleAfter: a balance this much older than the newest one gets its own age.
const staleAfter = time.Hour

func (m *Model) groupLines(items []ledger.AccountView) []accountLine {
	var out []accountLine
	newest := m.newestBalance()
	lastConn := "\x00"
	for i := range items {
		a := &items[i]
		if a.ConnectionID != lastConn || i == 0 {
			lastConn = a.ConnectionID
			name := a.ProviderName
			if name == "" {
				name = a.ProviderID
			}
			out = append(out, accountLine{item: -1, kind: lineHeading, text: ledger.Sanitize(name)})
			if note := m.connectionNote(a.ConnectionID); note != "" {
				out = append(out, accountLine{item: -1, kind: lineNote, text: note})
			}
		}
		out = append(out, accountLine{item: i, kind: lineItem})
		errText := m.accountErrs[a.ID]
		if errText == "" && a.SyncError != "" {
			errText = ledger.ExplainStored(a.SyncError).Text(ledger.TUI)
		}
		if errText == "" && a.HistoryLimit == ledger.LimitSCAExceeded {
			errText = "history before " + a.HistoryFrom.Format("2 Jan 2006") + ": re-authenticate (L)"
		}
		if errText == "" && a.Gone {
			errText = "no longer listed by the bank; history kept"
		}
		if errText == "" && a.HasBalance && newest.Sub(a.BalanceAsOf) > staleAfter {
			// This balance did not refresh with the others: say how old it is.
			errText = "balance as of " + asOf(a.BalanceAsOf, m.now())
		}
		if errText != "" {
			out = append(out, accountLine{item: -1, kind: lineNote, text: errText})
		}
	}
	return out
}

// connectionNote is the reconnect prompt of a connection whose consent expired.
func (m *Model) connectionNote(connectionID string) string {
	if e := m.connErrs[connectionID]; e != "" {
		return e
	}
	for _, c := range m.connections {
		if c.ConnectionID == connectionID && c.NeedsReconnect {
			note := "consent expired: press L to reconnect"
			if c.Reason != "" {
				note += " (" + ledger.Sanitize(c.Reason) + ")"
			}
			return note
		}
	}
	return ""
}

// lineOfItem finds the line showing item i.
func lineOfItem(lines []accountLine, i int) int {
	for n, l := range lines {
		if l.item == i {
			return n
		}
	}
	return 0
}

func (m *Model) renderAccounts(r rect) []string {
	title := " 1 Accounts "
	if m.accountsLoading || m.syncingBalances {
		title += m.spinner.View() + " "
	} else if t := m.oldestBalance(); !t.IsZero() {
		title += "· as of " + asOf(t, m.now()) + " "
	}
	inner := r.w - 2
	var body []string
	lines := m.accountLines()
	if len(m.accounts.items) == 0 {
		body = m.emptyAccounts()
	} else {
		body = append([]string{m.accountHeader(inner)}, m.renderList(lines, &m.accounts, r.h-3, inner, m.focus == paneAccounts, m.accountRow)...)
	}
	return m.box(r, title, m.focus == paneAccounts, body)
}

func (m *Model) emptyAccounts() []string {
	switch {
	case m.accountsLoading && !m.accountsLoaded:
		return []string{" " + m.spinner.View() + " reading stored accounts…"}
	case len(m.cards.items) > 0:
		return []string{m.styles.Muted.Render(" no accounts, only cards")}
	case m.syncing && len(m.connections) > 0:
		return []string{" " + m.spinner.View() + " fetching your accounts from the bank…"}
	case m.opts.Demo:
		return []string{" The demo bank is connecting…"}
	}
	return []string{
		"",
		" No bank connected yet.",
		"",
		" Press " + m.styles.Bold.Render("L") + " to connect a bank,",
		" or run " + m.styles.Bold.Render("banktui --demo") + " for the demo bank.",
	}
}

func (m *Model) renderCards(r rect) []string {
	title := " 2 Cards "
	if m.syncingBalances {
		title += m.spinner.View() + " "
	}
	var body []string
	if len(m.cards.items) == 0 {
		if m.accountsLoaded {
			body = []string{m.styles.Muted.Render(" no cards")}
		}
	} else {
		lines := m.groupLines(m.cards.items)
		body = m.renderList(lines, &m.cards, r.h-2, r.w-2, m.focus == paneCards, m.cardRow)
	}
	return m.box(r, title, m.focus == paneCards, body)
}

// renderList draws the visible window of a grouped list. The window follows
// the cursor (scroll state is kept by keepCursorsOnScreen).
func (m *Model) renderList(lines []accountLine, l *listPane, height, w int, focused bool, row func(a *ledger.AccountView, w int) string) []string {
	if height <= 0 {
		return nil
	}
	start := clamp(l.offset, 0, max(0, len(lines)-height))
	end := min(len(lines), start+height)
	out := make([]string, 0, end-start)
	for _, ln := range lines[start:end] {
		switch ln.kind {
		case lineHeading:
			out = append(out, m.styles.Bold.Render(fit(" "+ln.text, w)))
		case lineNote:
			out = append(out, m.styles.Warning.Render(fit("   ! "+ln.text, w)))
		default:
			a := &l.items[ln.item]
			text := row(a, w-1)
			mark := " "
			if ln.item == l.cursor {
				mark = "›"
				if focused {
					out = append(out, m.styles.Selected.Render(mark+ansi.Strip(text)))
				} else {
					out = append(out, m.styles.SelectedBlur.Render(mark+ansi.Strip(text)))
				}
				continue
			}
			out = append(out, mark+text)
		}
	}
	return out
}

// accountRow: name, type, current and available balance.
// accountColumns are the widths of the accounts pane for a row width.
type accountColumns struct{ name, typ, amount, avail int }

func accountColumnsFor(w int) accountColumns {
	c := accountColumns{typ: 11, amount: 12, avail: 12}
	if w < 62 {
		c.typ = 0
	}
	if w < 42 {
		c.avail = 0
	}
	c.name = w - c.amount - 1
	if c.typ > 0 {
		c.name -= c.typ + 1
	}
	if c.avail > 0 {
		c.name -= c.avail + 1
	}
	return c
}

func (m *Model) accountHeader(w int) string {
	c := accountColumnsFor(w - 1)
	s := " " + fit(" Account", c.name)
	if c.typ > 0 {
		s += " " + fit("Type", c.typ)
	}
	s += " " + fitRight("Current", c.amount)
	if c.avail > 0 {
		s += " " + fitRight("Available", c.avail)
	}
	return m.styles.Muted.Render(fit(s, w))
}

func (m *Model) accountRow(a *ledger.AccountView, w int) string {
	c := accountColumnsFor(w)
	var b strings.Builder
	b.WriteString(fit(" "+ledger.Sanitize(a.DisplayName), c.name))
	if c.typ > 0 {
		b.WriteString(" " + m.styles.Muted.Render(fit(titleCase(a.Type), c.typ)))
	}
	cur, avail := "—", ""
	if a.HasBalance {
		cur = money(a.Current, a.Currency, false, m.privacy)
		avail = money(a.Available, a.Currency, false, m.privacy)
	}
	b.WriteString(" " + m.amountStyle(a.Current, a.HasBalance).Render(fitRight(cur, c.amount)))
	if c.avail > 0 {
		b.WriteString(" " + m.styles.Muted.Render(fitRight(avail, c.avail)))
	}
	return b.String()
}

// cardRow: network, last four, balance, credit used.
func (m *Model) cardRow(c *ledger.AccountView, w int) string {
	const amtW = 12
	showUsed := w >= 44
	digits := "•••• " + ledger.Sanitize(c.PartialCardNumber)
	if m.privacy {
		digits = "•••• ••••"
	}
	nameW := w - amtW - 1 - 10
	if showUsed {
		nameW -= 10
	}
	name := ledger.Sanitize(c.DisplayName)
	if c.CardNetwork != "" {
		name = titleCase(c.CardNetwork) + " " + name
	}
	var b strings.Builder
	b.WriteString(fit(" "+name, max(1, nameW)))
	b.WriteString(" " + fit(digits, 9))
	bal := "—"
	if c.HasBalance {
		bal = money(c.Current, c.Currency, false, m.privacy)
	}
	b.WriteString(" " + fitRight(bal, amtW))
	if showUsed {
		used := ""
		if c.HasBalance && c.CreditLimit != nil && c.CreditLimit.Sign() > 0 {
			if m.privacy {
				used = "used ••%"
			} else {
				pct := c.Current.Decimal().Abs().Div(c.CreditLimit.Decimal()).Shift(2).Round(0)
				used = "used " + pct.String() + "%"
			}
		}
		b.WriteString(" " + m.styles.Muted.Render(fitRight(used, 9)))
	}
	return b.String()
}

func (m *Model) amountStyle(a interface{ Sign() int }, has bool) lipgloss.Style {
	switch {
	case !has:
		return m.styles.Muted
	case a.Sign() < 0:
		return m.styles.Negative
	}
	return lipgloss.NewStyle()
}

// Transactions pane.

// txColumns are the column widths for an inner width.
type txColumns struct{ label, category, amount, balance int }

func txColumnsFor(w int) txColumns {
	// mark(1) date(10) and a space between every column
	c := txColumns{amount: 12, balance: 11, category: 12}
	if w < 66 {
		c.balance = 0
	}
	if w < 54 {
		c.category = 0
	}
	used := 2 + 10 + 1 + c.amount + 1
	if c.category > 0 {
		used += c.category + 1
	}
	if c.balance > 0 {
		used += c.balance + 1
	}
	c.label = max(4, w-used)
	return c
}

// txPageHeight is how many transaction rows fit on screen now.
func (m *Model) txPageHeight() int {
	l := m.layout()
	h := l.transactions.h
	if h == 0 { // hidden on a narrow screen: it will get the whole body
		h = l.body.h
	}
	return m.txRowsFor(h)
}

func (m *Model) txRowsFor(h int) int {
	rows := h - 3 // borders and column header
	if m.filtering || !m.tx.filter.empty() {
		rows--
	}
	return max(1, rows)
}

// pageHeight is the page size of the focused pane.
func (m *Model) pageHeight() int {
	l := m.layout()
	switch m.focus {
	case paneAccounts:
		return max(1, l.accounts.h-2)
	case paneCards:
		return max(1, l.cards.h-2)
	case paneDetail:
		return max(1, l.details.h-2)
	}
	return m.txPageHeight()
}

func (m *Model) renderTransactions(r rect) []string {
	focused := m.focus == paneTransactions
	inner := r.w - 2
	title := " 3 Transactions "
	if m.tx.loading || (m.syncing && !m.syncingBalances) {
		title += m.spinner.View() + " "
	}
	if m.tx.loaded {
		title += "· " + m.tx.countLabel() + " "
	}
	title += "· " + m.tx.period.String() + " "
	if m.tx.hidePending {
		title += "· pending hidden "
	}
	if a := m.selectedAccount(); a != nil {
		title += "· " + ledger.Sanitize(a.DisplayName) + " "
		switch {
		case a.Kind == ledger.KindCard && a.PartialCardNumber != "":
			title += maskNumber("•••• "+a.PartialCardNumber, m.privacy) + " "
		case a.Number != "":
			title += maskNumber(a.Number, m.privacy) + " "
		}
	}
	height := m.txRowsFor(r.h)
	p := &m.tx
	body := make([]string, 0, r.h-2)
	cols := txColumnsFor(inner)
	body = append(body, m.styles.Muted.Render(m.txHeader(cols, inner)))
	switch {
	case m.selectedID == "":
		body = append(body, m.styles.Muted.Render(" select an account or card"))
	case p.err != "":
		body = append(body, m.styles.Error.Render(" "+ledger.Sanitize(firstLine(p.err))))
	case !p.loaded && p.loading:
		body = append(body, " "+m.spinner.View()+" loading transactions…")
	case len(p.rows) == 0:
		body = append(body, m.styles.Muted.Render(" no transactions stored yet"))
	case len(p.visible) == 0:
		body = append(body, m.styles.Muted.Render(" nothing matches"))
	default:
		start := clamp(p.offset, 0, max(0, len(p.visible)-height))
		end := min(len(p.visible), start+height)
		for i := start; i < end; i++ {
			body = append(body, m.txRow(&p.rows[p.visible[i]], cols, inner, i == p.cursor, focused))
		}
	}
	if m.filtering || !p.filter.empty() {
		for len(body) < r.h-3 {
			body = append(body, "")
		}
		body = append(body, m.renderFilterLine(inner))
	}
	return m.box(r, title, focused || (m.focus == paneDetail && r.w == m.width), body)
}

func (m *Model) txHeader(c txColumns, w int) string {
	arrow := func(col sortColumn) string {
		if m.tx.sortCol != col {
			return ""
		}
		if m.tx.desc {
			return "▼"
		}
		return "▲"
	}
	var b strings.Builder
	b.WriteString("  " + fit("Date"+arrow(sortDate), 10) + " ")
	b.WriteString(fit("Description"+arrow(sortDescription), c.label))
	if c.category > 0 {
		b.WriteString(" " + fit("Category"+arrow(sortCategory), c.category))
	}
	b.WriteString(" " + fitRight("Amount"+arrow(sortAmount), c.amount))
	if c.balance > 0 {
		b.WriteString(" " + fitRight("Balance"+arrow(sortBalance), c.balance))
	}
	return fit(b.String(), w)
}

// txRow renders one transaction. Money in carries "+", money out "-", and
// pending rows a ◌ mark, so none of it depends on colour.
func (m *Model) txRow(r *txRow, c txColumns, w int, selected, focused bool) string {
	v := &m.tx.views[r.view]
	mark := " "
	if r.pending {
		mark = "◌"
	}
	amt := money(v.Amount, v.Currency, true, m.privacy)
	var b strings.Builder
	b.Grow(w + 32)
	b.WriteString(mark)
	b.WriteByte(' ')
	b.WriteString(r.date)
	b.WriteByte(' ')
	b.WriteString(fit(r.label, c.label))
	if c.category > 0 {
		b.WriteByte(' ')
		b.WriteString(fit(r.category, c.category))
	}
	b.WriteByte(' ')
	prefix := b.String()
	amount := fitRight(amt, c.amount)
	bal := ""
	if c.balance > 0 {
		bs := ""
		if v.RunningBalance != nil {
			bs = money(*v.RunningBalance, v.Currency, false, m.privacy)
		}
		bal = " " + fitRight(bs, c.balance)
	}
	switch {
	case selected && focused:
		return m.paints.selected.on(fit(prefix+amount+bal, w))
	case selected:
		return m.paints.selectedBlur.on(fit(prefix+amount+bal, w))
	case r.pending:
		return m.paints.pending.on(fit(prefix+amount+bal, w))
	}
	p := m.paints.positive
	if v.Amount.Sign() < 0 {
		p = m.paints.negative
	}
	return prefix + p.on(amount) + m.paints.muted.on(bal)
}

func (m *Model) renderFilterLine(w int) string {
	var line string
	if m.filtering {
		line = m.filterInput.View()
	} else {
		line = m.styles.Muted.Render("/" + ledger.Sanitize(m.tx.filter.raw) + "  (/ edit, esc clears)")
	}
	if len(m.tx.filter.problems) > 0 {
		line += "  " + m.styles.Error.Render(ledger.Sanitize(strings.Join(m.tx.filter.problems, "; ")))
	}
	return ansi.Truncate(line, w, "…")
}

// Detail pane: every field of the selected transaction.
func (m *Model) renderDetail(r rect) []string {
	v := m.tx.selected()
	title := " Detail "
	if v == nil {
		return m.box(r, title, true, []string{m.styles.Muted.Render(" no transaction selected")})
	}
	lines := m.detailLines(v, r.w-2)
	off := clamp(m.detailOffset, 0, max(0, len(lines)-(r.h-2)))
	return m.box(r, title+"· esc back ", true, lines[off:])
}

// detailView is v with Raw: from the list when it was read with it, else
// from the detail's own read once it has landed (ok=false until then).
func (m *Model) detailView(v *ledger.TxView) (full *ledger.TxView, ok bool) {
	if !m.tx.noRaw {
		return v, true
	}
	d := m.detail.view
	if d == nil || m.detail.key != keyOf(v) {
		return v, false
	}
	c := *v // the list's fields, the detail's Raw
	c.Raw = d.Raw
	return &c, true
}

func (m *Model) detailLines(v *ledger.TxView, w int) []string {
	v, complete := m.detailView(v)
	const keyW = 16
	valW := max(8, w-keyW-2)
	var out []string
	add := func(k, val string) {
		val = ledger.Sanitize(val)
		if val == "" {
			return
		}
		wrapped := strings.Split(ansi.Wrap(val, valW, " "), "\n")
		for i, part := range wrapped {
			key := ""
			if i == 0 {
				key = k
			}
			out = append(out, " "+m.styles.Muted.Render(fit(key, keyW))+" "+part)
		}
	}
	raw := &v.Raw
	status := "settled"
	if v.Pending {
		status = "pending"
	}
	amt := money(v.Amount, v.Currency, true, m.privacy)
	if !m.privacy {
		amt += "  (" + v.Amount.String() + " " + v.Currency + " as sent)"
	}
	add("Description", v.Description)
	add("Merchant", v.Merchant)
	add("Amount", amt)
	add("Status", status)
	if !v.Timestamp.IsZero() {
		add("Date", v.Timestamp.Format("2006-01-02 15:04:05 MST"))
	}
	if raw.Timestamp.Raw != "" {
		add("Timestamp sent", raw.Timestamp.Raw)
	}
	add("Type", raw.TransactionType)
	add("Category", v.Category)
	cls := v.Classification
	if len(cls) == 0 {
		cls = raw.TransactionClassification
	}
	add("Classification", strings.Join(cls, " › "))
	if v.RunningBalance != nil {
		add("Running balance", money(*v.RunningBalance, v.Currency, false, m.privacy))
	}
	if a := m.selectedAccount(); a != nil {
		add("Account", a.DisplayName+" ("+a.ProviderName+")")
	}
	add("Transaction ID", firstNonEmpty(raw.TransactionID, v.ID))
	add("Provider tx ID", raw.ProviderTransactionID)
	add("Normalised ID", raw.NormalisedProviderTransactionID)
	add("Settled from", v.SettledFrom) // the pending row this one replaced
	if len(raw.Meta) > 0 {
		out = append(out, " "+m.styles.Bold.Render("Meta"))
		keys := make([]string, 0, len(raw.Meta))
		for k := range raw.Meta {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			add("  "+ledger.Sanitize(k), fmt.Sprint(raw.Meta[k]))
		}
	}
	if !complete {
		note := "loading the rest…"
		if m.detail.err != "" && m.detail.key == keyOf(v) {
			note = "the rest is unavailable: " + ledger.Sanitize(firstLine(m.detail.err))
		}
		out = append(out, " "+m.styles.Muted.Render(ansi.Truncate(note, max(1, w-1), "…")))
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// Login screen.
func (m *Model) renderLogin(r rect) []string {
	body := []string{""}
	add := func(s string) {
		for _, part := range strings.Split(ansi.Wrap(s, max(10, r.w-6), " /&?"), "\n") {
			body = append(body, "  "+part)
		}
	}
	switch {
	case m.opts.Login == nil:
		add("This banktui has no bank client configured, so it cannot connect a bank from here.")
		add("")
		add("From a shell: set TRUELAYER_CLIENT_ID and TRUELAYER_CLIENT_SECRET (or client_id in config.toml), then run:")
		add("")
		add("    banktui login")
		add("")
		add("esc closes.")
	case m.login.running && m.login.url == "":
		add(m.spinner.View() + " Starting the login…")
	case m.login.running:
		add(m.spinner.View() + " Waiting for your bank: finish the login in your browser.")
		add("")
		add("If no browser opened, open this address:")
		add("")
		add(m.styles.Bold.Render(m.login.url))
		add("")
		add("esc cancels.")
	case m.login.err != nil:
		add(m.styles.Error.Render("✗ " + describeError(m.login.err)))
		add("")
		add("L or enter tries again, esc closes.")
	}
	return m.box(r, " Connect a bank ", true, body)
}

// oldestBalance is the age of the stalest stored balance.
func (m *Model) oldestBalance() (t time.Time) {
	for _, l := range []*listPane{&m.accounts, &m.cards} {
		for _, a := range l.items {
			if a.HasBalance && !a.BalanceAsOf.IsZero() && (t.IsZero() || a.BalanceAsOf.Before(t)) {
				t = a.BalanceAsOf
			}
		}
	}
	return t
}

// newestBalance is when the freshest stored balance was fetched.
func (m *Model) newestBalance() (t time.Time) {
	for _, l := range []*listPane{&m.accounts, &m.cards} {
		for _, a := range l.items {
			if a.HasBalance && a.BalanceAsOf.After(t) {
				t = a.BalanceAsOf
			}
		}
	}
	return t
}

// keepCursorsOnScreen scrolls the lists so their cursors stay visible.
func (m *Model) keepCursorsOnScreen() {
	l := m.layout()
	scroll := func(lp *listPane, lines []accountLine, h int) {
		if h <= 0 {
			return
		}
		n := lineOfItem(lines, lp.cursor)
		// Show the bank heading above the first item of a group too.
		top := n
		for top > 0 && lines[top-1].item == -1 {
			top--
		}
		if top < lp.offset {
			lp.offset = top
		}
		if n >= lp.offset+h {
			lp.offset = n - h + 1
		}
		lp.offset = clamp(lp.offset, 0, max(0, len(lines)-h))
	}
	scroll(&m.accounts, m.accountLines(), l.accounts.h-3)
	scroll(&m.cards, m.groupLines(m.cards.items), l.cards.h-2)
	if m.tx.loaded {
		m.tx.scrollTo(m.txPageHeight())
	}
}
