package cli

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// allowedArrows is the house's import graph (README "Architecture"): for
// each package of the module, the packages of the module it may import
// (non-test files). cli is the composition root: besides the design's
// arrows it builds the TrueLayer clients (transport, deadlines, user agent)
// and runs the emulator for --demo. auth embeds the callback pages.
var allowedArrows = map[string][]string{
	".":                       {"cli"},
	"cli":                     {"ui", "ledger", "auth", "config", "truelayer", "truelayer/truelayertest"},
	"ui":                      {"ledger", "auth"},
	"ledger":                  {"auth", "config", "truelayer"},
	"ledger/ledgertest":       {"ledger", "truelayer"}, // imported by tests only
	"auth":                    {"config", "truelayer", "assets"},
	"config":                  {},
	"truelayer":               {},
	"truelayer/truelayertest": {"truelayer"},
	"assets":                  {},
}

const modulePath = "github.com/banktui/banktui"

// TestArrows fails when a package imports one of ours it should not: an
// arrow the README does not draw is a design change, made there first.
func TestArrows(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for dir, allowed := range allowedArrows {
		pkg, err := build.ImportDir(filepath.Join(root, dir), 0)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, imp := range pkg.Imports {
			rel, ours := strings.CutPrefix(imp, modulePath+"/")
			if !ours {
				continue
			}
			if !slices.Contains(allowed, rel) {
				t.Errorf("%s imports %s: not an arrow of the house (allowed: %v)", dir, rel, allowed)
			}
		}
	}
}

// TestArrowsCoverEveryPackage keeps the table complete: a new package
// must be given its arrows.
func TestArrowsCoverEveryPackage(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil || len(pkg.GoFiles) == 0 {
			return nil // no package here (or only tests)
		}
		rel, _ := filepath.Rel(root, path)
		if _, ok := allowedArrows[filepath.ToSlash(rel)]; !ok {
			t.Errorf("package %s has no entry in allowedArrows", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
