package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/banktui/banktui/ledger"
)

// insightsReader is what the insights pane reads: *ledger.Store. The
// reports are the ones banktui report prints (ledger.Insights), so the
// pane and the command line never disagree.
type insightsReader interface {
	Insights(ctx context.Context, q ledger.TxQuery) (ledger.Insights, error)
}

// insightsPane shows where the money goes for a month, or the 12 months
// ending with it, over the accounts selected: spending by category and by
// merchant, the change from the period before, income against spending
// month by month, net worth over time, and the recurring payments. Enter on
// a category or merchant bar lists its transactions.
type insightsPane struct {
	pc       *programContext
	src      insightsReader // nil: nothing to read
	accounts []string       // the selection; empty = every account
	month    month          // the period's last month (zero: this month)
	year     bool           // the 12 months ending with month
	data     *ledger.Insights
	loading  bool
	err      string
	seq      uint64 // the latest read; older replies are dropped
	stale    bool   // the selection, period or store changed since the read
	cursor   int    // the bar selected (spending by category, then by merchant)
	offset   int    // first line on screen
	w, h     int
}

func newInsightsPane(pc *programContext, src insightsReader) insightsPane {
	return insightsPane{pc: pc, src: src, stale: true}
}

// insightsLoadedMsg brings a read of the insights.
type insightsLoadedMsg struct {
	seq  uint64
	data ledger.Insights
	err  error
}

// period is the pane's period: its first day and the day after its last,
// in the user's zone.
func (p *insightsPane) period() (from, to time.Time) {
	m := p.month
	if m.all() {
		now := p.pc.now()
		m = month{now.Year(), now.Month()}
	}
	n := 1
	if p.year {
		n = 12
	}
	return ledger.MonthsEnding(time.Date(m.year, m.mon, 1, 0, 0, 0, 0, p.pc.loc), n, p.pc.loc)
}

// query is the ledger query of what the pane shows.
func (p *insightsPane) query() ledger.TxQuery {
	from, to := p.period()
	return ledger.TxQuery{AccountIDs: p.accounts, From: from, To: to, Location: p.pc.loc}
}

// setAccounts shows the accounts ids (nil: all); a read follows when the
// pane is in view.
func (p *insightsPane) setAccounts(ids []string) tea.Cmd {
	if equalStrings(ids, p.accounts) && !p.stale {
		return nil
	}
	p.accounts, p.stale = ids, true
	return p.load()
}

// invalidate: the store changed (a sync); the pane reads again when in view.
func (p *insightsPane) invalidate() tea.Cmd {
	p.stale = true
	return p.load()
}

// load reads the insights when the pane is in view and its data is stale.
func (p *insightsPane) load() tea.Cmd {
	if p.src == nil || !p.stale || p.pc.focus != paneInsights {
		return nil
	}
	p.stale, p.loading, p.err = false, true, ""
	p.seq = p.pc.nextSeq()
	seq, src, q, ctx := p.seq, p.src, p.query(), p.pc.ctx
	return func() tea.Msg {
		data, err := src.Insights(ctx, q)
		return insightsLoadedMsg{seq: seq, data: data, err: err}
	}
}

func (p *insightsPane) setSize(w, h int) { p.w, p.h = w, h }

// Update handles the pane's reads and keys; enter is the root's (it opens
// the transactions, see target).
func (p insightsPane) Update(msg tea.Msg) (insightsPane, tea.Cmd) {
	switch msg := msg.(type) {
	case insightsLoadedMsg:
		if msg.seq != p.seq {
			return p, nil // stale: the period or selection moved on
		}
		p.loading = false
		if msg.err != nil {
			p.err = msg.err.Error()
			return p, nil
		}
		p.data = &msg.data
		p.cursor = clamp(p.cursor, 0, max(0, len(p.targets())-1))
	case tea.KeyPressMsg:
		return p, p.key(msg)
	case tea.MouseWheelMsg:
		p.offset = max(0, p.offset+wheelDelta(msg))
	}
	return p, nil
}

func (p *insightsPane) key(msg tea.KeyPressMsg) tea.Cmd {
	k := &p.pc.keys
	switch {
	case key.Matches(msg, k.PrevMonth):
		p.step(-1)
	case key.Matches(msg, k.NextMonth):
		p.step(1)
	case key.Matches(msg, k.Year):
		p.year = !p.year
		p.stale = true
	default:
		if d, ok := moveDelta(k, msg, max(1, p.h-2)); ok {
			if key.Matches(msg, k.Up, k.Down, k.Top, k.Bottom) {
				p.cursor = clamp(p.cursor+d, 0, max(0, len(p.targets())-1))
				p.offset = -1 // View brings the cursor into sight
			} else {
				p.offset = max(0, p.offset+d)
			}
		}
		return nil
	}
	return p.load()
}

// step moves the period by a month; never past this month.
func (p *insightsPane) step(dir int) {
	now := p.pc.now()
	cur := month{now.Year(), now.Month()}
	m := p.month
	if m.all() {
		m = cur
	}
	if next := m.add(dir); !next.after(cur) {
		p.month, p.stale = next, true
	}
}

// insightTarget is what enter on a bar opens: the transactions filter and
// the month (zero: all history, for a 12-month view).
type insightTarget struct {
	filter string
	period month
}

// targets are the selectable bars, in order: spending by category, then by
// merchant (each currency's, "other" left out: it has no one filter).
func (p *insightsPane) targets() []insightTarget {
	if p.data == nil {
		return nil
	}
	var per month
	if !p.year {
		from, _ := p.period()
		per = month{from.Year(), from.Month()}
	}
	var out []insightTarget
	for _, c := range p.data.Spending.Currencies {
		for _, it := range c.Items {
			if !it.Other && it.Amount.Sign() > 0 {
				out = append(out, insightTarget{filter: "category:" + quoteFilter(ledger.Sanitize(it.Key)), period: per})
			}
		}
	}
	for _, c := range p.data.Merchants.Currencies {
		for _, it := range c.Items {
			if !it.Other && it.Amount.Sign() > 0 {
				out = append(out, insightTarget{filter: quoteFilter(ledger.Sanitize(it.Key)), period: per})
			}
		}
	}
	return out
}

// target is the bar under the cursor, if any.
func (p *insightsPane) target() (insightTarget, bool) {
	ts := p.targets()
	if p.cursor < 0 || p.cursor >= len(ts) {
		return insightTarget{}, false
	}
	return ts[p.cursor], true
}

// quoteFilter makes a term of the filter language: quoted when it has
// spaces (the language has no escape for a quote: those are dropped).
func quoteFilter(s string) string {
	s = stripQuotes(s)
	for _, r := range s {
		if r == ' ' {
			return `"` + s + `"`
		}
	}
	return s
}

func stripQuotes(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r != '"' {
			out = append(out, r)
		}
	}
	return string(out)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
