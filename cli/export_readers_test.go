package cli

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

// The demo bank's exports read by the programs they are for: hledger,
// ledger-cli and bean-check pass them strictly, and hledger, bean-query and ofxparse find
// each account at the balance `banktui balance --json` prints. The tools
// are installed with the project's (.ci/run): a test fails, never skips,
// without them.

// runReader runs hledger, bean-check, bean-query or python3, failing the
// test when it is missing or refuses the file.
func runReader(t *testing.T, name string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed (apt-get install hledger ledger beancount python3-ofxparse): %v", name, err)
	}
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// demoBalances are the balances `banktui balance --json --offline` prints,
// as the journals hold them (a card's is minus what is owed), by journal
// account, in the order it prints them (accounts, then cards).
func demoBalances(t *testing.T, h *home) (accounts []string, balances map[string]truelayer.Amount) {
	t.Helper()
	var out struct {
		Results []struct {
			Kind        string              `json:"kind"`
			DisplayName string              `json:"display_name"`
			Provider    ledger.ProviderJSON `json:"provider"`
			Current     *ledger.Amount      `json:"current"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(h.must("balance", "--json", "--offline").stdout), &out); err != nil {
		t.Fatal(err)
	}
	balances = map[string]truelayer.Amount{}
	for _, r := range out.Results {
		name := ledger.JournalAccount(ledger.AccountView{Kind: r.Kind, ProviderName: r.Provider.DisplayName, DisplayName: r.DisplayName})
		if r.Current == nil {
			t.Fatalf("balance --json: %s has no balance", name)
		}
		b := *r.Current
		if r.Kind == ledger.KindCard {
			b = b.Neg()
		}
		accounts, balances[name] = append(accounts, name), b
	}
	return accounts, balances
}

func TestExportsOfTheDemoBankPassTheirReaders(t *testing.T) {
	t.Parallel()
	// Days in a zone behind UTC (rows dated without a time come before the
	// evening of the day before), ahead of it, and at it.
	for _, zone := range []string{"America/New_York", "Pacific/Auckland", "UTC"} {
		h, _ := sharedHome(t)
		h.set("TZ", zone)
		if transfers := checkReaders(t, h); transfers == 0 {
			t.Errorf("%s: the demo bank's transfers and card repayments are not booked as transfers", zone)
		}
	}
}

// The hostile bank of hostile_test.go (escape sequences, bidi controls
// and C1 controls in every name, currency, category and id) passes too.
func TestExportsOfAHostileBankPassTheirReaders(t *testing.T) {
	t.Parallel()
	h, _ := hostileHome(t)
	h.must("sync")
	checkReaders(t, h)
}

// checkReaders exports everything h's store holds in every format, runs
// each file's readers on it and compares their balances with banktui
// balance; it returns how many transfers the ledger export books.
func checkReaders(t *testing.T, h *home) (transfers int) {
	t.Helper()
	accounts, want := demoBalances(t, h)
	dir := t.TempDir()
	file := func(format string) string { return filepath.Join(dir, "bank."+format) }
	for _, format := range ledger.ExportFormats {
		r := h.must("export", "--format", format, "-o", file(format))
		if strings.Contains(r.stderr, "differs") || strings.Contains(r.stderr, "no readable date") {
			t.Errorf("export --format %s adjusts or leaves out rows of the demo bank:\n%s", format, r.stderr)
		}
	}
	check := func(reader string, got map[string]truelayer.Amount) {
		t.Helper()
		for name, w := range want {
			if g, ok := got[name]; !ok || !g.Equal(w) {
				t.Errorf("%s: %s is %s (found %v), banktui balance says %s", reader, name, g, ok, w)
			}
		}
	}

	runReader(t, "hledger", "-f", file("ledger"), "check", "-s")
	runReader(t, "ledger", "-f", file("ledger"), "--pedantic", "balance") // ledger-cli checks the assertions too
	rows := readCSV(t, runReader(t, "hledger", "-f", file("ledger"), "bal", "--flat", "--no-total", "-O", "csv"))
	got := map[string]truelayer.Amount{}
	for _, row := range rows[1:] {
		amount, _, _ := strings.Cut(row[1], " ")
		got[row[0]] = truelayer.MustAmount(amount)
	}
	check("hledger bal", got)

	runReader(t, "bean-check", file("beancount"))
	rows = readCSV(t, runReader(t, "bean-query", "-f", "csv", "-m", file("beancount"),
		"SELECT account, str(sum(number)) GROUP BY account"))
	got = map[string]truelayer.Amount{}
	for _, row := range rows[1:] {
		n := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(row[1]), "Decimal('"), "')")
		got[strings.TrimSpace(row[0])] = truelayer.MustAmount(n)
	}
	check("bean-query", got)

	const closing = "import sys, ofxparse\n" +
		"o = ofxparse.OfxParser.parse(open(sys.argv[1], 'rb'))\n" +
		"for a in o.accounts: print(a.statement.balance, len(a.statement.transactions))\n"
	lines := strings.Fields(runReader(t, "/usr/bin/python3", "-W", "ignore", "-c", closing, file("ofx")))
	if len(lines) != 2*len(accounts) {
		t.Fatalf("ofxparse reads %d statements, want %d", len(lines)/2, len(accounts))
	}
	got = map[string]truelayer.Amount{}
	for i, name := range accounts { // OFX: accounts, then cards, as balance prints them
		got[name] = truelayer.MustAmount(lines[2*i])
	}
	check("ofxparse", got)

	// Transfers and card repayments: one transaction each, between two of
	// the user's accounts.
	b, err := os.ReadFile(file("ledger"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range strings.Split(string(b), "\n\n") {
		if !strings.Contains(tx, "; counterpart_id:") {
			continue
		}
		transfers++
		for _, line := range strings.Split(tx, "\n")[1:] {
			if f := strings.Fields(line); len(f) >= 3 && f[0] != ";" && !strings.HasPrefix(f[0], "Assets:") && !strings.HasPrefix(f[0], "Liabilities:") {
				t.Errorf("a transfer is booked to %s:\n%s", f[0], tx)
			}
		}
	}
	return transfers
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	return rows
}
