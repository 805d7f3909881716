package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// Dates are in the user's time zone (the TUI, the CLI, the exports, the
// month steps and the reports), from one rule:
//
//   - a timestamp with a time of day is an instant, dated in the user's zone
//     (23:30 UTC on 30 September is 1 October in London, BST);
//   - a timestamp at exactly midnight on the bank's own clock (a bare date,
//     "2026-10-01T00:00:00", or midnight with an offset) is a booking day
//     with no time: it keeps its day in every zone;
//   - a timestamp that is missing or unreadable has no date: LocalTime says
//     so (ok false) and LocalDate gives UnknownDate, never year 0.
//
// The store keeps the instant in transactions.ts (unix seconds) and a day as
// that day's midnight UTC, so "ts is a whole day" (ts % 86400 = 0) marks a
// day in SQL, and day and month bounds compare days by their date.

// UnknownDate is LocalDate's text for a transaction without a readable date.
const UnknownDate = "unknown"

const secondsPerDay = 24 * 60 * 60

// StoredTime is storedTime, for stores written without a sync (ledgertest).
func StoredTime(ts truelayer.Timestamp) int64 { return storedTime(ts) }

// storedTime is a bank timestamp as the ts column keeps it: unix seconds of
// the instant, or of the day's midnight UTC when it is a day (see above);
// 0 when unreadable.
func storedTime(ts truelayer.Timestamp) int64 {
	if !ts.Valid() {
		return 0
	}
	t := ts.Time
	if h, m, s := t.Clock(); h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0 {
		y, mo, d := t.Date()
		return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).Unix()
	}
	return t.Unix()
}

// isDay reports whether a stored time is a day without a time of day.
func isDay(ts int64) bool { return ts%secondsPerDay == 0 }

// minPlausibleYear: a timestamp before it is taken as unreadable (a zero
// time or a placeholder), not dated.
const minPlausibleYear = 1900

// LocalTime is when v happened in loc (nil = UTC): its instant, or its day
// at midnight when the bank sent a day without a time. ok is false when the
// bank's timestamp is missing or unreadable (Raw.Timestamp.Raw keeps what
// it sent): exporters report such rows and never write a date for them.
func (v TxView) LocalTime(loc *time.Location) (t time.Time, ok bool) {
	if loc == nil {
		loc = time.UTC
	}
	if v.Timestamp.IsZero() || v.Timestamp.Year() < minPlausibleYear {
		return time.Time{}, false
	}
	if v.DateOnly {
		y, m, d := v.Timestamp.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc), true
	}
	return v.Timestamp.In(loc), true
}

// LocalDate is v's day in loc as YYYY-MM-DD, or UnknownDate.
func (v TxView) LocalDate(loc *time.Location) string {
	t, ok := v.LocalTime(loc)
	if !ok {
		return UnknownDate
	}
	return t.Format(time.DateOnly)
}

// civilUnix reads t's wall clock as if it were UTC: the stored time of a
// day that starts at t in t's zone.
func civilUnix(t time.Time) int64 {
	y, mo, d := t.Date()
	h, m, s := t.Clock()
	return time.Date(y, mo, d, h, m, s, 0, time.UTC).Unix()
}

// tsBound is the SQL condition "t.ts op bound" for an instant bound (From
// or To of a TxQuery): instants compare with the instant, days with the
// bound's wall clock in its zone, so a day-only row falls in the month
// its date says whatever the zone. op is ">=" or "<".
func tsBound(op string, bound time.Time, loc *time.Location) (string, []any) {
	if loc == nil {
		loc = time.UTC
	}
	inst, civil := bound.Unix(), civilUnix(bound.In(loc))
	if inst == civil {
		return "t.ts " + op + " ?", []any{inst}
	}
	// The first condition alone can use the date index.
	outer := min(inst, civil)
	if op == "<" {
		outer = max(inst, civil)
	}
	cond := fmt.Sprintf("t.ts %[1]s ? AND (CASE WHEN t.ts %% %[2]d = 0 THEN t.ts %[1]s ? ELSE t.ts %[1]s ? END)", op, secondsPerDay)
	return cond, []any{outer, civil, inst}
}

// localClock is an SQL expression giving t.ts as wall-clock seconds in loc
// (days stay at their midnight), for grouping by local day or month:
// strftime('%Y-%m', <expr>, 'unixepoch'). The zone's offsets are taken
// from its transitions between from and to (unix seconds, the span the
// rows lie in), so the expression is a short CASE, not a per-row lookup.
func localClock(loc *time.Location, from, to int64) (string, []any) {
	if loc == nil || loc == time.UTC {
		return "t.ts", nil
	}
	var b strings.Builder
	var args []any
	b.WriteString("(CASE WHEN t.ts % 86400 = 0 THEN t.ts")
	t := time.Unix(from, 0).In(loc)
	const maxTransitions = 400 // two a year for two centuries
	for range maxTransitions {
		_, offset := t.Zone()
		_, end := t.ZoneBounds()
		if end.IsZero() || end.Unix() > to {
			b.WriteString(" ELSE t.ts + ? END)")
			args = append(args, offset)
			return b.String(), args
		}
		b.WriteString(" WHEN t.ts < ? THEN t.ts + ?")
		args = append(args, end.Unix(), offset)
		t = end.In(loc)
	}
	_, offset := t.Zone()
	b.WriteString(" ELSE t.ts + ? END)")
	return b.String(), append(args, offset)
}

// migrateDayStamps re-stamps the stored rows the bank dated midnight in an
// offset other than UTC ("2026-10-01T00:00:00+01:00"): their ts becomes
// the day's midnight UTC (storedTime). Only rows at a quarter hour that is
// not a UTC midnight can be such rows, so only their JSON is read.
func migrateDayStamps(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT t.rid, t.ts, coalesce(json_extract(j.raw, '$.timestamp'), '')
FROM transactions t JOIN transaction_json j ON j.rid = t.rid
WHERE t.ts % 900 = 0 AND t.ts % 86400 <> 0`)
	if err != nil {
		return err
	}
	restamp := map[int64]int64{}
	for rows.Next() {
		var rid, ts int64
		var text string
		if err := rows.Scan(&rid, &ts, &text); err != nil {
			rows.Close()
			return err
		}
		if stamp, ok := truelayer.ParseTimestamp(text); ok && storedTime(stamp) != ts {
			restamp[rid] = storedTime(stamp)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for rid, ts := range restamp {
		if _, err := tx.ExecContext(ctx, "UPDATE transactions SET ts = ? WHERE rid = ?", ts, rid); err != nil {
			return err
		}
	}
	return nil
}
