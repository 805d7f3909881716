package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/banktui/banktui/ledger"
)

// Every result message carries the sequence number of the request that
// produced it; Update drops a result whose number is no longer the latest of
// its kind, so a slow old load never overwrites a newer one.

type accountsLoadedMsg struct {
	seq         uint64
	accounts    []ledger.AccountView
	totals      []ledger.CurrencyTotal
	connections []ledger.Consent
	err         error
}

type txLoadedMsg struct {
	seq       uint64
	accountID string
	partial   bool // the newest rows only; the whole history follows
	noRaw     bool // views lack Raw (the bank's JSON): the detail reads it
	views     []ledger.TxView
	rows      []txRow
	err       error
}

// txKey names one stored transaction: a pending and a settled row may share an id.
type txKey struct {
	accountID, id string
	pending       bool
}

func keyOf(v *ledger.TxView) txKey { return txKey{v.AccountID, v.ID, v.Pending} }

// detailLoadedMsg brings the full record (with Raw) of the transaction the
// detail pane shows.
type detailLoadedMsg struct {
	seq  uint64
	key  txKey
	view ledger.TxView
	err  error
}

// syncStartedMsg hands Update the channel on which the running sync reports.
type syncStartedMsg struct {
	seq uint64
	ch  <-chan tea.Msg
}

type syncProgressMsg struct {
	seq   uint64
	event ledger.Event
	ch    <-chan tea.Msg // to read the next report
}

// syncPhaseDoneMsg ends one phase: "balances" (then the stored balances are
// re-read) or "transactions" (the end of the sync).
type syncPhaseDoneMsg struct {
	seq    uint64
	phase  string
	last   bool // no phase follows: the sync is over
	report *ledger.Report
	err    error
	ch     <-chan tea.Msg
}

type loginStartedMsg struct {
	seq uint64
	ch  <-chan tea.Msg
}

type loginURLMsg struct {
	seq uint64
	url string
	ch  <-chan tea.Msg
}

type loginDoneMsg struct {
	seq  uint64
	conn ledger.Consent
	err  error
}

// channelClosedMsg: a sync or login goroutine has finished reporting.
type channelClosedMsg struct{}

// loadTimeout bounds a store read; the store is local, so this only trips on a
// locked or broken database.
const loadTimeout = 10 * time.Second

func loadAccountsCmd(ctx context.Context, seq uint64, st *ledger.Store, conns func() ([]ledger.Consent, error)) tea.Cmd {
	return func() tea.Msg { return readAccounts(ctx, seq, st, conns) }
}

// readAccounts reads accounts, totals and connections. Run also calls it once
// before the program starts so the first frame already shows balances.
func readAccounts(ctx context.Context, seq uint64, st *ledger.Store, conns func() ([]ledger.Consent, error)) accountsLoadedMsg {
	msg := accountsLoadedMsg{seq: seq}
	ctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	if st != nil {
		msg.accounts, msg.err = st.Accounts(ctx)
		if msg.err == nil {
			msg.totals, msg.err = st.Totals(ctx)
		}
	}
	if conns != nil {
		// A broken credentials file must not hide the stored balances.
		if cs, err := conns(); err == nil {
			msg.connections = cs
		} else if msg.err == nil {
			msg.err = err
		}
	}
	return msg
}

// firstWindow is how many of the newest transactions an account's first
// load reads before the whole history: enough to fill any screen at once,
// so a long history never delays the first rows.
const firstWindow = 400

// loadTxCmd reads an account's transactions, newest first: the newest limit
// rows when limit > 0 (the reply is partial if there may be more), else all.
// The list needs no Raw, so it is not read (decoding every row's JSON was
// most of the cost of a long history); loadDetailCmd reads it for one row.
func loadTxCmd(ctx context.Context, seq uint64, st *ledger.Store, accountID string, limit int) tea.Cmd {
	return func() tea.Msg {
		msg := txLoadedMsg{seq: seq, accountID: accountID}
		if st == nil {
			return msg
		}
		ctx, cancel := context.WithTimeout(ctx, loadTimeout)
		defer cancel()
		msg.noRaw = true
		msg.views, msg.err = st.Transactions(ctx, ledger.TxQuery{AccountIDs: []string{accountID}, Sort: "date", Desc: true, Limit: limit, WithoutRaw: true})
		if msg.err == nil {
			msg.rows = prepareRows(msg.views)
			msg.partial = limit > 0 && len(msg.views) == limit
		}
		return msg
	}
}

// loadDetailCmd reads one transaction with Raw for the detail pane.
func loadDetailCmd(ctx context.Context, seq uint64, st *ledger.Store, key txKey) tea.Cmd {
	return func() tea.Msg {
		msg := detailLoadedMsg{seq: seq, key: key}
		ctx, cancel := context.WithTimeout(ctx, loadTimeout)
		defer cancel()
		msg.view, msg.err = st.Transaction(ctx, key.accountID, key.id, key.pending)
		return msg
	}
}

// syncCmd runs the quick balance check and then (if withTransactions) the
// transaction sync, in a goroutine that reports on a channel, so Update stays
// free and progress shows as it happens.
// connectionIDs nil means every saved connection.
func syncCmd(ctx context.Context, seq uint64, y *ledger.Syncer, conns func() ([]ledger.Consent, error), connectionIDs []string, balances, transactions bool) tea.Cmd {
	return func() tea.Msg {
		ch := make(chan tea.Msg, 64)
		go func() {
			defer close(ch)
			if connectionIDs == nil && conns != nil {
				cs, err := conns()
				if err != nil {
					ch <- syncPhaseDoneMsg{seq: seq, phase: "transactions", last: true, err: err, ch: ch}
					return
				}
				for _, c := range cs {
					connectionIDs = append(connectionIDs, c.ConnectionID)
				}
			}
			progress := func(e ledger.Event) {
				select { // progress is advisory: drop it rather than stall the sync
				case ch <- syncProgressMsg{seq: seq, event: e, ch: ch}:
				default:
				}
			}
			send := func(m tea.Msg) {
				select {
				case ch <- m:
				case <-ctx.Done():
				}
			}
			if balances {
				rep, err := y.Balances(ctx, connectionIDs, progress)
				send(syncPhaseDoneMsg{seq: seq, phase: "balances", last: !transactions, report: rep, err: err, ch: ch})
				if ctx.Err() != nil {
					return
				}
			}
			if transactions {
				rep, err := y.Sync(ctx, connectionIDs, progress)
				send(syncPhaseDoneMsg{seq: seq, phase: "transactions", last: true, report: rep, err: err, ch: ch})
			}
		}()
		return syncStartedMsg{seq: seq, ch: ch}
	}
}

func loginCmd(ctx context.Context, seq uint64, login func(context.Context, func(string)) (ledger.Consent, error)) tea.Cmd {
	return func() tea.Msg {
		ch := make(chan tea.Msg, 4)
		go func() {
			defer close(ch)
			conn, err := login(ctx, func(url string) {
				select {
				case ch <- loginURLMsg{seq: seq, url: url, ch: ch}:
				case <-ctx.Done():
				}
			})
			// The buffer always has room for the result (at most a URL or two
			// before it), so even a cancelled login reports why it ended.
			select {
			case ch <- loginDoneMsg{seq: seq, conn: conn, err: err}:
			default:
			}
		}()
		return loginStartedMsg{seq: seq, ch: ch}
	}
}

// waitFor reads the next report from a sync or login goroutine.
func waitFor(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return channelClosedMsg{}
		}
		return m
	}
}
