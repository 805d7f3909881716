package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
)

// changeWatcher tells whether the store changed since it was last asked:
// *ledger.Store, through SQLite's data_version.
type changeWatcher interface {
	Changed(ctx context.Context) (bool, error)
}

// watchEvery is how often the TUI asks whether another process (a cron
// `banktui sync`, a second window) wrote to the store: one PRAGMA.
const watchEvery = 2 * time.Second

// watchTickMsg: time to ask the store whether it changed.
type watchTickMsg struct{}

// storeCheckedMsg is the store's answer.
type storeCheckedMsg struct {
	changed bool
	err     error
}

// watcher is the store's change watch, nil when it has none (fakes).
func (m *Model) watcher() changeWatcher {
	w, _ := m.store.(changeWatcher)
	return w
}

// checkStore asks the store whether it changed since it was last asked
// (its first answer only takes note: Run asks before its first reads).
func (m *Model) checkStore() tea.Cmd {
	w, ctx := m.watcher(), m.pc.ctx
	if w == nil {
		return nil
	}
	return func() tea.Msg {
		changed, err := w.Changed(ctx)
		return storeCheckedMsg{changed: changed, err: err}
	}
}

// storeChecked re-reads what the screen shows when someone else wrote to
// the store, and asks again watchEvery later. The TUI's own refresh is
// re-read when it ends, so a change while it runs waits for that. A store
// that cannot answer (closed as the program quits) is not asked again.
func (m *Model) storeChecked(msg storeCheckedMsg) tea.Cmd {
	if msg.err != nil {
		return nil
	}
	var next tea.Cmd // watchEvery 0: no ticks (tests send them)
	if m.pc.watchEvery > 0 {
		next = tea.Tick(m.pc.watchEvery, func(time.Time) tea.Msg { return watchTickMsg{} })
	}
	if !msg.changed || m.pc.sync.running {
		return next
	}
	return tea.Batch(next, m.tx.reload(), m.insights.invalidate(), m.readBank())
}
