package ledger

import (
	"time"

	"github.com/banktui/banktui/truelayer"
)

// The days a sync asks for. Banks refuse a from or to in the future
// (invalid_date_range), so every bound is a whole day (midnight UTC, sent
// as YYYY-MM-DD) no later than today; a bank's own future-dated row must
// never move a window past today.

// today is the calendar day of now, UTC: the last day a sync asks for.
func today(now time.Time) time.Time { return now.UTC().Truncate(day) }

// recentFrom is the first day an incremental sync asks again: the newest
// stored day (or the last sync's) minus the overlap, where rows may still
// change or arrive late. A newest row dated after today counts as today;
// the result is never before the oldest day asked nor after today.
func recentFrom(st syncState, today time.Time, overlap time.Duration) time.Time {
	from := st.NewestTx
	if from.IsZero() {
		from = st.LastSync
	}
	from = from.UTC().Truncate(day)
	if from.After(today) {
		from = today
	}
	from = from.Add(-overlap)
	if from.Before(st.OldestDay) {
		from = st.OldestDay
	}
	if from.After(today) {
		from = today
	}
	return from
}

// newestFirst reports whether a window's rows came newest first, so the
// stage stores them oldest first (stage.newestFirst): the store keeps rows
// of the same timestamp (a bank that sends dates without times) in the
// order they are written, which keeps their running balances in sequence.
// The direction comes from the first and last timestamps, or, when they
// are equal, from the running balances of neighbouring rows.
func newestFirst(txs []truelayer.Transaction) bool {
	var first, last time.Time
	for _, t := range txs {
		if !t.Timestamp.Valid() {
			continue
		}
		if first.IsZero() {
			first = t.Timestamp.Time
		}
		last = t.Timestamp.Time
	}
	if !first.Equal(last) {
		return first.After(last)
	}
	for i := 0; i+1 < len(txs); i++ {
		a, b := txs[i], txs[i+1]
		switch up, down := follows(a, b), follows(b, a); {
		case up && !down:
			return false
		case down && !up:
			return true
		}
	}
	return false
}

// follows reports whether next's running balance is prev's moved by next's
// amount: added for an account, subtracted for a card's amount owed.
func follows(prev, next truelayer.Transaction) bool {
	if prev.RunningBalance == nil || next.RunningBalance == nil {
		return false
	}
	p, n := prev.RunningBalance.Amount, next.RunningBalance.Amount
	return n.Equal(p.Add(next.Amount)) || n.Equal(p.Sub(next.Amount))
}
