package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// harness drives a Model the way Bubble Tea does: every command runs on its
// own goroutine, and every message it returns goes through Update on the
// test's goroutine, one at a time. Tests talk to the model only through key
// presses, mouse events and messages, and read only the screen.
type harness struct {
	t       testing.TB
	m       Model
	msgs    chan tea.Msg
	pending int    // commands whose message has not come back yet
	gates   *gates // reads a test holds back; nil if none
	quit    bool   // a tea.Quit came back
	others  []tea.Msg
	env     *fakeEnv // the fakes behind the model, if any
	w, h    int      // the terminal's size
}

// settleTimeout only turns a hang into a failure; tests wait for messages,
// never for time. It is long: a sync from the emulator under -race on a
// busy machine takes tens of seconds.
const settleTimeout = 3 * time.Minute

func newHarness(t testing.TB, m Model, g *gates) *harness {
	t.Helper()
	// The store's change watch ticks only when a test sends watchTickMsg:
	// a scheduled tick would keep the harness waiting for it.
	m.pc.watchEvery = 0
	h := &harness{t: t, m: m, msgs: make(chan tea.Msg, 256), gates: g}
	t.Cleanup(func() { h.m.cancel() })
	return h
}

// start runs Init and waits for everything it started.
func (h *harness) start() *harness {
	h.t.Helper()
	h.run(h.m.Init())
	h.settle()
	return h
}

// run starts cmd on its own goroutine.
func (h *harness) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	h.pending++
	go func() { h.msgs <- cmd() }()
}

// deliver hands msg to Update (or, for a batch, runs its commands).
func (h *harness) deliver(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil, spinner.TickMsg: // ticks would tick forever
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	case tea.QuitMsg:
		h.quit = true
	case tea.WindowSizeMsg:
		h.w, h.h = msg.Width, msg.Height
		h.update(msg)
	default:
		if strings.HasPrefix(fmt.Sprintf("%T", msg), "tea.") && !isPublicTeaMsg(msg) {
			h.others = append(h.others, msg) // for the terminal: colour query, clipboard
			return
		}
		h.update(msg)
	}
}

func (h *harness) update(msg tea.Msg) {
	nm, cmd := h.m.Update(msg)
	h.m = nm.(Model)
	h.run(cmd)
}

func isPublicTeaMsg(msg tea.Msg) bool {
	name := fmt.Sprintf("%T", msg)
	return len(name) > 4 && name[4] >= 'A' && name[4] <= 'Z'
}

// settle handles messages until every command has come back, or waits at a
// gate the test holds.
func (h *harness) settle() {
	h.t.Helper()
	deadline := time.After(settleTimeout)
	for h.pending > h.gates.parked() {
		select {
		case msg := <-h.msgs:
			h.pending--
			h.deliver(msg)
		case <-h.gates.woken():
		case <-deadline:
			h.t.Fatalf("%d commands still running after %v; screen:\n%s", h.pending, settleTimeout, h.screen())
		}
	}
}

// waitFor handles messages until the screen satisfies cond: for work that
// blocks on purpose (a sync or a login the test keeps running).
func (h *harness) waitFor(what string, cond func(screen string) bool) {
	h.t.Helper()
	h.waitUntil("the screen to show "+what, func() bool { return cond(h.screen()) })
}

// waitUntil handles messages until cond holds.
func (h *harness) waitUntil(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(settleTimeout)
	for !cond() {
		select {
		case msg := <-h.msgs:
			h.pending--
			h.deliver(msg)
		case <-deadline:
			h.t.Fatalf("waited in vain for %s:\n%s", what, h.screen())
		}
	}
}

// send delivers msg and settles.
func (h *harness) send(msg tea.Msg) *harness {
	h.t.Helper()
	h.deliver(msg)
	h.settle()
	return h
}

// press sends key presses, settling after each, as a person would.
func (h *harness) press(keys ...string) *harness {
	h.t.Helper()
	for _, k := range keys {
		h.send(keyMsg(k))
	}
	return h
}

// typeText sends each rune as a key press, as a terminal would.
func (h *harness) typeText(s string) *harness {
	h.t.Helper()
	for _, r := range s {
		if r == ' ' {
			h.send(keyMsg("space"))
			continue
		}
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return h
}

func (h *harness) resize(w, ht int) *harness { return h.send(tea.WindowSizeMsg{Width: w, Height: ht}) }

func (h *harness) click(x, y int) *harness {
	return h.send(tea.MouseClickMsg{X: x, Y: y, Button: tea.MouseLeft})
}

func (h *harness) view() tea.View { return h.m.View() }

// raw is the frame with its escape sequences.
func (h *harness) raw() string { return h.m.View().Content }

// screen is the frame as text.
func (h *harness) screen() string { return ansi.Strip(h.raw()) }

// selected is the text of the rows drawn as selected (focused or not).
func (h *harness) selected() []string {
	var out []string
	for _, st := range []paint{selectedPaint(false), selectedPaint(true)} {
		for _, line := range strings.Split(h.raw(), "\n") {
			for _, part := range strings.Split(line, st.pre)[1:] {
				if i := strings.Index(part, st.post); i >= 0 {
					out = append(out, ansi.Strip(part[:i]))
				}
			}
		}
	}
	return out
}

// selectedWith is the selected row containing s, or "".
func (h *harness) selectedWith(s string) string {
	for _, r := range h.selected() {
		if strings.Contains(r, s) {
			return r
		}
	}
	return ""
}

// selectedPaint is how the dark theme marks a selected row.
func selectedPaint(blur bool) paint {
	st := newStyles(true, false)
	if blur {
		return paintOf(st.SelectedBlur)
	}
	return paintOf(st.Selected)
}

// lineWith is the first screen line containing s.
func lineWith(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// lineAfter returns the screen line after the first one containing s.
func lineAfter(screen, s string) string {
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		if strings.Contains(l, s) && i+1 < len(lines) {
			return lines[i+1]
		}
	}
	return ""
}

// rowOf is the screen row of the first line containing s, or -1.
func rowOf(screen, s string) int {
	for i, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, s) {
			return i
		}
	}
	return -1
}

// namedKeys are the key presses Bubble Tea delivers for special keys.
var namedKeys = map[string]tea.KeyPressMsg{
	"enter": {Code: tea.KeyEnter}, "esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab},
	"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift}, "up": {Code: tea.KeyUp}, "down": {Code: tea.KeyDown},
	"pgdown": {Code: tea.KeyPgDown}, "pgup": {Code: tea.KeyPgUp}, "home": {Code: tea.KeyHome}, "end": {Code: tea.KeyEnd},
	"backspace": {Code: tea.KeyBackspace}, "space": {Code: tea.KeySpace, Text: " "},
	"ctrl+c": {Code: 'c', Mod: tea.ModCtrl}, "ctrl+d": {Code: 'd', Mod: tea.ModCtrl}, "ctrl+u": {Code: 'u', Mod: tea.ModCtrl},
}

// keyMsg builds the key press Bubble Tea would deliver for a key name.
func keyMsg(k string) tea.KeyPressMsg {
	if msg, ok := namedKeys[k]; ok {
		return msg
	}
	r := []rune(k)
	if len(r) != 1 {
		panic("keyMsg: unknown key " + k)
	}
	msg := tea.KeyPressMsg{Code: r[0], Text: k}
	if r[0] >= 'A' && r[0] <= 'Z' {
		msg.Code = r[0] + ('a' - 'A')
		msg.ShiftedCode = r[0]
		msg.Mod = tea.ModShift
	}
	return msg
}

// ctxDone is a login that waits until it is cancelled.
func ctxDone(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func sizeMsg(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
