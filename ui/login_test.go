package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/ledger"
)

func TestLoginWithoutClientExplains(t *testing.T) {
	h := fakeHarness(t, 120, 30, 10).press("L")
	if !strings.Contains(h.screen(), "Connect a bank") || !strings.Contains(h.screen(), "banktui login") {
		t.Fatalf("L without Login:\n%s", h.screen())
	}
	if strings.Contains(h.press("esc").screen(), "Connect a bank") {
		t.Error("esc did not close the login screen")
	}
}

func TestLoginShowsURLAndEscCancels(t *testing.T) {
	cancelled := make(chan error, 1)
	e := offlineEnv(10)
	e.opts.Login = func(ctx context.Context, show func(string)) (ledger.Consent, error) {
		show("http://127.0.0.1:1/auth?client_id=x&\x1b[31mstate=s")
		err := ctxDone(ctx)
		cancelled <- err
		return ledger.Consent{}, err
	}
	h := e.start(t, 120, 30)
	h.deliver(keyMsg("L"))
	h.waitFor("the address", func(s string) bool { return strings.Contains(s, "esc cancels") })
	if s := h.screen(); !strings.Contains(s, "http://127.0.0.1:1/auth?client_id=x&state=s") {
		t.Fatalf("login URL not shown (or not sanitised):\n%s", s)
	}
	h.press("esc")
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Errorf("login ctx: %v", err)
	}
	// Its late result (context.Canceled) is dropped: the screen stays closed.
	if s := h.screen(); strings.Contains(s, "Connect a bank") || strings.Contains(s, "✗") {
		t.Errorf("a cancelled login's result reopened the screen:\n%s", s)
	}
}

func TestLoginSuccessStartsSyncOfNewConnection(t *testing.T) {
	e := onlineEnv(10)
	e.opts.Login = func(ctx context.Context, show func(string)) (ledger.Consent, error) {
		return ledger.Consent{ConnectionID: "new", ProviderName: "Nova"}, nil
	}
	h := e.startSynced(t, 120, 30)
	synced, proceed := make(chan []string, 1), make(chan struct{})
	e.syncer.sync = func(ctx context.Context, ids []string, _ func(ledger.Event)) (*ledger.Report, error) {
		synced <- ids
		<-proceed
		return &ledger.Report{}, nil
	}
	h.deliver(keyMsg("L"))
	h.waitFor("the sync of the new bank", func(s string) bool { return strings.Contains(s, "connected Nova: syncing") })
	if ids := <-synced; len(ids) != 1 || ids[0] != "new" {
		t.Errorf("synced %q, want the new connection", ids)
	}
	if strings.Contains(h.screen(), "Connect a bank") {
		t.Errorf("the login screen stayed open:\n%s", h.screen())
	}
	// When the sync ends, the note says so (until the next key).
	close(proceed)
	h.settle()
	if !strings.Contains(h.screen(), "connected Nova and synced") {
		t.Errorf("the end of the first sync is not said:\n%s", h.screen())
	}
}

func TestLoginErrorsExplained(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("listen: %w", auth.ErrPortInUse), "another program listens on the redirect URI's port"},
		{&auth.LoginError{Code: "access_denied"}, "not allowed: press L to try again"},
		{fmt.Errorf("waiting: %w", auth.ErrLoginTimeout), "nothing came back from the browser in time"},
	}
	for _, tt := range tests {
		if got := describeError(tt.err); !strings.Contains(got, tt.want) {
			t.Errorf("%v: %q lacks %q", tt.err, got, tt.want)
		}
	}
	e := offlineEnv(10)
	e.opts.Login = func(context.Context, func(string)) (ledger.Consent, error) {
		return ledger.Consent{}, fmt.Errorf("listen: %w", auth.ErrPortInUse)
	}
	h := e.start(t, 120, 30).press("L")
	if !strings.Contains(h.screen(), "✗ another program listens") || !strings.Contains(h.screen(), "L or enter tries again") {
		t.Errorf("error not on screen:\n%s", h.screen())
	}
}

// The login's address is printed whole under the box, on lines of its own
// (cut only at the screen's edge), as one OSC 8 hyperlink, and c copies it.
func TestLoginLinkIsWholeCopyableAndALink(t *testing.T) {
	h := loginWaiting(t, offlineEnv(10), 80, 24)
	lines := strings.Split(h.screen(), "\n")
	start := rowOf(h.screen(), "http://")
	if start < 0 || !strings.HasPrefix(lines[start], "http://") {
		t.Fatalf("the address does not start a line of its own:\n%s", h.screen())
	}
	var got strings.Builder
	for _, l := range lines[start:] {
		if got.Len() >= len(loginURL) {
			break
		}
		got.WriteString(strings.TrimRight(l, " "))
	}
	if got.String() != loginURL {
		t.Errorf("the lines under the box read\n%s\nnot the address\n%s", got.String(), loginURL)
	}
	link := "\x1b]8;id=banktui-login;" + loginURL + "\x07"
	if n := strings.Count(h.raw(), link); n != (len(loginURL)+79)/80 {
		t.Errorf("the address is %d hyperlinked pieces, want one per line:\n%q", n, h.raw())
	}
	h.deliver(keyMsg("c"))
	h.waitUntil("the clipboard", func() bool {
		for _, m := range h.others {
			if fmt.Sprint(m) == loginURL {
				return true
			}
		}
		return false
	})
}

// An address that could break out of the hyperlink is shown, not linked.
func TestLoginLinkTargetIsChecked(t *testing.T) {
	for _, u := range []string{"http://x/a b", "http://x/\x07", "http://x/é"} {
		if linkTarget(u) != "" {
			t.Errorf("%q accepted as a link target", u)
		}
		for _, l := range urlLines(u, 80) {
			if strings.Contains(l, "\x1b]8") {
				t.Errorf("%q linked", u)
			}
		}
	}
	if linkTarget(loginURL) != loginURL {
		t.Error("a plain URL is not a link target")
	}
}

// In the demo, L says what it does before doing it, and the footer says how
// it went.
func TestDemoLoginSaysWhatHappens(t *testing.T) {
	var logins atomic.Int32
	e := onlineEnv(10)
	e.opts.Demo = true
	e.opts.Login = func(ctx context.Context, show func(string)) (ledger.Consent, error) {
		logins.Add(1)
		return ledger.Consent{ConnectionID: "castle-2", ProviderName: "Castle Bank"}, nil
	}
	h := e.startSynced(t, 120, 30).press("L")
	s := h.screen()
	for _, want := range []string{"This is the demo bank", "connect one more demo bank", "banktui login", "enter connects, esc closes", "enter connect • esc close"} {
		if !strings.Contains(s, want) {
			t.Errorf("the demo's login screen lacks %q:\n%s", want, s)
		}
	}
	if logins.Load() != 0 {
		t.Fatal("L in the demo connected before saying what it does")
	}
	h.press("enter")
	if logins.Load() != 1 || !strings.Contains(h.screen(), "connected Castle Bank and synced") {
		t.Errorf("after enter: %d logins:\n%s", logins.Load(), h.screen())
	}
	if strings.Contains(h.press("j").screen(), "connected Castle Bank") {
		t.Error("the note outlived the next key")
	}
}
