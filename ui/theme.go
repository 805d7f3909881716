package ui

import (
	"image/color"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// palette holds the semantic colours; components never pick colours themselves.
type palette struct {
	Text, Muted, Accent, Positive, Negative, Pending, Border, FocusBorder, Error, Warning, SelectedBg, Badge color.Color
}

func darkPalette() palette {
	return palette{
		Text:        lipgloss.Color("#E4E4E7"),
		Muted:       lipgloss.Color("#8B8B96"),
		Accent:      lipgloss.Color("#8AB4F8"),
		Positive:    lipgloss.Color("#5FD38D"),
		Negative:    lipgloss.Color("#F28B82"),
		Pending:     lipgloss.Color("#E5C07B"),
		Border:      lipgloss.Color("#4B4B55"),
		FocusBorder: lipgloss.Color("#8AB4F8"),
		Error:       lipgloss.Color("#FF6B6B"),
		Warning:     lipgloss.Color("#E5C07B"),
		SelectedBg:  lipgloss.Color("#2F3545"),
		Badge:       lipgloss.Color("#C678DD"),
	}
}

func lightPalette() palette {
	return palette{
		Text:        lipgloss.Color("#1F2328"),
		Muted:       lipgloss.Color("#6E7781"),
		Accent:      lipgloss.Color("#0A58CA"),
		Positive:    lipgloss.Color("#1A7F37"),
		Negative:    lipgloss.Color("#CF222E"),
		Pending:     lipgloss.Color("#9A6700"),
		Border:      lipgloss.Color("#C8CCD1"),
		FocusBorder: lipgloss.Color("#0A58CA"),
		Error:       lipgloss.Color("#CF222E"),
		Warning:     lipgloss.Color("#9A6700"),
		SelectedBg:  lipgloss.Color("#DDE6F5"),
		Badge:       lipgloss.Color("#8250DF"),
	}
}

// styles are derived once from the palette (and rebuilt when the terminal
// reports its background colour).
type styles struct {
	Title, TitleFocused, Muted, Bold, Positive, Negative, Pending, Error, Warning, Badge, Selected, SelectedBlur, Header, Banner lipgloss.Style
	Pane, PaneFocused                                                                                                            lipgloss.Style
	Help                                                                                                                         help.Styles
}

// newStyles builds the styles for a dark or light background; noColor keeps
// only attributes (bold, faint, reverse) so NO_COLOR terminals stay usable:
// the selection is reversed, money in and out differ by sign, pending by a mark.
func newStyles(isDark, noColor bool) styles {
	if noColor {
		plain := lipgloss.NewStyle()
		border := lipgloss.NewStyle().Border(lipgloss.RoundedBorder())
		h := help.Styles{
			ShortKey: plain.Bold(true), ShortDesc: plain, ShortSeparator: plain,
			FullKey: plain.Bold(true), FullDesc: plain, FullSeparator: plain, Ellipsis: plain,
		}
		return styles{
			Title: plain.Bold(true), TitleFocused: plain.Bold(true).Underline(true), Muted: plain.Faint(true),
			Bold: plain.Bold(true), Positive: plain, Negative: plain, Pending: plain.Italic(true),
			Error: plain.Bold(true), Warning: plain.Bold(true), Badge: plain.Reverse(true).Bold(true),
			Selected: plain.Reverse(true), SelectedBlur: plain.Underline(true), Header: plain.Bold(true),
			Banner: plain.Reverse(true), Pane: border, PaneFocused: border.Border(lipgloss.ThickBorder()), Help: h,
		}
	}
	p := darkPalette()
	if !isDark {
		p = lightPalette()
	}
	base := lipgloss.NewStyle().Foreground(p.Text)
	border := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(p.Border)
	h := help.DefaultStyles(isDark)
	return styles{
		Title:        lipgloss.NewStyle().Foreground(p.Muted).Bold(true),
		TitleFocused: lipgloss.NewStyle().Foreground(p.Accent).Bold(true),
		Muted:        lipgloss.NewStyle().Foreground(p.Muted),
		Bold:         base.Bold(true),
		Positive:     lipgloss.NewStyle().Foreground(p.Positive),
		Negative:     lipgloss.NewStyle().Foreground(p.Negative),
		Pending:      lipgloss.NewStyle().Foreground(p.Pending).Italic(true),
		Error:        lipgloss.NewStyle().Foreground(p.Error).Bold(true),
		Warning:      lipgloss.NewStyle().Foreground(p.Warning),
		Badge:        lipgloss.NewStyle().Background(p.Badge).Foreground(lipgloss.Color("#FFFFFF")).Bold(true),
		Selected:     lipgloss.NewStyle().Background(p.SelectedBg).Foreground(p.Text).Bold(true),
		SelectedBlur: lipgloss.NewStyle().Background(p.SelectedBg),
		Header:       lipgloss.NewStyle().Foreground(p.Accent).Bold(true),
		Banner:       lipgloss.NewStyle().Background(p.Warning).Foreground(lipgloss.Color("#000000")),
		Pane:         border,
		PaneFocused:  border.BorderForeground(p.FocusBorder),
		Help:         h,
	}
}

// paint is a style reduced to its opening and closing escape sequences, so
// hot paths (every visible transaction row, every frame) colour text by
// concatenation instead of a full lipgloss render.
type paint struct{ pre, post string }

func paintOf(s lipgloss.Style) paint {
	const probe = "\x01"
	out := s.Render(probe)
	i := strings.Index(out, probe)
	if i < 0 {
		return paint{}
	}
	return paint{pre: out[:i], post: out[i+len(probe):]}
}

func (p paint) on(s string) string {
	if p.pre == "" && p.post == "" {
		return s
	}
	return p.pre + s + p.post
}

// paints are the hot-path versions of some styles.
type paints struct {
	positive, negative, pending, muted, selected, selectedBlur paint
}

func paintsOf(st styles) paints {
	return paints{
		positive: paintOf(st.Positive), negative: paintOf(st.Negative), pending: paintOf(st.Pending),
		muted: paintOf(st.Muted), selected: paintOf(st.Selected), selectedBlur: paintOf(st.SelectedBlur),
	}
}
