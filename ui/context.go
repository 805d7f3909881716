package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/spinner"
)

// pane identifies what has the keyboard.
type pane int

const (
	paneAccounts pane = iota
	paneCards
	paneTransactions
	paneDetail
	paneInsights
)

// programContext is what every pane shares, by pointer, as gh-dash's
// ProgramContext is: the root writes it (size-independent state only; each
// pane gets its size in View), the panes read it. Keeping it here means a
// pane never reaches into another pane to learn the theme, the privacy mode,
// the stored accounts or the state of the refresh.
type programContext struct {
	ctx     context.Context  // the program's lifetime: cancelled on quit
	now     func() time.Time // in loc
	loc     *time.Location   // the user's time zone: dates and months are in it
	keys    KeyMap
	styles  styles
	paints  paints
	isDark  bool
	noColor bool
	privacy bool // amounts and numbers masked (.)
	// graphemes: the terminal clusters graphemes (mode 2027), so the
	// renderer measures as the panes do; until it says so, View makes every
	// cluster measure alike both ways (stableWidths).
	graphemes bool
	demo      bool
	focus     pane
	spinner   spinner.Model // the root ticks it; panes show its frame
	seq       uint64        // last request number handed out
	// watchEvery is how often to ask whether someone else wrote to the store.
	watchEvery time.Duration

	bank bank      // the stored accounts, cards and totals
	sync syncState // the running or last refresh
}

// nextSeq numbers a request; each owner keeps the number of its latest
// request and drops any reply carrying another.
func (pc *programContext) nextSeq() uint64 {
	pc.seq++
	return pc.seq
}

func (pc *programContext) applyTheme() {
	pc.styles = newStyles(pc.isDark, pc.noColor)
	pc.paints = paintsOf(pc.styles)
	pc.spinner.Style = pc.styles.Muted
}

// spin is the spinner's current frame.
func (pc *programContext) spin() string { return pc.spinner.View() }
