package truelayertest

import (
	"testing"
	"time"
)

// Every demo bank shows a pending card purchase whatever the hour it is
// generated at: the demo shows the feature, and tests of pending rows do
// not depend on when they run (john at Northgate had none from 06:00 to
// 15:00 on 1 December 2026). Every hour of three days, each provider.
func TestDemoBankHasAPendingPurchaseAtAnyHour(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 1, 0, 7, 0, 0, time.UTC)
	for i := range providers {
		p := &providers[i]
		for h := range 72 {
			now := start.Add(time.Duration(h) * time.Hour)
			b := generateBank(1, mockUser{Username: "john"}, p, now, 0)
			pending := 0
			for _, a := range b.accounts {
				_, ps := a.split(now)
				pending += len(ps)
			}
			if pending == 0 {
				t.Errorf("%s generated at %s: no pending transaction", p.ID, now.Format(time.DateTime))
			}
		}
	}
}
