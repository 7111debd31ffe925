package cli

import (
	"io"
	"os"

	"github.com/charmbracelet/x/term"
)

// IOStreams hides the terminal, so tests choose TTY or not and read output
// from buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	InTTY  bool
	OutTTY bool
	ErrTTY bool
	Getenv func(string) string
}

// System returns the process's streams.
func System() IOStreams {
	return IOStreams{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		InTTY:  term.IsTerminal(os.Stdin.Fd()),
		OutTTY: term.IsTerminal(os.Stdout.Fd()),
		ErrTTY: term.IsTerminal(os.Stderr.Fd()),
		Getenv: os.Getenv,
	}
}
