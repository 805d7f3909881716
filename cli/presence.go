package cli

import (
	"net"
	"net/netip"
	"net/url"
)

// Whether the user is present decides what banks allow: with X-PSU-IP (the
// user's address) a call is attended and not limited; without it a bank
// allows ledger.UnattendedLimit calls per account and endpoint a day. The
// TUI, a login and a command on a terminal are attended; a command without
// a terminal (cron) is not, and never claims to be.

// userPresent reports whether someone is at this run: the TUI, a login, or
// a terminal on any standard stream.
func (f *Factory) userPresent() bool {
	return f.present || f.IO.InTTY || f.IO.OutTTY || f.IO.ErrTTY
}

// psuIP is the address to send as X-PSU-IP when the user is present:
// psu_ip from config.toml, else this machine's address on its route to the
// API host (found without sending anything); "" when there is none, and
// then the calls count as unattended.
func (f *Factory) psuIP(configured, apiURL string) string {
	if configured != "" {
		return configured
	}
	f.psuOnce.Do(func() { f.psu = routeAddress(apiURL) })
	return f.psu
}

// probeAddrs are public addresses whose route is the default one; nothing
// is sent to them.
var probeAddrs = []string{"192.0.2.1:443", "[2001:db8::1]:443"}

// routeAddress is the local address this machine would use to reach the
// API host: its own when the host is an IP address (an emulator on
// loopback), else the default route's. A UDP "connect" only consults the
// routing table; no packet leaves.
func routeAddress(apiURL string) string {
	targets := probeAddrs
	if u, err := url.Parse(apiURL); err == nil {
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
			targets = []string{netip.AddrPortFrom(ip, 443).String()}
		}
	}
	for _, t := range targets {
		c, err := net.Dial("udp", t)
		if err != nil {
			continue
		}
		addr, _ := netip.ParseAddrPort(c.LocalAddr().String())
		c.Close()
		if a := addr.Addr().Unmap(); a.IsValid() && !a.IsUnspecified() {
			return a.String()
		}
	}
	return ""
}
