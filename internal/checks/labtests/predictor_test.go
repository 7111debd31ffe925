package labtests

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

const predictorID = "loginloop.mfa-loop-predictor"

// predictorText is the predictor's message, finding messages and evidence
// (object names, fields, values) as one text to search.
func predictorText(r checks.Result) string {
	var b strings.Builder
	b.WriteString(r.Message + "\n")
	for _, f := range r.Findings {
		b.WriteString(string(f.Status) + " " + f.Object.Label() + ": " + f.Message + "\n")
		for _, e := range f.Evidence {
			if v, ok := e.(checks.Value); ok {
				b.WriteString("  " + v.System + " " + v.Object.Label() + " " + v.Field + "=" + v.Value + " [" + v.Source + "]\n")
			}
		}
	}
	return b.String()
}

func predictorResult(t *testing.T, l *lab.Lab, upn string) (checks.Result, string) {
	t.Helper()
	src, _ := labtest.Sources(t, l.Settings())
	list, err := checks.Select(checks.All(), []checks.Scope{checks.ScopeUser}, []string{predictorID}, nil)
	if err != nil || len(list) != 1 {
		t.Fatalf("select: %v (%d checks)", err, len(list))
	}
	rs := checks.Run(context.Background(), list, checks.UserSubject(upn), src, checks.RunOptions{}, nil)
	return rs[0], predictorText(rs[0])
}

func startScenarioText(t *testing.T, yaml string) *lab.Lab {
	t.Helper()
	return labtest.StartText(t, yaml)
}

func TestPredictorVerdictsNamePoliciesAndRules(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		status   checks.Status
		want     []string
	}{
		{"healthy", checks.StatusPass, []string{`"Require MFA for Office 365" requires MFA`, "federatedIdpMfaBehavior acceptIfMfaDoneByFederatedIdp",
			`Okta rule "Catch-all Rule" of policy "Microsoft Office 365" (priority 99) (ALLOW 2FA)`,
			"okta policy Microsoft Office 365 / Catch-all Rule priority 99: actions.appSignOn access, factorMode=ALLOW 2FA"}},
		{"mfa-loop", checks.StatusFail, []string{"MFA loop: Conditional Access policy \"Require MFA for Office 365\"",
			"enforceMfaByFederatedIdp", `Okta rule "Field staff: password only" of policy "Microsoft Office 365" (priority 1) asks only 1FA`,
			"fail policy Microsoft Office 365 / Field staff: password only:",
			"entra policy Require MFA for Office 365 state; grantControls; includeApplications=enabled; mfa; Office365",
			"federatedIdpMfaBehavior=enforceMfaByFederatedIdp", "factorMode=ALLOW 1FA"}},
		{"auth-strength", checks.StatusFail, []string{`Conditional Access policy "Phishing-resistant MFA for Office 365" requires the authentication strength "Phishing-resistant MFA"`,
			"cannot satisfy it and every sign-in it covers fails", "fail policy Phishing-resistant MFA for Office 365:",
			"authenticationStrength Phishing-resistant MFA"}},
		{"admin-portal-mfa", checks.StatusWarn, []string{"dave@contoso.com holds Exchange Administrator", "mandatory MFA for the Azure portal, Entra and Intune admin centers",
			`Okta rule "IT admins: password only" of policy "Microsoft Office 365" (priority 1) asks only 1FA`, "directory roles=Exchange Administrator"}},
		{"mfa-double-prompt", checks.StatusWarn, []string{`Double prompt: Conditional Access policy "Require MFA for Office 365"`, "rejectMfaByFederatedIdp",
			"Okta's MFA and then Entra's", `Okta rule "Catch-all Rule"`}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			l := labtest.Start(t, tc.scenario)
			r, text := predictorResult(t, l, l.AffectedUser())
			if r.Status != tc.status {
				t.Fatalf("status %s, want %s:\n%s", r.Status, tc.status, text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("missing %q in:\n%s", w, text)
				}
			}
			// The admin-portal warning is about admins only.
			if tc.scenario != "admin-portal-mfa" && strings.Contains(text, "admin centers") {
				t.Errorf("admin-portal warning for a non-admin:\n%s", text)
			}
		})
	}
}

// TestPredictorConditions: a rule limited to a network zone is named with
// it; disabled policies are never blamed; report-only ones warn; a rule
// the user's group is excluded from does not apply; an unset behaviour
// names the legacy SupportsMfa.
func TestPredictorConditions(t *testing.T) {
	t.Parallel()
	t.Run("zone rule, enforce", func(t *testing.T) {
		t.Parallel()
		l := startScenarioText(t, `name: t
base: healthy
tenant:
  domains:
    - {name: contoso.com, federation: {federatedIdpMfaBehavior: enforceMfaByFederatedIdp}}
okta:
  apps:
    - key: o365
      accessPolicy:
        rules:
          - {name: "In the office: password only", zones: [HQ network], factorMode: 1FA}
`)
		r, text := predictorResult(t, l, "alice@contoso.com")
		if r.Status != checks.StatusFail || !strings.Contains(text, `"In the office: password only" of policy "Microsoft Office 365" (priority 1, in network zone(s) nzo`) {
			t.Fatalf("%s:\n%s", r.Status, text)
		}
		if strings.Contains(text, `"Catch-all Rule"`) && strings.Contains(text, "fail policy Microsoft Office 365 / Catch-all Rule") {
			t.Fatalf("the 2FA Catch-all Rule is blamed:\n%s", text)
		}
	})
	t.Run("zone rule settled by her addresses", func(t *testing.T) {
		t.Parallel()
		const rules = `
okta:
  zones:
    - {name: HQ network, gateways: [203.0.113.0/24]}
    - {name: Branch, gateways: [198.51.100.10-198.51.100.20]}
  apps:
    - key: o365
      accessPolicy:
        rules:
          - {name: "In the office: password only", zones: [%s], factorMode: 1FA}
`
		base := "name: t\nbase: healthy\ntenant:\n  domains:\n    - {name: contoso.com, federation: {federatedIdpMfaBehavior: enforceMfaByFederatedIdp}}"
		// alice's sign-ons come from 203.0.113.24: in HQ, the 1FA rule is hers.
		l := startScenarioText(t, base+fmt.Sprintf(rules, "HQ network"))
		r, text := predictorResult(t, l, "alice@contoso.com")
		if r.Status != checks.StatusFail || !strings.Contains(text, `(priority 1, in network zone(s) HQ network: her recent sign-ins come from 203.0.113.24)`) ||
			strings.Contains(text, "Catch-all") {
			t.Fatalf("in the zone: %s:\n%s", r.Status, text)
		}
		if n := l.Requests("okta GET /api/v1/zones"); n != 1 {
			t.Fatalf("zones read %d times", n)
		}
		// Not in Branch: the rule is passed over, the 2FA Catch-all decides.
		l = startScenarioText(t, base+fmt.Sprintf(rules, "Branch"))
		r, text = predictorResult(t, l, "alice@contoso.com")
		if r.Status != checks.StatusPass || strings.Contains(text, "password only") || !strings.Contains(text, "Catch-all Rule") {
			t.Fatalf("outside the zone: %s:\n%s", r.Status, text)
		}
	})
	t.Run("disabled and report-only", func(t *testing.T) {
		t.Parallel()
		l := startScenarioText(t, `name: t
base: healthy
tenant:
  domains:
    - {name: contoso.com, federation: {federatedIdpMfaBehavior: enforceMfaByFederatedIdp}}
  conditionalAccess:
    - {name: Require MFA for Office 365, state: enabledForReportingButNotEnforced}
    - {name: Old strength policy, state: disabled, authenticationStrength: Phishing-resistant MFA}
okta:
  apps:
    - key: o365
      accessPolicy: {catchAll: 1FA}
`)
		r, text := predictorResult(t, l, "alice@contoso.com")
		if r.Status != checks.StatusWarn || !strings.Contains(text, "MFA loop (report-only policies: once enforced)") ||
			!strings.Contains(text, `"Require MFA for Office 365" (report-only)`) || strings.Contains(text, "Old strength policy") {
			t.Fatalf("%s:\n%s", r.Status, text)
		}
	})
	t.Run("group excluded falls to the catch-all", func(t *testing.T) {
		t.Parallel()
		l := startScenarioText(t, `name: t
base: healthy
okta:
  groups:
    - {name: Executives, members: [alice@contoso.com]}
  apps:
    - key: o365
      accessPolicy:
        rules:
          - {name: "Everyone but executives: password only", excludeGroups: [Executives], factorMode: 1FA}
`)
		r, text := predictorResult(t, l, "alice@contoso.com")
		if r.Status != checks.StatusPass || !strings.Contains(text, `"Catch-all Rule"`) || strings.Contains(text, "password only") {
			t.Fatalf("%s:\n%s", r.Status, text)
		}
		// bob is not an executive: the 1FA rule is his, and Entra prompts.
		r, text = predictorResult(t, l, "bob@contoso.com")
		if r.Status != checks.StatusWarn || !strings.Contains(text, "Entra prompts its own MFA") || !strings.Contains(text, "Everyone but executives") {
			t.Fatalf("bob: %s:\n%s", r.Status, text)
		}
	})
	t.Run("a policy for an Entra group alice is in through another", func(t *testing.T) {
		t.Parallel()
		l := startScenarioText(t, `name: t
base: healthy
tenant:
  domains:
    - {name: contoso.com, federation: {federatedIdpMfaBehavior: enforceMfaByFederatedIdp}}
  groups:
    - {name: Finance, groups: [Accounts Payable]}
    - {name: Accounts Payable, members: [alice@contoso.com]}
  conditionalAccess:
    - {name: Require MFA for Office 365, state: disabled}
    - {name: Finance MFA, includeGroups: [Finance], includeApplications: [Office365], grant: [mfa]}
okta:
  apps:
    - key: o365
      accessPolicy: {catchAll: 1FA}
`)
		r, text := predictorResult(t, l, "alice@contoso.com")
		if r.Status != checks.StatusFail || !strings.Contains(text, `MFA loop: Conditional Access policy "Finance MFA"`) || strings.Contains(text, "Require MFA for Office 365") {
			t.Fatalf("alice: %s:\n%s", r.Status, text)
		}
		if n := l.Requests("graph GET /v1.0/users/{id}/transitiveMemberOf"); n != 1 {
			t.Fatalf("transitiveMemberOf asked %d times", n)
		}
		r, text = predictorResult(t, l, "bob@contoso.com")
		if r.Status != checks.StatusPass || strings.Contains(text, "Finance MFA") {
			t.Fatalf("bob: %s:\n%s", r.Status, text)
		}
	})
	t.Run("a user excluded from the policy", func(t *testing.T) {
		t.Parallel()
		l := startScenarioText(t, `name: t
base: mfa-loop
tenant:
  conditionalAccess:
    - {name: Require MFA for Office 365, excludeUsers: [breakglass@contoso.onmicrosoft.com, alice@contoso.com]}
`)
		r, text := predictorResult(t, l, "alice@contoso.com")
		if r.Status != checks.StatusPass || !strings.Contains(text, "no enabled or report-only Conditional Access policy requires MFA") {
			t.Fatalf("%s:\n%s", r.Status, text)
		}
	})
}

func TestPredictorWithoutSources(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "mfa-loop")
	src, _ := labtest.Sources(t, l.Settings())
	noGraph := checks.Sources{Okta: src.Okta, Missing: map[checks.Source]string{checks.Graph: "set AZURE_TENANT_ID"}}
	r := byID(runUser(noGraph, "alice@contoso.com"))[predictorID]
	if r.Status != checks.StatusSkipped || !strings.Contains(r.Message, "needs Graph (Policy.Read.All, GroupMember.Read.All") ||
		!strings.Contains(r.Message, "set AZURE_TENANT_ID") {
		t.Fatalf("without Graph: %s %q", r.Status, r.Message)
	}
}

// Strengths by their combinations, and policies with conditions beyond
// users and apps.
func TestPredictorStrengthsAndConditions(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		yaml, want string
		status     checks.Status
	}{
		"the Multifactor authentication strength is Okta's MFA, enforced: a loop with a 1FA rule": {`name: t
base: mfa-loop
tenant:
  conditionalAccess:
    - {name: Require MFA for Office 365, state: disabled}
    - {name: MFA strength for Office 365, includeApplications: [Office365], authenticationStrength: Multifactor authentication}
`, `MFA loop: Conditional Access policy "MFA strength for Office 365"`, checks.StatusFail},
		"the Multifactor authentication strength with Okta's 2FA: nothing": {`name: t
base: healthy
tenant:
  conditionalAccess:
    - {name: MFA strength for Office 365, includeApplications: [Office365], authenticationStrength: Multifactor authentication}
`, "no MFA loop", checks.StatusPass},
		"MFA outside trusted locations: only when": {`name: t
base: mfa-loop
tenant:
  conditionalAccess:
    - {name: Require MFA for Office 365, includeLocations: [All], excludeLocations: [AllTrusted]}
`, `only when the policy's conditions hold: "Require MFA for Office 365" outside locations AllTrusted`, checks.StatusWarn},
		"MFA for legacy clients only: only when": {`name: t
base: mfa-loop
tenant:
  conditionalAccess:
    - {name: Require MFA for Office 365, clientAppTypes: [exchangeActiveSync, other]}
`, "for client apps exchangeActiveSync, other", checks.StatusWarn},
		"phishing-resistant, but only at high sign-in risk": {`name: t
base: auth-strength
tenant:
  conditionalAccess:
    - {name: Phishing-resistant MFA for Office 365, signInRiskLevels: [high]}
`, "(only at sign-in risk high)", checks.StatusWarn},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := startScenarioText(t, c.yaml)
			r, text := predictorResult(t, l, "alice@contoso.com")
			if r.Status != c.status || !strings.Contains(text, c.want) {
				t.Fatalf("%s, want %s and %q:\n%s", r.Status, c.status, c.want, text)
			}
		})
	}
}
