package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/ledger"
)

// checkPath reports a file's existence and mode; secret files must not be
// readable by others.
func checkPath(d *doctorReport, what, path string, want os.FileMode, secret bool) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		d.line("ok", what, path+"  (not created yet)")
	case err != nil:
		d.line("FAIL", what, err.Error())
	case secret && fi.Mode().Perm()&0o077 != 0:
		d.line("FAIL", what, fmt.Sprintf("%s  mode %04o: others can read it; run chmod %04o %s", path, fi.Mode().Perm(), want, path))
	default:
		d.line("ok", what, fmt.Sprintf("%s  mode %04o", path, fi.Mode().Perm()))
	}
}

// checkTokenDir checks the directory credentials.json lives in. banktui's
// own directory should be 0700; a shared one (a --config in /tmp, say) is a
// reason to move the settings file, never to chmod the shared directory.
func checkTokenDir(d *doctorReport, dir, credentials string) {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		d.line("ok", "config directory", dir+"  (not created yet)")
		return
	case err != nil:
		d.line("FAIL", "config directory", err.Error())
		return
	case fi.Mode().Perm()&0o077 == 0:
		d.line("ok", "config directory", fmt.Sprintf("%s  mode %04o", dir, fi.Mode().Perm()))
		return
	}
	status := "warn"
	if _, err := os.Stat(credentials); err == nil {
		status = "FAIL"
	}
	if filepath.Base(dir) == config.AppName {
		d.line(status, "config directory", fmt.Sprintf("%s  mode %04o: others can list it; run chmod 0700 %s", dir, fi.Mode().Perm(), dir))
		return
	}
	d.line(status, "config directory", fmt.Sprintf("%s  mode %04o is shared: tokens would be kept beside the settings file, so keep it in a private directory", dir, fi.Mode().Perm()))
}

// checkRedirect says whether the loopback listener can bind the redirect URI's port.
func checkRedirect(d *doctorReport, redirect string) {
	u, err := url.Parse(redirect)
	if err != nil || u.Host == "" {
		d.line("FAIL", "redirect_uri", fmt.Sprintf("%q is not a URL; use http://localhost:3000/callback", redirect))
		return
	}
	// As banktui login: it receives the bank's answer on this machine only,
	// over plain http (pasting the URL with --no-browser included).
	host := u.Hostname()
	if !strings.EqualFold(host, "localhost") && host != "127.0.0.1" && host != "::1" {
		d.line("FAIL", "redirect_uri", ledger.Explain(auth.ErrNotLoopback).Text(ledger.CLI))
		return
	}
	if u.Scheme != "http" {
		d.line("FAIL", "redirect_uri", ledger.Explain(auth.ErrRedirectNotHTTP).Text(ledger.CLI))
		return
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		d.line("FAIL", "callback port", fmt.Sprintf("127.0.0.1:%s is busy (%v): stop what uses it, or register another redirect URI", port, err))
		return
	}
	l.Close()
	d.line("ok", "callback port", "127.0.0.1:"+port+" is free")
}

func doctorConnections(ctx context.Context, d *doctorReport, f *Factory, s *config.Settings, now time.Time) {
	conns, err := f.Connections()
	if err != nil {
		d.line("FAIL", "credentials", oneLine(err.Error()))
		return
	}
	if len(conns) == 0 {
		d.line("warn", "connections", "none yet: run banktui login")
		return
	}
	stored := f.storedState(ctx)
	for _, c := range conns {
		name := ledger.Sanitize(c.ID)
		text, warn, lost := consentState(c, now)
		switch {
		case lost || (warn && c.ConsentExpiresAt.Before(now)):
			d.line("FAIL", name, text)
			continue
		case warn:
			d.line("warn", name, text)
		case !c.ConsentExpiresAt.IsZero():
			d.line("ok", name, fmt.Sprintf("%s, consent %s", ledger.Sanitize(c.ProviderName), consentCell(c, now)))
		default:
			d.line("ok", name, ledger.Sanitize(c.ProviderName)+", consent expiry unknown")
		}
		if g := grantedNote(c); g != "" {
			d.line("warn", "  scopes", g)
		}
		for _, n := range endpointNotes(stored.statuses, stored.names, c.ID, now) {
			d.line("ok", "  refused", n+" (the bank's choice, not a lost consent)")
		}
		doctorMe(ctx, d, f, s, c.ID)
	}
}

// doctorPresence says what X-PSU-IP banktui sends when you are present.
func doctorPresence(d *doctorReport, f *Factory, s *config.Settings) {
	if s.PSUIP != "" {
		show(d, s, config.KeyPSUIP, s.PSUIP+", sent as X-PSU-IP when you are present")
		return
	}
	if ip := f.psuIP("", environment(s).APIURL); ip != "" {
		d.line("ok", config.KeyPSUIP, ip+"  (this machine's address on its route to the bank; sent as X-PSU-IP when you are present)")
		return
	}
	d.line("warn", config.KeyPSUIP, "no address found on a route to the bank: every call counts as unattended (4 per account and endpoint a day); set psu_ip in config.toml")
}

// doctorMe checks a connection live: a /me call through the token manager.
func doctorMe(ctx context.Context, d *doctorReport, f *Factory, s *config.Settings, connectionID string) {
	if !s.Configured() {
		d.line("warn", "  /me", "skipped: no client configured")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cl, err := f.dataClient(ctx, connectionID)
	if err == nil {
		me, err2 := cl.Me(ctx)
		if err2 == nil {
			d.line("ok", "  /me", fmt.Sprintf("%s, consent %s, scopes %s", ledger.Sanitize(me.Provider.DisplayName),
				orDash(ledger.Sanitize(me.ConsentStatus)), ledger.Sanitize(strings.Join(me.Scopes, " "))))
			return
		}
		err = err2
	}
	msg, _ := explain(err)
	d.line("FAIL", "  /me", msg)
}
