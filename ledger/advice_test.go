package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/truelayer"
)

func TestExplain(t *testing.T) {
	apiErr := func(status int, code string) error {
		return &truelayer.APIError{StatusCode: status, Code: code, CorrelationID: "c-1", URL: "https://api.example/data/v1/accounts"}
	}
	tests := []struct {
		name     string
		err      error
		cli, tui string
		remedy   Remedy
	}{
		{"consent", fmt.Errorf("sync: %w", truelayer.ErrConsentNeeded), "consent expired: reconnect with banktui login", "press L to reconnect", RemedyReconnect},
		{"reconnect error", &auth.ReconnectError{ConnectionID: "ob-x", Reason: "consent expired (invalid_grant)"}, "reconnect with banktui login (consent expired (invalid_grant))", "press L to reconnect", RemedyReconnect},
		{"unauthorized", fmt.Errorf("%w", &wrapIs{apiErr(401, "unauthorized"), truelayer.ErrUnauthorized}), "the bank refused the access token: reconnect with banktui login (401 unauthorized, correlation id c-1)", "press L", RemedyReconnect},
		{"sca", truelayer.ErrSCAExceeded, "older history needs re-authentication: run banktui login", "press L to re-authenticate", RemedyReauthorize},
		{"not supported", truelayer.ErrNotSupported, "not supported by this bank", "not supported by this bank", RemedyNone},
		{"rate limited", &wrapIs{apiErr(429, "rate_limited"), truelayer.ErrRateLimited}, "rate limiting requests: try again in a few minutes (429 rate_limited, correlation id c-1)", "rate limiting", RemedyRetryLater},
		{"temporary", &wrapIs{apiErr(503, "provider_error"), truelayer.ErrTemporary}, "temporarily unavailable: try again in a few minutes (503 provider_error", "temporarily unavailable", RemedyRetryLater},
		{"unreachable", &truelayer.APIError{URL: "https://api.example/data/v1/me", Err: syscall.ECONNREFUSED}, "cannot reach api.example: check your network", "cannot reach api.example", RemedyCheckNetwork},
		{"refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), "cannot reach the bank", "R tries again", RemedyCheckNetwork},
		{"deadline", context.DeadlineExceeded, "did not answer in time", "did not answer in time", RemedyRetryLater},
		{"cancelled", context.Canceled, "cancelled", "cancelled", RemedyNone},
		{"port", fmt.Errorf("listen: %w", auth.ErrPortInUse), "TRUELAYER_REDIRECT_URI", "then press L", RemedyFreePort},
		{"not loopback", auth.ErrNotLoopback, "use http://localhost:3000/callback", "not on this machine", RemedyFixRedirect},
		{"login timeout", auth.ErrLoginTimeout, "nothing came back from the browser in time: run banktui login again", "press L to try again", RemedyRetryLogin},
		{"declined", &auth.LoginError{Code: "access_denied", Description: "user said \x1b]0;no\x07no"}, "not allowed: run banktui login again (access_denied: user said no)", "press L to try again", RemedyRetryLogin},
		{"bad client", apiErr(401, "invalid_client"), "rejected the client id or secret: check TRUELAYER_CLIENT_ID", "rejected the client id", RemedyFixClient},
		{"disk full", fmt.Errorf("write: %w", syscall.ENOSPC), "the disk is full", "free some space", RemedyFreeDisk},
		{"corrupt ledger", fmt.Errorf("%w: /x/ledger.db has no SQLite header", ErrCorrupt), "damaged or not a banktui ledger; it was left untouched: move it aside and run banktui sync", "move it aside", RemedyRebuildLedger},
		{"newer ledger", fmt.Errorf("%w: /x/ledger.db", ErrNewerSchema), "newer banktui; it was left untouched: upgrade banktui", "upgrade banktui", RemedyUpgrade},
		{"unknown", errors.New("weird \x1b[2Jthing\nsecond line"), "weird thing", "weird thing", RemedyNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Explain(tt.err)
			if a.Remedy != tt.remedy {
				t.Errorf("remedy = %v, want %v", a.Remedy, tt.remedy)
			}
			cli, tui := a.Text(CLI), a.Text(TUI)
			if !strings.Contains(cli, tt.cli) {
				t.Errorf("CLI text %q lacks %q", cli, tt.cli)
			}
			if !strings.Contains(tui, tt.tui) {
				t.Errorf("TUI text %q lacks %q", tui, tt.tui)
			}
			for _, s := range []string{cli, tui} {
				if strings.ContainsAny(s, "\x1b\a\n") {
					t.Errorf("advice %q carries control characters", s)
				}
			}
		})
	}
}

func TestExplainStoredMatchesExplain(t *testing.T) {
	for code, err := range map[string]error{
		SyncErrSCAExceeded:    truelayer.ErrSCAExceeded,
		SyncErrNotSupported:   truelayer.ErrNotSupported,
		SyncErrConsentExpired: truelayer.ErrConsentNeeded,
	} {
		if got, want := ExplainStored(code).Text(TUI), Explain(err).Text(TUI); got != want {
			t.Errorf("ExplainStored(%q) = %q, Explain says %q", code, got, want)
		}
		if syncErrorText(err) != code {
			t.Errorf("syncErrorText(%v) = %q, want %q", err, syncErrorText(err), code)
		}
	}
	if got := ExplainStored("503 provider_error\x1b[2J").Text(CLI); got != "503 provider_error" {
		t.Errorf("unknown stored code = %q", got)
	}
	// An answer that did not decode is stored with what was wrong, and
	// read back as Explain says it, the detail included and clean.
	bad := fmt.Errorf("%w: balance: invalid amount \"\x1b[2Jabc\"", truelayer.ErrMalformedResponse)
	stored := syncErrorText(bad)
	if got, want := ExplainStored(stored).Text(TUI), Explain(bad).Text(TUI); got != want || !strings.Contains(got, `invalid amount "abc"`) {
		t.Errorf("ExplainStored(%q) = %q, Explain says %q", stored, got, want)
	}
	// A long message is cut to whole characters.
	long := syncErrorText(errors.New(strings.Repeat("€", 100)))
	if !utf8.ValidString(long) || len(long) > 200 || len(long) < 198 {
		t.Errorf("a long message stored as %d bytes, valid UTF-8 %v", len(long), utf8.ValidString(long))
	}
}

func TestAdviceBankLimits(t *testing.T) {
	for _, err := range []error{truelayer.ErrNotSupported, fmt.Errorf("cards: %w", truelayer.ErrSCAExceeded)} {
		if !Explain(err).BankLimit {
			t.Errorf("%v is a property of the bank, not a failure", err)
		}
	}
	for _, err := range []error{truelayer.ErrConsentNeeded, truelayer.ErrTemporary, errors.New("x")} {
		if Explain(err).BankLimit {
			t.Errorf("%v is a failure, not a property of the bank", err)
		}
	}
	if !ExplainStored(SyncErrNotSupported).BankLimit {
		t.Error("a stored not-supported is a property of the bank")
	}
}

func TestAdviceExitClasses(t *testing.T) {
	if !Explain(truelayer.ErrConsentNeeded).NeedsLogin() || Explain(truelayer.ErrTemporary).NeedsLogin() {
		t.Error("only a consent problem needs login")
	}
	if !Explain(auth.ErrNotLoopback).Usage() || Explain(auth.ErrLoginTimeout).Usage() {
		t.Error("only configuration problems are usage errors")
	}
}

// wrapIs is an error that is also a sentinel, as truelayer's API errors are.
type wrapIs struct {
	error
	is error
}

func (w *wrapIs) Is(target error) bool { return target == w.is }
func (w *wrapIs) Unwrap() error        { return w.error }

// A full disk, a refused permission and the network are told apart, each
// naming its file or host, however deep the error sits (a token save that
// failed inside a Data API request included).
func TestExplainTellsFilesFromTheNetwork(t *testing.T) {
	full := &fs.PathError{Op: "write", Path: "/home/u/.config/banktui/.credentials-1.tmp", Err: syscall.ENOSPC}
	inRequest := func(err error) error { // as the token transport's failure reaches a caller
		return &truelayer.APIError{Method: "GET", URL: "https://api.example/data/v1/accounts", Err: &url.Error{Op: "Get", URL: "https://api.example/data/v1/accounts", Err: err}}
	}
	tests := []struct {
		name   string
		err    error
		want   []string
		remedy Remedy
	}{
		{"disk full", full, []string{"the disk is full (writing /home/u/.config/banktui/.credentials-1.tmp)", "nothing was written", "free some space"}, RemedyFreeDisk},
		{"quota", &fs.PathError{Op: "write", Path: "/d/x", Err: syscall.EDQUOT}, []string{"the disk is full (writing /d/x)"}, RemedyFreeDisk},
		{"disk full during a request", inRequest(fmt.Errorf("connection c was not refreshed: %w", full)), []string{"the disk is full (writing /home/u/.config/banktui/.credentials-1.tmp)"}, RemedyFreeDisk},
		{"ledger full", &FileError{Path: "/data/ledger.db", Err: ErrDiskFull}, []string{"the disk is full (writing /data/ledger.db)"}, RemedyFreeDisk},
		{"ledger busy", &FileError{Path: "/data/ledger.db", Err: ErrBusy, Detail: "waited 2m0s for its write lock"}, []string{"kept the ledger /data/ledger.db locked", "nothing was written", "try again in a few minutes", "(waited 2m0s"}, RemedyRetryLater},
		{"ledger busy, bare", ErrBusy, []string{"another program", "locked for writing"}, RemedyRetryLater},
		{"save failed", &auth.SaveError{ConnectionID: "ob-x", Path: "/c/credentials.json", Err: full}, []string{"refreshed tokens of ob-x could not be saved to /c/credentials.json", "the disk is full", "banktui login", "free some space"}, RemedyFreeDisk},
		{"permission", &fs.PathError{Op: "open", Path: "/data/ledger.db", Err: syscall.EACCES}, []string{"permission denied: /data/ledger.db", "ls -ld"}, RemedyFixPermission},
		{"not permitted", &fs.PathError{Op: "rename", Path: "/x/out.csv", Err: syscall.EPERM}, []string{"permission denied: /x/out.csv"}, RemedyFixPermission},
		{"read-only", &fs.PathError{Op: "open", Path: "/ro/ledger.db", Err: syscall.EROFS}, []string{"/ro/ledger.db is on a read-only file system"}, RemedyFixPermission},
		{"slow host", inRequest(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}), []string{"api.example did not answer in time"}, RemedyRetryLater},
		{"redirect elsewhere", inRequest(&truelayer.ForeignHostError{Host: "https://evil.example", Allowed: "https://api.example", Redirect: true}), []string{`refused to follow a redirect from https://api.example to "https://evil.example"`, "TRUELAYER_API_URL"}, RemedyCheckNetwork},
		{"cut short", inRequest(io.ErrUnexpectedEOF), []string{"the answer from api.example was cut short"}, RemedyRetryLater},
		{"socket permission", inRequest(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.EACCES}), []string{"cannot reach api.example"}, RemedyCheckNetwork},
		{"damaged ledger", &FileError{Path: "/data/ledger.db", Err: ErrCorrupt, Detail: "Page 7: btreeInitPage() returns error code 11"}, []string{"the ledger /data/ledger.db is damaged", "move it aside"}, RemedyRebuildLedger},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Explain(tt.err)
			text := a.Text(CLI)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("Explain: %q lacks %q", text, w)
				}
			}
			if a.Remedy != tt.remedy {
				t.Errorf("remedy %v, want %v (%q)", a.Remedy, tt.remedy, text)
			}
		})
	}
}
