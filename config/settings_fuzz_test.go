package config

import (
	"errors"
	"strings"
	"testing"
)

// fuzzSecret is the client secret every fuzzed config.toml starts with.
const fuzzSecret = "zz-fuzz-secret-zz"

// FuzzSettingsFile: whatever config.toml holds, reading it never fails
// but with a *SettingError (file, line, key) or the unknown-keys error,
// and no error ever quotes the client secret.
func FuzzSettingsFile(f *testing.F) {
	for _, s := range []string{
		"client_id = \"sandbox-x\"\nscopes = [\"info\", \"accounts\"]\n",
		"[keys]\nquit = [\"q\", \"ctrl+c\"]\nprev_month = \"[\"\n",
		"[timeouts]\nconnect = \"3s\"\ncommand = \"0\"\nbody = \"2m\"\n",
		"redirect_uri = \"ftp://x\"\n", "auth_url = \"https://a.example/\"\napi_url = \"http://b\"\n",
		"client_secret_command = \"pass show x\"\n", "client_id = 5\n", "unknown = 1\n[keys]\nnope = 3\n",
		"keys = { quit = [\"x\"] }\n", "\"client_id\" = \"quoted\"\n", "timeouts.connect = \"1s\"\n",
		"[timeouts]\nconnect = \"1e9h\"\n", "a = \"\"\"\nmulti\n\"\"\"\n", "[[keys]]\n", "= \"x\"\n", "\x1b]0;x\x07 = 1\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, content string) {
		s := &Settings{Keys: map[string][]string{}, Sources: map[string]string{}}
		err := s.parse("/x/config.toml", []byte("client_secret = \""+fuzzSecret+"\"\n"+content))
		if err == nil {
			err = s.validate()
		}
		if err == nil {
			return
		}
		var se *SettingError
		if !errors.As(err, &se) && !errors.Is(err, ErrUnknownKeys) {
			t.Fatalf("%q: an error of type %T: %v", content, err, err)
		}
		if strings.Contains(err.Error(), fuzzSecret) {
			t.Fatalf("%q: the error quotes the client secret: %v", content, err)
		}
	})
}
