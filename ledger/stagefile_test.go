package ledger

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tt "github.com/banktui/banktui/truelayer/truelayertest"
)

// stageFiles lists the store's stage files (openTest checks none is left
// once a test is done: every sync removes its own, failed or not).
func stageFiles(t testing.TB, st *Store) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(st.path))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), stageFilePrefix(st.path)) {
			out = append(out, e.Name())
		}
	}
	return out
}

// A sync removes the stage files a killed banktui left (its process gone,
// the file untouched for a while), and no other: its own, a live
// process's, or one written to lately.
func TestSyncRemovesStageFilesOfDeadProcesses(t *testing.T) {
	t.Parallel()
	e := newSyncEnv(t)
	st := e.st
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := strconv.Itoa(dead.ProcessState.Pid())
	old := time.Now().Add(-time.Hour)
	files := map[string]struct {
		modified time.Time
		kept     bool
	}{
		"dead-old":    {old, false},
		"dead-recent": {time.Now(), true},
		"live-old":    {old, true}, // this process: pid 1 in a container, or the test runner
		"other-name":  {old, true},
	}
	name := func(key string) string {
		switch key {
		case "dead-old", "dead-recent":
			return stageFilePrefix(st.path) + deadPID + "-" + key
		case "live-old":
			return stageFilePrefix(st.path) + strconv.Itoa(os.Getppid()) + "-" + key
		}
		return filepath.Base(st.path) + ".stagey-" + deadPID + "-1"
	}
	for key, f := range files {
		path := filepath.Join(filepath.Dir(st.path), name(key))
		if err := os.WriteFile(path, []byte("stage"), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(path) }) // before openTest's check
		if err := os.Chtimes(path, f.modified, f.modified); err != nil {
			t.Fatal(err)
		}
	}
	mustSync(t, e.syncer(), e.connect("john", tt.ProviderNorthgate))
	for key, f := range files {
		_, err := os.Stat(filepath.Join(filepath.Dir(st.path), name(key)))
		if kept := err == nil; kept != f.kept {
			t.Errorf("%s: kept %v, want %v", key, kept, f.kept)
		}
	}
}
