package labtests

import (
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

func autopilotResult(t *testing.T, yaml string) (checks.Result, string) {
	t.Helper()
	var l = labtest.Start(t, "healthy")
	if yaml != "" {
		l = startScenarioText(t, yaml)
	}
	src, _ := labtest.Sources(t, l.Settings())
	r := byID(runUser(src, "alice@contoso.com"))["loginloop.autopilot-device-trust"]
	text := r.Message
	for _, f := range r.Findings {
		text += "\n" + f.Message
	}
	return r, text + "\n" + evidence(r)
}

// A new Windows device matches no device-trust rule: what it falls to
// decides, and an Autopilot rule limited by a condition is named.
func TestAutopilotDeviceTrust(t *testing.T) {
	t.Parallel()
	t.Run("scenario: falls to a DENY catch-all", func(t *testing.T) {
		t.Parallel()
		l := labtest.Start(t, "autopilot-device-trust")
		src, _ := labtest.Sources(t, l.Settings())
		r := byID(runUser(src, "alice@contoso.com"))["loginloop.autopilot-device-trust"]
		text := r.Message + "\n" + evidence(r)
		for _, want := range []string{`matches none of the device-trust rules "Managed devices", "Registered phones"`,
			`falls to Okta rule "Catch-all Rule" of policy "Microsoft Office 365" (priority 99), which denies access`,
			"conditions.device=registered, managed"} {
			if r.Status != checks.StatusFail || !strings.Contains(text, want) {
				t.Fatalf("%s, want %q:\n%s", r.Status, want, text)
			}
		}
	})
	t.Run("healthy: no device trust", func(t *testing.T) {
		t.Parallel()
		r, text := autopilotResult(t, "")
		if r.Status != checks.StatusPass || !strings.Contains(text, "asks for a registered or managed device") {
			t.Fatalf("%s:\n%s", r.Status, text)
		}
	})
	t.Run("an Autopilot rule by user agent", func(t *testing.T) {
		t.Parallel()
		r, text := autopilotResult(t, withRule(`{name: "Autopilot", platforms: [DESKTOP/WINDOWS], expression: 'request.userAgent.contains("Windows-AzureAD-Authentication-Provider")', factorMode: 2FA}`))
		if r.Status != checks.StatusWarn || !strings.Contains(text, "it can sign in only Windows' Entra join sends its user agent (Windows-AzureAD-Authentication-Provider)") {
			t.Fatalf("%s:\n%s", r.Status, text)
		}
	})
	t.Run("a Windows rule with device state Any", func(t *testing.T) {
		t.Parallel()
		r, text := autopilotResult(t, withRule(`{name: "New laptops", platforms: [DESKTOP/WINDOWS], factorMode: 2FA}`))
		if r.Status != checks.StatusPass || !strings.Contains(text, `falls to Okta rule "New laptops"`) || !strings.Contains(text, "Autopilot can sign in") {
			t.Fatalf("%s:\n%s", r.Status, text)
		}
	})
}

// withRule is the autopilot-device-trust scenario with one more rule after
// its managed-devices rule.
func withRule(rule string) string {
	return `name: t
base: autopilot-device-trust
okta:
  apps:
    - key: o365
      accessPolicy:
        catchAllAccess: DENY
        rules:
          - {name: "Managed devices", device: managed, factorMode: 2FA}
          - ` + rule + "\n"
}
