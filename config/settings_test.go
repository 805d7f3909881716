package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/adrg/xdg"
)

// writeConfig writes a config.toml in a fresh directory and returns its Paths.
func writeConfig(t *testing.T, content string, mode os.FileMode) Paths {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(file, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, mode); err != nil {
		t.Fatal(err)
	}
	p, err := pathsFrom(file)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaultPathsFollowXDGAndOverride(t *testing.T) {
	base := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(base, "cfg"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(base, "data"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(base, "state"))
	t.Setenv(EnvConfigFile, "")
	xdg.Reload()
	t.Cleanup(xdg.Reload)

	p, err := DefaultPaths()
	if err != nil {
		t.Fatal(err)
	}
	want := Paths{
		ConfigFile:      filepath.Join(base, "cfg", "banktui", "config.toml"),
		CredentialsFile: filepath.Join(base, "cfg", "banktui", "credentials.json"),
		DataDir:         filepath.Join(base, "data", "banktui"),
		LedgerDB:        filepath.Join(base, "data", "banktui", "ledger.db"),
		StateDir:        filepath.Join(base, "state", "banktui"),
		DebugLog:        filepath.Join(base, "state", "banktui", "debug.log"),
	}
	if p != want {
		t.Errorf("DefaultPaths() = %+v\nwant %+v", p, want)
	}

	custom := filepath.Join(base, "elsewhere", "my.toml")
	t.Setenv(EnvConfigFile, custom)
	p, err = DefaultPaths()
	if err != nil {
		t.Fatal(err)
	}
	if p.ConfigFile != custom || p.CredentialsFile != filepath.Join(base, "elsewhere", "credentials.json") {
		t.Errorf("with %s: config %s, credentials %s", EnvConfigFile, p.ConfigFile, p.CredentialsFile)
	}
	if _, err := os.Stat(filepath.Join(base, "elsewhere")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("DefaultPaths created a directory: %v", err)
	}
}

func TestLoadPrecedenceAndSources(t *testing.T) {
	p := writeConfig(t, `# banktui settings
client_id = "file-client"
client_secret_command = "echo s3cr3t-from-command"
environment = "live"
redirect_uri = "http://localhost:4000/callback"
scopes = ["info", "accounts"]
providers = "uk-ob-all uk-oauth-all"
provider_id = "ob-monzo"

[keys]
quit = ["q", "ctrl+c"]
help = "?"
`, 0o600)
	file := p.ConfigFile

	// File only.
	s, err := Load(p, envMap(nil), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if s.ClientID != "file-client" || s.RedirectURI != "http://localhost:4000/callback" || s.ProviderID != "ob-monzo" {
		t.Errorf("file values not loaded: %+v", s)
	}
	if !slices.Equal(s.Scopes, []string{"info", "accounts"}) || !slices.Equal(s.Providers, []string{"uk-ob-all", "uk-oauth-all"}) {
		t.Errorf("lists: scopes %v providers %v", s.Scopes, s.Providers)
	}
	if !slices.Equal(s.Keys["quit"], []string{"q", "ctrl+c"}) || !slices.Equal(s.Keys["help"], []string{"?"}) {
		t.Errorf("keys: %v", s.Keys)
	}
	for key, line := range map[string]int{KeyClientID: 2, KeyClientSecretCommand: 3, KeyEnvironment: 4, KeyRedirectURI: 5, KeyScopes: 6, KeyProviders: 7, KeyProviderID: 8, "keys.quit": 11, "keys.help": 12} {
		want := "file " + file + ":" + strconv.Itoa(line)
		if s.Sources[key] != want {
			t.Errorf("Sources[%s] = %q, want %q", key, s.Sources[key], want)
		}
	}
	if !s.FileFound || s.File != file {
		t.Errorf("File %q found %v", s.File, s.FileFound)
	}

	// Environment beats file.
	env := envMap(map[string]string{
		EnvClientID: "env-client", EnvClientSecret: "env-secret", EnvEnvironment: "sandbox",
		EnvRedirectURI: "http://127.0.0.1:5000/cb", EnvAuthURL: "http://127.0.0.1:9/auth/", EnvAPIURL: "http://127.0.0.1:9/api",
	})
	s, err = Load(p, env, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if s.ClientID != "env-client" || s.Sources[KeyClientID] != "env "+EnvClientID {
		t.Errorf("env client id: %q from %q", s.ClientID, s.Sources[KeyClientID])
	}
	if s.ClientSecretCommand != "" {
		t.Errorf("a secret from the environment must win over the file's command")
	}
	if got, _ := s.Secret(context.Background()); got != "env-secret" {
		t.Errorf("Secret() did not return the environment's secret")
	}
	if s.AuthURL != "http://127.0.0.1:9/auth" {
		t.Errorf("AuthURL %q: trailing slash not trimmed", s.AuthURL)
	}
	if s.APIURL != "http://127.0.0.1:9/api" || s.Sources[KeyAPIURL] != "env "+EnvAPIURL {
		t.Errorf("APIURL %q from %q", s.APIURL, s.Sources[KeyAPIURL])
	}

	// Flags beat both.
	s, err = Load(p, env, Overrides{ClientID: "flag-client", Environment: "live", Scopes: []string{"info balance"}, ProviderID: "ob-nova"})
	if err != nil {
		t.Fatal(err)
	}
	if s.ClientID != "flag-client" || s.Sources[KeyClientID] != SourceFlag || s.Environment != "live" ||
		!slices.Equal(s.Scopes, []string{"info", "balance"}) || s.ProviderID != "ob-nova" || s.Sources[KeyProviderID] != SourceFlag {
		t.Errorf("flags did not win: %+v", s)
	}
}

func TestLoadDefaults(t *testing.T) {
	p, err := pathsFrom(filepath.Join(t.TempDir(), "missing.toml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(p, envMap(nil), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if s.FileFound || s.Configured() {
		t.Errorf("no file, no client: found=%v configured=%v", s.FileFound, s.Configured())
	}
	if s.RedirectURI != DefaultRedirectURI || s.Sources[KeyRedirectURI] != SourceDefault {
		t.Errorf("redirect default: %q (%s)", s.RedirectURI, s.Sources[KeyRedirectURI])
	}
	// Scopes and the environment are TrueLayer's: left unset for the caller.
	if len(s.Scopes) != 0 || s.Environment != "" || s.Sources[KeyScopes] != "" || s.Sources[KeyEnvironment] != "" {
		t.Errorf("scopes %v (%q), environment %q (%q): want unset", s.Scopes, s.Sources[KeyScopes], s.Environment, s.Sources[KeyEnvironment])
	}
	if _, err := s.Secret(context.Background()); !errors.Is(err, ErrNoClientSecret) {
		t.Errorf("Secret() without any = %v", err)
	}
}

func TestLoadErrorsNameFileLineKey(t *testing.T) {
	cases := []struct {
		name, content string
		want          []string
	}{
		{"type", "client_id = \"x\"\n\nredirect_uri = 3000\n", []string{":3:", "redirect_uri", "must be a string"}},
		{"list type", "scopes = [\"info\", 3]\n", []string{":1:", "scopes"}},
		{"keys type", "[keys]\nquit = 1\n", []string{":2:", "keys.quit"}},
		{"syntax", "client_id = \"x\"\nenvironment = \n", []string{":2:"}},
		{"unknown", "client_id = \"x\"\nclient_idd = \"y\"\n[colours]\nfg = \"red\"\n", []string{":2:", `unknown key "client_idd"`, ":3:", `"colours"`}},
		{"both secrets", "client_secret = \"a\"\nclient_secret_command = \"b\"\n", []string{":2:", "client_secret_command"}},
		{"bad url", "api_url = \"api.truelayer.com\"\n", []string{":1:", "api_url"}},
		{"bad psu_ip", "client_id = \"x\"\npsu_ip = \"my laptop\"\n", []string{":2:", "psu_ip", "IP address"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeConfig(t, c.content, 0o600)
			_, err := Load(p, envMap(nil), Overrides{})
			if err == nil {
				t.Fatal("Load succeeded")
			}
			msg := err.Error()
			if !strings.Contains(msg, p.ConfigFile) {
				t.Errorf("error does not name the file: %s", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
		})
	}
	t.Run("unknown is ErrUnknownKeys", func(t *testing.T) {
		p := writeConfig(t, "colour = \"red\"\n", 0o600)
		if _, err := Load(p, envMap(nil), Overrides{}); !errors.Is(err, ErrUnknownKeys) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("env error names the variable", func(t *testing.T) {
		p := writeConfig(t, "", 0o600)
		_, err := Load(p, envMap(map[string]string{EnvAPIURL: "api.example"}), Overrides{})
		if err == nil || !strings.Contains(err.Error(), EnvAPIURL) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestLoadNeverWritesTheFile(t *testing.T) {
	content := "client_id = \"x\"\n# a comment the user cares about\n"
	p := writeConfig(t, content, 0o640)
	before, _ := os.Stat(p.ConfigFile)
	for range 3 {
		if _, err := Load(p, envMap(map[string]string{EnvClientID: "y"}), Overrides{ClientID: "z"}); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := os.Stat(p.ConfigFile)
	got, _ := os.ReadFile(p.ConfigFile)
	if string(got) != content || !after.ModTime().Equal(before.ModTime()) || after.Mode() != before.Mode() {
		t.Errorf("settings file changed: %q mode %v", got, after.Mode())
	}
	entries, _ := os.ReadDir(filepath.Dir(p.ConfigFile))
	if len(entries) != 1 {
		t.Errorf("Load created files: %v", entries)
	}
}

func TestSecretInReadableFileRefused(t *testing.T) {
	p := writeConfig(t, "client_id = \"x\"\nclient_secret = \"hunter2-secret\"\n", 0o644)
	_, err := Load(p, envMap(nil), Overrides{})
	var pe *PermissionError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *PermissionError", err)
	}
	if !strings.Contains(err.Error(), "chmod 600 "+p.ConfigFile) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("message: %s", err)
	}
	// Without a secret in it, a readable settings file is fine.
	p = writeConfig(t, "client_id = \"x\"\nclient_secret_command = \"pass show tl\"\n", 0o644)
	if _, err := Load(p, envMap(nil), Overrides{}); err != nil {
		t.Errorf("command-only file refused: %v", err)
	}
}

func TestSecretCommand(t *testing.T) {
	ctx := context.Background()
	s := &Settings{ClientSecretCommand: "printf '  cmd-secret-value-1\\n\\n'", Sources: map[string]string{}}
	got, err := s.Secret(ctx)
	if err != nil || got != "cmd-secret-value-1" {
		t.Fatalf("Secret() = %q, %v", got, err)
	}

	// A failing command: exit status and the stderr line, never its stdout.
	s = &Settings{ClientSecretCommand: "echo cmd-secret-value-2; echo 'gpg: decryption failed, cmd-secret-value-2' >&2; exit 3",
		Sources: map[string]string{KeyClientSecretCommand: "file /x/config.toml:4"}}
	_, err = s.Secret(ctx)
	if err == nil {
		t.Fatal("failing command succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, "cmd-secret-value-2") {
		t.Errorf("error leaks the secret: %s", msg)
	}
	for _, w := range []string{"/x/config.toml:4", "client_secret_command", "exit status 3", "gpg: decryption failed"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q lacks %q", msg, w)
		}
	}

	s = &Settings{ClientSecretCommand: "true", Sources: map[string]string{}}
	if _, err := s.Secret(ctx); err == nil || !strings.Contains(err.Error(), "printed nothing") {
		t.Errorf("empty output: %v", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	s = &Settings{ClientSecretCommand: "sleep 30", Sources: map[string]string{}}
	if _, err := s.Secret(cctx); err == nil {
		t.Errorf("cancelled context: command succeeded")
	}
}

// Invalid names where a value came from, so checks made outside config (the
// TrueLayer environment, scopes, key actions) read like config's own.
func TestInvalidNamesTheSource(t *testing.T) {
	p := writeConfig(t, "environment = \"moon\"\n\n[keys]\nqiut = \"q\"\n", 0o600)
	s, err := Load(p, envMap(map[string]string{EnvClientID: "x"}), Overrides{Scopes: []string{"wallet"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ key, want string }{
		{KeyEnvironment, p.ConfigFile + ":1: environment: bad"},
		{"keys.qiut", p.ConfigFile + ":4: keys.qiut: bad"},
		{KeyClientID, EnvClientID + ": bad"},
		{KeyScopes, "--scopes: bad"},
	} {
		if got := s.Invalid(c.key, "bad", nil).Error(); got != c.want {
			t.Errorf("Invalid(%s) = %q, want %q", c.key, got, c.want)
		}
	}
}
