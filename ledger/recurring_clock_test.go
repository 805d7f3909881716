package ledger

import (
	"context"
	"testing"
	"time"

	tt "github.com/banktui/banktui/truelayer/truelayertest"
)

// TestRecurringNextIsNeverPast: whatever day the report is read, no
// recurring payment of the demo bank is expected before it (banktui report
// recurring and the insights pane show it as the next payment). Lambeth
// Council takes ten instalments, April to January: from 2 February to 1
// April its latest payment plus a month was a day gone by, as was a
// subscription's while its payment was pending (Netflix on 15 February).
// John's Northgate bank synced at noon UTC on the first of every month of
// a year and on the days a sweep of the last, first, second and fifteenth
// of every month found failing (2, 15 February; 15, 31 March; 15
// October), on 29 February 2028 and at 00:30 on 1 March 2028, each read in
// UTC and in London: with a next date one step after the latest payment,
// 16 of those 38 reads failed. (Fewer syncs than the sweep's 50: under
// the race detector each takes about two seconds.)
func TestRecurringNextIsNeverPast(t *testing.T) {
	t.Parallel()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	var clocks []time.Time
	for m := time.January; m <= time.December; m++ {
		clocks = append(clocks, time.Date(2027, m, 1, 12, 0, 0, 0, time.UTC))
	}
	for _, d := range [][2]int{{2, 2}, {2, 15}, {3, 15}, {3, 31}, {10, 15}} {
		clocks = append(clocks, time.Date(2027, time.Month(d[0]), d[1], 12, 0, 0, 0, time.UTC))
	}
	clocks = append(clocks, time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC), time.Date(2028, 3, 1, 0, 30, 0, 0, time.UTC))
	failed := 0
	for _, now := range clocks {
		e := newSyncEnv(t, tt.WithClock(func() time.Time { return now }))
		e.st.now = func() time.Time { return now }
		mustSync(t, e.syncer(), e.connect("john", tt.ProviderNorthgate))
		for _, loc := range []*time.Location{time.UTC, london} {
			rep, err := e.st.Recurring(context.Background(), TxQuery{Location: loc})
			if err != nil {
				t.Fatal(err)
			}
			bad := false
			for _, p := range rep.Payments {
				if p.Next == "" || p.Next < rep.AsOf {
					t.Errorf("synced and read at %s (%s): %s %s next %q, before the report's day %s",
						now.Format(time.DateTime), loc, p.SourceName(), p.Payee, p.Next, rep.AsOf)
					bad = true
				}
			}
			if bad {
				failed++
			}
		}
	}
	t.Logf("%d of %d reads list a payment due before their day", failed, 2*len(clocks))
}

func TestCadenceNextOn(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	monthly, weekly := cadence{name: "monthly", months: 1}, cadence{name: "weekly", days: 7}
	for _, c := range []struct {
		c          cadence
		from       string
		first      int
		asOf, want string
	}{
		{monthly, "2027-01-15", 1, "2027-01-20", "2027-02-15"},                                  // not yet due
		{monthly, "2027-01-15", 1, "2027-02-15", "2027-02-15"},                                  // due today
		{monthly, "2027-01-15", 1, "2027-04-02", "2027-04-15"},                                  // two gone by
		{monthly, "2027-01-31", 1, "2027-03-05", "2027-03-31"},                                  // counted from the 31st
		{weekly, "2027-03-01", 1, "2027-03-20", "2027-03-22"},                                   // three weeks on
		{cadence{name: "every 3 weeks", days: 21}, "2027-03-01", 0, "2027-03-01", "2027-03-01"}, // the bank's own date, today
		{cadence{name: "every 3 weeks", days: 21}, "2027-03-01", 0, "2027-03-02", "2027-03-22"},
		{cadence{}, "2027-03-01", 1, "2027-09-01", "2027-03-01"}, // no interval: no step, no loop
	} {
		if got := c.c.nextOn(day(c.from), c.first, c.asOf); got != c.want {
			t.Errorf("%s from %s (step %d on) as of %s: %s, want %s", c.c.name, c.from, c.first, c.asOf, got, c.want)
		}
	}
}
