package cli

// Bank text is untrusted: whatever a bank (or anything between it and
// banktui) puts in names, currencies, categories, ids, provider names and
// error descriptions, no escape sequence, control or bidi character reaches
// the terminal or a file, and --json keeps the text exactly, escaped.

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer"
)

// evil would set the clipboard (OSC 52), retitle the window (OSC 0), clear
// the screen (CSI 2J), reverse what follows (U+202E) and colour it (C1 CSI).
const evil = "\x1b]52;c;cHduZWQ=\x07\x1b]0;pwned\x07\x1b[2J\u202e\u009b31m\u0085"

// evilConnection is a connection id made from a hostile provider id.
const evilConnection = "ob-northgate\x1b]0;pwned\x07"

// inert fails when out holds a control character other than a line break
// or tab, DEL, a C1 control or a bidi control.
func inert(t testing.TB, what, out string) {
	t.Helper()
	for i, r := range out {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Bidi_Control, r) {
			t.Errorf("%s writes %U raw at byte %d:\n%q", what, r, i, out)
			return
		}
	}
}

// hostileHome is a home whose one connection has a hostile id and provider
// name, on a bank whose every piece of text carries evil, through a front.
func hostileHome(t *testing.T) (*home, *front) {
	t.Helper()
	h, srv, _ := emulatedHome(t)
	fr := newFront(t, srv)
	fr.use(h)
	tok, err := srv.Connect(h.getenv(config.EnvClientID), "john", "ob-northgate", truelayer.DefaultScopes)
	if err != nil {
		t.Fatal(err)
	}
	err = config.OpenCredentials(h.credentialsFile()).Update(func(c *config.Credentials) error {
		c.Connections = append(c.Connections, config.Connection{
			ID: evilConnection, ProviderID: "ob-northgate" + evil, ProviderName: "Northgate" + evil, Scopes: truelayer.DefaultScopes,
			AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry,
			ConsentExpiresAt: time.Now().Add(90 * 24 * time.Hour), Reason: evil,
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fr.on("/api/data/v1/*", rewriteJSON(func(v any) {
		taint(v, evil, "display_name", "currency", "account_type", "card_network", "card_type", "number", "provider_id")
	}))
	transactions := rewriteJSON(func(v any) {
		taint(v, evil, "currency", "description", "merchant_name", "transaction_category", "transaction_classification",
			"transaction_id", "provider_transaction_id")
	})
	fr.on("/api/data/v1/*/*/*", transactions)
	fr.on("/api/data/v1/*/*/transactions/pending", transactions)
	return h, fr
}

func TestHostileTextNeverReachesTheTerminal(t *testing.T) {
	t.Parallel()
	h, fr := hostileHome(t)

	// Every account's transactions fail with a hostile error description:
	// several problems, each on its own line, naming the connection.
	remove := fr.on("/api/data/v1/accounts/*/transactions", apiError(http.StatusBadRequest, "weird_error"+evil, "boom"+evil))
	r := h.run("sync")
	remove()
	if r.code != exitFailure || strings.Count(r.stderr, "banktui: ") < 2 {
		t.Errorf("sync with failing accounts: exit %d, want %d and a line per problem:\n%s", r.code, exitFailure, r.stderr)
	}
	inert(t, "sync (stdout)", r.stdout)
	inert(t, "sync (stderr)", r.stderr)
	h.must("sync")

	for _, args := range [][]string{
		{"balance"}, {"balance", "--offline"}, {"accounts"}, {"cards"}, {"transactions"}, {"transactions", "--csv"},
		{"connections"}, {"export", "--format", "csv"}, {"export", "--format", "ofx"}, {"export", "--format", "ledger"},
		{"export", "--format", "beancount"},
		{"balance", "--json"}, {"accounts", "--json"}, {"transactions", "--json"}, {"connections", "--json"},
		{"export", "--format", "json"},
	} {
		r := h.must(args...)
		inert(t, strings.Join(args, " "), r.stdout)
		inert(t, strings.Join(args, " ")+" (stderr)", r.stderr)
	}

	// --json keeps the bank's text exactly: escaped, not stripped.
	var bal struct {
		Results []struct {
			DisplayName string `json:"display_name"`
			Currency    string `json:"currency"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(h.must("balance", "--json").stdout), &bal); err != nil {
		t.Fatal(err)
	}
	if len(bal.Results) == 0 || !strings.HasSuffix(bal.Results[0].DisplayName, evil) || !strings.HasSuffix(bal.Results[0].Currency, evil) {
		t.Errorf("balance --json does not keep the bank's text: %+v", bal.Results)
	}
	var txs []struct {
		ID       string   `json:"transaction_id"`
		Category string   `json:"transaction_category"`
		Class    []string `json:"transaction_classification"`
	}
	if err := json.Unmarshal([]byte(h.must("transactions", "--json").stdout), &txs); err != nil {
		t.Fatal(err)
	}
	if len(txs) == 0 || !strings.HasSuffix(txs[0].ID, evil) || !strings.HasSuffix(txs[0].Category, evil) {
		t.Errorf("transactions --json does not keep the bank's text: %+v", txs[0])
	}
	var conns []connectionJSON
	if err := json.Unmarshal([]byte(h.must("connections", "--json").stdout), &conns); err != nil {
		t.Fatal(err)
	}
	if len(conns) != 1 || conns[0].ID != evilConnection || conns[0].Reason != evil {
		t.Errorf("connections --json does not keep the saved text: %+v", conns)
	}
}

// The one error line of a failing command: a bank's hostile error text is
// sanitised in what banktui writes to stderr itself (not left to fang,
// which strips escapes only when stderr is not a terminal).
func TestHostileErrorTextIsOneInertLine(t *testing.T) {
	t.Parallel()
	h, fr := hostileHome(t)
	fr.on("/api/data/v1/accounts", apiError(http.StatusBadRequest, "weird"+evil, "described"+evil))
	r := h.run("--debug", "balance")
	if r.code != exitFailure {
		t.Errorf("balance: exit %d, want %d\n%s", r.code, exitFailure, r.stderr)
	}
	inert(t, "balance (stderr)", r.stderr)
	if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "banktui: ") {
		t.Errorf("balance printed %d lines, want one error line:\n%s", len(lines), r.stderr)
	}
	if !strings.Contains(r.stderr, "weird") {
		t.Errorf("the error line does not name the bank's error code:\n%s", r.stderr)
	}
	// The debug log is a file people cat: its lines are inert too.
	log, err := os.ReadFile(h.paths().DebugLog)
	if err != nil {
		t.Fatal(err)
	}
	inert(t, "debug.log", string(log))
	if !strings.Contains(string(log), "weird") {
		t.Errorf("debug.log does not record the failure:\n%s", log)
	}
}
