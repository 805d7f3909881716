package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// helpPane is the full help (?): every binding of the key map, grouped, and
// the filter language. It scrolls on short terminals.
type helpPane struct {
	pc     *programContext
	open   bool
	offset int
}

func newHelpPane(pc *programContext) helpPane { return helpPane{pc: pc} }

// Update closes the help (? or esc) or scrolls it.
func (p helpPane) Update(msg tea.Msg) (helpPane, tea.Cmd) {
	k := &p.pc.keys
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(msg, k.Help, k.Back):
			p.open = false
		case key.Matches(msg, k.Down, k.PageDown, k.HalfPageDown):
			p.offset = min(p.offset+1, 40) // the view clamps to the text
		case key.Matches(msg, k.Up, k.PageUp, k.HalfPageUp):
			p.offset = max(0, p.offset-1)
		}
	}
	return p, nil
}

func (p *helpPane) show() { p.open, p.offset = true, 0 }

// helpNotes follow the key columns.
var helpNotes = []string{
	"Filter (/): words match description, merchant and category; amount:>50 amount:<-100 category:food merchant:tesco pending settled !word \"a phrase\"",
	"Mouse: the wheel scrolls, a click selects, a click on a column header sorts. Keys are rebindable in config.toml [keys].",
}

// View draws the help in a w×h box.
func (p helpPane) View(w, h int) string {
	hm := help.New()
	hm.Styles = p.pc.styles.Help
	hm.ShowAll = true
	inner := w - 4
	groups := p.pc.keys.FullHelp()
	var blocks []string
	if full := hm.FullHelpView(groups); lipgloss.Width(full) <= inner {
		blocks = []string{full}
	} else {
		// Narrow terminal: two rows of columns, so no key drops off the edge.
		half := (len(groups) + 1) / 2
		blocks = []string{hm.FullHelpView(groups[:half]), hm.FullHelpView(groups[half:])}
	}
	body := []string{""}
	for _, b := range blocks {
		for _, line := range strings.Split(b, "\n") {
			body = append(body, " "+line)
		}
		body = append(body, "")
	}
	for _, n := range helpNotes {
		for _, line := range strings.Split(ansi.Wrap(n, inner, " "), "\n") {
			body = append(body, " "+line)
		}
	}
	off := clamp(p.offset, 0, max(0, len(body)-(h-2)))
	title := " Help "
	if len(body) > h-2 {
		title += "· ↑/↓ scroll "
	}
	return strings.Join(p.pc.box(w, h, title, true, body[off:]), "\n")
}
