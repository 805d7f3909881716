// Package config finds banktui's files (through the XDG base directories),
// reads the user's settings from config.toml, and keeps OAuth tokens in
// credentials.json: atomically written, 0600, locked across processes.
//
// config imports nothing else of banktui's: what TrueLayer accepts (environments,
// scopes) is checked by its callers through Settings.Invalid.
package config

import (
	"os"
	"path/filepath"

	"github.com/adrg/xdg"
)

// AppName is the directory name used under every XDG base directory.
const AppName = "banktui"

// EnvConfigFile names the environment variable that overrides the settings file path.
const EnvConfigFile = "BANKTUI_CONFIG"

// Paths are the files banktui reads and writes. Nothing is created by
// DefaultPaths; writers create their own directories with safe modes.
type Paths struct {
	ConfigFile      string // settings, written by the user only
	CredentialsFile string // tokens, beside ConfigFile
	DataDir         string // $XDG_DATA_HOME/banktui
	LedgerDB        string // $XDG_DATA_HOME/banktui/ledger.db
	StateDir        string // $XDG_STATE_HOME/banktui
	DebugLog        string // $XDG_STATE_HOME/banktui/debug.log
}

// DefaultPaths resolves the paths from the XDG base directories, with
// BANKTUI_CONFIG overriding the settings file. The credentials file always
// sits beside the settings file, so a custom BANKTUI_CONFIG keeps its
// tokens apart from the default ones.
//
// xdg reads the environment once; call xdg.Reload after changing it (tests).
func DefaultPaths() (Paths, error) {
	return pathsFrom(os.Getenv(EnvConfigFile))
}

func pathsFrom(configOverride string) (Paths, error) {
	configFile := filepath.Join(xdg.ConfigHome, AppName, "config.toml")
	if configOverride != "" {
		abs, err := filepath.Abs(configOverride)
		if err != nil {
			return Paths{}, err
		}
		configFile = abs
	}
	dataDir := filepath.Join(xdg.DataHome, AppName)
	stateDir := filepath.Join(xdg.StateHome, AppName)
	return Paths{
		ConfigFile:      configFile,
		CredentialsFile: filepath.Join(filepath.Dir(configFile), "credentials.json"),
		DataDir:         dataDir,
		LedgerDB:        filepath.Join(dataDir, "ledger.db"),
		StateDir:        stateDir,
		DebugLog:        filepath.Join(stateDir, "debug.log"),
	}, nil
}
