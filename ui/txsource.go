package ui

import (
	"context"
	"fmt"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/banktui/banktui/ledger"
)

// txSource is where the transactions pane reads its rows, counts and
// totals, and the detail pane the full record of one. Only these two panes
// know it. Every read costs about the same at 1k rows and at 1M: a page is
// a keyset read of the rows asked for, counts and totals are sums over the
// store's per-day totals (or over the rows a filter matches).
type txSource interface {
	// page reads up to q.Limit rows of q's list after q.After (from its start when nil).
	page(ctx context.Context, q ledger.TxQuery) ([]ledger.TxView, error)
	// totals counts and sums what q selects, per currency.
	totals(ctx context.Context, q ledger.TxQuery) ([]ledger.Bucket, error)
	// flows counts what q selects and sums its money in and out, matched
	// transfers left out (ledger.FlowTotals), per currency.
	flows(ctx context.Context, q ledger.TxQuery) ([]ledger.Bucket, error)
	// record reads one transaction with the bank's JSON.
	record(ctx context.Context, k txKey) (ledger.TxView, error)
}

// storeSource reads from the ledger.
type storeSource struct{ st storeReader }

func (s storeSource) page(ctx context.Context, q ledger.TxQuery) ([]ledger.TxView, error) {
	return s.st.TransactionPage(ctx, q)
}

func (s storeSource) totals(ctx context.Context, q ledger.TxQuery) ([]ledger.Bucket, error) {
	return s.st.TransactionTotals(ctx, q)
}

func (s storeSource) flows(ctx context.Context, q ledger.TxQuery) ([]ledger.Bucket, error) {
	return s.st.FlowTotals(ctx, q)
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

// pageKind says what a page read brings.
type pageKind int

const (
	pageReset  pageKind = iota // a new window: around an anchor, or from the start
	pageEnd                    // a new window at the end of the list
	pageBefore                 // rows before the window
	pageAfter                  // rows after the window
)

// txPageMsg brings rows of the list.
type txPageMsg struct {
	seq            uint64
	kind           pageKind
	views          []ledger.TxView
	rows           []txRow
	atStart, atEnd bool // the rows reach the list's first / last row
	anchor         int  // pageReset: index of the anchor row, -1 if none or gone
	err            error
}

// pageRead is one read of the list: q (with its sort), n rows, names of
// the accounts for the rows' account column, dates in loc.
type pageRead struct {
	src   txSource
	q     ledger.TxQuery
	n     int
	names map[string]string
	loc   *time.Location
}

// flipped is q read backwards from after: the rows before it, nearest first.
func flipped(q ledger.TxQuery, after *ledger.TxCursor) ledger.TxQuery {
	q.Desc, q.After, q.Inclusive = !q.Desc, after, false
	return q
}

func (r pageRead) read(ctx context.Context, q ledger.TxQuery) ([]ledger.TxView, error) {
	q.Limit = r.n
	return r.src.page(ctx, q)
}

// resetCmd reads a new window: around anchor (the rows before it, and from
// it on) when it is still in the list, else from the start.
func resetCmd(ctx context.Context, seq uint64, r pageRead, anchor *ledger.TxView) tea.Cmd {
	var k *txKey
	var c ledger.TxCursor
	if anchor != nil {
		kk := keyOf(anchor)
		k, c = &kk, anchor.Cursor(r.q.Sort)
	}
	return func() tea.Msg {
		msg := txPageMsg{seq: seq, kind: pageReset, anchor: -1}
		if k != nil {
			q := r.q
			q.After, q.Inclusive = &c, true
			after, err := r.read(ctx, q)
			if err != nil {
				msg.err = err
				return msg
			}
			if len(after) > 0 && keyOf(&after[0]) == *k {
				before, err := r.read(ctx, flipped(r.q, &c))
				if err != nil {
					msg.err = err
					return msg
				}
				slices.Reverse(before)
				msg.anchor = len(before)
				msg.views = append(before, after...)
				msg.atStart, msg.atEnd = len(before) < r.n, len(after) < r.n
				msg.rows = prepareRows(msg.views, r.names, r.loc)
				return msg
			}
		}
		msg.views, msg.err = r.read(ctx, r.q)
		msg.atStart, msg.atEnd = true, len(msg.views) < r.n
		msg.rows = prepareRows(msg.views, r.names, r.loc)
		return msg
	}
}

// endCmd reads the last rows of the list.
func endCmd(ctx context.Context, seq uint64, r pageRead) tea.Cmd {
	return func() tea.Msg {
		msg := txPageMsg{seq: seq, kind: pageEnd}
		msg.views, msg.err = r.read(ctx, flipped(r.q, nil))
		slices.Reverse(msg.views)
		msg.atStart, msg.atEnd = len(msg.views) < r.n, true
		msg.rows = prepareRows(msg.views, r.names, r.loc)
		return msg
	}
}

// extendCmd reads the rows after (or before) edge, the window's last (or first) row.
func extendCmd(ctx context.Context, seq uint64, r pageRead, kind pageKind, edge *ledger.TxView) tea.Cmd {
	c := edge.Cursor(r.q.Sort)
	return func() tea.Msg {
		msg := txPageMsg{seq: seq, kind: kind}
		if kind == pageAfter {
			q := r.q
			q.After = &c
			msg.views, msg.err = r.read(ctx, q)
			msg.atEnd = len(msg.views) < r.n
		} else {
			msg.views, msg.err = r.read(ctx, flipped(r.q, &c))
			slices.Reverse(msg.views)
			msg.atStart = len(msg.views) < r.n
		}
		msg.rows = prepareRows(msg.views, r.names, r.loc)
		return msg
	}
}

// txCountsMsg brings the list's counts and totals: inPeriod alone first
// when the list is narrowed (periodOnly), everything after.
type txCountsMsg struct {
	seq             uint64
	periodOnly      bool
	shown, inPeriod int
	totals          []ledger.Bucket
	err             error
}

// periodCountCmd counts the period's rows (the store's per-day totals:
// quick whatever the history).
func periodCountCmd(ctx context.Context, seq uint64, src txSource, period ledger.TxQuery) tea.Cmd {
	return func() tea.Msg {
		msg := txCountsMsg{seq: seq, periodOnly: true}
		b, err := src.totals(ctx, period)
		msg.inPeriod, msg.err = countOf(b), err
		return msg
	}
}

// countsCmd counts and sums the list (which a filter may narrow: then it
// sums the rows the filter matches), and counts its period (the list's own
// count when nothing narrows it) unless known (the period's count, -1 when
// not known).
func countsCmd(ctx context.Context, seq uint64, src txSource, list, period ledger.TxQuery, narrowed, possible bool, known int) tea.Cmd {
	return func() tea.Msg {
		msg := txCountsMsg{seq: seq, inPeriod: known}
		if (narrowed || !possible) && known < 0 {
			p, err := src.totals(ctx, period)
			if err != nil {
				msg.err = err
				return msg
			}
			msg.inPeriod = countOf(p)
		}
		if !possible {
			return msg
		}
		msg.totals, msg.err = src.flows(ctx, list)
		msg.shown = countOf(msg.totals)
		if !narrowed {
			msg.inPeriod = msg.shown
		}
		return msg
	}
}

// periodCount is a period's count, kept to be shown again (periodKey).
type periodCount struct {
	key string
	n   int
	ok  bool
}

// periodKey names the rows a period query selects.
func periodKey(q ledger.TxQuery) string {
	return fmt.Sprintf("%q %d %d %v", q.AccountIDs, q.From.Unix(), q.To.Unix(), q.Location)
}

func countOf(b []ledger.Bucket) int {
	n := 0
	for _, x := range b {
		n += x.Count
	}
	return n
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
		msg.view, msg.err = src.record(ctx, key)
		return msg
	}
}
