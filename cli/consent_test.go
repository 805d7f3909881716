package cli

import (
	"encoding/json"
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

// Castle refuses the direct debits of its savings account (403
// access_denied, as First Direct does): the sync succeeds, nothing says
// "reconnect", and connections and doctor say which endpoint of which
// account the bank refuses. (The whole connection used to need reconnecting.)
func TestRefusedEndpointIsShownNotALostConsent(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t, "ob-castle")
	r := h.must("sync")
	if strings.Contains(strings.ToLower(r.stdout+r.stderr), "consent expired") {
		t.Errorf("sync says the consent expired:\n%s%s", r.stdout, r.stderr)
	}
	savings := srv.Truth("john", truelayertest.ProviderCastle).Accounts[1].Account.DisplayName
	want := ledger.Sanitize(savings) + ": direct debits: refused by the bank (403 access_denied)"
	if c := h.must("connections"); !strings.Contains(c.stdout, want) {
		t.Errorf("connections lacks %q:\n%s", want, c.stdout)
	}
	if d := h.run("doctor"); !strings.Contains(d.stdout, want) || !strings.Contains(d.stdout, "not a lost consent") {
		t.Errorf("doctor lacks %q:\n%s", want, d.stdout)
	}
	var conns []connectionJSON
	json.Unmarshal([]byte(h.must("connections", "--json").stdout), &conns)
	if len(conns) != 1 || len(conns[0].Endpoints) != 1 || conns[0].Endpoints[0].Status != 403 || conns[0].NeedsReconnect {
		t.Errorf("connections --json: %+v", conns)
	}
}

// A connection whose consent lacks standing_orders and direct_debits: the
// sync never calls them (the bank would refuse), and connections says they
// were not granted and how to get them.
func TestSyncCallsOnlyGrantedScopes(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t)
	clientID := h.getenv(config.EnvClientID)
	h.connectWith(srv, clientID, "ob-northgate", false, truelayer.DefaultScopes)
	h.must("sync")
	for _, q := range srv.Requests() {
		if strings.HasSuffix(q.Path, "/standing_orders") || strings.HasSuffix(q.Path, "/direct_debits") || q.Status == 403 {
			t.Errorf("%s: %d", q.Path, q.Status)
		}
	}
	if c := h.must("connections"); !strings.Contains(c.stdout, "not granted: standing_orders direct_debits") {
		t.Errorf("connections:\n%s", c.stdout)
	}
}

// A sync from cron (no terminal) never says the user is present and stays
// within the banks' unattended limit: what it cannot afford it skips and
// says so, and no call meets a 429. connections --json shows the calls
// left. On a terminal the same sync sends X-PSU-IP and skips nothing.
func TestSyncWithoutATerminalStaysWithinTheUnattendedLimit(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t, "ob-northgate")
	var last result
	for range 4 {
		last = h.must("sync")
	}
	if !strings.Contains(last.stdout, "skipped transactions") || !strings.Contains(last.stdout, "without you present") {
		t.Errorf("the fourth sync of the day does not say what it skipped:\n%s", last.stdout)
	}
	for _, q := range srv.Requests() {
		if q.Status == 429 || q.PSUIP != "" {
			t.Errorf("%s: status %d, X-PSU-IP %q", q.Path, q.Status, q.PSUIP)
		}
	}
	var conns []connectionJSON
	if err := json.Unmarshal([]byte(h.must("connections", "--json").stdout), &conns); err != nil {
		t.Fatal(err)
	}
	left := conns[0].UnattendedCallsLeft
	if len(left) < 2 || left[0].AccountID != "" || left[0].Left["accounts"] != 0 || left[1].Left["transactions"] != 0 || left[1].Next["transactions"].IsZero() {
		t.Errorf("unattended calls left: %+v", left)
	}

	srv.ResetLog()
	r := h.runTerminal("sync")
	if r.code != 0 || strings.Contains(r.stdout, "skipped") {
		t.Errorf("sync on a terminal: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, q := range srv.Requests() {
		if strings.HasPrefix(q.Path, "/api/") && q.PSUIP != "127.0.0.1" {
			t.Errorf("%s on a terminal without X-PSU-IP (%q)", q.Path, q.PSUIP)
		}
	}
}

// connections shows each consent's days left and, from a week before it
// lapses, a warning with the command that renews it.
func TestConnectionsWarnBeforeTheConsentLapses(t *testing.T) {
	t.Parallel()
	h, _, _ := emulatedHome(t, "ob-northgate", "ob-nova")
	if r := h.must("connections"); !strings.Contains(r.stdout, "(89 days)") || strings.Contains(r.stdout, "consent ends") {
		t.Errorf("connections:\n%s", r.stdout)
	}
	setConsentExpiry(t, h, "ob-nova", time.Now().Add(5*24*time.Hour+time.Hour))
	r := h.must("connections")
	if !strings.Contains(r.stdout, "ob-nova: consent ends in 5 days") || !strings.Contains(r.stdout, "banktui connections extend ob-nova") ||
		strings.Contains(r.stdout, "ob-northgate: consent ends") {
		t.Errorf("connections:\n%s", r.stdout)
	}
	var conns []connectionJSON
	json.Unmarshal([]byte(h.must("connections", "--json").stdout), &conns)
	for _, c := range conns {
		if c.ConsentDaysLeft == nil || (c.ID == "ob-nova") != (*c.ConsentDaysLeft == 5 && c.Warning != "") {
			t.Errorf("%s: days left %v, warning %q", c.ID, c.ConsentDaysLeft, c.Warning)
		}
	}
	if d := h.run("doctor"); !strings.Contains(d.stdout, "consent ends in 5 days") {
		t.Errorf("doctor:\n%s", d.stdout)
	}
}

func setConsentExpiry(t *testing.T, h *home, id string, at time.Time) {
	t.Helper()
	err := config.OpenCredentials(h.credentialsFile()).Update(func(c *config.Credentials) error {
		c.Connection(id).ConsentExpiresAt = at
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// connections extend renews a consent where the bank allows it without the
// user (john/eternal), under the same id: before it lapses with the user's
// name and email from the bank, and after it lapsed (no access token, no
// /info then) with them given. Without a terminal it needs --yes.
func TestConnectionsExtendWithoutSigningIn(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t)
	h.browser = authorizeAsUser(srv, "john", "eternal", "ob-northgate")
	h.must("login", "--provider", "ob-northgate", "--no-sync")
	before := savedConnection(t, h, "ob-northgate")
	srv.AdvanceClock(85 * 24 * time.Hour)
	h.expect(exitUsage, []string{"needs your confirmation", "--yes"}, "connections", "extend", "ob-northgate")
	r := h.must("connections", "extend", "ob-northgate", "--yes")
	after := savedConnection(t, h, "ob-northgate")
	if !strings.Contains(r.stderr, "Renewed Northgate Bank (ob-northgate): consent until") ||
		!after.ConsentExpiresAt.After(before.ConsentExpiresAt) || after.CredentialsID != before.CredentialsID {
		t.Errorf("extend:\n%s\nconsent %v -> %v", r.stderr, before.ConsentExpiresAt, after.ConsentExpiresAt)
	}

	srv.AdvanceClock(100 * 24 * time.Hour) // lapsed
	h.expect(exitUsage, []string{"--name", "--email"}, "connections", "extend", "ob-northgate", "--yes")
	h.must("connections", "extend", "ob-northgate", "--yes", "--name", "John Doe", "--email", "john@example.com")
	if again := savedConnection(t, h, "ob-northgate"); !again.ConsentExpiresAt.After(after.ConsentExpiresAt) || again.NeedsReconnect {
		t.Errorf("after the lapse: consent %v -> %v, needs reconnect %v", after.ConsentExpiresAt, again.ConsentExpiresAt, again.NeedsReconnect)
	}
}

// Where the bank wants the user (john/doe), extend prints the bank's link,
// opens it, and waits for the browser as login does; the same connection is
// renewed.
func TestConnectionsExtendSigningIn(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t)
	h.browser = authorizeAs(srv, "ob-northgate")
	h.must("login", "--provider", "ob-northgate", "--no-sync")
	before := savedConnection(t, h, "ob-northgate")
	srv.AdvanceClock(85 * 24 * time.Hour)
	h.browser = authorizeAsUser(srv, "john", "doe", "ob-northgate") // the renewal link: the redirect carries the code
	r := h.must("connections", "extend", "ob-northgate", "--yes", "--name", "John Doe", "--email", "john@example.com")
	after := savedConnection(t, h, "ob-northgate")
	if !strings.HasPrefix(r.stdout, srv.AuthURL()) || !strings.Contains(r.stderr, "wants you to sign in again") ||
		!after.ConsentExpiresAt.After(before.ConsentExpiresAt) || after.CredentialsID != before.CredentialsID {
		t.Errorf("extend:\nstdout %s\nstderr %s\nconsent %v -> %v", r.stdout, r.stderr, before.ConsentExpiresAt, after.ConsentExpiresAt)
	}
	creds, _ := config.OpenCredentials(h.credentialsFile()).Load()
	assertNoSecrets(t, creds, r.stdout, r.stderr)
}

func savedConnection(t *testing.T, h *home, id string) config.Connection {
	t.Helper()
	creds, err := config.OpenCredentials(h.credentialsFile()).Load()
	if err != nil || creds.Connection(id) == nil {
		t.Fatalf("connection %s: %v", id, err)
	}
	return *creds.Connection(id)
}

// An expired connection reconnects through login: the same connection id,
// the same account ids, its history kept and not duplicated.
func TestExpiredConnectionReconnectsKeepingItsHistory(t *testing.T) {
	t.Parallel()
	h, srv := syncedHome(t)
	accountsBefore := storedAccountIDs(t, h)
	rows := len(strings.Split(h.must("transactions", "--csv").stdout, "\n"))
	setConsentExpiry(t, h, "ob-northgate", time.Now().Add(-time.Hour))
	h.browser = authorizeAs(srv, "ob-northgate")
	h.must("login", "--provider", "ob-northgate")
	creds, _ := config.OpenCredentials(h.credentialsFile()).Load()
	if len(creds.Connections) != 1 || creds.Connections[0].ID != "ob-northgate" {
		t.Fatalf("connections after reconnecting: %d", len(creds.Connections))
	}
	if after := storedAccountIDs(t, h); after != accountsBefore {
		t.Errorf("accounts %s after reconnecting, %s before", after, accountsBefore)
	}
	if after := len(strings.Split(h.must("transactions", "--csv").stdout, "\n")); after != rows {
		t.Errorf("%d transaction lines after reconnecting, %d before", after, rows)
	}
}

// storedAccountIDs are the stored accounts and cards, with their connection.
func storedAccountIDs(t *testing.T, h *home) string {
	t.Helper()
	var out []ledger.AccountJSON
	if err := json.Unmarshal([]byte(h.must("accounts", "--json").stdout), &out); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range out {
		ids = append(ids, a.ConnectionID+"/"+a.AccountID)
	}
	return strings.Join(ids, " ")
}

// A bank that denies the account list itself (access_denied): the consent
// is gone there, so the connection needs reconnecting (credentials.json,
// connections, exit 3), and a login takes its place under the same id.
func TestAccountListDeniedNeedsReconnect(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t, "ob-northgate")
	h.must("sync")
	remove := srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/accounts", Kind: truelayertest.Status, Status: 403, Code: "access_denied"})
	h.expect(exitNeedsLogin, []string{"consent expired"}, "sync")
	remove()
	if c := savedConnection(t, h, "ob-northgate"); !c.NeedsReconnect || !strings.Contains(c.Reason, "denied the account list") {
		t.Errorf("connection after a denied account list: needs reconnect %v, %q", c.NeedsReconnect, c.Reason)
	}
	if r := h.must("connections"); !strings.Contains(r.stdout, "needs reconnecting (the bank denied the account list (access_denied)): banktui login --provider ob-northgate") {
		t.Errorf("connections:\n%s", r.stdout)
	}
	h.browser = authorizeAs(srv, "ob-northgate")
	h.must("login", "--provider", "ob-northgate")
	creds, _ := config.OpenCredentials(h.credentialsFile()).Load()
	if len(creds.Connections) != 1 || creds.Connections[0].ID != "ob-northgate" || creds.Connections[0].NeedsReconnect {
		t.Errorf("after the login: %d connections, %+v", len(creds.Connections), creds.Connections[0].ID)
	}
}

// psu_ip in config.toml is the address sent as X-PSU-IP when the user is
// present, never without a terminal.
func TestConfiguredPSUIP(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t, "ob-nova")
	cfg := h.paths().ConfigFile
	if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("psu_ip = \"203.0.113.7\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := h.runTerminal("balance"); r.code != 0 {
		t.Fatalf("balance: %d %s", r.code, r.stderr)
	}
	h.must("balance")
	var attended, unattended int
	for _, q := range srv.Requests() {
		switch {
		case !strings.HasPrefix(q.Path, "/api/data/v1/"):
		case q.PSUIP == "203.0.113.7":
			attended++
		case q.PSUIP == "":
			unattended++
		default:
			t.Errorf("%s sent X-PSU-IP %q", q.Path, q.PSUIP)
		}
	}
	if attended == 0 || unattended == 0 {
		t.Errorf("%d calls said the user was present, %d did not: want both", attended, unattended)
	}
	if d := h.run("doctor"); !strings.Contains(d.stdout, "psu_ip") || !strings.Contains(d.stdout, "203.0.113.7") {
		t.Errorf("doctor:\n%s", d.stdout)
	}
}
