package cli

// The fault matrix (issue 12): one row per way a bank, the network, the
// disk or a kill can go wrong, each run against the emulator's fault
// injection or a small hostile server on loopback (front_test.go), and
// each stating what must hold afterwards: nothing lost (the store and the
// saved tokens compared to before, or a next run that works), the exit
// code, and exactly one clear error line with no escape bytes.

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// after is what a row promises once the fault is over.
type after int

const (
	keepsStore     after = 1 << iota // stored balances and transactions as before
	keepsTokens                      // the saved connection and its tokens as before
	stillWorks                       // without the fault, the next balance succeeds: no connection lost
	marksReconnect                   // the connection is saved as needing a login, its history kept
	keepsFiles                       // credentials.json and ledger.db byte for byte as before
)

// faultRow is one fault: set it up, run banktui, check the outcome.
type faultRow struct {
	name    string
	setup   func(fx *faultEnv) // inject the fault; may set fx.run for a real process
	args    []string
	code    int
	phrases []string // in the one error line (or, with code 0, nowhere: no error line at all)
	stdout  []string // in stdout
	after   after
	verify  func(t *testing.T, fx *faultEnv, r result) // what else the row promises (faults_bankdata_test.go)
}

// faultEnv is one row's world: a synced home on its own emulator, behind a
// front, and what it looked like before the fault.
type faultEnv struct {
	t        *testing.T
	h        *home
	srv      *truelayertest.Server
	fr       *front
	clientID string
	run      func() result // the run under test; default: in-process banktui args

	balances, txs         string // balance --offline --json, transactions --json
	tokens                config.Connection
	credBytes, ledgerFile []byte

	// bank-data rows (faults_bankdata_test.go)
	firstRow    ledger.TxView            // the stored row copied
	rowsBefore  int                      // settled rows of the faulty account before the fault
	rowsBetween map[string]ledger.TxView // stored between two runs
}

func newFaultEnv(t *testing.T, provider string) *faultEnv {
	h, srv, _ := emulatedHome(t)
	// A row runs a sync, its command (with the client's retries) and a
	// command after it against one account: more unattended calls than a
	// bank allows a day. That budget has its own tests (consent_test.go).
	srv.Relax(truelayertest.RuleUnattendedLimit)
	fx := &faultEnv{t: t, h: h, srv: srv, fr: newFront(t, srv), clientID: h.getenv(config.EnvClientID)}
	fx.fr.use(h)
	h.connect(srv, fx.clientID, provider, false)
	h.must("sync")
	return fx
}

// snapshot records what must survive the fault.
func (fx *faultEnv) snapshot() {
	fx.balances = fx.h.must("balance", "--offline", "--json").stdout
	fx.txs = fx.h.must("transactions", "--json").stdout
	fx.tokens = fx.connection()
	fx.credBytes = fx.read(fx.h.credentialsFile())
	fx.ledgerFile = fx.read(fx.h.paths().LedgerDB)
}

func (fx *faultEnv) read(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		fx.t.Fatal(err)
	}
	return b
}

// connection is the saved Northgate connection, the one every row has.
func (fx *faultEnv) connection() config.Connection {
	c, err := config.OpenCredentials(fx.h.credentialsFile()).Load()
	if err != nil || c.Connection("ob-northgate") == nil {
		fx.t.Fatalf("credentials: %v, no ob-northgate connection", err)
	}
	return *c.Connection("ob-northgate")
}

// expireToken makes the next call refresh the token first.
func (fx *faultEnv) expireToken() {
	err := config.OpenCredentials(fx.h.credentialsFile()).Update(func(c *config.Credentials) error {
		c.Connection("ob-northgate").Expiry = time.Now().Add(-time.Hour)
		return nil
	})
	if err != nil {
		fx.t.Fatal(err)
	}
}

// writeConfig writes config.toml (0600, in a 0700 directory).
func (fx *faultEnv) writeConfig(content string) {
	path := fx.h.paths().ConfigFile
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		fx.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		fx.t.Fatal(err)
	}
}

// damageLedger overwrites the middle third of ledger.db's pages, its size
// unchanged (what a failing disk or a stray write does).
func (fx *faultEnv) damageLedger() {
	path := fx.h.paths().LedgerDB
	b := fx.read(path)
	pages := len(b) / 4096
	for i := pages / 3 * 4096; i < 2*pages/3*4096; i++ {
		b[i] = 0xA5
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		fx.t.Fatal(err)
	}
	fx.ledgerFile = b
}

func faultRows() []faultRow {
	return []faultRow{
		// ---- secrets stay home ----
		{name: "Data API redirects to another host", args: []string{"balance"}, code: exitFailure,
			phrases: []string{"refused to follow a redirect", "127.0.0.1"}, after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				other := newElsewhere(fx.t)
				fx.fr.on("/api/data/v1/accounts", redirectTo(http.StatusFound, other.URL))
				fx.t.Cleanup(func() { other.mustNotHave(fx.t, fx.tokens) })
			}},
		{name: "token endpoint redirects (307) to another host", args: []string{"balance"}, code: exitFailure,
			phrases: []string{"refused to follow a redirect"}, after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				other := newElsewhere(fx.t)
				fx.expireToken()
				fx.tokens = fx.connection()
				fx.fr.on("/auth/connect/token", redirectTo(http.StatusTemporaryRedirect, other.URL))
				fx.t.Cleanup(func() { other.mustNotHave(fx.t, fx.tokens) })
			}},

		// ---- nothing waits forever ----
		{name: "a server that never answers", args: []string{"balance"}, code: exitFailure,
			phrases: []string{"did not answer in time", "timeout awaiting response headers"}, after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				fx.writeConfig("[timeouts]\nconnect = \"1s\"\ntls_handshake = \"1s\"\nresponse_headers = \"200ms\"\n")
				fx.fr.on("/api/data/v1/accounts", fx.fr.holdUntilGone(nil))
			}},
		{name: "a server that trickles its body", args: []string{"balance"}, code: exitFailure,
			phrases: []string{"did not answer in time", "did not complete within 300ms"}, after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				fx.writeConfig("[timeouts]\nbody = \"300ms\"\n")
				fx.fr.on("/api/data/v1/accounts", fx.fr.trickle)
			}},
		{name: "a command past its overall deadline", args: []string{"balance"}, code: exitFailure,
			phrases: []string{"stopped after 1s", "config.toml:2", "[timeouts]"}, after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				fx.writeConfig("[timeouts]\ncommand = \"1s\"\n")
				fx.fr.on("/api/data/v1/accounts", fx.fr.holdUntilGone(nil))
			}},
		{name: "a huge body", args: []string{"balance"}, code: exitFailure,
			phrases: []string{"larger than the limit of 32 MiB"}, after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) { fx.fr.on("/api/data/v1/accounts", huge) }},

		// ---- hostile text ----
		{name: "hostile error text", args: []string{"balance"}, code: exitFailure,
			phrases: []string{"weird", "described"}, after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				fx.fr.on("/api/data/v1/accounts", apiError(http.StatusBadRequest, "weird"+evil, "described"+evil))
			}},

		// ---- what banks answer ----
		{name: "429 with Retry-After, then an answer", args: []string{"balance"}, code: exitOK,
			after: keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				fx.srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/accounts", Kind: truelayertest.Status, Status: 429, RetryAfter: time.Second, Count: 2})
			}},
		{name: "429 without Retry-After, lasting", args: []string{"balance"}, code: exitFailure,
			phrases: []string{"rate limiting", "try again"}, after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				fx.srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/accounts", Kind: truelayertest.Status, Status: 429})
			}},
		{name: "5xx, a few", args: []string{"balance"}, code: exitOK, after: keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				fx.srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/accounts", Kind: truelayertest.Status, Status: 502, Count: 2})
			}},
		{name: "5xx, lasting", args: []string{"balance"}, code: exitFailure,
			phrases: []string{"temporarily unavailable"}, after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				fx.srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/accounts", Kind: truelayertest.Status, Status: 503})
			}},
		{name: "connection resets", args: []string{"balance"}, code: exitFailure,
			phrases: []string{"cannot reach"}, after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				fx.srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/accounts", Kind: truelayertest.Reset})
			}},
		{name: "truncated bodies", args: []string{"balance"}, code: exitFailure,
			phrases: []string{"was cut short", "try again"}, after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				fx.srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/accounts", Kind: truelayertest.Truncated})
			}},
		{name: "malformed bodies", args: []string{"balance"}, code: exitFailure,
			phrases: []string{"malformed"}, after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				fx.srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/accounts", Kind: truelayertest.MalformedJSON})
			}},
		{name: "401 mid-session: one refresh, one retry", args: []string{"balance"}, code: exitOK, after: stillWorks,
			setup: func(fx *faultEnv) {
				fx.srv.Inject(truelayertest.Fault{Kind: truelayertest.Unauthorized, Count: 1})
			}},
		{name: "invalid_grant", args: []string{"balance"}, code: exitNeedsLogin,
			phrases: []string{"consent expired", "banktui login"}, after: keepsStore | marksReconnect,
			setup: func(fx *faultEnv) {
				fx.expireToken()
				fx.srv.Inject(truelayertest.Fault{Kind: truelayertest.InvalidGrant})
			}},
		{name: "sca_exceeded: a property of the bank, not a failure", args: []string{"sync"}, code: exitOK,
			stdout: []string{"older history needs re-authentication"}, after: keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				fx.h.connect(fx.srv, fx.clientID, "ob-castle", false)
				fx.srv.AdvanceClock(10 * time.Minute) // past the 5 minutes after its login
			}},

		// ---- interrupts and kills (the real process) ----
		{name: "SIGINT during a token refresh: the rotated token is saved", code: exitFailure,
			phrases: []string{"cancelled"}, after: keepsStore | stillWorks, setup: interruptedRefresh},
		{name: "kill -9 with a token save open (space reserved, refresh in flight)", code: killed,
			after: keepsStore | keepsTokens | stillWorks, setup: killedDuringSave},
		{name: "kill -9 during a sync", code: killed,
			after: keepsStore | keepsTokens | stillWorks, setup: killedDuringSync},

		// ---- the disk ----
		{name: "full disk under the ledger during a sync", args: []string{"sync"}, code: exitFailure,
			phrases: []string{"the disk is full (writing", "ledger.db", "free some space"}, after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				size := int64(len(fx.ledgerFile))
				fx.h.adjust = func(f *Factory) { f.storeOptions = []ledger.OpenOption{ledger.WithSizeLimit(size)} }
				// A second bank's whole history to write, which will not fit.
				fx.h.connect(fx.srv, fx.clientID, "ob-nova", false)
			}},
		{name: "full disk under credentials.json during a refresh", args: []string{"balance"}, code: exitFailure,
			phrases: []string{"the disk is full (writing", "free some space"}, after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				fx.expireToken()
				fx.tokens, fx.credBytes = fx.connection(), fx.read(fx.h.credentialsFile())
				fx.h.adjust = func(f *Factory) { f.credentialOptions = []config.CredentialsOption{config.WithSpaceLimit(1024)} }
			}},

		// ---- damaged files ----
		{name: "corrupt credentials.json", args: []string{"balance"}, code: exitFailure,
			phrases: []string{"credentials.json", "unreadable", "left untouched"}, after: keepsStore | keepsFiles,
			setup: func(fx *faultEnv) {
				fx.credBytes = []byte(`{"version":1,"connections":[{"id":"ob-northgate","refresh_tok`)
				if err := os.WriteFile(fx.h.credentialsFile(), fx.credBytes, 0o600); err != nil {
					fx.t.Fatal(err)
				}
			}},
		{name: "corrupt ledger.db (pages overwritten, size intact)", args: []string{"sync"}, code: exitFailure,
			phrases: []string{"ledger.db is damaged", "move it aside"}, after: keepsTokens | keepsFiles,
			setup: func(fx *faultEnv) { fx.damageLedger() }},
		{name: "corrupt ledger.db, read", args: []string{"transactions"}, code: exitFailure,
			phrases: []string{"ledger.db is damaged", "move it aside"}, after: keepsTokens | keepsFiles,
			setup: func(fx *faultEnv) { fx.damageLedger() }},
		{name: "config.toml others can write, with client_secret_command", args: []string{"balance"}, code: exitUsage,
			phrases: []string{"client_secret_command", "chmod go-w"}, after: keepsStore | keepsTokens | keepsFiles,
			setup: func(fx *faultEnv) {
				marker := filepath.Join(fx.t.TempDir(), "ran")
				fx.writeConfig(fmt.Sprintf("client_secret_command = \"touch %s; echo e2e-secret\"\n", marker))
				os.Chmod(fx.h.paths().ConfigFile, 0o664)
				fx.h.set(config.EnvClientSecret, "")
				fx.t.Cleanup(func() {
					if _, err := os.Stat(marker); err == nil {
						fx.t.Error("the command of a config.toml others can write was run")
					}
				})
			}},
	}
}

// killed is the exit code of a row whose process banktui was killed.
const killed = -1

func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	for _, row := range append(faultRows(), bankDataRows()...) {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			provider := "ob-northgate"
			fx := newFaultEnv(t, provider)
			fx.snapshot()
			fx.run = func() result { return fx.h.run(row.args...) }
			row.setup(fx)
			r := fx.run()
			fx.h.adjust = nil
			fx.fr.mu.Lock()
			fx.fr.rules = nil
			fx.fr.mu.Unlock()
			fx.srv.ClearFaults()
			os.Remove(fx.h.paths().ConfigFile)
			row.check(t, fx, r)
		})
	}
}

// check verifies the outcome and what must hold afterwards.
func (row faultRow) check(t *testing.T, fx *faultEnv, r result) {
	t.Helper()
	if row.code != killed && r.code != row.code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, row.code, r.stdout, r.stderr)
	}
	inert(t, "stderr", r.stderr)
	inert(t, "stdout", r.stdout)
	var lines []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "banktui: ") {
			lines = append(lines, l)
		}
	}
	switch {
	case row.code == exitOK && len(lines) > 0:
		t.Errorf("a run that succeeded printed errors:\n%s", r.stderr)
	case row.code != exitOK && row.code != killed && len(lines) != 1:
		t.Errorf("%d error lines, want exactly one:\n%s", len(lines), r.stderr)
	}
	for _, p := range row.phrases {
		if !strings.Contains(strings.ToLower(strings.Join(lines, "\n")), strings.ToLower(p)) {
			t.Errorf("the error line lacks %q:\n%s", p, r.stderr)
		}
	}
	for _, p := range row.stdout {
		if !strings.Contains(r.stdout, p) {
			t.Errorf("stdout lacks %q:\n%s", p, r.stdout)
		}
	}
	if row.after&keepsFiles != 0 {
		if !bytes.Equal(fx.read(fx.h.credentialsFile()), fx.credBytes) {
			t.Error("credentials.json changed")
		}
		if !bytes.Equal(fx.read(fx.h.paths().LedgerDB), fx.ledgerFile) {
			t.Error("ledger.db changed")
		}
		return // the damaged files are the user's to move aside
	}
	if row.after&keepsTokens != 0 {
		if got := fx.connection(); got.RefreshToken != fx.tokens.RefreshToken || got.ID != fx.tokens.ID || got.NeedsReconnect {
			t.Errorf("the saved connection changed: %+v\nwas %+v", redacted(got), redacted(fx.tokens))
		}
	}
	if row.after&marksReconnect != 0 {
		if got := fx.connection(); !got.NeedsReconnect {
			t.Errorf("the connection is not marked for reconnecting: %+v", redacted(got))
		}
	}
	if row.after&keepsStore != 0 {
		storeKept(t, fx.h.must("balance", "--offline", "--json").stdout, fx.balances,
			fx.h.must("transactions", "--json").stdout, fx.txs)
	}
	if row.verify != nil {
		row.verify(t, fx, r)
	}
	if row.after&stillWorks != 0 {
		fx.expireToken() // the saved refresh token must still be good
		fx.h.must("balance")
		fx.h.must("sync")
	}
	if creds, err := config.OpenCredentials(fx.h.credentialsFile()).Load(); err == nil {
		assertNoSecrets(t, creds, r.stdout, r.stderr)
	}
}

// storeKept fails unless every account and transaction stored before is
// still there with the same amounts (a run may add to the store; it may
// not lose or change what was there).
func storeKept(t testing.TB, balances, balancesBefore, txs, txsBefore string) {
	t.Helper()
	got, was := parseBalance(t, balances), parseBalance(t, balancesBefore)
	now := map[string]*truelayer.Amount{}
	for _, r := range got.Results {
		now[r.AccountID] = r.Current
	}
	for _, r := range was.Results {
		if cur, ok := now[r.AccountID]; !ok || (r.Current != nil && (cur == nil || !cur.Equal(*r.Current))) {
			t.Errorf("account %s: stored balance %v, was %v", r.AccountID, cur, r.Current)
		}
	}
	parse := func(s string) map[string]string {
		var list []struct {
			ID     string          `json:"transaction_id"`
			Amount json.RawMessage `json:"amount"`
		}
		if err := json.Unmarshal([]byte(s), &list); err != nil {
			t.Fatalf("transactions --json: %v", err)
		}
		m := map[string]string{}
		for _, x := range list {
			m[x.ID] = string(x.Amount)
		}
		return m
	}
	after := parse(txs)
	lost := 0
	for id, amount := range parse(txsBefore) {
		if after[id] != amount {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d stored transactions were lost or changed", lost)
	}
}

// redacted is a connection without its tokens, for messages.
func redacted(c config.Connection) config.Connection {
	c.AccessToken, c.RefreshToken = "…", "…"
	return c
}
