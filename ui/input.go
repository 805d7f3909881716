package ui

import (
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/banktui/banktui/ledger"
)

// lineInput is the filter prompt: a one-line editor with the cursor at a rune
// position. (bubbles/textinput would pull in a clipboard module this build
// does not carry; filtering needs only this much.)
type lineInput struct {
	prompt string
	value  []rune
	pos    int
	focus  bool
	cursor lipgloss.Style
}

func (in *lineInput) Value() string     { return string(in.value) }
func (in *lineInput) SetValue(s string) { in.value = []rune(s); in.pos = len(in.value) }
func (in *lineInput) Focus()            { in.focus = true; in.pos = len(in.value) }
func (in *lineInput) Blur()             { in.focus = false }
func (in *lineInput) insert(s string) {
	in.insertRunes([]rune(strings.ReplaceAll(ledger.Sanitize(s), "\n", " ")))
}
func (in *lineInput) insertRunes(r []rune) {
	v := make([]rune, 0, len(in.value)+len(r))
	v = append(v, in.value[:in.pos]...)
	v = append(v, r...)
	v = append(v, in.value[in.pos:]...)
	in.value = v
	in.pos += len(r)
}

// update edits the value for one key press or paste.
func (in *lineInput) update(msg tea.Msg) {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		in.insert(msg.Content)
	case tea.KeyPressMsg:
		switch msg.String() {
		case "backspace", "ctrl+h":
			if in.pos > 0 {
				in.value = append(in.value[:in.pos-1], in.value[in.pos:]...)
				in.pos--
			}
		case "delete", "ctrl+d":
			if in.pos < len(in.value) {
				in.value = append(in.value[:in.pos], in.value[in.pos+1:]...)
			}
		case "left", "ctrl+b":
			in.pos = max(0, in.pos-1)
		case "right", "ctrl+f":
			in.pos = min(len(in.value), in.pos+1)
		case "home", "ctrl+a":
			in.pos = 0
		case "end", "ctrl+e":
			in.pos = len(in.value)
		case "ctrl+u":
			in.value = append([]rune{}, in.value[in.pos:]...)
			in.pos = 0
		case "ctrl+k":
			in.value = in.value[:in.pos]
		case "ctrl+w", "alt+backspace":
			start := in.pos
			for start > 0 && in.value[start-1] == ' ' {
				start--
			}
			for start > 0 && in.value[start-1] != ' ' {
				start--
			}
			in.value = append(in.value[:start], in.value[in.pos:]...)
			in.pos = start
		case "space":
			in.insertRunes([]rune{' '})
		default:
			if msg.Text != "" && utf8.ValidString(msg.Text) {
				in.insert(msg.Text)
			}
		}
	}
}

// View draws the prompt and the value, with a block cursor when focused.
func (in *lineInput) View() string {
	if !in.focus {
		return in.prompt + string(in.value)
	}
	before := string(in.value[:in.pos])
	at, after := " ", ""
	if in.pos < len(in.value) {
		at = string(in.value[in.pos])
		after = string(in.value[in.pos+1:])
	}
	return in.prompt + before + in.cursor.Render(at) + after
}
