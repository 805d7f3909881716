package ledger

import (
	"context"
	"testing"

	"github.com/banktui/banktui/truelayer"
)

func TestChangedSeesWritesOfAnotherStore(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	seed(t, st)
	changed := func(want bool, when string) {
		t.Helper()
		got, err := st.Changed(ctx)
		if err != nil {
			t.Fatalf("%s: Changed: %v", when, err)
		}
		if got != want {
			t.Fatalf("%s: Changed = %v, want %v", when, got, want)
		}
	}
	changed(false, "the first call takes note")
	changed(false, "nothing written since")

	// Another process (a cron sync) opens the same file and writes.
	other, err := Open(st.path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	settled := []truelayer.Transaction{mkTx("o1", "2026-09-01T00:00:00Z", "-3.20", "PRET A MANGER", "Pret", "PURCHASE")}
	if _, _, err := other.commitAccount(ctx, "acc-1", accountBatch{Settled: settled, PendingFetched: true}); err != nil {
		t.Fatal(err)
	}
	changed(true, "after another process's commit")
	changed(false, "once reported")

	// This process's own writes, on its other connections, count too.
	seedTransactions(t, st)
	changed(true, "after this process's commit")

	// Reading changes nothing.
	if _, err := st.Accounts(ctx); err != nil {
		t.Fatal(err)
	}
	changed(false, "after a read")

	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Changed(ctx); err == nil {
		t.Fatal("Changed on a closed store: no error")
	}
}
