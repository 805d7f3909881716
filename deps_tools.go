//go:build tools

// Temporary: pins the chosen dependencies in go.mod while the packages that
// use them are written in parallel. Removed once every import is real.
package main

import (
	_ "charm.land/bubbles/v2/table"
	_ "charm.land/bubbletea/v2"
	_ "charm.land/lipgloss/v2"
	_ "github.com/BurntSushi/toml"
	_ "github.com/adrg/xdg"
	_ "github.com/charmbracelet/fang"
	_ "github.com/charmbracelet/x/ansi"
	_ "github.com/charmbracelet/x/exp/teatest/v2"
	_ "github.com/chromedp/chromedp"
	_ "github.com/cli/browser"
	_ "github.com/gofrs/flock"
	_ "github.com/shopspring/decimal"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/oauth2"
	_ "golang.org/x/sync/errgroup"
	_ "modernc.org/sqlite"
)
