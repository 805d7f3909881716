package ui

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/ledger"
)

// loginFunc connects a bank; show is called with the auth URL as soon as it is known.
type loginFunc func(ctx context.Context, show func(url string)) (ledger.Consent, error)

// loginPane is the connect-a-bank screen (L). Without a login function it
// says how to connect from a shell; in the demo it first says what L does.
type loginPane struct {
	pc      *programContext
	login   loginFunc // nil: no bank client configured
	open    bool
	running bool
	url     string // sanitised
	err     error
	seq     uint64 // the latest login; results of older ones are dropped
	cancel  context.CancelFunc
}

type loginStartedMsg struct {
	seq uint64
	ch  <-chan tea.Msg
}

type loginURLMsg struct {
	seq uint64
	url string
	ch  <-chan tea.Msg
}

type loginDoneMsg struct {
	seq  uint64
	conn ledger.Consent
	err  error
}

// bankConnectedMsg tells the root a login succeeded: sync the new connection.
type bankConnectedMsg struct{ conn ledger.Consent }

func newLoginPane(pc *programContext, login loginFunc) loginPane {
	return loginPane{pc: pc, login: login}
}

// show opens the screen: the demo and a missing client explain first, a
// real client starts the login at once.
func (p *loginPane) show() tea.Cmd {
	p.stop()
	*p = loginPane{pc: p.pc, login: p.login, seq: p.seq, open: true}
	if p.login == nil || p.pc.demo {
		return nil
	}
	return p.start()
}

func (p *loginPane) start() tea.Cmd {
	ctx, cancel := context.WithCancel(p.pc.ctx)
	p.seq = p.pc.nextSeq()
	p.running, p.cancel, p.url, p.err = true, cancel, "", nil
	return loginCmd(ctx, p.seq, p.login)
}

// stop cancels a running login; its result is then dropped.
func (p *loginPane) stop() {
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
}

// Update handles the screen's keys and the login's reports.
func (p loginPane) Update(msg tea.Msg) (loginPane, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return p.key(msg)
	case loginStartedMsg:
		return p, waitFor(msg.ch)
	case loginURLMsg:
		if msg.seq == p.seq {
			p.url = ledger.Sanitize(msg.url)
		}
		return p, waitFor(msg.ch)
	case loginDoneMsg:
		if msg.seq != p.seq {
			return p, nil
		}
		p.stop()
		p.running = false
		if msg.err != nil {
			p.err = msg.err
			return p, nil
		}
		p.open = false
		conn := msg.conn
		return p, func() tea.Msg { return bankConnectedMsg{conn} }
	}
	return p, nil
}

func (p loginPane) key(msg tea.KeyPressMsg) (loginPane, tea.Cmd) {
	k := &p.pc.keys
	switch {
	case key.Matches(msg, k.Back):
		p.stop()
		p.seq = p.pc.nextSeq() // the cancelled login's result is dropped
		p.open, p.running = false, false
	case key.Matches(msg, k.Login), msg.String() == "enter":
		switch {
		case p.running:
		case p.login != nil:
			return p, p.start()
		default:
			p.open = false
		}
	case msg.String() == "c" && p.url != "":
		return p, tea.SetClipboard(p.url)
	case key.Matches(msg, k.Quit) && !p.running:
		p.open = false
	}
	return p, nil
}

// hints is the short help while the screen is open.
func (p *loginPane) hints() []key.Binding {
	k := &p.pc.keys
	switch {
	case p.url != "" && p.running:
		return []key.Binding{helpPair(k.Back.Help().Key, "cancel"), helpPair("c", "copy the address")}
	case p.pc.demo && !p.running && p.err == nil:
		return []key.Binding{helpPair("enter", "connect"), helpPair(k.Back.Help().Key, "close")}
	}
	return []key.Binding{helpPair(k.Back.Help().Key, "cancel/close"), helpPair(k.Login.Help().Key, "try again")}
}

// View draws the screen in w×h: a box that says what is going on and, once
// the login has an address, the address under it, whole, on lines of its own
// with nothing around them, so it can be selected and copied (and as an
// OSC 8 hyperlink, which terminals that support it open on a click).
func (p loginPane) View(w, h int) string {
	var body []string
	add := func(s string) {
		for _, part := range strings.Split(ansi.Wrap(s, max(10, w-6), " "), "\n") {
			body = append(body, "  "+part)
		}
	}
	body = append(body, "")
	for _, s := range p.text() {
		add(s)
	}
	var link []string
	if p.running && p.url != "" {
		link = urlLines(p.url, w)
	}
	boxH := h
	if len(link) > 0 {
		boxH = max(min(h, 4), h-len(link)-1)
	}
	out := p.pc.box(w, boxH, " Connect a bank ", true, body)
	if len(link) > 0 {
		out = append(out, "")
		out = append(out, link...)
	}
	return strings.Join(out[:min(len(out), h)], "\n")
}

// text is what the box says.
func (p *loginPane) text() []string {
	st := &p.pc.styles
	spin := p.pc.spin()
	switch {
	case p.login == nil:
		return []string{"This banktui has no bank client configured, so it cannot connect a bank from here.", "",
			"From a shell: set TRUELAYER_CLIENT_ID and TRUELAYER_CLIENT_SECRET (or client_id in config.toml), then run:", "",
			"    banktui login", "", "esc closes."}
	case p.running && p.url == "":
		return []string{spin + " Starting the login…"}
	case p.running:
		return []string{spin + " Waiting for your bank: finish the login in your browser.", "",
			"If no browser opened, open the address below (c copies it).", "", "esc cancels."}
	case p.err != nil:
		return []string{st.Error.Render("✗ " + describeError(p.err)), "", "L or enter tries again, esc closes."}
	case p.pc.demo:
		return []string{"This is the demo bank: every account in it is made up.", "",
			"Press enter (or L) to connect one more demo bank, through the demo's own login page, approved for you; its accounts appear here once synced.", "",
			"To connect your real bank, quit banktui and run " + st.Bold.Render("banktui login") + ": it needs a TrueLayer client id (see the README).", "",
			"enter connects, esc closes."}
	}
	return nil
}

// urlLines cuts the address at the screen's edge, not at its punctuation, so
// the lines read back as the address; each piece is the same hyperlink.
func urlLines(url string, w int) []string {
	lines := strings.Split(ansi.Hardwrap(url, max(1, w), false), "\n")
	target := linkTarget(url)
	if target == "" {
		return lines
	}
	for i, l := range lines {
		lines[i] = ansi.SetHyperlink(target, "id=banktui-login") + l + ansi.ResetHyperlink()
	}
	return lines
}

// linkTarget is url if it can be the target of an OSC 8 hyperlink (printable
// ASCII only, nothing that could end the sequence), else "".
func linkTarget(url string) string {
	for i := 0; i < len(url); i++ {
		if url[i] <= ' ' || url[i] > '~' {
			return ""
		}
	}
	return url
}

func loginCmd(ctx context.Context, seq uint64, login loginFunc) tea.Cmd {
	return func() tea.Msg {
		ch := make(chan tea.Msg, 4)
		go func() {
			defer close(ch)
			conn, err := login(ctx, func(url string) {
				select {
				case ch <- loginURLMsg{seq: seq, url: url, ch: ch}:
				case <-ctx.Done():
				}
			})
			// The buffer always has room for the result (at most a URL or two
			// before it), so even a cancelled login reports why it ended.
			select {
			case ch <- loginDoneMsg{seq: seq, conn: conn, err: err}:
			default:
			}
		}()
		return loginStartedMsg{seq: seq, ch: ch}
	}
}
