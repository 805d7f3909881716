package ui

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/ledger"
)

// listPane is the accounts pane or the cards pane: a cursor over the stored
// accounts or cards (from the shared bank), grouped by bank, with the notes
// of the last sync under each item. The two differ only in their rows
// (accounts.go, cards.go), so they share this type.
type listPane struct {
	pc     *programContext
	kind   pane // paneAccounts or paneCards
	cursor int  // index into items
	offset int  // first line on screen
	w, h   int
}

func newListPane(pc *programContext, kind pane) listPane { return listPane{pc: pc, kind: kind} }

func (p *listPane) items() []ledger.AccountView {
	if p.kind == paneCards {
		return p.pc.bank.cards
	}
	return p.pc.bank.listed
}

func (p *listPane) selected() *ledger.AccountView {
	items := p.items()
	if p.cursor < 0 || p.cursor >= len(items) {
		return nil
	}
	return &items[p.cursor]
}

// top is how many lines of the box come before the list: the border, and
// the accounts pane's column header.
func (p *listPane) top() int {
	if p.kind == paneAccounts {
		return 2
	}
	return 1
}

// rows is how many lines of the list fit.
func (p *listPane) rows() int { return p.h - p.top() - 1 }

func (p *listPane) setSize(w, h int) {
	p.w, p.h = w, h
	p.scroll(p.lines())
}

// follow keeps the cursor on item id after the bank was read again.
func (p *listPane) follow(id string) {
	items := p.items()
	p.cursor = clamp(indexOf(items, id, p.cursor), 0, len(items)-1)
	p.scroll(p.lines())
}

func indexOf(items []ledger.AccountView, id string, def int) int {
	for i := range items {
		if items[i].ID == id {
			return i
		}
	}
	return def
}

// Update moves the cursor for a movement key, the wheel, or a click (at
// coordinates relative to the pane). The root sees the new selection.
func (p listPane) Update(msg tea.Msg) (listPane, tea.Cmd) {
	n := len(p.items())
	if n == 0 {
		return p, nil
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if d, ok := moveDelta(&p.pc.keys, msg, max(1, p.h-2)); ok {
			p.cursor = clamp(p.cursor+d, 0, n-1)
		}
	case tea.MouseWheelMsg:
		p.cursor = clamp(p.cursor+wheelDelta(msg), 0, n-1)
	case tea.MouseClickMsg:
		if i, ok := p.itemAt(msg.Y); ok {
			p.cursor = i
		}
	}
	p.scroll(p.lines())
	return p, nil
}

// itemAt is the item drawn on line y of the pane, if any.
func (p *listPane) itemAt(y int) (int, bool) {
	lines := p.lines()
	row := y - p.top()
	start := clamp(p.offset, 0, max(0, len(lines)-p.rows()))
	if i := start + row; row >= 0 && row < p.rows() && i < len(lines) && lines[i].item >= 0 {
		return lines[i].item, true
	}
	return 0, false
}

// View draws the pane in a w×h box.
func (p listPane) View(w, h int) string {
	if p.kind == paneCards {
		return p.viewCards(w, h)
	}
	return p.viewAccounts(w, h)
}

// accountLine is one line of the accounts or cards pane: a bank heading, an
// item (selectable), or a note under an item.
type accountLine struct {
	item int // index into the pane's items, -1 for headings and notes
	text string
	kind int
}

const (
	lineHeading = iota
	lineItem
	lineNote
)

// staleAfter: a balance this much older than the newest one gets its own age.
const staleAfter = time.Hour

// lines groups the items by bank with connection and sync notes.
func (p *listPane) lines() []accountLine {
	pc := p.pc
	items := p.items()
	var out []accountLine
	newest := pc.bank.newestBalance()
	lastConn := "\x00"
	for i := range items {
		a := &items[i]
		if a.Kind == allKind { // above the banks, without a heading
			out = append(out, accountLine{item: i, kind: lineItem})
			continue
		}
		if a.ConnectionID != lastConn {
			lastConn = a.ConnectionID
			name := a.ProviderName
			if name == "" {
				name = a.ProviderID
			}
			heading := ledger.Sanitize(name)
			if days := pc.bank.consentDays(a.ConnectionID, pc.now()); days != "" {
				heading += " · " + days
			}
			out = append(out, accountLine{item: -1, kind: lineHeading, text: heading})
			if note := p.connectionNote(a.ConnectionID); note != "" {
				out = append(out, accountLine{item: -1, kind: lineNote, text: note})
			}
		}
		out = append(out, accountLine{item: i, kind: lineItem})
		if note := p.itemNote(a, newest); note != "" {
			out = append(out, accountLine{item: -1, kind: lineNote, text: note})
		}
	}
	return out
}

// itemNote is what is wrong with an account or card, if anything.
func (p *listPane) itemNote(a *ledger.AccountView, newest time.Time) string {
	switch {
	case a.Disconnected: // nothing else about it matters until it is connected again
		return "disconnected (logged out): history kept, not in the totals"
	case p.pc.sync.accounts[a.ID] != "":
		return p.pc.sync.accounts[a.ID]
	case a.SyncError != "":
		return ledger.ExplainStored(a.SyncError).Text(ledger.TUI)
	case a.HistoryLimit == ledger.LimitSCAExceeded:
		return "history before " + a.HistoryFrom.Format("2 Jan 2006") + ": re-authenticate (L)"
	case a.Gone:
		return "no longer listed by the bank; history kept"
	case refusedNote(a, p.pc.now()) != "":
		return refusedNote(a, p.pc.now())
	case a.HasBalance && newest.Sub(a.BalanceAsOf) > staleAfter:
		// This balance did not refresh with the others: say how old it is.
		return "balance as of " + asOf(a.BalanceAsOf, p.pc.now())
	}
	return ""
}

// connectionNote is the last sync's error of a connection, or the reconnect
// prompt of a connection whose consent expired.
func (p *listPane) connectionNote(connectionID string) string {
	if e := p.pc.sync.conns[connectionID]; e != "" {
		return e
	}
	return p.pc.bank.reconnectNote(connectionID, p.pc.now())
}

// refusedNote says which endpoints the bank refuses for this account (a
// 403, or its limit on unattended calls while it lasts): the bank's
// choice, not a lost consent. What a bank does not offer (501) is no news.
func refusedNote(a *ledger.AccountView, now time.Time) string {
	var notes []string
	for _, e := range a.Endpoints {
		if e.Status == 403 || (e.Status == 429 && e.Until.After(now)) {
			notes = append(notes, e.Text())
		}
	}
	return strings.Join(notes, "; ")
}

// scroll keeps the cursor's line on screen, with its bank heading when the
// item is the first of its group.
func (p *listPane) scroll(lines []accountLine) {
	h := p.rows()
	if h <= 0 {
		return
	}
	n := 0
	for i, l := range lines {
		if l.item == p.cursor {
			n = i
			break
		}
	}
	top := n
	for top > 0 && lines[top-1].item == -1 {
		top--
	}
	if top < p.offset {
		p.offset = top
	}
	if n >= p.offset+h {
		p.offset = n - h + 1
	}
	p.offset = clamp(p.offset, 0, max(0, len(lines)-h))
}

// render draws the lines on screen, row drawing one item in w cells.
func (p *listPane) render(lines []accountLine, height, w int, row func(a *ledger.AccountView, w int) string) []string {
	if height <= 0 {
		return nil
	}
	st := &p.pc.styles
	items := p.items()
	focused := p.pc.focus == p.kind
	start := clamp(p.offset, 0, max(0, len(lines)-height))
	end := min(len(lines), start+height)
	out := make([]string, 0, end-start)
	for _, ln := range lines[start:end] {
		switch {
		case ln.kind == lineHeading:
			out = append(out, st.Bold.Render(fit(" "+ln.text, w)))
		case ln.kind == lineNote:
			out = append(out, st.Warning.Render(fit("   ! "+ln.text, w)))
		case ln.item == p.cursor && focused:
			out = append(out, st.Selected.Render("›"+ansi.Strip(row(&items[ln.item], w-1))))
		case ln.item == p.cursor:
			out = append(out, st.SelectedBlur.Render("›"+ansi.Strip(row(&items[ln.item], w-1))))
		default:
			out = append(out, " "+row(&items[ln.item], w-1))
		}
	}
	return out
}

// title is the pane's name, a spinner while its balances refresh, else the
// age of the stalest balance.
func (p *listPane) title(name string, loading bool) string {
	title := " " + name + " "
	if loading {
		return title + p.pc.spin() + " "
	}
	if t := p.pc.bank.oldestBalance(); !t.IsZero() && p.kind == paneAccounts {
		title += "· as of " + asOf(t, p.pc.now()) + " "
	}
	return title
}

// box frames the pane's lines.
func (p *listPane) box(w, h int, title string, body []string) string {
	return strings.Join(p.pc.box(w, h, title, p.pc.focus == p.kind, body), "\n")
}
