package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/ui"
)

// config keeps settings as plain strings; what TrueLayer accepts is decided
// here, against the truelayer package, so config imports nothing of ours.

// sandboxProviders is the provider filter used in the sandbox when none is
// set: TrueLayer's Mock bank plus the sandbox Open Banking and OAuth banks
// (the sandbox dialog shows nothing useful without a filter).
var sandboxProviders = []string{"uk-cs-mock", "uk-ob-all", "uk-oauth-all"}

// applyTrueLayer checks the environment and scopes against TrueLayer's and
// fills their defaults, naming the file and line (or variable, or flag) of
// a bad value.
func applyTrueLayer(s *config.Settings) error {
	if s.Environment != "" {
		if _, err := truelayer.EnvironmentNamed(s.Environment); err != nil {
			return s.Invalid(config.KeyEnvironment, fmt.Sprintf("unknown environment %q (want live or sandbox)", s.Environment), err)
		}
	}
	if len(s.Scopes) == 0 {
		s.Scopes, s.Sources[config.KeyScopes] = slices.Clone(auth.DefaultScopes), config.SourceDefault
	}
	if err := truelayer.ValidateScopes(s.Scopes); err != nil {
		return s.Invalid(config.KeyScopes, err.Error(), err)
	}
	if len(s.Providers) == 0 && environment(s).Name == truelayer.Sandbox.Name {
		s.Providers, s.Sources[config.KeyProviders] = slices.Clone(sandboxProviders), config.SourceDefault
	}
	return nil
}

// Zone is the user's time zone (timezone in config.toml, or TZ), in which
// transactions are dated and --from/--to read.
func (f *Factory) Zone() (*time.Location, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	return s.Zone(), nil
}

// namedEnvironment is the environment the settings name, or the one the
// client id implies, before auth_url and api_url override its hosts.
func namedEnvironment(s *config.Settings) truelayer.Environment {
	if named, err := truelayer.EnvironmentNamed(s.Environment); s.Environment != "" && err == nil {
		return named
	}
	return truelayer.EnvironmentFor(s.ClientID)
}

// environment is the TrueLayer environment the settings point at: the named
// one (or the one the client id implies), with auth_url and api_url
// overriding its hosts.
func environment(s *config.Settings) truelayer.Environment {
	env := namedEnvironment(s)
	if s.AuthURL != "" || s.APIURL != "" {
		env.Name = "custom"
		if s.AuthURL != "" {
			env.AuthURL = s.AuthURL
		}
		if s.APIURL != "" {
			env.APIURL = s.APIURL
		}
	}
	return env
}

// environmentSource says where environment(s) came from, for doctor.
func environmentSource(s *config.Settings) string {
	var hosts []string
	for _, key := range []string{config.KeyAuthURL, config.KeyAPIURL} {
		if src := s.Sources[key]; src != "" {
			hosts = append(hosts, key+" from "+src)
		}
	}
	switch {
	case len(hosts) > 0:
		return strings.Join(hosts, ", ")
	case s.Environment != "":
		return s.Sources[config.KeyEnvironment]
	case strings.HasPrefix(s.ClientID, truelayer.SandboxClientPrefix):
		return "implied by the client id's " + truelayer.SandboxClientPrefix + " prefix"
	}
	return config.SourceDefault
}

// clientKind says whether the client id is a sandbox or a live one, and why.
func clientKind(clientID string) (kind, why string) {
	if strings.HasPrefix(clientID, truelayer.SandboxClientPrefix) {
		return truelayer.Sandbox.Name, "prefix " + truelayer.SandboxClientPrefix
	}
	return truelayer.Live.Name, "no " + truelayer.SandboxClientPrefix + " prefix"
}

// checkKeys checks the [keys] table against the TUI's actions, naming the
// file and line of a mistake: "config.toml:7: unknown key action "qiut"".
func checkKeys(s *config.Settings) error {
	actions := ui.KeyActions()
	for _, action := range slices.Sorted(maps.Keys(s.Keys)) {
		var msg string
		switch {
		case !slices.Contains(actions, action):
			msg = fmt.Sprintf("unknown key action %q (valid: %s)", action, strings.Join(actions, ", "))
		case len(s.Keys[action]) == 0:
			msg = fmt.Sprintf("key action %q has no keys", action)
		default:
			continue
		}
		e := s.Invalid(config.KeyKeys+"."+action, msg, nil)
		e.Key = "" // the message names the action
		return e
	}
	if _, err := ui.KeyMapWith(s.Keys); err != nil {
		return &config.SettingError{File: s.File, Key: "[" + config.KeyKeys + "]", Msg: err.Error(), Err: err}
	}
	return nil
}
