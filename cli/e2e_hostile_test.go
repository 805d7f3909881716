package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestHostileTextOnARealTerminal runs the built banktui with stderr on a
// pseudo-terminal, where fang no longer strips escape sequences: a bank's
// hostile names, connection id and error descriptions reach it only as
// inert text, every problem on its own line.
func TestHostileTextOnARealTerminal(t *testing.T) {
	h, fr := hostileHome(t)
	h.must("balance") // accounts stored, names tainted
	fr.on("/api/data/v1/accounts/*/balance", apiError(http.StatusBadRequest, "weird"+evil, "described"+evil))
	h.set("NO_COLOR", "")

	master, slave, err := openPTY(200, 40)
	if err != nil {
		t.Fatalf("opening a pseudo-terminal: %v", err)
	}
	defer master.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), "balance")
	cmd.Env = append(h.environ(), "TERM=xterm-256color", "COLORTERM=truecolor")
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, slave
	if err := cmd.Start(); err != nil {
		slave.Close()
		t.Fatal(err)
	}
	slave.Close()
	var screen bytes.Buffer
	copied := make(chan struct{})
	go func() {
		io.Copy(&screen, master) // ends with EIO once the program exits
		close(copied)
	}()
	err = cmd.Wait()
	<-copied
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailure {
		t.Errorf("balance: %v, want exit code %d\n%q", err, exitFailure, screen.String())
	}
	out := screen.String()
	for _, bad := range []string{"\x1b]", "\x1b[2J", "\a", "\u202e", "\u009b", "\u0085"} {
		if strings.Contains(out, bad) {
			t.Errorf("the terminal received %q from the bank:\n%q", bad, out)
		}
	}
	if n := strings.Count(out, "banktui: "); n < 2 {
		t.Errorf("the terminal shows %d error lines, want one per failing account:\n%q", n, out)
	}
	inert(t, "balance (stdout)", stdout.String())
}
