package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// DefaultRedirectURI is where TrueLayer sends the browser back after consent.
// It must be registered, character for character, in the TrueLayer console.
const DefaultRedirectURI = "http://localhost:3000/callback"

// Environment variables read by Load (flag > environment > file > default).
const (
	EnvClientID     = "TRUELAYER_CLIENT_ID"
	EnvClientSecret = "TRUELAYER_CLIENT_SECRET"
	EnvEnvironment  = "TRUELAYER_ENV"
	EnvRedirectURI  = "TRUELAYER_REDIRECT_URI"
	EnvAuthURL      = "TRUELAYER_AUTH_URL"
	EnvAPIURL       = "TRUELAYER_API_URL"
	EnvTimezone     = "TZ"
)

// Setting names, as written in config.toml and used as keys of Settings.Sources.
const (
	KeyClientID            = "client_id"
	KeyClientSecret        = "client_secret"
	KeyClientSecretCommand = "client_secret_command"
	KeyEnvironment         = "environment"
	KeyRedirectURI         = "redirect_uri"
	KeyScopes              = "scopes"
	KeyProviders           = "providers"
	KeyProviderID          = "provider_id"
	KeyAuthURL             = "auth_url"
	KeyAPIURL              = "api_url"
	KeyTimezone            = "timezone"
	KeyPSUIP               = "psu_ip" // the address sent as X-PSU-IP when the user is present
	KeyKeys                = "keys"   // table: action name -> key or list of keys
)

// Source values in Settings.Sources, besides "file PATH:LINE" and "env NAME".
const (
	SourceFlag    = "flag"
	SourceDefault = "default"
)

// Settings are the user's settings after precedence is applied.
type Settings struct {
	ClientID            string
	ClientSecret        string // never printed; see Secret
	ClientSecretCommand string // run through sh -c by Secret
	Environment         string // "live", "sandbox" or "" (from the client id); checked by the caller
	RedirectURI         string
	Scopes              []string // as given; the caller supplies the default and checks them
	Providers           []string // provider filter for the auth dialog, e.g. "uk-ob-all"
	ProviderID          string   // skip the provider selection
	AuthURL, APIURL     string   // host overrides (the emulator, say); "" = from Environment
	Timezone            string   // the user's time zone, e.g. "Europe/London"; "" = the system's (see Zone)
	// PSUIP is the user's IP address, sent as X-PSU-IP when the user is
	// present; "" = this machine's address on its default route.
	PSUIP    string
	Keys     map[string][]string
	Timeouts Timeouts // [timeouts]

	// Sources tells, per setting name (Key* constants; "keys.ACTION" for
	// key bindings), where its value came from: "flag", "env NAME",
	// "file PATH:LINE" or "default". Unset settings are absent.
	Sources map[string]string

	// File is the settings file read; FileFound says whether it existed.
	File      string
	FileFound bool

	zone *time.Location // Timezone, loaded by validate
}

// Overrides are command-line flag values; empty means "not given".
type Overrides struct {
	ClientID, ClientSecret, Environment, RedirectURI string
	AuthURL, APIURL                                  string
	Scopes, Providers                                []string
	ProviderID                                       string
}

// SettingError is a bad setting: it names where the value came from (the
// file and line, or the environment variable) and the key, never the value.
type SettingError struct {
	File string // settings file, or "" when the value came from elsewhere
	Line int    // 1-based line in File, 0 if unknown
	Key  string // setting name or environment variable
	Msg  string
	Err  error // underlying error, if any
}

func (e *SettingError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		fmt.Fprintf(&b, "%s: ", e.Key)
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *SettingError) Unwrap() error { return e.Err }

// ErrUnknownKeys is matched (errors.Is) by the error Load returns when
// config.toml holds keys banktui does not know (a typo must not go unseen).
var ErrUnknownKeys = errors.New("unknown settings")

// ErrNoClientSecret means neither client_secret nor client_secret_command is set.
var ErrNoClientSecret = errors.New("no client secret configured: set TRUELAYER_CLIENT_SECRET, or client_secret_command (e.g. \"pass show truelayer/secret\") or client_secret in config.toml")

// Load reads paths.ConfigFile (a missing file is fine) and applies the
// environment (through getenv; nil = os.Getenv) and the flag overrides.
// It never writes the settings file.
func Load(paths Paths, getenv func(string) string, o Overrides) (*Settings, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	s := &Settings{
		File:    paths.ConfigFile,
		Keys:    map[string][]string{},
		Sources: map[string]string{},
	}
	if err := s.loadFile(paths.ConfigFile); err != nil {
		return nil, err
	}

	str := func(key, env, flag string, dst *string) {
		if v := strings.TrimSpace(getenv(env)); v != "" && env != "" {
			*dst, s.Sources[key] = v, "env "+env
		}
		if flag != "" {
			*dst, s.Sources[key] = flag, SourceFlag
		}
	}
	str(KeyClientID, EnvClientID, o.ClientID, &s.ClientID)
	str(KeyClientSecret, EnvClientSecret, o.ClientSecret, &s.ClientSecret)
	str(KeyEnvironment, EnvEnvironment, o.Environment, &s.Environment)
	str(KeyRedirectURI, EnvRedirectURI, o.RedirectURI, &s.RedirectURI)
	str(KeyAuthURL, EnvAuthURL, o.AuthURL, &s.AuthURL)
	str(KeyAPIURL, EnvAPIURL, o.APIURL, &s.APIURL)
	str(KeyProviderID, "", o.ProviderID, &s.ProviderID)
	str(KeyTimezone, EnvTimezone, "", &s.Timezone)
	if len(o.Scopes) > 0 {
		s.Scopes, s.Sources[KeyScopes] = splitList(o.Scopes), SourceFlag
	}
	if len(o.Providers) > 0 {
		s.Providers, s.Sources[KeyProviders] = splitList(o.Providers), SourceFlag
	}
	if s.Sources[KeyClientSecret] != "" && !strings.HasPrefix(s.Sources[KeyClientSecret], "file ") {
		// A secret given on the command line or in the environment wins
		// over a command from the file: the command is not run.
		s.ClientSecretCommand = ""
		delete(s.Sources, KeyClientSecretCommand)
	}

	if s.RedirectURI == "" {
		s.RedirectURI, s.Sources[KeyRedirectURI] = DefaultRedirectURI, SourceDefault
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// Invalid is the error for a bad value of the setting key (a Key* constant,
// or "keys.ACTION"): it names where the value came from, the file and line,
// the environment variable or the flag, never the value itself. Callers
// that check what config cannot know (TrueLayer's environments and scopes,
// the TUI's key actions) use it so every settings error reads the same.
func (s *Settings) Invalid(key, msg string, err error) *SettingError {
	e := &SettingError{Key: key, Msg: msg, Err: err}
	src := s.Sources[key]
	switch {
	case strings.HasPrefix(src, "file "):
		e.File, e.Line = splitFileSource(strings.TrimPrefix(src, "file "))
	case strings.HasPrefix(src, "env "):
		e.Key = strings.TrimPrefix(src, "env ")
	case src == SourceFlag:
		e.Key = "--" + strings.ReplaceAll(key, "_", "-")
	}
	return e
}

// validate checks values wherever they came from, naming their source.
func (s *Settings) validate() error {
	bad := func(key, msg string, err error) error { return s.Invalid(key, msg, err) }
	for _, k := range []struct {
		key string
		val *string
	}{{KeyRedirectURI, &s.RedirectURI}, {KeyAuthURL, &s.AuthURL}, {KeyAPIURL, &s.APIURL}} {
		if *k.val == "" {
			continue
		}
		u, err := url.Parse(*k.val)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad(k.key, "must be an absolute http or https URL", err)
		}
		if k.key != KeyRedirectURI {
			*k.val = strings.TrimRight(*k.val, "/")
		}
	}
	if s.ClientSecret != "" && s.ClientSecretCommand != "" {
		return bad(KeyClientSecretCommand, "set client_secret or client_secret_command, not both", nil)
	}
	if s.Timezone != "" {
		zone, err := loadZone(s.Timezone)
		if err != nil {
			return bad(KeyTimezone, fmt.Sprintf("unknown time zone %q: use a zone name such as Europe/London or UTC (one of /usr/share/zoneinfo)", s.Timezone), err)
		}
		s.zone = zone
	}
	if _, err := netip.ParseAddr(s.PSUIP); s.PSUIP != "" && err != nil {
		return bad(KeyPSUIP, "must be an IP address, such as 203.0.113.7 (your address as your bank sees it)", err)
	}
	return nil
}

// Zone is the user's time zone, in which banktui dates transactions and
// steps through months: timezone (or TZ), else the system's.
func (s *Settings) Zone() *time.Location {
	if s == nil || s.zone == nil {
		return time.Local
	}
	return s.zone
}

// loadZone reads a zone name as TZ may hold it: "Europe/London",
// ":Europe/London", or the path of a zone file ("/etc/localtime").
func loadZone(name string) (*time.Location, error) {
	name = strings.TrimPrefix(name, ":")
	if strings.HasPrefix(name, "/") {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		return time.LoadLocationFromTZData(name, data)
	}
	return time.LoadLocation(name)
}

func splitFileSource(src string) (string, int) {
	i := strings.LastIndexByte(src, ':')
	if i < 0 {
		return src, 0
	}
	n, err := strconv.Atoi(src[i+1:])
	if err != nil {
		return src, 0
	}
	return src[:i], n
}

func splitList(in []string) []string {
	var out []string
	for _, v := range in {
		out = append(out, strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' })...)
	}
	return out
}

// loadFile reads config.toml into s, recording sources with line numbers.
func (s *Settings) loadFile(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &SettingError{File: path, Msg: "cannot read settings: " + err.Error(), Err: err}
	}
	s.FileFound = true
	if err := s.parse(path, data); err != nil {
		return err
	}
	return s.checkFile(path)
}

// parse reads config.toml's content (from path) into s, recording sources
// with line numbers: every key known, every value of its type.
func (s *Settings) parse(path string, data []byte) error {
	f := tomlFile{path: path, content: string(data)}
	var raw map[string]any
	if _, err := toml.Decode(f.content, &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return &SettingError{File: path, Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message, Err: err}
		}
		return &SettingError{File: path, Msg: err.Error(), Err: err}
	}
	var unknown []string
	for _, key := range sortedKeys(raw) {
		known, err := s.assign(f, key, raw[key])
		if err != nil {
			return err
		}
		if !known {
			unknown = append(unknown, fmt.Sprintf("%s:%d: unknown key %q", path, f.line("", key), key))
		}
	}
	if len(unknown) > 0 {
		known := []string{KeyClientID, KeyClientSecret, KeyClientSecretCommand, KeyEnvironment,
			KeyRedirectURI, KeyScopes, KeyProviders, KeyProviderID, KeyAuthURL, KeyAPIURL, KeyTimezone, KeyPSUIP, "[" + KeyKeys + "]", "[" + KeyTimeouts + "]"}
		return fmt.Errorf("%w in %s (known: %s):\n  %s", ErrUnknownKeys, path,
			strings.Join(known, ", "), strings.Join(unknown, "\n  "))
	}
	return nil
}

// checkFile refuses a settings file that holds a secret others can read,
// or a trusted setting others could change (filetrust.go).
func (s *Settings) checkFile(path string) error {
	if s.ClientSecret != "" {
		if err := checkPrivate(path); err != nil {
			return err
		}
	}
	var trusted []string
	for _, k := range trustedKeys {
		if v := map[string]string{KeyClientSecretCommand: s.ClientSecretCommand, KeyAuthURL: s.AuthURL, KeyAPIURL: s.APIURL}[k]; v != "" {
			trusted = append(trusted, k)
		}
	}
	if len(trusted) > 0 {
		return checkTrusted(path, trusted)
	}
	return nil
}

// assign sets the setting key of config.toml to val; known is false for a
// key banktui does not know.
func (s *Settings) assign(f tomlFile, key string, val any) (known bool, err error) {
	text := map[string]*string{
		KeyClientID: &s.ClientID, KeyClientSecret: &s.ClientSecret, KeyClientSecretCommand: &s.ClientSecretCommand,
		KeyEnvironment: &s.Environment, KeyRedirectURI: &s.RedirectURI, KeyProviderID: &s.ProviderID,
		KeyAuthURL: &s.AuthURL, KeyAPIURL: &s.APIURL, KeyTimezone: &s.Timezone, KeyPSUIP: &s.PSUIP,
	}
	lists := map[string]*[]string{KeyScopes: &s.Scopes, KeyProviders: &s.Providers}
	switch {
	case text[key] != nil:
		v, ok := val.(string)
		if !ok {
			return true, f.typeErr("", key, "a string")
		}
		*text[key] = strings.TrimSpace(v)
	case lists[key] != nil:
		list, ok := stringList(val)
		if !ok {
			return true, f.typeErr("", key, "a list of strings, or one space-separated string")
		}
		*lists[key] = list
	case key == KeyKeys:
		return true, s.assignKeys(f, val)
	case key == KeyTimeouts:
		return true, s.assignTimeouts(f, val)
	default:
		return false, nil
	}
	s.Sources[key] = f.source("", key)
	return true, nil
}

// assignKeys reads the [keys] table: action = key or list of keys.
func (s *Settings) assignKeys(f tomlFile, val any) error {
	table, ok := val.(map[string]any)
	if !ok {
		return f.typeErr("", KeyKeys, "a table of action = [\"key\", ...]")
	}
	for _, action := range sortedKeys(table) {
		keys, ok := stringList(table[action])
		if !ok {
			return f.typeErr(KeyKeys, action, "a key or a list of keys")
		}
		s.Keys[action] = keys
		s.Sources[KeyKeys+"."+action] = f.source(KeyKeys, action)
	}
	return nil
}

// PermissionError is a secret-holding file that others can read. Like
// ssh, banktui refuses it and says how to fix it.
type PermissionError struct {
	Path string
	Mode fs.FileMode
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("%s is readable by others (mode %04o): it holds secrets, so banktui refuses it. Fix: chmod 600 %s", e.Path, e.Mode.Perm(), e.Path)
}

func checkPrivate(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return &PermissionError{Path: path, Mode: info.Mode()}
	}
	return nil
}

// Configured reports whether a client id is set (otherwise banktui runs the demo bank).
func (s *Settings) Configured() bool { return s.ClientID != "" }
