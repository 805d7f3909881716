package cli

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/ledger"
)

// progress shows sync events on stderr: a bar rewritten in place on a
// terminal, one plain line per event otherwise (cron, CI), naming accounts
// by their display names.
type progress struct {
	w     io.Writer
	tty   bool
	width int
	names func(accountID string) string

	mu    sync.Mutex
	state map[string]ledger.Event // latest event per connection
	added int
}

func newProgress(io *IOStreams, names func(accountID string) string) *progress {
	p := &progress{w: io.ErrOut, tty: io.ErrTTY, width: 80, names: names, state: map[string]ledger.Event{}}
	if io.ErrWidth > 20 {
		p.width = io.ErrWidth
	}
	return p
}

func (p *progress) event(e ledger.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.added += e.Added
	if !p.tty {
		fmt.Fprintln(p.w, ledger.Sanitize(p.line(e)))
		return
	}
	p.state[e.ConnectionID] = e
	p.drawBar()
}

// line is one event as plain text: "ob-nova: transactions Current Account 1/3 +12".
func (p *progress) line(e ledger.Event) string {
	line := e.ConnectionID + ": " + e.Phase
	if e.AccountID != "" {
		line += " " + ledger.Sanitize(p.names(e.AccountID))
	}
	if e.Total > 0 {
		line += fmt.Sprintf(" %d/%d", e.Done, e.Total)
	}
	if e.Added > 0 {
		line += fmt.Sprintf(" +%d", e.Added)
	}
	if e.Err != nil {
		msg, _ := explain(e.Err)
		line += " error: " + msg
	}
	return line
}

func (p *progress) drawBar() {
	done, total := 0, 0
	var phases []string
	for _, id := range slices.Sorted(maps.Keys(p.state)) {
		s := p.state[id]
		phase := s.Phase
		if s.Phase == ledger.PhaseDone && s.AccountID == "" {
			done++
		} else if s.Total > 0 {
			phase += fmt.Sprintf(" %d/%d", s.Done, s.Total)
		}
		total++
		phases = append(phases, id+" "+phase)
	}
	const barWidth = 24
	fill := 0
	if total > 0 {
		frac := 0.0
		for _, s := range p.state {
			frac += connectionProgress(s)
		}
		fill = min(barWidth, int(frac/float64(total)*barWidth))
	}
	line := fmt.Sprintf("[%s%s] %d new  %s", strings.Repeat("█", fill), strings.Repeat("░", barWidth-fill), p.added, strings.Join(phases, ", "))
	fmt.Fprint(p.w, "\r"+ansi.Truncate(ledger.Sanitize(line), p.width-1, "…")+"\x1b[K")
}

// connectionProgress estimates how far a connection's sync is from its
// latest event; transactions are most of the work.
func connectionProgress(e ledger.Event) float64 {
	part := 0.0
	if e.Total > 0 {
		part = float64(e.Done) / float64(e.Total)
	}
	switch {
	case e.Phase == ledger.PhaseDone && e.AccountID == "":
		return 1
	case e.Phase == ledger.PhaseTransactions, e.Phase == ledger.PhaseDone:
		return 0.2 + 0.8*part
	case e.Phase == ledger.PhaseBalances:
		return 0.05 + 0.15*part
	}
	return 0.02
}

// done clears the bar.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
