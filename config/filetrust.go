package config

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// trustedKeys are the settings that act with the user's authority: one
// runs a command (client_secret_command), two choose where the client
// secret and the tokens are sent (auth_url, api_url). A config.toml that
// sets any of them must be changeable by its owner alone.
var trustedKeys = []string{KeyClientSecretCommand, KeyAuthURL, KeyAPIURL}

// WritableError is a config.toml that sets a trusted setting and that
// someone else could change: the file, or the directory holding it (which
// lets them replace the file), is writable by group or others, or the file
// belongs to another user. Like ssh with its config, banktui refuses it and
// says what to chmod.
type WritableError struct {
	Path     string      // config.toml, or its directory when Dir
	Mode     fs.FileMode // of Path
	Dir      bool        // the directory is the problem
	OwnerUID int         // >= 0: the file belongs to this other user
	File     string      // config.toml
	Keys     []string    // the trusted settings it sets
}

func (e *WritableError) Error() string {
	what := "runs a command"
	if !containsString(e.Keys, KeyClientSecretCommand) {
		what = "decides where your client secret and tokens are sent"
	}
	settings := strings.Join(e.Keys, ", ")
	switch {
	case e.OwnerUID >= 0:
		return fmt.Sprintf("%s sets %s, which %s, but it belongs to another user (uid %d), who could change it: banktui refuses it. Fix: make it yours (chown $(id -u) %s) or move the settings to a file of your own",
			e.File, settings, what, e.OwnerUID, e.File)
	case e.Dir:
		return fmt.Sprintf("%s sets %s, which %s, but its directory %s is writable by others (mode %04o), who could replace the file: banktui refuses it. Fix: chmod go-w %s",
			e.File, settings, what, e.Path, e.Mode.Perm(), e.Path)
	}
	return fmt.Sprintf("%s sets %s, which %s, but group or others can write it (mode %04o): banktui refuses it. Fix: chmod go-w %s",
		e.File, settings, what, e.Mode.Perm(), e.Path)
}

// checkTrusted refuses the settings file at path when it sets a trusted
// setting (keys) and anyone but its owner could change it: the file
// writable by group or others, its directory writable by others without the
// sticky bit (a sticky directory, like /tmp, lets only the owner replace a
// file), or a file owned by another user than this one (root excepted).
func checkTrusted(path string, keys []string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if info.Mode().Perm()&0o022 != 0 {
		return &WritableError{Path: path, File: path, Mode: info.Mode(), OwnerUID: -1, Keys: keys}
	}
	if uid, ok := fileOwner(info); ok && uid != os.Getuid() && uid != 0 {
		return &WritableError{Path: path, File: path, Mode: info.Mode(), OwnerUID: uid, Keys: keys}
	}
	dir := filepath.Dir(path)
	dinfo, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if dinfo.Mode().Perm()&0o022 != 0 && dinfo.Mode()&fs.ModeSticky == 0 {
		return &WritableError{Path: dir, File: path, Mode: dinfo.Mode(), Dir: true, OwnerUID: -1, Keys: keys}
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
