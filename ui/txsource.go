package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/banktui/banktui/ledger"
)

// txSource is where the transactions pane reads its rows and the detail pane
// the full record of one. Only these two panes know it, so a source that
// reads just the rows on screen (a windowed store query) can replace this
// whole-history one without touching the others.
type txSource interface {
	// history reads an account's transactions newest first, without the
	// bank's JSON: the newest limit rows when limit > 0, else all of them.
	history(ctx context.Context, accountID string, limit int) ([]ledger.TxView, error)
	// record reads one transaction with the bank's JSON.
	record(ctx context.Context, k txKey) (ledger.TxView, error)
}

// storeSource reads from the ledger. The list needs no Raw, so it is not
// read (decoding every row's JSON was most of the cost of a long history);
// the detail reads it for one row.
type storeSource struct{ st storeReader }

func (s storeSource) history(ctx context.Context, accountID string, limit int) ([]ledger.TxView, error) {
	return s.st.Transactions(ctx, ledger.TxQuery{AccountIDs: []string{accountID}, Sort: "date", Desc: true, Limit: limit, WithoutRaw: true})
}

func (s storeSource) record(ctx context.Context, k txKey) (ledger.TxView, error) {
	return s.st.Transaction(ctx, k.accountID, k.id, k.pending)
}

// txKey names one stored transaction: a pending and a settled row may share an id.
type txKey struct {
	accountID, id string
	pending       bool
}

func keyOf(v *ledger.TxView) txKey { return txKey{v.AccountID, v.ID, v.Pending} }

type txLoadedMsg struct {
	seq       uint64
	accountID string
	partial   bool // the newest rows only; the whole history follows
	views     []ledger.TxView
	rows      []txRow
	err       error
}

// firstWindow is how many of the newest transactions an account's first
// load reads before the whole history: enough to fill any screen at once,
// so a long history never delays the first rows.
const firstWindow = 400

// loadTxCmd reads an account's transactions and prepares their rows (dated
// in loc), off the event loop: the newest limit rows when limit > 0 (the
// reply is partial if there may be more), else all.
func loadTxCmd(ctx context.Context, seq uint64, src txSource, accountID string, limit int, loc *time.Location) tea.Cmd {
	return func() tea.Msg {
		msg := txLoadedMsg{seq: seq, accountID: accountID}
		if src == nil {
			return msg
		}
		ctx, cancel := context.WithTimeout(ctx, loadTimeout)
		defer cancel()
		msg.views, msg.err = src.history(ctx, accountID, limit)
		if msg.err == nil {
			msg.rows = prepareRows(msg.views, loc)
			msg.partial = limit > 0 && len(msg.views) == limit
		}
		return msg
	}
}

// detailLoadedMsg brings the full record (with Raw) of the transaction the
// detail pane shows.
type detailLoadedMsg struct {
	seq  uint64
	key  txKey
	view ledger.TxView
	err  error
}

// loadDetailCmd reads one transaction with Raw for the detail pane.
func loadDetailCmd(ctx context.Context, seq uint64, src txSource, key txKey) tea.Cmd {
	return func() tea.Msg {
		msg := detailLoadedMsg{seq: seq, key: key}
		ctx, cancel := context.WithTimeout(ctx, loadTimeout)
		defer cancel()
		msg.view, msg.err = src.record(ctx, key)
		return msg
	}
}
