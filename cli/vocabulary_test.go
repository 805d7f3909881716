package cli

// One category name and one local date for every row, whatever the output:
// transactions (table, --json, --csv), every export, --category and
// --from/--to.

import (
	"encoding/csv"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// truthRows are the bank's transactions (settled and pending) by id.
func truthRows(truth *truelayertest.BankData) map[string]truelayer.Transaction {
	out := map[string]truelayer.Transaction{}
	for _, a := range append(truth.Accounts, truth.Cards...) {
		for _, x := range append(append([]truelayer.Transaction{}, a.Transactions...), a.Pending...) {
			out[x.TransactionID] = x
		}
	}
	return out
}

// tableColumn cuts one left-aligned column of a printed table: from where
// its header starts to the two spaces that end the cell (banktui's cells
// never hold two spaces in a row).
func tableColumn(t *testing.T, out, name string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	start := strings.Index(lines[0], name)
	if start < 0 {
		t.Fatalf("no %s column in %q", name, lines[0])
	}
	start = len([]rune(lines[0][:start]))
	var col []string
	for _, l := range lines[1:] {
		if l == "" { // the table ends; the totals line follows
			break
		}
		cell := string([]rune(l)[start:])
		if i := strings.Index(cell, "  "); i >= 0 {
			cell = cell[:i]
		}
		col = append(col, cell)
	}
	return col
}

func TestOneCategoryEverywhere(t *testing.T) {
	t.Parallel()
	h, srv := sharedHome(t)
	bank := truthRows(srv.Truth("john", "ob-northgate"))
	want := func(id string) string {
		x, ok := bank[id]
		if !ok {
			t.Fatalf("transaction %s is not the bank's", id)
		}
		return ledger.CategoryName(x.TransactionCategory, x.TransactionClassification)
	}
	check := func(what, id, got string) {
		t.Helper()
		if w := want(id); got != w {
			t.Errorf("%s: %s is %q, want %q", what, id, got, w)
		}
	}

	// transactions --json, and the table in the same order.
	var listed []struct {
		ID       string `json:"transaction_id"`
		Category string `json:"category"`
	}
	if err := json.Unmarshal([]byte(h.must("transactions", "--json").stdout), &listed); err != nil {
		t.Fatal(err)
	}
	if len(listed) < len(bank)*9/10 {
		t.Fatalf("%d rows listed, the bank has %d", len(listed), len(bank))
	}
	table := tableColumn(t, h.must("transactions").stdout, "CATEGORY")
	if len(table) != len(listed) {
		t.Fatalf("table has %d rows, --json %d", len(table), len(listed))
	}
	for i, x := range listed {
		check("--json", x.ID, x.Category)
		check("table", x.ID, table[i])
	}
	// --csv and export --format csv: the category column.
	for _, args := range [][]string{{"transactions", "--csv"}, {"export", "--format", "csv"}} {
		rows, err := csv.NewReader(strings.NewReader(h.must(args...).stdout)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, name := range rows[0] {
			col[name] = i
		}
		for _, r := range rows[1:] {
			check(strings.Join(args, " "), r[col["transaction_id"]], r[col["category"]])
		}
	}
	// export --format json.
	var exported struct {
		Transactions []struct {
			ID       string `json:"transaction_id"`
			Category string `json:"category"`
		} `json:"transactions"`
	}
	if err := json.Unmarshal([]byte(h.must("export", "--format", "json").stdout), &exported); err != nil {
		t.Fatal(err)
	}
	for _, x := range exported.Transactions {
		check("export json", x.ID, x.Category)
	}
	// The journals: the category after each transaction's id, and the
	// account booked against it named from the same levels.
	for _, format := range []string{"ledger", "beancount"} {
		id, n := "", 0
		for _, line := range strings.Split(h.must("export", "--format", format).stdout, "\n") {
			line = strings.TrimSpace(line)
			switch {
			case strings.Contains(line, "transaction_id:"):
				id = strings.Trim(strings.TrimSpace(line[strings.Index(line, "transaction_id:")+len("transaction_id:"):]), `"`)
			case strings.HasPrefix(line, "; category: "), strings.HasPrefix(line, "category: "):
				name := strings.Trim(strings.TrimPrefix(strings.TrimPrefix(line, "; "), "category: "), `"`)
				check("export "+format, id, name)
				n++
			case strings.HasPrefix(line, "Expenses:") || strings.HasPrefix(line, "Income:"):
				x := bank[id]
				wantAcct := ledger.CategoryAccount(ledger.TxView{Category: x.TransactionCategory,
					Classification: x.TransactionClassification, Amount: x.Amount})
				if got := strings.Fields(line)[0]; got != wantAcct {
					t.Errorf("export %s: %s booked to %s, want %s", format, id, got, wantAcct)
				}
			}
		}
		if n < len(listed)*9/10 {
			t.Errorf("export %s names the category of %d rows", format, n)
		}
	}

	// --category takes what is shown, at any level, in any case.
	count := func(term string) int {
		var rows []json.RawMessage
		if err := json.Unmarshal([]byte(h.must("transactions", "--json", "--category", term).stdout), &rows); err != nil {
			t.Fatal(err)
		}
		return len(rows)
	}
	groceries := 0
	for _, x := range listed {
		if x.Category == "Shopping / Groceries" {
			groceries++
		}
	}
	if groceries == 0 {
		t.Fatal("the demo bank buys no groceries")
	}
	for _, term := range []string{"Shopping / Groceries", "groceries", "shopping/groceries"} {
		if got := count(term); got != groceries {
			t.Errorf("--category %q: %d rows, want %d", term, got, groceries)
		}
	}
	if got := count("shopping"); got <= groceries {
		t.Errorf("--category shopping: %d rows, want more than the %d groceries", got, groceries)
	}
}

func TestDatesInTheUsersZone(t *testing.T) {
	t.Parallel()
	h, srv := sharedHome(t)
	bank := truthRows(srv.Truth("john", "ob-northgate"))
	h.set("TZ", "Europe/London")
	london, _ := time.LoadLocation("Europe/London")

	// A settled row late in a summer evening, UTC: the next day in London.
	var late truelayer.Transaction
	ids := slices.Sorted(maps.Keys(bank))
	for _, id := range ids {
		x := bank[id]
		u := x.Timestamp.Time.UTC()
		if x.RunningBalance != nil && u.Hour() == 23 && u.In(london).Day() != u.Day() && u.Day() > 1 {
			late = x
			break
		}
	}
	if late.TransactionID == "" {
		t.Fatal("the demo bank has no settled row between 23:00 and midnight UTC in summer time")
	}
	utcDay := late.Timestamp.Time.UTC().Format(time.DateOnly)
	localDay := late.Timestamp.Time.In(london).Format(time.DateOnly)

	var rows []struct {
		ID        string `json:"transaction_id"`
		Date      string `json:"date"`
		Timestamp string `json:"timestamp"`
	}
	day := func(from, to string) map[string]string {
		t.Helper()
		rows = nil
		if err := json.Unmarshal([]byte(h.must("transactions", "--json", "--from", from, "--to", to).stdout), &rows); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, r := range rows {
			out[r.ID] = r.Date
			if r.Date < from || r.Date > to {
				t.Errorf("--from %s --to %s lists %s dated %s", from, to, r.ID, r.Date)
			}
		}
		return out
	}
	if got, ok := day(localDay, localDay)[late.TransactionID]; !ok || got != localDay {
		t.Errorf("%s (%s): on %s in London, listed %v as %q", late.TransactionID, late.Timestamp.Raw, localDay, ok, got)
	}
	if _, ok := day(utcDay, utcDay)[late.TransactionID]; ok {
		t.Errorf("%s is listed on %s, its UTC day, in London", late.TransactionID, utcDay)
	}
	// --json keeps the bank's timestamp as sent.
	day(localDay, localDay)
	for _, r := range rows {
		if r.ID == late.TransactionID && r.Timestamp != late.Timestamp.Raw {
			t.Errorf("timestamp %q, the bank sent %q", r.Timestamp, late.Timestamp.Raw)
		}
	}
	// The table and the CSV date it the same way.
	table := h.must("transactions", "--from", localDay, "--to", localDay).stdout
	for _, d := range tableColumn(t, table, "DATE") {
		if d != localDay {
			t.Errorf("table dates a row %s, want %s:\n%s", d, localDay, table)
		}
	}
	exported, err := csv.NewReader(strings.NewReader(h.must("export", "--format", "csv", "--from", localDay, "--to", localDay).stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range exported[1:] {
		found = found || r[12] == late.TransactionID
		if r[0] != localDay {
			t.Errorf("csv export dates %s %s, want %s", r[12], r[0], localDay)
		}
	}
	if !found {
		t.Errorf("csv export of %s lacks %s", localDay, late.TransactionID)
	}
}

func TestTimezoneSetting(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	cfg := h.paths().ConfigFile
	if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(s string) {
		if err := os.WriteFile(cfg, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("timezone = \"Asia/Tokyo\"\n")
	if out := h.must("doctor").stdout; !strings.Contains(out, "Asia/Tokyo") || !strings.Contains(out, "config.toml:1") {
		t.Errorf("doctor does not show the time zone and its source:\n%s", out)
	}
	h.set("TZ", "Europe/Paris") // the environment wins over the file
	if out := h.must("doctor").stdout; !strings.Contains(out, "Europe/Paris  (env TZ)") {
		t.Errorf("doctor does not show TZ:\n%s", out)
	}
	h.set("TZ", "Mars/Olympus_Mons")
	h.expect(exitUsage, []string{"TZ", "unknown time zone", "Europe/London"}, "transactions")
	h.set("TZ", "")
	write("\ntimezone = \"Europe/Londn\"\n")
	h.expect(exitUsage, []string{"config.toml:2", "timezone", "unknown time zone"}, "transactions")
}
