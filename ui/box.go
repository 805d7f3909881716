package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// box frames body lines (already at most w-2 cells wide) in a w×h border
// whose weight shows focus, also without colour, with a title in the top
// edge. Every pane draws itself through it.
func (pc *programContext) box(w, h int, title string, focused bool, body []string) []string {
	return pc.boxFoot(w, h, title, "", focused, body)
}

// boxFoot is box with a note in the bottom edge, on the right: as many of
// its " · " parts as fit, each whole.
func (pc *programContext) boxFoot(w, h int, title, foot string, focused bool, body []string) []string {
	if w < 4 || h < 2 {
		return nil
	}
	tl, tr, bl, br, hz, vt := "╭", "╮", "╰", "╯", "─", "│"
	bs := pc.styles.Pane
	ts := pc.styles.Title
	if focused {
		tl, tr, bl, br, hz, vt = "┏", "┓", "┗", "┛", "━", "┃"
		bs = pc.styles.PaneFocused
		ts = pc.styles.TitleFocused
	}
	border := lipgloss.NewStyle().Foreground(bs.GetBorderTopForeground())
	if pc.noColor {
		border = lipgloss.NewStyle()
	}
	inner := w - 2
	title = ansi.Truncate(title, max(0, inner-2), "…")
	tw := ansi.StringWidth(title)
	out := make([]string, 0, h)
	top := border.Render(tl+hz) + ts.Render(title) + border.Render(strings.Repeat(hz, max(0, inner-1-tw))+tr)
	if title == "" {
		top = border.Render(tl + strings.Repeat(hz, inner) + tr)
	}
	out = append(out, top)
	left, right := border.Render(vt), border.Render(vt)
	for i := 0; i < h-2; i++ {
		line := ""
		if i < len(body) {
			line = body[i]
		}
		cw := cellWidth(line)
		if cw > inner {
			line = ansi.Truncate(line, inner, "…")
			cw = cellWidth(line) // one short if a wide character went
		}
		if cw < inner {
			line += strings.Repeat(" ", inner-cw)
		}
		out = append(out, left+line+right)
	}
	// A foot is a summary of " · " parts (amounts): whole parts only.
	if foot = joinFitting(strings.Split(foot, " · "), " · ", max(0, inner-4)); foot != "" {
		fw := ansi.StringWidth(foot)
		out = append(out, border.Render(bl+strings.Repeat(hz, max(0, inner-fw-3)))+ts.Render(" "+foot+" ")+border.Render(hz+br))
		return out
	}
	out = append(out, border.Render(bl+strings.Repeat(hz, inner)+br))
	return out
}
