package cli

import (
	"os"
	"testing"
)

// The variables the Azure and Okta SDKs read on their own are gone from
// the process before any client is built; o365doctor's own stay readable
// through the snapshot. (The e2e test shows the effect on a real process
// for the variables that cannot send traffic off this machine.)
func TestSDKEnvironmentIsHidden(t *testing.T) {
	hidden := []string{"AZURE_REGIONAL_AUTHORITY_NAME", "MSAL_FORCE_REGION", "REGION_NAME", "AZURE_AUTHORITY_HOST",
		"OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES", "OKTA_CLIENT_TOKEN", "HTTPS_PROXY", "AZURE_CLIENT_SECRET"}
	for _, k := range hidden {
		t.Setenv(k, "set-by-test")
	}
	t.Setenv("O365DOCTOR_OKTA_URL", "https://contoso.okta.com")
	env := snapshotEnv()
	hideSDKEnvironment()
	for _, k := range hidden {
		if v, ok := os.LookupEnv(k); ok {
			t.Errorf("%s=%s is still in the environment", k, v)
		}
		if env[k] != "set-by-test" {
			t.Errorf("the snapshot lost %s", k)
		}
	}
	if os.Getenv("O365DOCTOR_OKTA_URL") == "" {
		t.Error("o365doctor's own variable was removed")
	}
}
