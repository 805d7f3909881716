package cli

import (
	"io"
	"os"

	"github.com/charmbracelet/x/term"
)

// IOStreams are the standard streams of one invocation and whether each is
// a terminal. Commands write only here, never to os.Stdout, so tests run
// them over buffers (and may say a buffer is a terminal).
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	InTTY, OutTTY, ErrTTY bool
	// ErrWidth is ErrOut's width in columns when it is a terminal; 0 = unknown.
	ErrWidth int
}

// System returns the process's own streams.
func System() *IOStreams {
	s := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY: isTerminal(os.Stdin), OutTTY: isTerminal(os.Stdout), ErrTTY: isTerminal(os.Stderr),
	}
	if s.ErrTTY {
		if w, _, err := term.GetSize(os.Stderr.Fd()); err == nil {
			s.ErrWidth = w
		}
	}
	return s
}

func isTerminal(f *os.File) bool { return term.IsTerminal(f.Fd()) }
