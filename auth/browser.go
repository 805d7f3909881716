package auth

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/banktui/banktui/truelayer"
)

// OpenBrowser opens url (http or https only) in the user's browser: the
// first of $BROWSER's commands that exists (a ':'-separated list, "%s"
// standing for the URL, as xdg-utils reads it), else the system's opener
// (xdg-open and friends, open on macOS, rundll32 on Windows).
//
// The browser is a program of its own, and everything it starts inherits
// what it is given, so it runs with an environment scrubbed of banktui's
// settings and of anything that looks like a credential (see
// scrubbedEnv). Its output is discarded (it must not draw over the TUI),
// and it is not waited for (a browser may run for hours).
func OpenBrowser(url string) error {
	cmd, err := browserCommand(url, os.Getenv("BROWSER"), runtime.GOOS)
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("opening the browser (%s): %w", cmd.Path, err)
	}
	go cmd.Wait() // reap it whenever it ends
	return nil
}

// browserCommand is the command that opens rawURL, not yet started.
func browserCommand(rawURL, browserEnv, goos string) (*exec.Cmd, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		// An opener given "-flag" or "file:///..." would do something else.
		return nil, fmt.Errorf("not opening %q in a browser: only http and https addresses are opened", truelayer.RedactURLString(rawURL))
	}
	argv, err := browserArgv(u.String(), browserEnv, goos)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = scrubbedEnv(os.Environ())
	// Stdin, Stdout and Stderr stay nil: the null device.
	return cmd, nil
}

// errNoBrowser: nothing to open a browser with.
var errNoBrowser = errors.New("no browser found: set $BROWSER, or open the address shown yourself")

func browserArgv(u, browserEnv, goos string) ([]string, error) {
	if browserEnv != "" {
		for _, entry := range strings.Split(browserEnv, ":") {
			argv := strings.Fields(entry)
			if len(argv) == 0 {
				continue
			}
			if _, err := exec.LookPath(argv[0]); err != nil {
				continue
			}
			withURL := false
			for i, a := range argv[1:] {
				if strings.Contains(a, "%s") {
					argv[i+1], withURL = strings.ReplaceAll(a, "%s", u), true
				}
			}
			if !withURL {
				argv = append(argv, u)
			}
			return argv, nil
		}
	}
	switch goos {
	case "darwin":
		return []string{"open", u}, nil
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler", u}, nil
	}
	for _, opener := range []string{"xdg-open", "x-www-browser", "www-browser", "wslview"} {
		if _, err := exec.LookPath(opener); err == nil {
			return []string{opener, u}, nil
		}
	}
	return nil, errNoBrowser
}

// scrubbedEnv is env without banktui's and TrueLayer's settings
// (TRUELAYER_*, BANKTUI_*) and without any variable whose name suggests a
// credential (…TOKEN…, …SECRET…, …PASSWORD…, …CREDENTIAL…, API keys):
// what a browser needs (DISPLAY, WAYLAND_DISPLAY, XAUTHORITY, DBUS_*,
// HOME, PATH, XDG_*, the locale) stays.
func scrubbedEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !secretEnvName(name) {
			out = append(out, kv)
		}
	}
	return out
}

func secretEnvName(name string) bool {
	n := strings.ToUpper(name)
	if strings.HasPrefix(n, "TRUELAYER_") || strings.HasPrefix(n, "BANKTUI_") {
		return true
	}
	for _, s := range []string{"TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL", "API_KEY", "APIKEY", "PRIVATE_KEY", "ACCESS_KEY"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
