package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
)

// The progress line: each side with Graph's count when known, the ETA;
// a wait for a rate-limit window on a line of its own; whole lines off a
// terminal.
func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := &progressLine{w: &Factory{IO: IOStreams{Err: &b}}, plain: true}
	p.show(checks.Progress{What: "waiting for Okta's rate-limit window the interrupted run used", ETA: 12 * time.Second, Waiting: true})
	p.show(checks.Progress{What: "Entra users", Done: 999, Total: 30000})
	p.last = time.Time{} // the next line is due
	p.show(checks.Progress{What: "Okta app users", Done: 500, Total: 30000, ETA: 90 * time.Second})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 || lines[0] != "o365doctor: waiting for Okta's rate-limit window the interrupted run used, about 12s" ||
		!strings.HasPrefix(lines[2], "o365doctor: reading Entra users 999 of ~30000 · Okta app users 500 of ~30000 · ") ||
		!strings.HasSuffix(lines[2], " · about 1m30s left") {
		t.Fatalf("progress:\n%s", b.String())
	}
}
