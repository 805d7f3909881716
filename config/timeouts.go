package config

import (
	"fmt"
	"time"
)

// KeyTimeouts is the [timeouts] table: how long banktui waits, as
// durations ("10s", "2m").
const KeyTimeouts = "timeouts"

// The keys of [timeouts].
const (
	TimeoutConnect         = "connect"          // a TCP connection
	TimeoutTLSHandshake    = "tls_handshake"    // a TLS handshake
	TimeoutResponseHeaders = "response_headers" // from a request sent to its response headers
	TimeoutBody            = "body"             // from the headers to a response body's last byte
	TimeoutCommand         = "command"          // a whole command (0: no limit)
	TimeoutSlowBank        = "slow_bank"        // a bank without progress this long is named in the TUI
)

// Timeouts are the [timeouts] settings. A zero field was not set: the
// caller applies its default. Command may be set to 0 (no limit), which
// Set tells apart from not set.
type Timeouts struct {
	Connect, TLSHandshake, ResponseHeaders, Body time.Duration
	Command, SlowBank                            time.Duration
	Set                                          map[string]bool // keys given in the file
}

// assignTimeouts reads the [timeouts] table.
func (s *Settings) assignTimeouts(f tomlFile, val any) error {
	table, ok := val.(map[string]any)
	if !ok {
		return f.typeErr("", KeyTimeouts, "a table of name = \"duration\"")
	}
	fields := map[string]*time.Duration{
		TimeoutConnect: &s.Timeouts.Connect, TimeoutTLSHandshake: &s.Timeouts.TLSHandshake,
		TimeoutResponseHeaders: &s.Timeouts.ResponseHeaders, TimeoutBody: &s.Timeouts.Body,
		TimeoutCommand: &s.Timeouts.Command, TimeoutSlowBank: &s.Timeouts.SlowBank,
	}
	s.Timeouts.Set = map[string]bool{}
	for _, key := range sortedKeys(table) {
		dst, known := fields[key]
		if !known {
			return &SettingError{File: f.path, Line: f.line(KeyTimeouts, key), Key: KeyTimeouts + "." + key,
				Msg: fmt.Sprintf("unknown timeout (known: %s, %s, %s, %s, %s, %s)", TimeoutConnect, TimeoutTLSHandshake,
					TimeoutResponseHeaders, TimeoutBody, TimeoutCommand, TimeoutSlowBank)}
		}
		text, ok := table[key].(string)
		if !ok {
			return f.typeErr(KeyTimeouts, key, `a duration in quotes, e.g. "30s" or "2m"`)
		}
		d, err := time.ParseDuration(text)
		// Only a command can go without a limit: a slow_bank of 0 would
		// name every bank at once.
		zeroOK := key == TimeoutCommand
		switch {
		case err != nil:
			return &SettingError{File: f.path, Line: f.line(KeyTimeouts, key), Key: KeyTimeouts + "." + key,
				Msg: fmt.Sprintf("%q is not a duration: write it like \"30s\", \"90s\" or \"2m\"", text), Err: err}
		case d < 0 || (d == 0 && !zeroOK):
			what := "more than 0"
			if zeroOK {
				what = "0 (no limit) or more"
			}
			return &SettingError{File: f.path, Line: f.line(KeyTimeouts, key), Key: KeyTimeouts + "." + key,
				Msg: fmt.Sprintf("%q must be %s", text, what)}
		}
		*dst = d
		s.Timeouts.Set[key] = true
		s.Sources[KeyTimeouts+"."+key] = f.source(KeyTimeouts, key)
	}
	return nil
}
