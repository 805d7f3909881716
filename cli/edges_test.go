package cli

// The rough edges a new user hit (issue 10), each pinned by a test.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/config"
)

func countJSON(t *testing.T, s string) int {
	t.Helper()
	var rows []json.RawMessage
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		t.Fatalf("not a JSON list: %v\n%.300s", err, s)
	}
	return len(rows)
}

func exportCount(t *testing.T, h *home, args ...string) (int, result) {
	t.Helper()
	r := h.must(append([]string{"export", "--format", "json"}, args...)...)
	var out struct {
		Transactions []json.RawMessage `json:"transactions"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	return len(out.Transactions), r
}

// On transactions every flag narrows (--pending: only pending); export
// widens with --include-pending; its old --pending still works, and says so.
func TestPendingFlagsSayWhatTheyDo(t *testing.T) {
	t.Parallel()
	h, srv := sharedHome(t)
	truth := srv.Truth("john", "ob-northgate")
	settled, pending := 0, 0
	for _, a := range append(truth.Accounts, truth.Cards...) {
		settled += len(a.Transactions)
		pending += len(a.Pending)
	}
	if pending == 0 {
		t.Fatal("the demo bank has no pending transactions to test with")
	}
	if n := countJSON(t, h.must("transactions", "--pending", "--json").stdout); n != pending {
		t.Errorf("transactions --pending lists %d, the bank has %d pending", n, pending)
	}
	if n := countJSON(t, h.must("transactions", "--json").stdout); n != settled+pending {
		t.Errorf("transactions lists %d, want settled and pending (%d)", n, settled+pending)
	}
	if n, _ := exportCount(t, h); n != settled {
		t.Errorf("export writes %d, want the %d settled ones", n, settled)
	}
	if n, _ := exportCount(t, h, "--include-pending"); n != settled+pending {
		t.Errorf("export --include-pending writes %d, want %d", n, settled+pending)
	}
	n, r := exportCount(t, h, "--pending")
	if n != settled+pending || !strings.Contains(r.stderr, "--include-pending") {
		t.Errorf("export --pending writes %d (want %d) and says %q; want a pointer to --include-pending", n, settled+pending, r.stderr)
	}
}

func TestCompletionNeedsAKnownShell(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	h.expect(exitUsage, []string{`unknown shell "nosh"`, "bash, zsh, fish, powershell", "banktui completion --help"}, "completion", "nosh")
	h.expect(exitUsage, []string{"give one shell"}, "completion")
	for _, shell := range completionShells {
		if r := h.must("completion", shell); !strings.Contains(r.stdout, "banktui") {
			t.Errorf("completion %s printed no script:\n%.200s", shell, r.stdout)
		}
	}
}

// A value of the wrong kind says what is expected, not strconv's words, and
// a bad flag points at the help of the command it was given to.
func TestBadFlagsSayWhatIsExpected(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	r := h.expect(exitUsage, []string{`--limit "abc" is not a whole number`, "banktui transactions --help"}, "transactions", "--limit", "abc")
	if strings.Contains(r.stderr, "strconv") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("want one plain line, got %q", r.stderr)
	}
	h.expect(exitUsage, []string{`--timeout "soon" is not a duration`}, "login", "--timeout", "soon")
	h.expect(exitUsage, []string{"unknown flag: --bogus", "see banktui export --help"}, "export", "--bogus")
	h.expect(exitUsage, []string{"see banktui balance --help"}, "balance", "--bogus")
	h.expect(exitUsage, []string{"see banktui --help"}, "--bogus")
	h.expect(exitUsage, []string{"--format is required", "banktui export --help"}, "export")
	h.expect(exitUsage, []string{`unknown command "balanse"`, "did you mean balance"}, "balanse")
	h.expect(exitUsage, []string{"accepts at most 1 arg", "banktui logout --help"}, "logout", "a", "b")
}

func TestExportIntoADirectory(t *testing.T) {
	t.Parallel()
	h, _ := sharedHome(t)
	dir := t.TempDir()
	for _, c := range []struct{ format, ext string }{{"csv", "csv"}, {"ledger", "journal"}} {
		r := h.must("export", "--format", c.format, "-o", dir+"/")
		file := filepath.Join(dir, "banktui-"+time.Now().Format(time.DateOnly)+"."+c.ext)
		fi, err := os.Stat(file)
		if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
			t.Fatalf("export -o %s/: %v, %v; want a 0600 %s file", dir, err, fi, file)
		}
		if !strings.Contains(r.stderr, file) {
			t.Errorf("export does not say where it wrote: %q", r.stderr)
		}
	}
	h.expect(exitUsage, []string{"no such directory", "create it first"}, "export", "--format", "csv", "-o", filepath.Join(dir, "missing")+"/")
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	h.expect(exitUsage, []string{"is not a directory"}, "export", "--format", "csv", "-o", plain+"/")
}

// The number exactly as accounts prints it names the account, as do its
// last digits and a card's "…1234".
func TestAccountNumberAsPrinted(t *testing.T) {
	t.Parallel()
	h, srv := sharedHome(t)
	truth := srv.Truth("john", "ob-northgate")
	account := truth.Accounts[0]
	listed := h.must("accounts").stdout
	number := regexp.MustCompile(`\d{2}-\d{2}-\d{2} \d{8}`).FindString(lineWith(listed, account.ID))
	if number == "" {
		t.Fatalf("accounts prints no sort code and number for %s:\n%s", account.ID, listed)
	}
	for _, name := range []string{number, strings.Fields(number)[1], strings.ReplaceAll(number, "-", "")} {
		var rows []struct {
			AccountID string `json:"account_id"`
		}
		if err := json.Unmarshal([]byte(h.must("transactions", name, "--json", "--limit", "5").stdout), &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 || rows[0].AccountID != account.ID {
			t.Errorf("transactions %q: %+v, want %s's", name, rows, account.ID)
		}
	}
	card := truth.Cards[0]
	printed := "…" + card.Card.PartialCardNumber
	if !strings.Contains(h.must("cards").stdout, printed) {
		t.Fatalf("cards does not print %q", printed)
	}
	if r := h.must("transactions", printed, "--json", "--limit", "1"); !strings.Contains(r.stdout, card.ID) {
		t.Errorf("transactions %q does not list the card's transactions", printed)
	}
}

func lineWith(text, needle string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, needle) {
			return l
		}
	}
	return ""
}

// doctor says where the environment came from: the hosts' settings, the
// client id's prefix, the variable, or the default.
func TestDoctorSaysWhereTheEnvironmentCameFrom(t *testing.T) {
	t.Parallel()
	h, _, _ := emulatedHome(t)
	r := h.run("doctor")
	want := "environment            custom  (auth_url from env " + config.EnvAuthURL + ", api_url from env " + config.EnvAPIURL + ")"
	if !strings.Contains(r.stdout, want) || strings.Contains(r.stdout, "custom  (default)") {
		t.Errorf("doctor does not say where the hosts came from; want %q in:\n%s", want, r.stdout)
	}

	h = newHome(t)
	h.set(config.EnvClientID, "sandbox-abc")
	h.set(config.EnvClientSecret, "x")
	r = h.run("doctor")
	for _, w := range []string{"sandbox  (implied by the client id's sandbox- prefix)", "https://auth.truelayer-sandbox.com  (the sandbox environment's)"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("doctor lacks %q:\n%s", w, r.stdout)
		}
	}
	h.set(config.EnvEnvironment, "live")
	r = h.expect(exitFailure, []string{"doctor found"}, "doctor")
	if !strings.Contains(r.stdout, "live  (env "+config.EnvEnvironment+")") || !strings.Contains(r.stdout, "fix "+config.EnvEnvironment) {
		t.Errorf("doctor does not blame %s for a live environment with a sandbox client:\n%s", config.EnvEnvironment, r.stdout)
	}

	r = newHome(t).run("doctor")
	if !strings.Contains(r.stdout, "live  (default)") {
		t.Errorf("doctor without settings does not say live is the default:\n%s", r.stdout)
	}
}

// Without a terminal, sync names accounts as people know them, even on the
// first sync (before the store holds their names).
func TestSyncLinesNameAccounts(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t, "ob-northgate")
	r := h.must("sync")
	var rep struct {
		Connections []syncConnectionJSON `json:"connections"`
	}
	if err := json.Unmarshal([]byte(h.must("sync", "--json", "ob-northgate").stdout), &rep); err != nil || len(rep.Connections) != 1 || len(rep.Connections[0].Accounts) == 0 {
		t.Errorf("sync --json: %v %+v", err, rep)
	}
	h.expect(exitUsage, []string{`no connection "ob-nope"`}, "sync", "ob-nope")
	truth := srv.Truth("john", "ob-northgate")
	for _, a := range append(truth.Accounts, truth.Cards...) {
		name := a.Account.DisplayName
		if a.IsCard {
			name = a.Card.DisplayName
		}
		if !strings.Contains(r.stderr, ": transactions "+name) {
			t.Errorf("sync lines do not name %q:\n%s", name, r.stderr)
		}
		if strings.Contains(r.stderr, a.ID) {
			t.Errorf("sync lines show the id %s instead of the name", a.ID)
		}
	}
}

// A misspelled [keys] action names the file and line, in doctor and when
// the TUI starts; so do TrueLayer settings config cannot judge itself.
func TestSettingsErrorsNameFileAndLine(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	file := h.paths().ConfigFile
	write := func(content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("# keys\n\n[keys]\nquit = \"x\"\nqiut = \"q\"\n")
	want := file + `:5: unknown key action "qiut"`
	h.expect(exitUsage, []string{want}, "--demo")
	if r := h.run("doctor"); !strings.Contains(r.stdout, want) {
		t.Errorf("doctor does not say %q:\n%s", want, r.stdout)
	}

	write("client_id = \"x\"\nenvironment = \"prod-eu\"\n")
	h.expect(exitUsage, []string{file + ":2: environment: unknown environment \"prod-eu\"", "banktui doctor"}, "balance")
	write("scopes = \"info wallet\"\n")
	h.expect(exitUsage, []string{file + ":1: scopes", "wallet"}, "providers")
	write("")
	h.set(config.EnvEnvironment, "moon")
	h.expect(exitUsage, []string{config.EnvEnvironment + ": unknown environment"}, "providers")
}
