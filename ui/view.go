package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/ledger"
)

// View renders the whole screen; it only reads the model.
func (m Model) View() tea.View {
	frame := m.render()
	if !m.pc.graphemes {
		frame = stableWidths(frame)
	}
	v := tea.NewView(frame)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "banktui"
	if m.pc.demo {
		v.WindowTitle = "banktui (demo)"
	}
	return v
}

func (m *Model) render() string {
	if m.width == 0 || m.height == 0 {
		return "banktui: starting…"
	}
	l := &m.lay
	if l.tooSmall {
		return m.renderTooSmall()
	}
	lines := make([]string, 0, m.height)
	lines = append(lines, m.renderHeader(l.header.w))
	if l.banner.h > 0 {
		lines = append(lines, m.pc.styles.Banner.Render(fit(" "+m.banner(), l.banner.w)))
	}
	if l.narrow {
		lines = append(lines, m.renderTabs(l.tabs.w))
	}
	switch {
	case m.login.open:
		lines = append(lines, fixedLines(m.login.View(l.body.w, l.body.h), l.body.h)...)
	case m.help.open:
		lines = append(lines, fixedLines(m.help.View(l.body.w, l.body.h), l.body.h)...)
	default:
		lines = append(lines, m.renderBody()...)
	}
	lines = append(lines, m.footer.View(l.footer.w, l.footer.h))
	return strings.Join(lines, "\n")
}

// fixedLines splits a pane's view into exactly h lines.
func fixedLines(s string, h int) []string {
	lines := strings.SplitN(s, "\n", h+1)
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return lines
}

// renderBody draws the panes of the layout, side by side where they share rows.
func (m *Model) renderBody() []string {
	l := &m.lay
	canvas := make([][]string, l.body.h) // per body row, the segments left to right
	place := func(r rect, view func(w, h int) string) {
		if r.w == 0 || r.h == 0 {
			return
		}
		for i, line := range fixedLines(view(r.w, r.h), r.h) {
			if row := r.y - l.body.y + i; row >= 0 && row < len(canvas) {
				canvas[row] = append(canvas[row], line)
			}
		}
	}
	// Left to right, top to bottom: accounts and cards share the left column.
	place(l.accounts, m.accounts.View)
	place(l.cards, m.cards.View)
	place(l.transactions, m.tx.View)
	place(l.details, m.detail.View)
	place(l.insights, m.insights.View)
	out := make([]string, len(canvas))
	for i, segs := range canvas {
		out[i] = strings.Join(segs, "")
	}
	return out
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

// renderHeader: the app name and totals per currency.
func (m *Model) renderHeader(w int) string {
	st := &m.pc.styles
	left := st.Header.Render(" banktui")
	var totals []string
	for _, t := range m.pc.bank.totals {
		totals = append(totals, ledger.Sanitize(t.Currency)+" "+money(t.Total, t.Currency, false, m.pc.privacy))
	}
	right := ""
	if len(totals) > 0 {
		// Whole totals only: the ones that do not fit give way to "…".
		room := w - ansi.StringWidth(left) - 1 - len("total  ")
		right = "total " + joinFitting(totals, " · ", max(0, room)) + " "
	}
	gap := max(1, w-ansi.StringWidth(left)-ansi.StringWidth(right))
	return fit(left+strings.Repeat(" ", gap)+st.Bold.Render(right), w)
}

// banner is the one-line offline notice above the panes.
func (m *Model) banner() string {
	s := &m.pc.sync
	if !s.offline {
		return ""
	}
	since := ""
	if t := m.pc.bank.oldestBalance(); !t.IsZero() {
		since = " as of " + asOf(t, m.pc.now())
	}
	if s.disabled {
		return "offline: showing stored data" + since + " (no bank client configured)"
	}
	return "offline: showing stored data" + since + "; r retries"
}

// renderTabs names the panes on a narrow terminal, where one shows at a time.
func (m *Model) renderTabs(w int) string {
	names := []struct {
		p    pane
		name string
	}{{paneAccounts, "1 Accounts"}, {paneCards, "2 Cards"}, {paneTransactions, "3 Transactions"}, {paneInsights, "4 Insights"}}
	focus := m.pc.focus
	var parts []string
	for _, n := range names {
		if focus == n.p || (focus == paneDetail && n.p == paneTransactions) {
			parts = append(parts, m.pc.styles.Selected.Render("["+n.name+"]"))
		} else {
			parts = append(parts, m.pc.styles.Muted.Render(" "+n.name+" "))
		}
	}
	return fit(" "+strings.Join(parts, " "), w)
}
