package ledger

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var updateExportGolden = flag.Bool("update-export-golden", false, "rewrite ledger/testdata/export/*.golden from the writers")

// exportNow dates every export of the goldens.
var exportNow = time.Date(2026, 11, 28, 23, 50, 0, 0, time.UTC)

// TestExportGolden pins every format's bytes, for the small fixture and for
// a store of three accounts (ties, pending rows, amounts beyond six
// decimals) read through the store as the CLI reads it.
func TestExportGolden(t *testing.T) {
	st := pageFixture(t, 120)
	ctx := context.Background()
	views, err := st.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range ExportFormats {
		for name, out := range map[string]func() string{
			"fixture": func() string { return runExport(t, format) },
			"store": func() string {
				var b bytes.Buffer
				txs, err := st.Transactions(ctx, TxQuery{Sort: "date"})
				if err != nil {
					t.Fatal(err)
				}
				if err := Export(&b, format, views, txs, exportNow); err != nil {
					t.Fatal(err)
				}
				return b.String()
			},
		} {
			path := filepath.Join("testdata", "export", name+"."+format+".golden")
			got := out()
			if *updateExportGolden {
				os.MkdirAll(filepath.Dir(path), 0o755)
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./ledger -run TestExportGolden -update-export-golden writes it)", err)
			}
			if got != string(want) {
				t.Errorf("%s %s export differs from %s (%d bytes, want %d)", name, format, path, len(got), len(want))
			}
		}
	}
}
