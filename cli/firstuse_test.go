package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/banktui/banktui/truelayer/truelayertest"
)

// Connected but nothing synced yet: a read command says to run banktui sync
// (exit 1) without a terminal, or syncs first on one; never "connect a
// bank" to someone who has. (It used to answer "no accounts yet: connect a
// bank with banktui login", exit 3.)
func TestReadBeforeTheFirstSync(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t, "ob-northgate")
	for _, cmd := range []string{"transactions", "accounts", "export"} {
		args := []string{cmd}
		if cmd == "export" {
			args = append(args, "--format", "csv")
		}
		r := h.expect(exitFailure, []string{"nothing synced yet", "run banktui sync"}, args...)
		if strings.Contains(r.stderr, "banktui login") {
			t.Errorf("%s tells a connected user to connect a bank: %s", cmd, r.stderr)
		}
	}
	r := h.runTerminal("accounts")
	account := srv.Truth("john", truelayertest.ProviderNorthgate).Accounts[0].Account.DisplayName
	if r.code != 0 || !strings.Contains(r.stderr, "syncing your banks first") || !strings.Contains(r.stdout, account) {
		t.Errorf("accounts on a terminal before a sync: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := len(strings.Split(h.must("transactions", "--csv").stdout, "\n")); n < 10 {
		t.Errorf("the sync first stored %d transaction lines", n)
	}
}

// balance when the refresh fails and nothing is stored: the real reason
// (the consent), not "no accounts yet".
func TestBalanceSaysWhyTheRefreshFailed(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t)
	h.connect(srv, h.getenv("TRUELAYER_CLIENT_ID"), "ob-northgate", true)
	srv.Inject(truelayertest.Fault{Kind: truelayertest.InvalidGrant})
	r := h.expect(exitNeedsLogin, []string{"consent expired", "banktui login"}, "balance")
	if strings.Contains(r.stderr, "no accounts") {
		t.Errorf("balance: %s", r.stderr)
	}
}

// After logout, the connection's accounts leave the totals; their history
// stays, marked disconnected.
func TestLogoutLeavesTheTotals(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t, "ob-northgate", "ob-nova")
	h.must("sync")
	nova := srv.Truth("john", truelayertest.ProviderNova).Accounts[0]
	north := parseBalance(t, h.must("balance", "--offline", "--json").stdout)
	h.must("logout", "ob-nova")
	after := parseBalance(t, h.must("balance", "--offline", "--json").stdout)
	if want := north.Totals[0].Total.Sub(nova.Balance.Current); !after.Totals[0].Total.Equal(want) {
		t.Errorf("total %s after logging out of Nova, want %s", after.Totals[0].Total, want)
	}
	if r := h.must("balance", "--offline"); !strings.Contains(r.stdout, "disconnected") {
		t.Errorf("balance does not mark Nova's account disconnected:\n%s", r.stdout)
	}
	if r := h.must("transactions", nova.ID, "--csv"); len(strings.Split(r.stdout, "\n")) < 3 {
		t.Errorf("Nova's history is gone:\n%s", r.stdout)
	}
}

// login --provider X with config.toml's providers not covering X: X goes
// into providers (TrueLayer refuses a provider_id they do not cover). The
// login then syncs the new connection and says what to try; --no-sync
// fetches nothing.
func TestLoginCoversItsProviderAndSyncs(t *testing.T) {
	t.Parallel()
	h, srv, _ := emulatedHome(t)
	cfg := filepath.Join(h.root, "config", "banktui", "config.toml")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("providers = [\"uk-cs-mock\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.browser = authorizeAs(srv, "ob-nova")
	r := h.must("login", "--provider", "ob-nova")
	if !strings.Contains(r.stdout, "providers=uk-cs-mock%20ob-nova") {
		t.Errorf("the link's providers do not cover ob-nova: %s", r.stdout)
	}
	if !strings.Contains(r.stderr, "Synced 1 accounts and cards") || !strings.Contains(r.stderr, "Try banktui (the TUI) or banktui balance") {
		t.Errorf("login did not sync, or say what to try:\n%s", r.stderr)
	}
	account := srv.Truth("john", truelayertest.ProviderNova).Accounts[0].Account.DisplayName
	if a := h.must("accounts"); !strings.Contains(a.stdout, account) {
		t.Errorf("accounts after login:\n%s", a.stdout)
	}

	h2, srv2, _ := emulatedHome(t)
	h2.browser = authorizeAs(srv2, "ob-nova")
	h2.must("login", "--provider", "ob-nova", "--no-sync")
	for _, q := range srv2.Requests() {
		if strings.HasPrefix(q.Path, "/api/data/v1/") && q.Path != "/api/data/v1/me" {
			t.Errorf("login --no-sync called %s", q.Path)
		}
	}
}
