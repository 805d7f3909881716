package cli

// The commands in-process, as people run them, against the emulator on
// loopback: faults, bad input, every export format, logout, --demo, doctor,
// and --json's fidelity to what the bank sent.

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// ---- the CLI against the emulator with faults ----

func TestCLIWithFaults(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t, "ob-northgate")
	truth := srv.Truth("john", "ob-northgate")

	// A 429 storm while syncing: retried, the sync completes.
	remove := srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/**", Kind: truelayertest.Status, Status: 429, Count: 6})
	r := h.must("sync")
	remove()
	if !strings.Contains(r.stdout, "new transactions") {
		t.Errorf("sync printed no summary:\n%s", r.stdout)
	}
	if strings.Contains(r.stderr, "\r") {
		t.Errorf("sync drew a progress bar on a pipe:\n%q", r.stderr)
	}
	checkBalances(t, parseBalance(t, h.must("balance", "--offline", "--json").stdout), truth)
	settled := 0
	for _, a := range append(truth.Accounts, truth.Cards...) {
		settled += len(a.Transactions)
	}
	var txs []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(h.must("transactions", "--settled", "--json").stdout), &txs); err != nil {
		t.Fatal(err)
	}
	if len(txs) != settled {
		t.Errorf("transactions --settled lists %d, the bank has %d", len(txs), settled)
	}
	before := h.must("balance", "--offline", "--json").stdout
	beforeTx := h.must("transactions", "--json").stdout

	// A storm that does not end: a clear message, exit 1, stored data intact.
	remove = srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/**", Kind: truelayertest.Status, Status: 429})
	h.expect(exitFailure, []string{"rate limit", "try again"}, "balance")
	remove()

	// 503s: a few are retried away; a lasting outage is reported.
	srv.ResetLog()
	remove = srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/**", Kind: truelayertest.Status, Status: 503, Count: 3})
	h.must("balance")
	remove()
	saw503 := 0
	for _, q := range srv.Requests() {
		if q.Status == 503 {
			saw503++
		}
	}
	if saw503 != 3 {
		t.Errorf("the emulator answered %d requests with 503, want 3 (retried)", saw503)
	}
	remove = srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/**", Kind: truelayertest.Status, Status: 503})
	h.expect(exitFailure, []string{"temporarily unavailable"}, "balance")
	remove()

	// Consent gone: the refresh gets invalid_grant; exit 3 and a reconnect hint.
	h2 := newHome(t)
	clientID2, _ := h2.useEmulator(srv)
	h2.connect(srv, clientID2, "ob-northgate", false)
	h2.must("balance") // accounts and balances stored; no history needed
	storedBefore := h2.must("balance", "--offline", "--json").stdout
	if err := config.OpenCredentials(h2.credentialsFile()).Update(func(c *config.Credentials) error {
		c.Connections[0].Expiry = time.Now().Add(-time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	remove = srv.Inject(truelayertest.Fault{Kind: truelayertest.InvalidGrant})
	h2.expect(exitNeedsLogin, []string{"banktui login"}, "balance")
	h2.expect(exitNeedsLogin, []string{"banktui login"}, "sync")
	remove()
	var conns []connectionJSON
	if err := json.Unmarshal([]byte(h2.must("connections", "--json").stdout), &conns); err != nil {
		t.Fatal(err)
	}
	if len(conns) != 1 || !conns[0].NeedsReconnect {
		t.Errorf("connections after invalid_grant: %+v, want the connection marked for reconnecting", conns)
	}
	if got := h2.must("balance", "--offline", "--json").stdout; !sameBalances(t, got, storedBefore) {
		t.Errorf("stored balances changed after invalid_grant:\n%s\nwant\n%s", got, storedBefore)
	} else if !strings.Contains(got, ledger.SyncErrConsentExpired) {
		t.Errorf("stored balances do not say the consent expired:\n%s", got)
	}

	// The first home's stored data survived every fault.
	if got := h.must("balance", "--offline", "--json").stdout; !sameBalances(t, got, before) {
		t.Errorf("stored balances changed across faults:\n%s\nwant\n%s", got, before)
	}
	if got := h.must("transactions", "--json").stdout; got != beforeTx {
		t.Error("stored transactions changed across faults")
	}

	// --debug logs every request to a 0600 file, secrets redacted.
	d := h.must("--debug", "balance")
	logFile := filepath.Join(h.root, "state", "banktui", "debug.log")
	fi, err := os.Stat(logFile)
	if err != nil {
		t.Fatalf("--debug wrote no log: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("debug.log has mode %04o, want 0600", fi.Mode().Perm())
	}
	logText, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(logText), "/data/v1/accounts") {
		t.Errorf("debug.log does not show the requests:\n%s", logText)
	}
	creds, err := config.OpenCredentials(h.credentialsFile()).Load()
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecrets(t, creds, r.stdout, r.stderr, d.stdout, d.stderr, string(logText))
}

// ---- bad input: one clear line, the right exit code ----

func TestBadInput(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	h.expect(exitUsage, []string{"unknown flag", "--help"}, "balance", "--bogus")
	h.expect(exitUsage, []string{"unknown command"}, "balanse")
	h.expect(exitUsage, []string{"YYYY-MM-DD"}, "transactions", "--from", "2026-13-01")
	h.expect(exitUsage, []string{"--json and --csv"}, "transactions", "--json", "--csv")
	h.expect(exitUsage, []string{"csv, json, ofx, ledger, beancount"}, "export", "--format", "xls")
	h.expect(exitNeedsLogin, []string{"banktui login"}, "balance", "--offline")
	h.expect(exitUsage, []string{"TRUELAYER_CLIENT_ID"}, "login")
	h.expect(exitUsage, []string{"needs a terminal", "banktui balance"}, "--demo") // stdout is a pipe here

	// With data: an unknown account names the command that lists them.
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	clientID, _ := h.useEmulator(srv)
	h.expect(exitNeedsLogin, []string{"banktui login"}, "balance")
	h.connect(srv, clientID, "ob-nova", false)
	h.must("sync")
	h.expect(exitUsage, []string{"no account", "banktui accounts"}, "transactions", "no-such-account")

	// Unreadable settings: which file, and exit 2.
	cfg := filepath.Join(h.root, "bad.toml")
	if err := os.WriteFile(cfg, []byte("client_id = [unclosed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.expect(exitUsage, []string{"bad.toml"}, "--config", cfg, "balance")

	for _, args := range [][]string{{"balance", "--bogus"}, {"transactions", "--from", "x"}, {"transactions", "nope"}} {
		if r := h.run(args...); strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("banktui %s: want one line on stderr, got:\n%s", strings.Join(args, " "), r.stderr)
		}
	}
}

// ---- logout ----

func TestLogout(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t, "ob-northgate", "ob-nova")
	h.must("sync", "ob-nova") // the history logout keeps or forgets
	h.expect(exitUsage, []string{"banktui connections"}, "logout", "no-such-connection")
	h.expect(exitUsage, []string{"--all"}, "logout")
	h.expect(exitOK, []string{"ob-nova: revoked"}, "logout", "ob-nova")

	var conns []connectionJSON
	if err := json.Unmarshal([]byte(h.must("connections", "--json").stdout), &conns); err != nil {
		t.Fatal(err)
	}
	if len(conns) != 1 || conns[0].ID != "ob-northgate" {
		t.Errorf("after logout ob-nova: %+v, want only ob-northgate", conns)
	}
	// The revoked token no longer works at the bank.
	revoked := 0
	for _, q := range srv.Requests() {
		if q.Method == "DELETE" && strings.HasSuffix(q.Path, "/api/delete") && q.Status == 200 {
			revoked++
		}
	}
	if revoked != 1 {
		t.Errorf("the emulator saw %d successful revocations, want 1", revoked)
	}
	// The history stays for offline reading...
	var accounts []ledger.AccountJSON
	if err := json.Unmarshal([]byte(h.must("accounts", "--json").stdout), &accounts); err != nil {
		t.Fatal(err)
	}
	kept := false
	for _, a := range accounts {
		kept = kept || a.ConnectionID == "ob-nova"
	}
	if !kept {
		t.Error("logout deleted ob-nova's history without --forget-history")
	}
	// ...unless asked to go too.
	h.expect(exitOK, []string{"history deleted"}, "logout", "--all", "--forget-history")
	h.expect(exitNeedsLogin, []string{"banktui login"}, "sync")
	h.expect(exitNeedsLogin, []string{"no bank connected", "banktui login"}, "accounts")
}

// ---- --demo on subcommands ----

func TestDemoSubcommands(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	truthSrv := truelayertest.NewServer()
	t.Cleanup(truthSrv.Close)
	got := parseBalance(t, h.must("--demo", "balance", "--json").stdout)

	// The demo connects the demo providers as john; compare with their truth.
	want := &truelayertest.BankData{}
	for _, p := range demoProviders {
		b := truthSrv.Truth("john", p)
		want.Accounts = append(want.Accounts, b.Accounts...)
		want.Cards = append(want.Cards, b.Cards...)
	}
	checkBalances(t, got, want)

	// doctor checks the demo bank's settings and connections, live.
	r := h.run("--demo", "doctor")
	for _, want := range []string{"custom  (auth_url from the demo bank, api_url from the demo bank)", "Northgate Bank, consent", "/me"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("--demo doctor lacks %q:\n%s", want, r.stdout)
		}
	}
	// Nothing of the user's was created or read.
	for _, dir := range []string{"config", "data"} {
		if entries, _ := os.ReadDir(filepath.Join(h.root, dir)); len(entries) > 0 {
			t.Errorf("--demo wrote into the user's %s directory: %v", dir, entries)
		}
	}
}

// ---- doctor ----

func TestDoctor(t *testing.T) {
	t.Parallel()
	h, _, redirect := emulatedHome(t, "ob-northgate")

	r := h.must("doctor")
	for _, want := range []string{
		h.credentialsFile() + "  mode 0600",
		"env " + config.EnvClientID,
		"env " + config.EnvAPIURL,
		"prefix sandbox-: a sandbox client",
		redirect,
		"is free",
		"consent until",
		"/me",
		"Northgate Bank",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor does not show %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "e2e-secret") {
		t.Error("doctor printed the client secret")
	}

	// A busy callback port, and a token file others can read: FAIL lines
	// that say what to do, and a non-zero exit.
	port := strings.TrimSuffix(strings.TrimPrefix(redirect, "http://127.0.0.1:"), "/callback")
	busy, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if err := os.Chmod(h.credentialsFile(), 0o644); err != nil {
		t.Fatal(err)
	}
	r = h.expect(exitFailure, []string{"doctor found"}, "doctor")
	for _, want := range []string{"is busy", "chmod 0600"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor does not say %q:\n%s", want, r.stdout)
		}
	}
	// The login says the port is busy, in one line.
	if err := os.Chmod(h.credentialsFile(), 0o600); err != nil {
		t.Fatal(err)
	}
	h.expect(exitFailure, []string{"port", "TRUELAYER_REDIRECT_URI"}, "login", "--no-browser")
}

// A redirect URI that login refuses (another host, or https on loopback)
// is a FAIL in doctor with login's own advice, not a hint to paste the URL:
// login refuses it with --no-browser too.
func TestDoctorFailsARedirectURILoginRefuses(t *testing.T) {
	t.Parallel()
	h, _, _ := emulatedHome(t, "ob-northgate")
	for _, tt := range []struct{ uri, want string }{
		{"http://example.com:3000/callback", "not on this machine: use http://localhost:3000/callback"},
		{"https://localhost:3000/callback", "must be an http:// URL"},
	} {
		h.set(config.EnvRedirectURI, tt.uri)
		r := h.expect(exitFailure, []string{"doctor found"}, "doctor")
		if !strings.Contains(r.stdout, "FAIL  redirect_uri") || !strings.Contains(r.stdout, tt.want) {
			t.Errorf("%s: doctor does not FAIL it saying %q:\n%s", tt.uri, tt.want, r.stdout)
		}
		// login refuses it as a setting to fix (exit 2), saying the same.
		h.expect(exitUsage, []string{tt.want}, "login", "--no-browser")
	}
}

// ---- --json keeps the bank's names and number text ----

func TestJSONKeepsTheBanksText(t *testing.T) {
	t.Parallel()
	h, srv := sharedHome(t)
	truth := srv.Truth("john", "ob-northgate")
	account := truth.Accounts[0].ID

	// What the bank sends, byte for byte (numbers kept as text).
	tok, err := srv.Connect(truelayertest.DefaultClientID, "john", "ob-northgate", truelayer.DefaultScopes)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.APIURL()+"/data/v1/accounts/"+account+"/transactions", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sent struct {
		Results []map[string]any `json:"results"`
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&sent); err != nil {
		t.Fatal(err)
	}
	bank := map[string]map[string]any{}
	for _, x := range sent.Results {
		bank[x["transaction_id"].(string)] = x
	}

	var ours []map[string]any
	dec = json.NewDecoder(strings.NewReader(h.must("transactions", account, "--settled", "--json").stdout))
	dec.UseNumber()
	if err := dec.Decode(&ours); err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, x := range ours {
		b, ok := bank[x["transaction_id"].(string)]
		if !ok {
			continue // older than the bank's default window
		}
		compared++
		for field, v := range b {
			if fmt.Sprint(x[field]) != fmt.Sprint(v) {
				t.Errorf("%s %s: banktui says %v, the bank sent %v", x["transaction_id"], field, x[field], v)
			}
		}
		if x["account_id"] != account {
			t.Errorf("%s: account_id %v, want %s", x["transaction_id"], x["account_id"], account)
		}
	}
	if compared == 0 {
		t.Fatal("no transaction of the bank's default window is in banktui's output")
	}

	// Balances too: the same number text as the bank's balance endpoint.
	req, _ = http.NewRequest("GET", srv.APIURL()+"/data/v1/accounts/"+account+"/balance", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	var sentBal struct {
		Results []struct {
			Current, Available json.Number
		} `json:"results"`
	}
	if err := json.NewDecoder(resp2.Body).Decode(&sentBal); err != nil || len(sentBal.Results) != 1 {
		t.Fatalf("bank balance: %v", err)
	}
	var ourBal struct {
		Results []struct {
			AccountID          string `json:"account_id"`
			Current, Available json.Number
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(h.must("balance", "--json").stdout), &ourBal); err != nil {
		t.Fatal(err)
	}
	for _, r := range ourBal.Results {
		if r.AccountID == account && (r.Current != sentBal.Results[0].Current || r.Available != sentBal.Results[0].Available) {
			t.Errorf("balance --json says %s/%s, the bank sent %s/%s", r.Current, r.Available, sentBal.Results[0].Current, sentBal.Results[0].Available)
		}
	}
}
