package ledger

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/banktui/banktui/truelayer"
	tt "github.com/banktui/banktui/truelayer/truelayertest"
)

// The kill -9 test re-runs this test binary as a child that syncs into a
// ledger until the parent kills it.
const (
	crashChildEnv = "BANKTUI_LEDGER_CRASH_CHILD" // "1" in the child
	crashDBEnv    = "BANKTUI_LEDGER_CRASH_DB"
	crashAPIEnv   = "BANKTUI_LEDGER_CRASH_API"
	crashConnsEnv = "BANKTUI_LEDGER_CRASH_CONNS" // id=token,id=token
	crashMarker   = "ledger-crash-child: committed"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) == "1" {
		if err := crashChild(); err != nil {
			fmt.Fprintln(os.Stderr, "ledger-crash-child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	removeTestData()
	os.Exit(code)
}

// crashChild syncs every connection, announcing each committed account on
// stdout, then waits to be killed.
func crashChild() error {
	st, err := Open(os.Getenv(crashDBEnv))
	if err != nil {
		return err
	}
	tokens := map[string]string{}
	var conns []string
	for _, kv := range strings.Split(os.Getenv(crashConnsEnv), ",") {
		id, tok, _ := strings.Cut(kv, "=")
		tokens[id] = tok
		conns = append(conns, id)
	}
	clients := func(ctx context.Context, id string) (*truelayer.Client, error) {
		src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tokens[id], TokenType: "Bearer"})
		return truelayer.NewClient(&http.Client{Transport: &oauth2.Transport{Source: src}},
			truelayer.WithBaseURL(os.Getenv(crashAPIEnv)), truelayer.WithRetry(fastRetry), attended), nil
	}
	_, err = NewSyncer(st, clients).Sync(context.Background(), conns, func(ev Event) {
		if ev.Phase == PhaseDone && ev.AccountID != "" && ev.Err == nil {
			fmt.Println(crashMarker, ev.AccountID)
		}
	})
	if err != nil {
		return err
	}
	fmt.Println("ledger-crash-child: finished before the kill")
	select {} // the parent kills us
}

func TestKillDuringSyncLeavesConsistentStore(t *testing.T) {
	t.Parallel()
	srv := tt.NewServer()
	t.Cleanup(srv.Close)
	// Slow transaction calls keep several accounts in flight when the kill
	// lands (and the demo bank's natural history, up to a few thousand rows
	// an account, keeps their commits busy).
	srv.Inject(tt.Fault{Endpoint: "/data/v1/**", Kind: tt.Latency, Latency: 20 * time.Millisecond})
	var pairs []string
	users := map[string][2]string{}
	for _, p := range []string{tt.ProviderNorthgate, tt.ProviderMock, tt.ProviderNova} {
		tok, err := srv.Connect(tt.DefaultClientID, "john", p, truelayer.AvailableScopes)
		if err != nil {
			t.Fatal(err)
		}
		id := "john@" + p
		users[id] = [2]string{"john", p}
		pairs = append(pairs, id+"="+tok.AccessToken)
	}
	path := filepath.Join(t.TempDir(), "ledger.db")

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"=1", crashDBEnv+"="+path, crashAPIEnv+"="+srv.APIURL(),
		crashConnsEnv+"="+strings.Join(pairs, ","))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	committed := false
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), crashMarker) {
			committed = true
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	go func() { // drain, so Wait returns
		for lines.Scan() {
		}
	}()
	cmd.Wait()
	if !committed {
		t.Fatalf("the child never committed an account; stderr:\n%s", stderr.String())
	}

	st, err := Open(path)
	if err != nil {
		t.Fatalf("open after kill -9: %v", err)
	}
	defer st.Close()
	// The windows the kill cut short left their stage files: aged past
	// staleStage, the next sync removes them.
	left := stageFiles(t, st)
	for _, name := range left {
		old := time.Now().Add(-2 * staleStage)
		if err := os.Chtimes(filepath.Join(filepath.Dir(path), name), old, old); err != nil {
			t.Fatal(err)
		}
	}
	for id := range users {
		u := users[id]
		assertConsistent(t, st, srv.Truth(u[0], u[1]))
	}

	// And a new sync completes the history.
	clients := func(ctx context.Context, id string) (*truelayer.Client, error) {
		for _, kv := range pairs {
			if cid, tok, _ := strings.Cut(kv, "="); cid == id {
				src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok, TokenType: "Bearer"})
				return truelayer.NewClient(&http.Client{Transport: &oauth2.Transport{Source: src}},
					truelayer.WithBaseURL(srv.APIURL()), truelayer.WithRetry(fastRetry), attended), nil
			}
		}
		return nil, fmt.Errorf("unknown connection %s", id)
	}
	srv.ClearFaults()
	var conns []string
	for id := range users {
		conns = append(conns, id)
	}
	mustSync(t, NewSyncer(st, clients), conns...)
	for _, u := range users {
		assertMatchesTruth(t, st, srv.Truth(u[0], u[1]), time.Time{})
	}
	if files := stageFiles(t, st); len(files) > 0 {
		t.Errorf("stage files after the next sync: %q (the killed process's were %q)", files, left)
	}
}
