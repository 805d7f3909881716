package ledger

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// schemaOneLedger writes a ledger as the first release left it (schema 1):
// a current account, a savings account, and rows of each kind the later
// migrations care about.
func schemaOneLedger(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrateV1(ctx, tx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO schema_version(version) VALUES (1)",
		"INSERT INTO connections(id) VALUES ('conn-1')",
		`INSERT INTO accounts(rid, id, connection_id, kind, display_name, currency, number, raw)
		 VALUES (1, 'cur', 'conn-1', 'account', 'Everyday', 'GBP', '12-34-56 11112222', '{}'),
		        (2, 'sav', 'conn-1', 'account', 'Holiday Pot', 'GBP', '12-34-56 33334444', '{}')`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	rows := []struct {
		rid, account    int
		id, stamp, desc string
		category, class string
		amount          string
		micro           int64
	}{
		{1, 1, "groc", "2026-10-02T10:00:00Z", "TESCO", "PURCHASE", "Shopping\x1fGroceries", "-12.50", -12500000},
		{2, 1, "dd", "2026-10-03T00:00:00+01:00", "OCTOPUS", "DIRECT_DEBIT", "", "-96.00", -96000000},
		{3, 1, "out", "2026-10-05T09:00:00Z", "TO HOLIDAY POT", "TRANSFER", "Transfer", "-250.00", -250000000},
		{4, 2, "in", "2026-10-05T09:00:05Z", "FROM EVERYDAY", "CREDIT", "", "250.00", 250000000},
	}
	for _, r := range rows {
		at, err := time.Parse(time.RFC3339, r.stamp)
		if err != nil {
			t.Fatal(err)
		}
		// Schema 1 kept the instant, whatever the bank meant.
		if _, err := tx.ExecContext(ctx, `INSERT INTO transactions(rid, account_rid, tx_id, pending, ts, description, merchant,
	category, classification, amount, amount_micro, amount_exact, currency, first_seen)
VALUES (?, ?, ?, 0, ?, ?, '', ?, ?, ?, ?, 1, 'GBP', 0)`, r.rid, r.account, r.id, at.Unix(), r.desc, r.category, r.class, r.amount, r.micro); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO transaction_json(rid, raw) VALUES (?, json_object('timestamp', ?))", r.rid, r.stamp); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return path
}

// A ledger of the first release opens migrated: category names filled,
// days re-stamped, and its transfers paired by the next match (a sync's).
func TestMigrationsFromSchemaOne(t *testing.T) {
	st, err := Open(schemaOneLedger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	var version int
	if err := st.db.QueryRow("SELECT version FROM schema_version").Scan(&version); err != nil || version != len(migrations) {
		t.Fatalf("schema %d, want %d (%v)", version, len(migrations), err)
	}
	names, err := st.Categories(ctx)
	if err != nil || !slices.Equal(names, []string{"Credit", "Direct debit", "Shopping / Groceries", "Transfer"}) {
		t.Errorf("categories %q %v", names, err)
	}
	got, err := st.Transactions(ctx, TxQuery{Category: "groceries"})
	if err != nil || !slices.Equal(ids(got), []string{"groc"}) {
		t.Errorf("category filter after the migration: %v %v", ids(got), err)
	}
	newYork, _ := time.LoadLocation("America/New_York")
	dd, err := st.Transaction(ctx, "cur", "dd", false)
	if err != nil || !dd.DateOnly || dd.LocalDate(newYork) != "2026-10-03" {
		t.Errorf("a bank's midnight is a day after the migration: day %v, %s, %v", dd.DateOnly, dd.LocalDate(newYork), err)
	}
	if n, err := st.MatchTransfers(ctx); err != nil || n != 1 {
		t.Fatalf("stored rows matched: %d %v", n, err)
	}
	pairs, _ := st.TransferPairs(ctx, TxQuery{})
	if len(pairs) != 1 || pairs[0].Out.ID != "out" || pairs[0].In.ID != "in" || pairs[0].Kind != TransferOwn {
		t.Errorf("pairs %+v", pairs)
	}
}

// A sync indexes a window's text in one statement: the full-text index
// gathers ftsHashSize bytes before it writes a segment.
func TestFullTextIndexGathersMegabytes(t *testing.T) {
	st := openTest(t)
	if !st.hasFTS {
		t.Fatal("this SQLite has no FTS5 trigram tokenizer (banktui's modernc.org/sqlite has one): the full-text index is missing")
	}
	var size int
	if err := st.db.QueryRow("SELECT v FROM tx_fts_config WHERE k = 'hashsize'").Scan(&size); err != nil || size != ftsHashSize {
		t.Fatalf("hashsize %d, %v; want %d", size, err, ftsHashSize)
	}
}

// Open says before it upgrades an older ledger (the CLI prints why it
// waits), and only then: never for a new ledger or a current one.
func TestOpenTellsBeforeUpgrading(t *testing.T) {
	var told [][2]int
	notice := WithUpgradeNotice(func(from, to int) { told = append(told, [2]int{from, to}) })
	path := schemaOneLedger(t)
	for range 2 {
		st, err := Open(path, notice)
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	fresh, err := Open(filepath.Join(t.TempDir(), "new.db"), notice)
	if err != nil {
		t.Fatal(err)
	}
	fresh.Close()
	if want := [][2]int{{1, len(migrations)}}; !slices.Equal(told, want) {
		t.Errorf("told %v, want %v (the old ledger's upgrade, once)", told, want)
	}
}
