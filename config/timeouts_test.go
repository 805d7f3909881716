package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTimeoutsFromTheFile(t *testing.T) {
	p := writeConfig(t, "client_id = \"sandbox-x\"\n\n[timeouts]\nconnect = \"3s\"\ntls_handshake = \"4s\"\nresponse_headers = \"90s\"\nbody = \"5m\"\ncommand = \"0\"\nslow_bank = \"20s\"\n", 0o600)
	s, err := Load(p, envMap(nil), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	want := Timeouts{Connect: 3 * time.Second, TLSHandshake: 4 * time.Second, ResponseHeaders: 90 * time.Second, Body: 5 * time.Minute, SlowBank: 20 * time.Second}
	got := s.Timeouts
	if got.Connect != want.Connect || got.TLSHandshake != want.TLSHandshake || got.ResponseHeaders != want.ResponseHeaders ||
		got.Body != want.Body || got.Command != want.Command || got.SlowBank != want.SlowBank {
		t.Errorf("Timeouts = %+v, want %+v", got, want)
	}
	if !s.Timeouts.Set[TimeoutCommand] || s.Timeouts.Set["nothing"] {
		t.Errorf("Set = %v: command = \"0\" is set (no limit)", s.Timeouts.Set)
	}
	if src := s.Sources["timeouts.body"]; src != "file "+p.ConfigFile+":7" {
		t.Errorf("source of timeouts.body = %q, want its file and line 7", src)
	}

	empty, err := Load(writeConfig(t, "", 0o600), envMap(nil), Overrides{})
	if err != nil || empty.Timeouts.Connect != 0 || empty.Timeouts.Set[TimeoutCommand] {
		t.Errorf("no [timeouts]: %+v, %v; want nothing set", empty.Timeouts, err)
	}
}

func TestBadTimeoutsNameFileLineAndKey(t *testing.T) {
	for _, tt := range []struct{ content, key, want string }{
		{"[timeouts]\nconnect = \"ten seconds\"\n", "timeouts.connect", `"ten seconds" is not a duration`},
		{"[timeouts]\nbody = \"0s\"\n", "timeouts.body", "must be more than 0"},
		{"[timeouts]\ncommand = \"-1m\"\n", "timeouts.command", "must be 0 (no limit) or more"},
		{"[timeouts]\nslow_bank = \"0\"\n", "timeouts.slow_bank", "must be more than 0"},
		{"[timeouts]\nconect = \"1s\"\n", "timeouts.conect", "unknown timeout (known: connect"},
		{"[timeouts]\nconnect = 10\n", "timeouts.connect", "a duration in quotes"},
		{"timeouts = \"10s\"\n", "timeouts", "a table"},
	} {
		p := writeConfig(t, tt.content, 0o600)
		_, err := Load(p, envMap(nil), Overrides{})
		var se *SettingError
		if !errors.As(err, &se) || se.Key != tt.key || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), p.ConfigFile+":") {
			t.Errorf("%q: Load = %v; want a SettingError at %s:LINE naming %s and saying %q", tt.content, err, p.ConfigFile, tt.key, tt.want)
		}
	}
}
