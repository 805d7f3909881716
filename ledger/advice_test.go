package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"

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
