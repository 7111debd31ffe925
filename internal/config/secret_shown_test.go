package config_test

import (
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/config"
)

// TestShownMasksASecretSplitByControlCharacters: a server that echoes a
// credential with a bell or an escape sequence slipped into it does not
// get it printed whole once the control characters are removed.
func TestShownMasksASecretSplitByControlCharacters(t *testing.T) {
	secret := "00shownSecretValue1234567890"
	config.RegisterSecret(secret)
	for _, s := range []string{
		"token " + secret[:10] + "\a" + secret[10:] + " refused",
		"token " + secret[:10] + "\x1b[31m" + secret[10:],
		"token " + secret,
	} {
		if got := config.Shown(s); strings.Contains(got, secret) || !strings.Contains(got, config.Masked) {
			t.Errorf("%q shown as %q", s, got)
		}
	}
	if got := config.Shown("plain\ttext \x1b]0;title\a"); got != "plain text " {
		t.Errorf("cleaning: %q", got)
	}
}
