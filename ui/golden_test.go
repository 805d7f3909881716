package ui

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

// Regenerate with: go test ./ui -run TestGolden -update-golden
// (not -update: teatest's golden package registers that flag).
var updateGolden = flag.Bool("update-golden", false, "rewrite ui/testdata/*.golden from the current views")

// onlineModel is fakeModel as after a finished sync: a syncer, last synced
// two minutes ago, dark theme with colour. Goldens hold the text (ANSI
// stripped) so diffs stay reviewable; colour has its own tests.
func onlineModel(t testing.TB, w, h, n int) Model {
	m := fakeModel(t, w, h, n)
	m.opts.Syncer = ledger.NewSyncer(nil, nil)
	m.offline = false
	m.syncing, m.syncingBalances = false, false
	m.lastSync = fixedNow.Add(-2 * time.Minute)
	return m
}

func TestGolden(t *testing.T) {
	cases := []struct {
		name  string
		model func(t *testing.T) Model
	}{
		{"launch", func(t *testing.T) Model { return onlineModel(t, 120, 30, 60) }},
		{"cards_focused", func(t *testing.T) Model { return press(t, onlineModel(t, 120, 30, 60), "2") }},
		{"transactions_focused", func(t *testing.T) Model { return press(t, onlineModel(t, 120, 30, 60), "3", "j", "j") }},
		{"filter_active", func(t *testing.T) Model {
			m := press(t, onlineModel(t, 120, 30, 300), "/")
			return typeText(t, m, "tesco amount:<-50")
		}},
		{"filter_kept_sorted", func(t *testing.T) Model {
			m := press(t, onlineModel(t, 120, 30, 300), "/")
			m = typeText(t, m, "category:purchase")
			return press(t, m, "enter", "s")
		}},
		{"month", func(t *testing.T) Model { return press(t, onlineModel(t, 120, 30, 300), "3", "[", "[") }},
		{"detail", func(t *testing.T) Model { return press(t, onlineModel(t, 120, 30, 60), "3", "j", "enter") }},
		{"help", func(t *testing.T) Model { return press(t, onlineModel(t, 120, 30, 60), "?") }},
		{"help_narrow", func(t *testing.T) Model { return press(t, onlineModel(t, 80, 24, 60), "?") }},
		{"help_narrow_scrolled", func(t *testing.T) Model {
			return press(t, onlineModel(t, 80, 24, 60), "?", "j", "j", "j", "j", "j", "j")
		}},
		{"privacy", func(t *testing.T) Model { return press(t, onlineModel(t, 120, 30, 60), ".", "3") }},
		{"errors", func(t *testing.T) Model {
			m := fakeModel(t, 120, 30, 60)
			m.opts.Syncer = ledger.NewSyncer(nil, nil)
			m.syncSeq = m.nextSeq()
			m.syncing = true
			m.connections = []ledger.Consent{{ConnectionID: "c2", NeedsReconnect: true, Reason: "invalid_grant"}}
			rep := &ledger.Report{Connections: []ledger.ConnectionReport{{ConnectionID: "c1", Accounts: []ledger.AccountReport{
				{AccountID: "card-1", Err: fmt.Errorf("card balance: %w", truelayer.ErrNotSupported)}}}}}
			m = send(t, m, syncPhaseDoneMsg{seq: m.syncSeq, phase: "transactions", last: true, report: rep,
				err: fmt.Errorf("GET accounts: %w", truelayer.ErrTemporary)})
			m.tx.err = "ledger: transactions: database is locked"
			return m
		}},
		{"syncing", func(t *testing.T) Model {
			m := onlineModel(t, 120, 30, 60)
			m.syncSeq = m.nextSeq()
			m.syncing, m.syncingBalances = true, false
			return send(t, m, syncProgressMsg{seq: m.syncSeq, event: ledger.Event{ConnectionID: "c1", Phase: ledger.PhaseTransactions, Done: 2, Total: 4}})
		}},
		{"narrow", func(t *testing.T) Model { return press(t, onlineModel(t, 80, 24, 60), "3") }},
		{"narrow_detail", func(t *testing.T) Model { return press(t, onlineModel(t, 80, 24, 60), "3", "enter") }},
		{"too_small", func(t *testing.T) Model { return send(t, onlineModel(t, 120, 30, 60), sizeMsg(36, 10)) }},
		{"empty", func(t *testing.T) Model {
			m := New(Options{Now: fixedClock})
			m = send(t, m, sizeMsg(100, 24))
			return send(t, m, accountsLoadedMsg{seq: m.accountsSeq})
		}},
		{"login_waiting", func(t *testing.T) Model {
			m := onlineModel(t, 100, 24, 10)
			m.opts.Login = func(context.Context, func(string)) (ledger.Consent, error) {
				return ledger.Consent{}, errors.New("unused")
			}
			m.login = loginState{open: true, running: true, url: "http://127.0.0.1:8787/auth/?response_type=code&client_id=sandbox-banktui-demo&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&scope=info%20accounts%20balance%20cards%20transactions%20offline_access&state=abc"}
			return m
		}},
		{"demo", func(t *testing.T) Model {
			m := onlineModel(t, 120, 30, 60)
			m.opts.Demo = true
			return m
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.model(t)
			got := ansi.Strip(m.View().Content)
			checkFrame(t, got, m.width, m.height)
			path := filepath.Join("testdata", c.name+".golden")
			if *updateGolden {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update-golden to create it)", err)
			}
			if got != string(want) {
				t.Errorf("view differs from %s (run with -update-golden and review the diff)\n--- got:\n%s\n--- want:\n%s", path, got, want)
			}
		})
	}
}

// checkFrame: exactly height lines, none wider than the terminal.
func checkFrame(t *testing.T, s string, w, h int) {
	t.Helper()
	lines := strings.Split(s, "\n")
	if len(lines) != h {
		t.Errorf("frame has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("line %d is %d cells wide, terminal %d: %q", i, lw, w, l)
		}
	}
}
