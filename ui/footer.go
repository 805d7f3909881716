package ui

import (
	"fmt"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/ledger"
)

// footerPane is the two bottom lines: the state of the refresh with its
// errors and a one-line note, then the short help of what has the keyboard.
type footerPane struct {
	pc        *programContext
	help      help.Model
	hints     []key.Binding // set by the root for what has the keyboard
	note      string        // cleared by the next key
	connected string        // a bank just connected: the note follows its first sync
}

// noteMsg puts a one-line note in the footer.
type noteMsg struct{ text string }

func newFooterPane(pc *programContext) footerPane { return footerPane{pc: pc, help: help.New()} }

// Update keeps the note: any key clears it, a noteMsg sets it.
func (p footerPane) Update(msg tea.Msg) (footerPane, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		p.note = ""
	case noteMsg:
		p.note = msg.text
	}
	return p, nil
}

// bankConnected notes a new connection, and that its first sync runs.
func (p *footerPane) bankConnected(name string, syncing bool) {
	p.note = "connected " + name
	if syncing {
		p.connected = name
		p.note += ": syncing"
	}
}

// syncEnded says how the sync of a bank just connected went; an error is
// shown by the sync line itself.
func (p *footerPane) syncEnded(ok bool) {
	if p.connected == "" {
		return
	}
	p.note = ""
	if ok {
		p.note = "connected " + p.connected + " and synced"
	}
	p.connected = ""
}

// View draws the footer w cells wide (h is always 2).
func (p footerPane) View(w, _ int) string {
	pc := p.pc
	st := &pc.styles
	left := p.syncLine()
	switch {
	case p.note != "":
		left += "  " + st.Warning.Render(ledger.Sanitize(p.note))
	case pc.sync.err != "":
		left += "  " + st.Error.Render("✗ "+pc.sync.err)
	case pc.bank.err != "":
		left += "  " + st.Error.Render("✗ "+ledger.Sanitize(firstLine(pc.bank.err)))
	}
	right := ""
	if pc.demo {
		right = st.Badge.Render(" DEMO ") + st.Muted.Render(" real bank: banktui login ")
	}
	status := " " + left
	if right != "" {
		rw := ansi.StringWidth(right)
		if rw > w/2 {
			right = st.Badge.Render(" DEMO ")
			rw = ansi.StringWidth(right)
		}
		status = fit(status, max(0, w-rw)) + right
	}
	h := p.help
	h.Styles = st.Help
	h.SetWidth(w)
	return fit(status, w) + "\n" + fit(" "+h.ShortHelpView(p.hints), w)
}

// syncLine is the state of the refresh: running, when it last ended, or why not.
func (p *footerPane) syncLine() string {
	s := &p.pc.sync
	switch {
	case s.running:
		note := "refreshing balances"
		if !s.balances {
			note = "syncing transactions"
		}
		if n := s.note(&p.pc.bank); n != "" {
			note += " · " + n
		}
		if id, silent, ok := s.slow(p.pc.now()); ok {
			name := p.pc.bank.providerName(id)
			if name == "" {
				name = id
			}
			note += " · " + p.pc.styles.Warning.Render(fmt.Sprintf("waiting for %s (%s)", ledger.Sanitize(name), silent.Truncate(time.Second)))
		}
		return p.pc.spin() + " " + note
	case s.failed != "" && s.synced == 0:
		return p.pc.styles.Error.Render("✗ sync failed: " + s.failed)
	case s.failed != "":
		return fmt.Sprintf("✓ synced %d of %d banks %s · ", s.synced, s.banks, asOf(s.last, p.pc.now())) +
			p.pc.styles.Error.Render("✗ "+s.failed)
	case !s.last.IsZero():
		return "✓ synced " + asOf(s.last, p.pc.now())
	case s.disabled:
		return "offline"
	}
	return "not synced yet"
}
