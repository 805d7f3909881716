package config

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A config.toml whose settings run a command (or choose where secrets go)
// is refused when anyone else could change it, with what to chmod.
func TestWritableConfigWithTrustedSettingsIsRefused(t *testing.T) {
	command := `client_secret_command = "echo s"` + "\n"
	tests := []struct {
		name     string
		content  string
		mode     os.FileMode
		dirMode  os.FileMode
		refused  bool
		fixPath  string // "file" or "dir"
		settings string
	}{
		{"0600 file, 0700 dir", command, 0o600, 0o700, false, "", ""},
		{"0644 file", command, 0o644, 0o755, false, "", ""},
		{"group-writable file", command, 0o664, 0o700, true, "file", "client_secret_command"},
		{"world-writable file", command, 0o646, 0o700, true, "file", "client_secret_command"},
		{"world-writable directory", command, 0o600, 0o777, true, "dir", "client_secret_command"},
		{"group-writable directory", command, 0o600, 0o770, true, "dir", "client_secret_command"},
		{"sticky world-writable directory", command, 0o600, 0o777 | os.ModeSticky, false, "", ""},
		{"auth_url in a writable file", `auth_url = "https://evil.example"` + "\n", 0o666, 0o700, true, "file", "auth_url"},
		{"plain settings in a writable file", `client_id = "sandbox-x"` + "\n", 0o666, 0o777, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeConfig(t, tt.content, tt.mode)
			dir := filepath.Dir(p.ConfigFile)
			if err := os.Chmod(dir, tt.dirMode); err != nil {
				t.Fatal(err)
			}
			s, err := Load(p, envMap(nil), Overrides{})
			var we *WritableError
			if !tt.refused {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			if !errors.As(err, &we) {
				t.Fatalf("Load = %v, %v; want a *WritableError", s, err)
			}
			fix := p.ConfigFile
			if tt.fixPath == "dir" {
				fix = dir
			}
			msg := err.Error()
			for _, want := range []string{p.ConfigFile, tt.settings, "chmod go-w " + fix} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
		})
	}
}

// A config.toml of another user is refused too (as root: the test makes
// the file belong to nobody).
func TestConfigOfAnotherUserIsRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Log("not root: checking the owner of a file of one's own only")
	}
	p := writeConfig(t, `client_secret_command = "echo s"`+"\n", 0o600)
	if os.Getuid() == 0 {
		if out, err := exec.Command("chown", "65534", p.ConfigFile).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v %s", err, out)
		}
		_, err := Load(p, envMap(nil), Overrides{})
		var we *WritableError
		if !errors.As(err, &we) || we.OwnerUID != 65534 || !strings.Contains(err.Error(), "another user") {
			t.Fatalf("Load of a file owned by uid 65534 = %v, want a *WritableError naming the owner", err)
		}
		return
	}
	if _, err := Load(p, envMap(nil), Overrides{}); err != nil {
		t.Fatalf("Load of one's own file: %v", err)
	}
}
