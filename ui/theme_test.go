package ui

import (
	"image/color"
	"os"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestThemeLightDarkAndNoColor(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	os.Unsetenv("NO_COLOR") // the model reads it; t.Setenv restores it
	h := fakeHarness(t, 120, 30, 10)
	dark := h.raw()
	if h.send(tea.BackgroundColorMsg{Color: color.White}).raw() == dark {
		t.Error("the light theme renders the same as the dark one")
	}
	if h.send(tea.BackgroundColorMsg{Color: color.Black}).raw() != dark {
		t.Error("back on a dark background, the dark theme differs")
	}
	os.Setenv("NO_COLOR", "1")
	out := fakeHarness(t, 120, 30, 10).raw()
	if regexp.MustCompile(`\x1b\[[0-9;]*(38|48)[;:]`).MatchString(out) {
		t.Error("NO_COLOR output contains colour codes")
	}
	if !strings.Contains(out, "\x1b[7m") {
		t.Error("NO_COLOR should mark the selection by reverse video")
	}
}
