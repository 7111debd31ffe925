package graph_test

import (
	"os"
	"testing"

	"github.com/o365doctor/o365doctor/internal/config"
)

// TestMain unsets what the SDKs would read from the developer's
// environment (AZURE_REGIONAL_AUTHORITY_NAME rewrites the authority), as
// the CLI's Main does.
func TestMain(m *testing.M) {
	for _, name := range config.SDKVariablesIn(os.Environ()) {
		os.Unsetenv(name)
	}
	os.Exit(m.Run())
}
