package cli

// End-to-end tests on a terminal: the TUI and the sync progress bar in tmux,
// and the TUI's first frame on a pseudo-terminal (a benchmark).

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// ---- 2. the TUI in tmux ----

// tmux drives one program in a private tmux server.
type tmux struct {
	t      *testing.T
	socket string
}

func newTmux(t *testing.T) *tmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed: install it (apt-get install -y tmux, or run .ci/run) to run the TUI test")
	}
	// One server per test: two tests never share (or kill) each other's.
	x := &tmux{t: t, socket: fmt.Sprintf("banktui-e2e-%d-%s", os.Getpid(), t.Name())}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", x.socket, "kill-server").Run() })
	return x
}

func (x *tmux) cmd(args ...string) string {
	x.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", x.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		x.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (x *tmux) screen() string { return x.cmd("capture-pane", "-p", "-t", "e2e") }

// waitFor polls the screen until ok says yes, or fails with the last screen.
func (x *tmux) waitFor(what string, ok func(screen string) bool) string {
	x.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := x.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("the TUI never showed %s; last screen:\n%s", what, s)
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not synchronisation
	}
}

func (x *tmux) waitText(text string) string {
	x.t.Helper()
	return x.waitFor(fmt.Sprintf("%q", text), func(s string) bool { return strings.Contains(s, text) })
}

func TestTUIOnDemoBank(t *testing.T) {
	x := newTmux(t)
	h := newHome(t)
	var env []string
	for _, kv := range h.environ() {
		env = append(env, "-e", kv)
	}
	// The demo bank's truth: the same deterministic bank the demo serves.
	truthSrv := truelayertest.NewServer()
	t.Cleanup(truthSrv.Close)
	truth := truthSrv.Truth("john", demoProviders[0])
	current := truth.Accounts[0]

	args := append([]string{"new-session", "-d", "-s", "e2e", "-x", "120", "-y", "35"}, env...)
	args = append(args, binary(t)+" --demo; echo EXIT=$?; sleep 600")
	x.cmd(args...)

	// Launch: balances visible, from the demo bank.
	want := ledger.FormatMoney(current.Balance.Current, current.Currency)
	x.waitText(current.Account.DisplayName)
	x.waitText(want)
	x.waitText("DEMO")
	// The TUI's total is the CLI's: both come from the ledger.
	totals := parseBalance(t, h.must("--demo", "balance", "--offline", "--json").stdout).Totals
	if len(totals) == 0 {
		t.Fatal("--demo balance has no totals")
	}
	x.waitText(ledger.FormatMoney(totals[0].Total, totals[0].Currency))

	// Move to the transactions and filter.
	x.cmd("send-keys", "-t", "e2e", "3")
	x.cmd("send-keys", "-t", "e2e", "/")
	x.cmd("send-keys", "-t", "e2e", "-l", "tesco")
	x.cmd("send-keys", "-t", "e2e", "Enter")
	screen := x.waitFor("only Tesco rows", func(s string) bool {
		return strings.Contains(s, "/tesco") && strings.Contains(s, "Tesco") && !strings.Contains(s, "Transport for London")
	})
	if strings.Contains(screen, "Greggs") {
		t.Errorf("the filter left other merchants:\n%s", screen)
	}

	// Open a detail: every field, ids included.
	x.cmd("send-keys", "-t", "e2e", "Enter")
	x.waitText("Transaction ID")
	x.waitText("TESCO")

	// Back and quit.
	// Escape, then wait: an escape followed at once by q reads as alt+q.
	x.cmd("send-keys", "-t", "e2e", "Escape")
	x.waitFor("the detail closed", func(s string) bool { return !strings.Contains(s, "Transaction ID") })
	x.cmd("send-keys", "-t", "e2e", "q")
	x.waitText("EXIT=0")

	// The demo never touched the real (here: the test's) credentials or ledger.
	for _, p := range []string{h.credentialsFile(), filepath.Join(h.root, "data", "banktui", "ledger.db")} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the demo created %s", p)
		}
	}
}

// ---- sync on a terminal: a progress bar, then the report ----

func TestSyncProgressOnTerminal(t *testing.T) {
	x := newTmux(t)
	h, srv, _ := emulatedHome(t, "ob-northgate")
	// Slow transactions down so the bar is on screen long enough to be seen.
	remove := srv.Inject(truelayertest.Fault{Endpoint: "/data/v1/accounts/*/transactions", Kind: truelayertest.Latency, Latency: 300 * time.Millisecond})
	t.Cleanup(remove)

	args := []string{"new-session", "-d", "-s", "e2e", "-x", "100", "-y", "20"}
	for _, kv := range h.environ() {
		args = append(args, "-e", kv)
	}
	x.cmd(append(args, binary(t)+" sync; echo EXIT=$?; sleep 600")...)
	x.waitFor("a progress bar", func(s string) bool { return strings.Contains(s, "░") && strings.Contains(s, "ob-northgate") })
	screen := x.waitText("EXIT=0")
	if !strings.Contains(screen, "new transactions") {
		t.Errorf("sync printed no report:\n%s", screen)
	}
	if strings.Contains(screen, "░") {
		t.Errorf("the progress bar was left on screen:\n%s", screen)
	}
}

// ---- the TUI's first frame, end to end on the built binary ----

// openPTY opens a pseudo-terminal pair of cols x rows: the program gets the
// slave as its terminal, the benchmark reads what it draws from the master.
func openPTY(cols, rows uint16) (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: cols, Row: rows}); err != nil {
		master.Close()
		slave.Close()
		return nil, nil, err
	}
	return master, slave, nil
}

// firstFrame starts the TUI on a terminal and returns how long it took from
// process start until the stored balances were drawn.
func firstFrame(b *testing.B, h *home, want string) time.Duration {
	b.Helper()
	master, slave, err := openPTY(120, 36)
	if err != nil {
		b.Fatalf("opening a pseudo-terminal: %v", err)
	}
	defer master.Close()
	cmd := exec.Command(binary(b))
	cmd.Env = append(h.environ(), "TERM=xterm-256color")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		slave.Close()
		b.Fatal(err)
	}
	slave.Close()
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	found := make(chan time.Duration, 1)
	go func() {
		var seen []byte
		buf := make([]byte, 64<<10)
		for {
			n, err := master.Read(buf)
			seen = append(seen, buf[:n]...)
			if bytes.Contains(seen, []byte(want)) {
				found <- time.Since(start)
				io.Copy(io.Discard, master) // keep the program unblocked until it is killed
				return
			}
			if err != nil {
				close(found)
				return
			}
		}
	}()
	select {
	case d, ok := <-found:
		if !ok {
			b.Fatalf("the TUI ended before drawing %q", want)
		}
		return d
	case <-time.After(20 * time.Second):
		b.Fatalf("no %q on the terminal after 20 s", want)
	}
	return 0
}

// BenchmarkBalanceOffline: the quick balance check from the store, process
// start to last byte.
func BenchmarkBalanceOffline(b *testing.B) {
	h, _ := syncedHome(b)
	binary(b) // built before the clock starts
	for b.Loop() {
		h.execMust("balance", "--offline")
	}
}

// BenchmarkTUIFirstFrame: process start until the first frame shows the
// stored balances (target: under 50 ms), on the built binary in a real
// pseudo-terminal. The bank's name is drawn in the same frame as the balances.
func BenchmarkTUIFirstFrame(b *testing.B) {
	h, _ := syncedHome(b)
	binary(b) // built before the clock starts
	var total time.Duration
	n := 0
	for b.Loop() {
		total += firstFrame(b, h, "Northgate")
		n++
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(n), "ms-to-balances")
}
