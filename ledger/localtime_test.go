package ledger

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// viewOf is a transaction as the store reads it back.
func viewOf(t *testing.T, stamp string) TxView {
	t.Helper()
	ts, _ := truelayer.ParseTimestamp(stamp)
	stored := storedTime(ts)
	v := TxView{Raw: truelayer.Transaction{Timestamp: ts}}
	if ts.Valid() {
		v.Timestamp, v.DateOnly = ts.Time, isDay(stored)
	}
	return v
}

func TestLocalDates(t *testing.T) {
	london, newYork := zone(t, "Europe/London"), zone(t, "America/New_York")
	cases := []struct {
		stamp string
		loc   *time.Location
		want  string
	}{
		// British Summer Time (UTC+1) until 25 October 2026.
		{"2026-09-30T23:30:00Z", london, "2026-10-01"},
		{"2026-09-30T23:30:00Z", time.UTC, "2026-09-30"},
		{"2026-09-30T22:30:00Z", london, "2026-09-30"},
		// GMT again by the end of October: 23:30 UTC is still the 31st.
		{"2026-10-31T23:30:00Z", london, "2026-10-31"},
		{"2026-10-31T23:30:00.000+00:00", london, "2026-10-31"},
		{"2026-10-01T02:00:00Z", newYork, "2026-09-30"},
		// A day without a time keeps its day in every zone.
		{"2026-10-01T00:00:00", newYork, "2026-10-01"},
		{"2026-10-01", newYork, "2026-10-01"},
		{"2026-10-01T00:00:00+01:00", newYork, "2026-10-01"},
		{"2026-10-01T00:00:00+01:00", time.UTC, "2026-10-01"},
		{"2026-10-01T00:00:00Z", london, "2026-10-01"},
		// Unreadable or placeholder dates are unknown, never year 0 or 1.
		{"yesterday", london, UnknownDate},
		{"", london, UnknownDate},
		{"0001-01-01T00:00:00Z", london, UnknownDate},
		{"0000-12-31T00:00:00Z", london, UnknownDate},
	}
	for _, c := range cases {
		v := viewOf(t, c.stamp)
		if got := v.LocalDate(c.loc); got != c.want {
			t.Errorf("%q in %s: %s, want %s", c.stamp, c.loc, got, c.want)
		}
		if _, ok := v.LocalTime(c.loc); ok == (c.want == UnknownDate) {
			t.Errorf("%q: LocalTime ok = %v", c.stamp, ok)
		}
	}
	if tm, _ := viewOf(t, "2026-09-30T23:30:00Z").LocalTime(london); tm.Format("15:04 MST") != "00:30 BST" {
		t.Errorf("local time %s", tm.Format("15:04 MST"))
	}
}

// Periods and months of the store follow the zone the query names: an
// instant by its local date, a day by its date.
func TestQueriesInTheUsersZone(t *testing.T) {
	st := openTest(t)
	seed(t, st)
	ctx := context.Background()
	rows := []truelayer.Transaction{
		mkTx("sep-utc", "2026-09-30T22:30:00Z", "-1.00", "A", "", "PURCHASE"),             // 23:30 BST, 30 Sep
		mkTx("oct-bst", "2026-09-30T23:30:00Z", "-2.00", "B", "", "PURCHASE"),             // 00:30 BST, 1 Oct
		mkTx("oct-gmt", "2026-10-31T23:30:00Z", "-4.00", "C", "", "PURCHASE"),             // 23:30 GMT, 31 Oct
		mkTx("oct-day", "2026-10-01T00:00:00", "-8.00", "D", "", "PURCHASE"),              // a day
		mkTx("oct-day+1", "2026-10-01T00:00:00+01:00", "-16.00", "E", "", "PURCHASE"),     // a day, with an offset
		mkTx("nov-day", "2026-11-01", "-32.00", "F", "", "PURCHASE"),                      // a day
		mkTx("nov-ny", "2026-11-01T03:30:00Z", "-64.00", "G", "", "PURCHASE"),             // 1 Nov UTC, 31 Oct in New York
		mkTx("sep-ny", "2026-10-01T02:00:00Z", "-128.00", "H", "", "PURCHASE"),            // 30 Sep in New York
		mkTx("oct-nyday", "2026-10-01T00:00:00-04:00", "-256.00", "I", "", "PURCHASE"),    // a day
		mkTx("bad", "2026-10-15T12:00:00Z", "-512.00", "J", "", "PURCHASE"),               // unreadable
		mkTx("sep-day", "2026-09-30T00:00:00.000+00:00", "-1024.00", "K", "", "PURCHASE"), // a day
	}
	rows[9].Timestamp = truelayer.Timestamp{Raw: "2026-13-45T99:00:00Z"}
	if _, _, err := st.commitAccount(ctx, "acc-1", accountBatch{Settled: rows}); err != nil {
		t.Fatal(err)
	}
	october := func(loc *time.Location) TxQuery {
		return TxQuery{Location: loc, From: time.Date(2026, 10, 1, 0, 0, 0, 0, loc), To: time.Date(2026, 11, 1, 0, 0, 0, 0, loc), Sort: "description"}
	}
	for _, c := range []struct {
		loc  *time.Location
		want []string
	}{
		{time.UTC, []string{"oct-gmt", "oct-day", "oct-day+1", "sep-ny", "oct-nyday"}},
		{zone(t, "Europe/London"), []string{"oct-bst", "oct-gmt", "oct-day", "oct-day+1", "sep-ny", "oct-nyday"}},
		{zone(t, "America/New_York"), []string{"oct-gmt", "oct-day", "oct-day+1", "nov-ny", "oct-nyday"}},
	} {
		got, err := st.Transactions(ctx, october(c.loc))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), c.want) {
			t.Errorf("October in %s: %v, want %v", c.loc, ids(got), c.want)
		}
		// The same rows, dated by LocalDate, are all in October.
		for _, v := range got {
			if d := v.LocalDate(c.loc); d[:7] != "2026-10" {
				t.Errorf("%s in %s dated %s", v.ID, c.loc, d)
			}
		}
		// And the month report agrees with the list.
		months, err := st.SpendingByMonth(ctx, TxQuery{Location: c.loc})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range months {
			if m.Key == "2026-10" && m.Count != len(c.want) {
				t.Errorf("SpendingByMonth in %s: October has %d rows, the list %d", c.loc, m.Count, len(c.want))
			}
		}
	}
	bad, err := st.Transaction(ctx, "acc-1", "bad", false)
	if err != nil || bad.LocalDate(time.UTC) != UnknownDate || bad.Raw.Timestamp.Raw != "2026-13-45T99:00:00Z" {
		t.Errorf("unreadable date: %q, kept %q, %v", bad.LocalDate(time.UTC), bad.Raw.Timestamp.Raw, err)
	}
}

// localClock's offsets follow the zone's transitions over years.
func TestLocalClockAcrossTransitions(t *testing.T) {
	st := openTest(t)
	seed(t, st)
	ctx := context.Background()
	london := zone(t, "Europe/London")
	var rows []truelayer.Transaction
	// Half an hour before midnight UTC on the last day of each month of
	// two years: the next month in summer, the same month in winter.
	want := map[string]int{}
	for m := range 24 {
		last := time.Date(2025, time.Month(m+2), 0, 23, 30, 0, 0, time.UTC)
		rows = append(rows, mkTx(last.Format("tx-2006-01"), last.Format(time.RFC3339), "-1.00", "X", "", "PURCHASE"))
		want[last.In(london).Format("2006-01")]++
	}
	if _, _, err := st.commitAccount(ctx, "acc-1", accountBatch{Settled: rows}); err != nil {
		t.Fatal(err)
	}
	months, err := st.SpendingByMonth(ctx, TxQuery{Location: london})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, m := range months {
		got[m.Key] = m.Count
	}
	if len(got) != len(want) {
		t.Errorf("months %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d rows, want %d", k, got[k], n)
		}
	}
}
