// Command banktui is a terminal browser for your own bank accounts, cards and
// transactions, through the TrueLayer Data API. The command line lives in
// package cli; this is only the process around it.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/banktui/banktui/cli"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	// go install …@vX.Y.Z records the module version; make sets -X main.version.
	if info, ok := debug.ReadBuildInfo(); ok && version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		version = info.Main.Version
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.System(), os.Getenv, version)
	stop()
	os.Exit(code)
}
