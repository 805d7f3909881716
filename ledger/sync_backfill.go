package ledger

import (
	"cmp"
	"context"
	"errors"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// History limits (AccountView.HistoryLimit): why back-fill stopped.
const (
	LimitInvalidDateRange = "invalid_date_range" // the bank refused an older range
	LimitEmpty            = "empty"              // a window came back empty
	LimitSCAExceeded      = "sca_exceeded"       // older history needs the user to re-authenticate
	LimitMax              = "max"                // WithMaxHistory reached
)

// shortHistory is how far back banks give history without a fresh SCA
// (PSD2's 90 days); a refused longer window is retried clipped to it.
const shortHistory = 89 * 24 * time.Hour

// backfill walks back in windows from the oldest day asked so far (or now),
// until the bank refuses (invalid_date_range, sca_exceeded), a window is
// empty or WithMaxHistory is reached. Windows cover whole days without
// overlap: [from, to] with to the day before the previous window's from.
// Each window is fetched while the one before commits (windowPipe). A
// refused first window is tried again shorter (retryShorter), which also
// ends the back-fill. A refused older window is bisected to the day
// (seekLimit), so a bank whose limit lies within it still gives all it has.
// On another error it returns the state of the last window committed, to
// resume next time.
func (c *connSync) backfill(ctx context.Context, r accountRecord, st syncState, now time.Time, w *accountWindows) (syncState, error) {
	today := now.Truncate(day)
	floor := today.Add(-c.y.opts.maxHistory)
	first := st.OldestDay.IsZero()
	p := c.newPipe(ctx, r, w)
	defer p.stop()
	oldest := st.OldestDay // the oldest day fetched: st's once its window is committed
	limit := ""
	for {
		to := now
		if !first {
			if !oldest.After(floor) {
				limit = LimitMax
				break
			}
			to = oldest.Add(-day)
		}
		windowEnd := to.Truncate(day)
		if first {
			windowEnd = today
		}
		from := windowEnd.Add(-c.y.opts.window)
		if from.Before(floor) {
			from = floor
		}
		n, err := p.fetch(from, to, endFor(first, to))
		if refused(err) && first { // no commit is running: the first window's
			refusal := limitOf(err)
			from, err = c.retryShorter(ctx, r, w, windowEnd, from, to, err)
			if err == nil {
				st.OldestDay, limit = from, refusal
				break
			}
		}
		if err != nil {
			if cerr := p.settle(&st); cerr != nil {
				return st, cerr // a failed commit cancels the fetch: its error is the cause
			}
		}
		if refused(err) {
			if first {
				return st, err // not even recent history
			}
			// The limit lies within this window: find it.
			found, serr := c.seekLimit(ctx, r, from, st.OldestDay, w, &st)
			if serr != nil {
				return st, serr // resume from st.OldestDay next time
			}
			limit = cmp.Or(found, limitOf(err))
			break
		}
		if err != nil {
			return st, err // resume from st.OldestDay next time
		}
		if err := p.commit(&st, from); err != nil {
			return st, err
		}
		oldest = from
		if n == 0 {
			limit = LimitEmpty
			break
		}
		first = false
	}
	if err := p.settle(&st); err != nil {
		return st, err
	}
	st.HistoryLimit = limit
	st.Backfilled = true
	return st, nil
}

// retryShorter asks a refused first window [from, to] again shorter: a
// year, half a year, then the 89 days PSD2 lets banks give without a fresh
// SCA, so that a bank with a shorter limit still gives what it can (the
// window it gives is stored). It returns the last window's start and
// error, or refusal if no shorter window was asked.
func (c *connSync) retryShorter(ctx context.Context, r accountRecord, w *accountWindows, windowEnd, from, to time.Time, refusal error) (time.Time, error) {
	err := refusal
	for _, span := range []time.Duration{364 * day, 180 * day, shortHistory} {
		shorter := windowEnd.Add(-span)
		if !shorter.After(from) {
			continue
		}
		from = shorter
		_, err = c.fetchWindow(ctx, r, w, from, to, endFor(true, to), from)
		if !refused(err) {
			break
		}
	}
	return from, err
}

// seekLimit finds, to the day, the oldest day the bank gives when it refused
// an older window starting at refusedFrom while it gave everything from
// accepted on. It bisects the days between them, asking each time only the
// days not stored yet, [mid, accepted-1 day]: an accepted probe is kept and
// moves st.OldestDay back to mid, a refused one moves refusedFrom up. Banks
// refuse by how old `from` is, so the boundary found is the bank's limit,
// in about log2(days) requests (ten for a two-year window). It returns the
// last refusal's limit ("" if none), or the error of a failed request, with
// st.OldestDay the oldest day fetched so far.
func (c *connSync) seekLimit(ctx context.Context, r accountRecord, refusedFrom, accepted time.Time,
	w *accountWindows, st *syncState) (string, error) {
	lo, hi := refusedFrom.UTC().Truncate(day), accepted.UTC().Truncate(day)
	limit := ""
	for hi.Sub(lo) > day {
		mid := lo.Add(hi.Sub(lo) / day / 2 * day)
		to := hi.Add(-day)
		_, err := c.fetchWindow(ctx, r, w, mid, to, to, mid)
		switch {
		case refused(err):
			limit = limitOf(err)
			lo = mid
		case err != nil:
			return limit, err
		default:
			hi = mid
			st.OldestDay = mid
		}
	}
	return limit, nil
}

// endFor: the first window ends now, and rows dated later are kept.
func endFor(first bool, to time.Time) time.Time {
	if first {
		return time.Time{}
	}
	return to
}

func refused(err error) bool {
	return errors.Is(err, truelayer.ErrInvalidDateRange) || errors.Is(err, truelayer.ErrSCAExceeded)
}

func limitOf(err error) string {
	if errors.Is(err, truelayer.ErrSCAExceeded) {
		return LimitSCAExceeded
	}
	return LimitInvalidDateRange
}
