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
	"strconv"
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
	RemedyRetryLater                  // the bank, the network or the ledger is busy or down for now
	RemedyCheckNetwork                // nothing answered: network, proxy, or the configured hosts
	RemedyRetryLogin                  // the login did not complete: start it again
	RemedyFreePort                    // the loopback callback port is taken
	RemedyFixRedirect                 // the redirect URI cannot be served on this machine
	RemedyFixClient                   // the TrueLayer client id or secret is wrong
	RemedyFreeDisk                    // the disk is full
	RemedyRebuildLedger               // the ledger file is damaged: move it aside, sync again
	RemedyUpgrade                     // the ledger was written by a newer banktui
	RemedyFixPermission               // a file or directory cannot be written by this user
	RemedyAttend                      // the bank limits calls without the user: sync where the user is
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
	case RemedyFixPermission:
		return "check that it and its directory belong to you and are writable (ls -ld), or run banktui doctor"
	case RemedyAttend:
		if tui {
			return "R tries again now you are here"
		}
		return "it is fetched by the next sync with calls left, or now by banktui sync on a terminal"
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
	// Files before the bank: a token that cannot be saved fails the request
	// it was for, and must not read as a bank or network problem.
	if a, ok := explainFile(err); ok {
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
	case errors.Is(err, auth.ErrRedirectNotHTTP):
		return Advice{Problem: "the redirect URI must be an http:// URL (there is no certificate for localhost)", Remedy: RemedyFixRedirect}, true
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
	var fh *truelayer.ForeignHostError
	var refused *RefusedError
	var skipped *SkippedError
	switch {
	case errors.As(err, &re):
		return Advice{Problem: "consent expired", Remedy: RemedyReconnect, Detail: Sanitize(re.Reason)}, true
	case errors.As(err, &refused):
		return Advice{Problem: endpointLabel(refused.Endpoint) + ": refused by the bank for this account",
			Detail: strings.TrimSpace(fmt.Sprintf("%d %s", refused.Status, Sanitize(refused.Code)))}, true
	case errors.As(err, &skipped) && errors.Is(err, ErrNotGranted):
		return Advice{Problem: endpointLabel(skipped.Endpoint) + ": not fetched, the " + skipped.Scope +
			" scope was not granted (add it to scopes in config.toml, then banktui login)", BankLimit: true}, true
	case errors.As(err, &skipped):
		return Advice{Problem: endpointLabel(skipped.Endpoint) + ": skipped, the bank allows " + strconv.Itoa(UnattendedLimit) +
			" calls a day without you present and they are spent until " + localWhen(skipped.Next),
			Remedy: RemedyAttend, BankLimit: true}, true
	case errors.As(err, &ae) && ae.Code == codeUnattendedLimit:
		return Advice{Problem: "the bank's limit on calls without you present is spent for today",
			Remedy: RemedyAttend, Detail: apiDetail(ae), BankLimit: true}, true
	case errors.Is(err, truelayer.ErrConsentNeeded):
		return Advice{Problem: "consent expired", Remedy: RemedyReconnect, Detail: detailOf(err)}, true
	case errors.Is(err, truelayer.ErrSCAExceeded):
		return Advice{Problem: "older history needs re-authentication", Remedy: RemedyReauthorize, BankLimit: true}, true
	case errors.Is(err, truelayer.ErrNotSupported):
		return Advice{Problem: "not supported by this bank", BankLimit: true}, true
	case errors.As(err, &fh):
		return Advice{Problem: Sanitize(fh.Error()), Remedy: RemedyCheckNetwork}, true
	case errors.As(err, &ae) && ae.StatusCode == 0 && errors.Is(err, io.ErrUnexpectedEOF):
		return Advice{Problem: "the answer from " + hostOf(ae.URL) + " was cut short", Remedy: RemedyRetryLater}, true
	case errors.As(err, &ae) && ae.StatusCode == 0 && isTimeout(err):
		return Advice{Problem: hostOf(ae.URL) + " did not answer in time", Remedy: RemedyRetryLater, Detail: causeText(ae.Err)}, true
	case errors.As(err, &ae) && ae.StatusCode == 0:
		return Advice{Problem: "cannot reach " + hostOf(ae.URL), Remedy: RemedyCheckNetwork, Detail: causeText(ae.Err)}, true
	case errors.Is(err, truelayer.ErrRateLimited):
		return Advice{Problem: "the bank is rate limiting requests", Remedy: RemedyRetryLater, Detail: detailOf(err)}, true
	case errors.Is(err, truelayer.ErrTemporary):
		return Advice{Problem: "the bank or TrueLayer is temporarily unavailable", Remedy: RemedyRetryLater, Detail: detailOf(err)}, true
	case errors.Is(err, truelayer.ErrUnauthorized):
		return Advice{Problem: "the bank refused the access token", Remedy: RemedyReconnect, Detail: detailOf(err)}, true
	case errors.Is(err, ErrBadBalance):
		// Not a bank limit: the figure shown is not today's, so the run fails.
		return Advice{Problem: "the bank sent a balance without an amount; the last good balance is shown", Remedy: RemedyRetryLater}, true
	case errors.Is(err, truelayer.ErrMalformedResponse):
		return Advice{Problem: "the bank sent an answer banktui cannot read, so none of it was used", Remedy: RemedyRetryLater,
			Detail: firstLine(err)}, true
	}
	return Advice{}, false
}

// explainLocal covers this machine's network stack.
func explainLocal(err error) (Advice, bool) {
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return Advice{Problem: "the bank did not answer in time", Remedy: RemedyRetryLater}, true
	case errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &netErr):
		return Advice{Problem: "cannot reach the bank", Remedy: RemedyCheckNetwork, Detail: firstLine(err)}, true
	}
	return Advice{}, false
}

// explainFile covers banktui's files: the ledger's state, a full disk, a
// permission refused, a read-only file system; each names the file (or the
// directory whose disk is full), so that it is never mistaken for the
// network or the bank.
func explainFile(err error) (Advice, bool) {
	path := pathOf(err)
	var se *auth.SaveError
	switch {
	case errors.Is(err, ErrCorrupt):
		return Advice{Problem: "the ledger" + space(path) + " is damaged or not a banktui ledger; it was left untouched", Remedy: RemedyRebuildLedger}, true
	case errors.Is(err, ErrNewerSchema):
		return Advice{Problem: "the ledger" + space(path) + " was written by a newer banktui; it was left untouched", Remedy: RemedyUpgrade}, true
	case errors.Is(err, ErrBusy):
		detail := ""
		if fe := (*FileError)(nil); errors.As(err, &fe) {
			detail = Sanitize(fe.Detail)
		}
		return Advice{Problem: "another program (another banktui syncing?) kept the ledger" + space(path) + " locked for writing; nothing was written",
			Remedy: RemedyRetryLater, Detail: detail}, true
	case isCorruption(err):
		return Advice{Problem: "the ledger is damaged (" + firstLine(err) + "); it was left untouched", Remedy: RemedyRebuildLedger}, true
	}
	cause, remedy := fileCause(err, path)
	switch {
	case cause == "":
		return Advice{}, false
	case errors.As(err, &se):
		return Advice{Problem: fmt.Sprintf("the refreshed tokens of %s could not be saved to %s: %s; if no later save succeeds, %s needs banktui login",
			Sanitize(se.ConnectionID), Sanitize(se.Path), cause, Sanitize(se.ConnectionID)), Remedy: remedy}, true
	case remedy == RemedyFreeDisk:
		return Advice{Problem: cause + "; nothing was written", Remedy: remedy}, true
	}
	return Advice{Problem: cause, Remedy: remedy}, true
}

// fileCause says what went wrong with a file, or "": the disk (or quota)
// full, a permission refused, a read-only file system.
func fileCause(err error, path string) (cause string, remedy Remedy) {
	switch {
	case errors.Is(err, ErrDiskFull), errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		if path == "" {
			return "the disk is full", RemedyFreeDisk
		}
		return "the disk is full (writing " + path + ")", RemedyFreeDisk
	case path == "":
		// EACCES and EPERM come from sockets too (a firewall): only an
		// error about a file is a file's.
	case errors.Is(err, syscall.EROFS):
		return path + " is on a read-only file system", RemedyFixPermission
	case errors.Is(err, fs.ErrPermission): // EACCES, EPERM
		return "permission denied: " + path, RemedyFixPermission
	}
	return "", RemedyNone
}

// pathOf is the file an error is about: the ledger's, the credentials
// file of a failed save, or the path of the innermost *fs.PathError
// (sanitised: a path is printed); "" when none.
func pathOf(err error) string {
	var fe *FileError
	var se *auth.SaveError
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &fe):
		return Sanitize(fe.Path)
	case errors.As(err, &se):
		return Sanitize(se.Path)
	case errors.As(err, &pe):
		return Sanitize(pe.Path)
	case errors.As(err, &le):
		return Sanitize(le.New)
	}
	return ""
}

// isTimeout reports a deadline of the network (a connection, the response
// headers, the body) that passed: the host is slow, not unreachable.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func space(path string) string {
	if path == "" {
		return ""
	}
	return " " + path
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
	if detail, ok := strings.CutPrefix(code, SyncErrUnreadable); ok {
		a := Explain(truelayer.ErrMalformedResponse)
		a.Detail = Sanitize(detail)
		return a
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
