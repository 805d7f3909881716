package ledger

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/banktui/banktui/auth"
	"github.com/banktui/banktui/truelayer"
)

// Advice is what banktui tells a person about an error: what happened and
// what to do about it. It is the one place that turns typed errors into
// words, so the TUI, the command line and doctor explain the same failure
// the same way; only the remedy's wording differs by Surface (a key in the
// TUI, a command in a shell).
type Advice struct {
	Problem string // what happened, one line, safe to print
	Remedy  Remedy // what the user can do about it
	Detail  string // status, code and correlation id for support; "" if none; safe to print
	// BankLimit marks a property of the bank rather than a failure (no cards
	// endpoint, history behind SCA): shown, but it does not fail a command.
	BankLimit bool
}

// Remedy is what the user can do about an error.
type Remedy int

const (
	RemedyNone          Remedy = iota // nothing to do; the problem says it all
	RemedyReconnect                   // log in to the bank again (consent expired, token refused)
	RemedyReauthorize                 // re-authenticate to reach older history (SCA)
	RemedyRetryLater                  // the bank or the network is busy or down for now
	RemedyCheckNetwork                // nothing answered: network, proxy, or the configured hosts
	RemedyRetryLogin                  // the login did not complete: start it again
	RemedyFreePort                    // the loopback callback port is taken
	RemedyFixRedirect                 // the redirect URI cannot be served on this machine
	RemedyFixClient                   // the TrueLayer client id or secret is wrong
	RemedyFreeDisk                    // the disk is full
	RemedyRebuildLedger               // the ledger file is damaged: move it aside, sync again
	RemedyUpgrade                     // the ledger was written by a newer banktui
)

// Surface is where advice is shown.
type Surface int

const (
	CLI Surface = iota // a shell: remedies name commands and settings
	TUI                // the terminal UI: remedies name keys
)

// NeedsLogin reports whether the only way forward is connecting the bank again.
func (a Advice) NeedsLogin() bool { return a.Remedy == RemedyReconnect }

// Usage reports whether the user's configuration is at fault (exit code 2).
func (a Advice) Usage() bool {
	return a.Remedy == RemedyFixRedirect || a.Remedy == RemedyFixClient
}

// Text is the advice as one line for s: "problem: remedy (detail)".
func (a Advice) Text(s Surface) string {
	var b strings.Builder
	b.WriteString(a.Problem)
	if r := a.Remedy.text(s); r != "" {
		b.WriteString(": ")
		b.WriteString(r)
	}
	if a.Detail != "" {
		b.WriteString(" (")
		b.WriteString(a.Detail)
		b.WriteString(")")
	}
	return b.String()
}

func (r Remedy) text(s Surface) string {
	tui := s == TUI
	switch r {
	case RemedyReconnect:
		if tui {
			return "press L to reconnect"
		}
		return "reconnect with banktui login"
	case RemedyReauthorize:
		if tui {
			return "press L to re-authenticate"
		}
		return "run banktui login to re-authenticate, then banktui sync"
	case RemedyRetryLater:
		if tui {
			return "showing stored data; R tries again"
		}
		return "try again in a few minutes"
	case RemedyCheckNetwork:
		if tui {
			return "showing stored data; R tries again"
		}
		return "check your network, or TRUELAYER_AUTH_URL/TRUELAYER_API_URL"
	case RemedyRetryLogin:
		if tui {
			return "press L to try again"
		}
		return "run banktui login again"
	case RemedyFreePort:
		if tui {
			return "close it (another banktui login?) or change redirect_uri, then press L"
		}
		return "stop it, or register another redirect URI in the TrueLayer console and set TRUELAYER_REDIRECT_URI"
	case RemedyFixRedirect:
		return "use http://localhost:3000/callback (registered in the TrueLayer console)"
	case RemedyFixClient:
		return "check TRUELAYER_CLIENT_ID, the secret, and sandbox vs live (banktui doctor)"
	case RemedyFreeDisk:
		return "free some space and try again"
	case RemedyRebuildLedger:
		return "move it aside and run banktui sync to rebuild it from the bank"
	case RemedyUpgrade:
		return "upgrade banktui (go install github.com/banktui/banktui@latest)"
	}
	return ""
}

// Explain turns any error banktui meets into advice. Typed errors decide;
// error text is never searched for words. An error it does not know is
// shown as its own first line, sanitised.
func Explain(err error) Advice {
	if err == nil {
		return Advice{}
	}
	if a, ok := explainLogin(err); ok {
		return a
	}
	if a, ok := explainBank(err); ok {
		return a
	}
	if a, ok := explainLocal(err); ok {
		return a
	}
	return Advice{Problem: firstLine(err)}
}

// explainLogin covers the ways connecting a bank fails.
func explainLogin(err error) (Advice, bool) {
	var ae *truelayer.APIError
	var le *auth.LoginError
	switch {
	case errors.Is(err, context.Canceled):
		return Advice{Problem: "cancelled"}, true
	case errors.Is(err, auth.ErrPortInUse):
		return Advice{Problem: "another program listens on the redirect URI's port", Remedy: RemedyFreePort}, true
	case errors.Is(err, auth.ErrNotLoopback):
		return Advice{Problem: "the redirect URI is not on this machine", Remedy: RemedyFixRedirect}, true
	case errors.Is(err, auth.ErrLoginTimeout):
		return Advice{Problem: "nothing came back from the browser in time", Remedy: RemedyRetryLogin}, true
	case errors.As(err, &le):
		return Advice{Problem: "the bank connection was not allowed", Remedy: RemedyRetryLogin, Detail: loginDetail(le)}, true
	case errors.Is(err, auth.ErrLoginDenied):
		return Advice{Problem: "the bank connection was not allowed", Remedy: RemedyRetryLogin}, true
	case errors.Is(err, auth.ErrPasteMismatch):
		return Advice{Problem: "the pasted URL does not belong to this login", Remedy: RemedyRetryLogin}, true
	case errors.As(err, &ae) && (ae.Code == "invalid_client" || ae.Code == "unauthorized_client"):
		return Advice{Problem: "TrueLayer rejected the client id or secret", Remedy: RemedyFixClient, Detail: apiDetail(ae)}, true
	}
	return Advice{}, false
}

// explainBank covers what the bank or TrueLayer answered.
func explainBank(err error) (Advice, bool) {
	var ae *truelayer.APIError
	var re *auth.ReconnectError
	switch {
	case errors.As(err, &re):
		return Advice{Problem: "consent expired", Remedy: RemedyReconnect, Detail: Sanitize(re.Reason)}, true
	case errors.Is(err, truelayer.ErrConsentNeeded):
		return Advice{Problem: "consent expired", Remedy: RemedyReconnect, Detail: detailOf(err)}, true
	case errors.Is(err, truelayer.ErrSCAExceeded):
		return Advice{Problem: "older history needs re-authentication", Remedy: RemedyReauthorize, BankLimit: true}, true
	case errors.Is(err, truelayer.ErrNotSupported):
		return Advice{Problem: "not supported by this bank", BankLimit: true}, true
	case errors.As(err, &ae) && ae.StatusCode == 0:
		return Advice{Problem: "cannot reach " + hostOf(ae.URL), Remedy: RemedyCheckNetwork, Detail: causeText(ae.Err)}, true
	case errors.Is(err, truelayer.ErrRateLimited):
		return Advice{Problem: "the bank is rate limiting requests", Remedy: RemedyRetryLater, Detail: detailOf(err)}, true
	case errors.Is(err, truelayer.ErrTemporary):
		return Advice{Problem: "the bank or TrueLayer is temporarily unavailable", Remedy: RemedyRetryLater, Detail: detailOf(err)}, true
	case errors.Is(err, truelayer.ErrUnauthorized):
		return Advice{Problem: "the bank refused the access token", Remedy: RemedyReconnect, Detail: detailOf(err)}, true
	case errors.Is(err, ErrBadBalance):
		return Advice{Problem: "the bank sent a balance without an amount; the last good balance is shown", BankLimit: true}, true
	}
	return Advice{}, false
}

// explainLocal covers this machine: the network stack, the disk, the store.
func explainLocal(err error) (Advice, bool) {
	var netErr net.Error
	switch {
	case errors.Is(err, ErrDiskFull) || errors.Is(err, syscall.ENOSPC):
		return Advice{Problem: "the disk is full; nothing was written", Remedy: RemedyFreeDisk}, true
	case errors.Is(err, ErrCorrupt):
		return Advice{Problem: "the ledger is damaged or not a banktui ledger; it was left untouched", Remedy: RemedyRebuildLedger}, true
	case errors.Is(err, ErrNewerSchema):
		return Advice{Problem: "the ledger was written by a newer banktui; it was left untouched", Remedy: RemedyUpgrade}, true
	case errors.Is(err, context.DeadlineExceeded):
		return Advice{Problem: "the bank did not answer in time", Remedy: RemedyRetryLater}, true
	case errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &netErr):
		return Advice{Problem: "cannot reach the bank", Remedy: RemedyCheckNetwork, Detail: firstLine(err)}, true
	}
	return Advice{}, false
}

// ExplainStored is Explain for the error code the ledger stored with an
// account or connection after a failed sync (AccountView.SyncError).
func ExplainStored(code string) Advice {
	switch code {
	case "":
		return Advice{}
	case SyncErrSCAExceeded:
		return Explain(truelayer.ErrSCAExceeded)
	case SyncErrNotSupported:
		return Explain(truelayer.ErrNotSupported)
	case SyncErrConsentExpired:
		return Advice{Problem: "consent expired", Remedy: RemedyReconnect}
	case SyncErrBadBalance:
		return Explain(ErrBadBalance)
	}
	return Advice{Problem: Sanitize(code)}
}

// detailOf is the status, code and correlation id of an API error (what
// TrueLayer support asks for), or "".
func detailOf(err error) string {
	var ae *truelayer.APIError
	if errors.As(err, &ae) && ae.StatusCode != 0 {
		return apiDetail(ae)
	}
	return ""
}

func apiDetail(ae *truelayer.APIError) string {
	s := strings.TrimSpace(fmt.Sprintf("%d %s", ae.StatusCode, Sanitize(ae.Code)))
	if ae.CorrelationID != "" {
		s += ", correlation id " + Sanitize(ae.CorrelationID)
	}
	return s
}

// loginDetail is the OAuth error the auth server sent to the callback.
func loginDetail(le *auth.LoginError) string {
	s := Sanitize(le.Code)
	if le.Description != "" {
		s += ": " + Sanitize(le.Description)
	}
	return s
}

func causeText(err error) string {
	if err == nil {
		return ""
	}
	return firstLine(err)
}

// firstLine is err's text up to its first line break, sanitised.
func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return Sanitize(s)
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return Sanitize(u.Host)
	}
	return "the server"
}
