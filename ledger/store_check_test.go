package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// A ledger damaged in place (pages overwritten, its size intact) opens,
// can still be read where it is whole, but is refused for writing with
// its path named, and is left exactly as it was.
func TestDamagedLedgerIsRefusedForWriting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	seed(t, st)
	ctx := context.Background()
	var txs []truelayer.Transaction
	for i := range 2000 {
		txs = append(txs, mkTx(fmt.Sprintf("t%04d", i), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Hour).Format(time.RFC3339),
			"-1.00", strings.Repeat("A LONG DESCRIPTION ", 6), "", "PURCHASE"))
	}
	if _, _, err := st.commitAccount(ctx, "acc-1", accountBatch{Settled: txs}); err != nil {
		t.Fatal(err)
	}
	st.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	st.Close()

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pages := len(b) / pageSize
	if pages < 20 {
		t.Fatalf("the ledger has only %d pages", pages)
	}
	for i := pages / 2 * pageSize; i < (pages/2+2)*pageSize; i++ { // two pages in the middle
		b[i] = 0xA5
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}

	st, err = Open(path)
	if err != nil {
		t.Fatalf("Open of a ledger damaged in its middle: %v (it opens; writing is what is refused)", err)
	}
	defer st.Close()
	_, _, err = st.commitAccount(ctx, "acc-1", accountBatch{Settled: []truelayer.Transaction{
		mkTx("new", "2026-11-01T00:00:00Z", "-2.00", "NEW", "", "PURCHASE")}})
	var fe *FileError
	if !errors.Is(err, ErrCorrupt) || !errors.As(err, &fe) || fe.Path != path {
		t.Fatalf("writing to a damaged ledger: %v; want ErrCorrupt naming %s", err, path)
	}
	if err := st.saveBalance(ctx, "acc-1", balanceRecord{Currency: "GBP", Raw: []byte(`{}`)}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a second write: %v, want ErrCorrupt again", err)
	}
	st.Close()
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, b) {
		t.Error("the damaged ledger was changed")
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		t.Error("a write to the damaged ledger reached its WAL")
	}
	a := Explain(err)
	if !strings.Contains(a.Text(CLI), path) || a.Remedy != RemedyRebuildLedger {
		t.Errorf("Explain: %q, want the path and how to rebuild it", a.Text(CLI))
	}
}

// BenchmarkQuickCheck100k: the check before a process's first write, on
// the 100k-transaction ledger.
func BenchmarkQuickCheck100k(b *testing.B) {
	st, err := Open(benchPath(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for b.Loop() {
		if err := st.quickCheck(ctx); err != nil {
			b.Fatal(err)
		}
	}
	fi, _ := os.Stat(st.Path())
	b.ReportMetric(float64(fi.Size())/(1<<20), "MiB")
}
