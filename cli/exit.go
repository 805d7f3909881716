package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/banktui/banktui/config"
	"github.com/banktui/banktui/ledger"
)

// Exit codes: a contract with scripts (design.md, Command line).
const (
	exitOK         = 0
	exitFailure    = 1
	exitUsage      = 2 // bad flag, argument or setting
	exitNeedsLogin = 3 // no connection yet, or a consent expired
)

// cliError is an error whose words and exit code are already decided: bad
// input found by a command, or a failure a command has explained.
type cliError struct {
	msg  string
	code int
	err  error // the cause, kept for errors.Is; may be nil
}

func (e *cliError) Error() string { return e.msg }
func (e *cliError) Unwrap() error { return e.err }

// usageErr is bad input: exit code 2.
func usageErr(format string, args ...any) error {
	return &cliError{msg: fmt.Sprintf(format, args...), code: exitUsage}
}

// needsLoginErr means nothing can be done until a bank is (re)connected: exit code 3.
func needsLoginErr(msg string) error { return &cliError{msg: msg, code: exitNeedsLogin} }

// explain is the one place an error becomes the line banktui prints and the
// exit code it returns. Errors from the bank, the login, the network and the
// store take their words from ledger.Explain, as the TUI does.
func explain(err error) (msg string, code int) {
	var ce *cliError
	var se *config.SettingError
	var pe *config.PermissionError
	var we *config.WritableError
	switch {
	case err == nil:
		return "", exitOK
	case errors.As(err, &ce):
		return oneLine(err.Error()), ce.code
	case errors.As(err, &se), errors.Is(err, config.ErrUnknownKeys):
		return oneLine(err.Error()) + " (fix the setting, or run banktui doctor)", exitUsage
	case errors.As(err, &pe), errors.As(err, &we): // it says how to fix it
		return oneLine(err.Error()), exitUsage
	}
	a := ledger.Explain(err)
	switch {
	case a.NeedsLogin():
		code = exitNeedsLogin
	case a.Usage():
		code = exitUsage
	default:
		code = exitFailure
	}
	return a.Text(ledger.CLI), code
}

// explained is err with its words and exit code settled, prefixed by where
// it happened ("ob-nova Current Account: ...").
func explained(where string, err error) error {
	msg, code := explain(err)
	if where != "" {
		msg = where + ": " + msg
	}
	return &cliError{msg: msg, code: code, err: err}
}

// oneLine joins an error's lines ("unknown settings in F:\n  F:3: ...")
// into one, so every failure is a single line on stderr.
func oneLine(s string) string {
	var parts []string
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if i < len(lines)-1 {
			l = strings.TrimSuffix(l, ":")
		}
		if l != "" {
			parts = append(parts, l)
		}
	}
	return ledger.Sanitize(strings.Join(parts, "; "))
}

// printError writes one error line, "banktui: MSG", to w (stderr). It is
// the edge where every error's text reaches the terminal, so it is
// sanitised here whatever its source: a bank's error_description, a
// provider id in a connection's name, a path. It is written to the stream
// itself, not through fang's writer, which strips escape sequences only when
// stderr is not a terminal.
func printError(w io.Writer, msg string) {
	fmt.Fprintf(w, "banktui: %s\n", ledger.Sanitize(msg))
}

// problem is one connection's or account's failure within a run that went on.
type problem struct {
	where string // "ob-northgate" or "ob-northgate Current Account"
	err   error
}

// reportProblems lists the failures of a sync report. A bank without an
// endpoint (501) or with history behind SCA is a property of the bank, not
// a failure.
func reportProblems(rep *ledger.Report) []problem {
	var out []problem
	for _, c := range rep.Connections {
		if c.Err != nil {
			out = append(out, problem{where: c.ConnectionID, err: c.Err})
			continue
		}
		for _, acc := range c.Accounts {
			if acc.Err != nil && !ledger.Explain(acc.Err).BankLimit {
				out = append(out, problem{where: c.ConnectionID + " " + ledger.Sanitize(acc.DisplayName), err: acc.Err})
			}
		}
	}
	return out
}

// partialFailure turns the problems of a run into the command's error, after
// its output was printed: one line per problem on stderr, the last as the
// error, and an exit code saying not everything is fresh (3 when a consent
// needs renewing, whichever problem says so).
func partialFailure(io *IOStreams, problems []problem) error {
	if len(problems) == 0 {
		return nil
	}
	code := exitFailure
	var last error
	for i, p := range problems {
		err := explained(p.where, p.err)
		if _, c := explain(err); c == exitNeedsLogin {
			code = exitNeedsLogin
		}
		if i < len(problems)-1 {
			printError(io.ErrOut, err.Error())
		}
		last = err
	}
	return &cliError{msg: last.Error(), code: code, err: last}
}
