package cli

// The rows of the fault matrix that need the real process: an interrupt
// and kills at the worst moments.

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// startBinary starts the built banktui with args in fx's home.
func (fx *faultEnv) startBinary(args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	fx.t.Helper()
	cmd := exec.Command(binary(fx.t), args...)
	cmd.Env = fx.h.environ()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		fx.t.Fatal(err)
	}
	fx.t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, &out, &errb
}

// await waits for a held request to arrive, or fails.
func (fx *faultEnv) await(arrived <-chan struct{}, what string) {
	fx.t.Helper()
	select {
	case <-arrived:
	case <-time.After(time.Minute):
		fx.t.Fatalf("banktui never made %s", what)
	}
}

// wait waits for cmd and returns what it printed and its exit code
// (killed: -1).
func wait(cmd *exec.Cmd, out, errb *bytes.Buffer) result {
	err := cmd.Wait()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// interruptedRefresh: SIGINT reaches `banktui balance` while TrueLayer
// holds its token refresh; TrueLayer then answers (rotating the refresh
// token). banktui must wait for the answer and save the new token before
// exiting, or the connection would be lost.
func interruptedRefresh(fx *faultEnv) {
	fx.expireToken()
	before := fx.connection()
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	fx.fr.on("/auth/connect/token", func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-fx.fr.stop:
			return
		}
		next.ServeHTTP(w, r) // TrueLayer rotates the refresh token now
	})
	// After the refresh, balance would go on: hold its data calls, so it
	// can only end through the interrupt.
	fx.fr.on("/api/data/v1/*", fx.fr.holdUntilGone(nil))
	fx.run = func() result {
		cmd, out, errb := fx.startBinary("balance")
		fx.await(arrived, "its token refresh")
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			fx.t.Fatal(err)
		}
		close(release)
		r := wait(cmd, out, errb)
		if got := fx.connection(); got.RefreshToken == before.RefreshToken || got.NeedsReconnect {
			fx.t.Errorf("after SIGINT during a refresh the saved refresh token is the old, dead one (needs reconnect: %v)", got.NeedsReconnect)
		}
		return r
	}
}

// killedDuringSave: kill -9 while a token save is open (the lock held, the
// next credentials file reserved on disk, the refresh at TrueLayer not yet
// answered). credentials.json stays whole, the old refresh token good, the
// reserved temporary file is removed by the next start.
func killedDuringSave(fx *faultEnv) {
	fx.expireToken()
	fx.tokens = fx.connection()
	arrived := make(chan struct{}, 1)
	fx.fr.on("/auth/connect/token", fx.fr.holdUntilGone(arrived))
	dir := filepath.Dir(fx.h.credentialsFile())
	fx.run = func() result {
		cmd, out, errb := fx.startBinary("balance")
		fx.await(arrived, "its token refresh")
		if temps, _ := filepath.Glob(filepath.Join(dir, ".credentials-*.tmp")); len(temps) == 0 {
			fx.t.Error("no reserved credentials file while the refresh was in flight")
		}
		cmd.Process.Kill()
		return wait(cmd, out, errb)
	}
	fx.t.Cleanup(func() {
		if temps, _ := filepath.Glob(filepath.Join(dir, ".credentials-*.tmp")); len(temps) > 0 {
			fx.t.Errorf("temporary credentials files outlived the next start: %v", temps)
		}
	})
}

// killedDuringSync: kill -9 while `banktui sync` waits on a bank's
// transactions. The store keeps its last complete state; the next sync
// completes.
func killedDuringSync(fx *faultEnv) {
	arrived := make(chan struct{}, 1)
	fx.fr.on("/api/data/v1/accounts/*/transactions", fx.fr.holdUntilGone(arrived))
	fx.run = func() result {
		cmd, out, errb := fx.startBinary("sync")
		fx.await(arrived, "a transactions request")
		cmd.Process.Kill()
		return wait(cmd, out, errb)
	}
}
