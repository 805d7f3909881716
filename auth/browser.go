package auth

import (
	"io"

	"github.com/cli/browser"
)

func init() {
	// The browser's own chatter (xdg-open, gio...) must not draw over the TUI.
	browser.Stdout = io.Discard
	browser.Stderr = io.Discard
}

// OpenBrowser opens url in the user's browser, its output discarded.
func OpenBrowser(url string) error { return browser.OpenURL(url) }
