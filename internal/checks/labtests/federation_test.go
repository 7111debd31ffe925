package labtests

import (
	"context"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// runDomain runs the federation and Okta-app checks for contoso.com, as
// preflight does, and returns them by ID.
func runDomain(t *testing.T, scenario, expect string) map[string]checks.Result {
	t.Helper()
	l := labtest.Start(t, scenario)
	src, _ := labtest.Sources(t, l.Settings())
	list, err := checks.Select(checks.All(), []checks.Scope{checks.ScopeDomain}, []string{"federation", "oktaapp"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	subject := checks.DomainSubject("contoso.com")
	subject.Expect = expect
	return byID(checks.Run(context.Background(), list, subject, src, checks.RunOptions{}, nil))
}

// certSides are the certificate comparisons' sides of a result, as
// "system field SHA-1".
func certSides(r checks.Result, what string) []string {
	var out []string
	for _, f := range r.Findings {
		for _, e := range f.Evidence {
			c, ok := e.(checks.Comparison)
			if !ok || c.What != what {
				continue
			}
			for _, s := range c.Sides {
				if s.Cert == nil {
					out = append(out, s.System+" "+s.Field+" (none)")
					continue
				}
				out = append(out, s.System+" "+s.Field+" "+s.Cert.SHA1)
			}
		}
	}
	return out
}

// What each federation scenario's results say and rest on, through the
// real clients against the lab.
func TestFederationMessagesAndEvidence(t *testing.T) {
	for _, tc := range []struct {
		scenario, expect, id string
		status               checks.Status
		says                 []string // in the message
		rests                []string // in the evidence
	}{
		{"healthy", "", "federation.config-match", checks.StatusPass, []string{"trusts its active signing key"}, []string{"signOutUri=", "/sso/wsfed/signout"}},
		{"healthy", "", "federation.issuer-matches-app", checks.StatusPass, []string{"automatic form", "contoso.com:exk"}, []string{"entityID (external key)=exk"}},
		{"healthy", "", "federation.tenant-match", checks.StatusPass, []string{"tenant contoso"}, []string{"settings.app.msftTenant=contoso", "tenant_region_scope="}},
		{"healthy", "managed", "federation.realm", checks.StatusFail, []string{"expects it managed", "o365doctor watch contoso.com"}, []string{"expected=managed [--expect]"}},
		{"swa-sign-on", "", "federation.realm", checks.StatusPass, []string{"managed"}, []string{"expected=managed [GET /domains]"}},
		{"swa-sign-on", "federated", "federation.realm", checks.StatusFail, []string{"expects it federated"}, nil},
		{"swa-sign-on", "", "federation.config-match", checks.StatusSkipped, []string{"Managed in Entra ID"}, nil},
		{"issuer-manual", "", "federation.issuer-matches-app", checks.StatusPass, []string{"manual form", "https://exk"}, nil},
		{"issuer-legacy", "", "federation.issuer-matches-app", checks.StatusWarn, []string{"legacy form http://www.okta.com/exk"}, nil},
		{"okta-custom-domain", "", "federation.config-match", checks.StatusPass, nil, []string{"https://login.contoso.com/app/office365/"}},
		{"federated-to-adfs", "", "federation.config-match", checks.StatusFail, []string{"https://sts.contoso.com/adfs/ls/", "not an Okta Office 365 passive endpoint"}, nil},
		{"federated-to-adfs", "", "federation.signing-keys", checks.StatusSkipped, []string{"not federated to an Okta Office 365 app"}, nil},
		{"cert-mismatch", "", "federation.signing-keys", checks.StatusFail, []string{"Entra trusts SHA-1", "but Okta signs with SHA-1", "AADSTS5000811"}, nil},
		{"cert-mismatch", "", "federation.config-match", checks.StatusFail, []string{"signingCertificate is not the key Okta signs with"}, nil},
		{"cert-expiring", "", "federation.cert-expiry", checks.StatusWarn, []string{"expires in 1", "plan the rollover"}, nil},
		{"mfa-double-prompt", "", "federation.mfa-behavior", checks.StatusWarn, []string{"rejectMfaByFederatedIdp", "prompted again"}, []string{"federatedIdpMfaBehavior=rejectMfaByFederatedIdp"}},
		{"staged-rollout", "", "federation.staged-rollout", checks.StatusWarn, []string{`"PHS pilot"`, "password hash sync", "Cloud Auth Pilot"}, []string{"appliesTo=Cloud Auth Pilot"}},
		{"privileged-in-federated", "", "federation.privileged-in-federated", checks.StatusWarn, []string{"dave@contoso.com holds Global Administrator"}, []string{"directory roles=Global Administrator"}},
		{"prefederation-default-domain", "", "federation.prefederation-domain", checks.StatusFail, []string{"fabrikam.com", "default domain"}, []string{"isVerified, isDefault, authenticationType=true, true, Managed"}},
		{"prefederation-digit-domain", "", "federation.prefederation-domain", checks.StatusFail, []string{"365contoso.com", "starts with a digit", "https://{externalKey}"}, nil},
		{"swa-sign-on", "", "oktaapp.provisioning", checks.StatusPass, nil, []string{"settings.app.office365ProvisioningType=GRAPH"}},
	} {
		t.Run(tc.scenario+"/"+tc.id+"/"+tc.expect, func(t *testing.T) {
			t.Parallel()
			r, ok := runDomain(t, tc.scenario, tc.expect)[tc.id]
			if !ok {
				t.Fatalf("%s did not run", tc.id)
			}
			if r.Status != tc.status {
				t.Errorf("status %s, want %s: %s", r.Status, tc.status, r.Message)
			}
			for _, s := range tc.says {
				if !strings.Contains(r.Message, s) {
					t.Errorf("message %q lacks %q", r.Message, s)
				}
			}
			ev := evidence(r)
			for _, s := range tc.rests {
				if !strings.Contains(ev, s) {
					t.Errorf("evidence lacks %q:\n%s", s, ev)
				}
			}
		})
	}
}

// The certificate comparisons show both sides by thumbprint: Entra's
// stale certificate against the key Okta signs with.
func TestSigningKeyComparisonShowsBothThumbprints(t *testing.T) {
	rs := runDomain(t, "cert-mismatch", "")
	sides := certSides(rs["federation.signing-keys"], "signing certificate")
	if len(sides) != 2 || !strings.HasPrefix(sides[0], "entra signingCertificate ") || !strings.HasPrefix(sides[1], "okta active key ") || sides[0][len(sides[0])-40:] == sides[1][len(sides[1])-40:] {
		t.Fatalf("sides = %q", sides)
	}
	healthy := certSides(runDomain(t, "healthy", "")["federation.signing-keys"], "signing certificate")
	if len(healthy) != 2 || healthy[0][len(healthy[0])-40:] != healthy[1][len(healthy[1])-40:] {
		t.Fatalf("healthy sides = %q", healthy)
	}
}
