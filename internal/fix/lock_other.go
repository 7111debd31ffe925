//go:build !unix

package fix

import (
	"errors"
	"os"
)

var errLocked = errors.New("locked")

// flock is a no-op where flock(2) does not exist: o365doctor is built for
// unix systems; elsewhere one process at a time is the person's to ensure.
func flock(*os.File) error { return nil }

func funlock(*os.File) {}
