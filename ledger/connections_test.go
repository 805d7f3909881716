package ledger

import (
	"context"
	"testing"
)

// A logged-out connection's accounts leave the totals and read as
// disconnected; their history stays. Connecting it again brings them back.
func TestDisconnectedConnectionLeavesTheTotals(t *testing.T) {
	t.Parallel()
	e, north, nova, castle := newSyncedEnv(t)
	ctx := context.Background()
	before, _ := e.st.Totals(ctx)
	rows, _ := e.st.CountTransactions(ctx, TxQuery{})
	if err := e.st.MarkDisconnected(ctx, north); err != nil {
		t.Fatal(err)
	}
	views, _ := e.st.Accounts(ctx)
	want := map[string]bool{}
	for _, v := range views {
		if v.Disconnected != (v.ConnectionID == north) {
			t.Errorf("%s of %s: disconnected %v", v.ID, v.ConnectionID, v.Disconnected)
		}
		if v.ConnectionID != north {
			want[v.ID] = true
		}
	}
	after, _ := e.st.Totals(ctx)
	var others []AccountView
	for _, v := range views {
		if want[v.ID] {
			others = append(others, v)
		}
	}
	if len(after) != 1 || !after[0].Total.Equal(sumTotal(others)) || after[0].Total.Equal(before[0].Total) {
		t.Errorf("totals %+v (before %+v): want only %s and %s", after, before, nova, castle)
	}
	if n, _ := e.st.CountTransactions(ctx, TxQuery{}); n != rows {
		t.Errorf("%d rows after logout, %d before", n, rows)
	}
	conns, _ := e.st.Connections(ctx)
	for _, c := range conns {
		if c.Disconnected.IsZero() != (c.ID != north) {
			t.Errorf("connection %s disconnected at %v", c.ID, c.Disconnected)
		}
	}
	if err := e.st.ConnectionRenewed(ctx, north); err != nil {
		t.Fatal(err)
	}
	if again, _ := e.st.Totals(ctx); !again[0].Total.Equal(before[0].Total) {
		t.Errorf("totals after reconnecting %+v, were %+v", again, before)
	}
}

// sumTotal is accounts minus cards over views.
func sumTotal(views []AccountView) Amount {
	var total Amount
	for _, v := range views {
		if v.Kind == KindCard {
			total = total.Sub(v.Current)
		} else {
			total = total.Add(v.Current)
		}
	}
	return total
}
