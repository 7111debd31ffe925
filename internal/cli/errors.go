package cli

import (
	"errors"
	"fmt"

	"github.com/o365doctor/o365doctor/internal/report"
)

// Exit codes, as documented in the README and docs/output.md.
const (
	ExitOK          = report.ExitOK
	ExitFail        = report.ExitFail        // at least one check failed (or warned, with --fail-on warn)
	ExitUsage       = report.ExitUsage       // usage or configuration error
	ExitNothingRan  = report.ExitNothingRan  // no check could run
	ExitIncomplete  = report.ExitIncomplete  // nothing failed, but some checks ended in error
	ExitInterrupted = report.ExitInterrupted // Ctrl-C
)

// exitError carries an exit code and a one-line message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: code, err: err}
}

// silentExit ends a command with a code and no message (the output said it).
type silentExit int

func (s silentExit) Error() string { return fmt.Sprintf("exit %d", int(s)) }
