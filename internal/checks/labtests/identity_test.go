package labtests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// identityResult runs a user's checks on a scenario and returns one
// result flattened as licenseResult does, with its events and the objects
// a comparison's sides read too. The exact
// trips of every scenario are held by internal/cli's TestScenarioTripsOfUser.
func identityResult(t *testing.T, scenario, upn, id string) (checks.Result, string) {
	t.Helper()
	r, text := licenseResult(t, scenario, upn, id)
	var b strings.Builder
	b.WriteString(text)
	for _, f := range r.Findings {
		for _, e := range f.Evidence {
			switch e := e.(type) {
			case checks.Event:
				fmt.Fprintf(&b, "  event %s %s %s %s %s\n", e.System, e.Type, e.Outcome, e.Code, e.Message)
			case checks.Comparison:
				for _, side := range e.Sides {
					fmt.Fprintf(&b, "  side %s %s %s = %s\n", side.System, side.Object.Name, side.Field, side.Value)
				}
			}
		}
	}
	return r, b.String()
}

func TestIdentityFindingsNameUsersMessagesAndEvidence(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scenario, upn, id string
		status            checks.Status
		want              []string
	}{
		// erin's app user sends bob's anchor: bob's app user sends it too,
		// and Entra holds it for bob. Both users are named, both sides shown.
		{"immutableid-duplicate", "", "identity.immutableid-unique", checks.StatusFail, []string{
			"erin@contoso.com and bob@contoso.com, two app users of Microsoft Office 365, both send immutableID vFGdn+9wyiFcFPMHmAop2A==",
			"which Entra ID holds for bob@contoso.com: erin@contoso.com signs in to Microsoft 365 as bob@contoso.com",
			"okta profile.immutableId = vFGdn+9wyiFcFPMHmAop2A== (equal true)",
			"side okta erin@contoso.com profile.immutableId = vFGdn+9wyiFcFPMHmAop2A==",
			"side okta bob@contoso.com profile.immutableId = vFGdn+9wyiFcFPMHmAop2A==",
			"side entra bob@contoso.com onPremisesImmutableId = vFGdn+9wyiFcFPMHmAop2A==",
		}},
		{"immutableid-duplicate", "", "identity.immutableid-match", checks.StatusFail, []string{
			"Entra ID holds Okta's value for bob@contoso.com: the sign-in lands as bob@contoso.com, not as erin@contoso.com (see identity.immutableid-unique)",
		}},
		{"healthy", "alice@contoso.com", "identity.immutableid-unique", checks.StatusPass, []string{
			"no other of the 3 app users of Microsoft Office 365 sends alice@contoso.com's immutableID, and no other Entra ID user holds it",
			"okta profile.immutableId = suKEY0sY9cuOzPEMp6ZWPA==",
		}},
		// hank's push failed on his usage location: Okta's message, from the
		// System Log, with the event as evidence.
		{"usage-location-missing", "", "identity.sync-state", checks.StatusFail, []string{
			`failed (syncState ERROR): "License assignment cannot be done for user with invalid usage location." (app.office365.api.error.push.profile`,
			"okta syncState = ERROR",
			"event okta app.office365.api.error.push.profile FAILURE License assignment cannot be done for user with invalid usage location.",
		}},
		{"healthy", "alice@contoso.com", "identity.sync-state", checks.StatusPass, []string{
			"Okta's provisioning of alice@contoso.com to Microsoft Office 365 is SYNCHRONIZED, with no failed provisioning event",
			"okta syncState = SYNCHRONIZED",
		}},
		{"identity-account-disabled", "", "identity.entra-user", checks.StatusFail, []string{
			"Entra ID user kim@contoso.com is disabled (accountEnabled false): Microsoft answers AADSTS50057 right after the Okta sign-in",
			"entra accountEnabled = false",
		}},
		{"identity-username-mismatch", "", "identity.entra-user", checks.StatusFail, []string{
			"Okta's Office 365 app user for liam@contoso.com is named liam.old@contoso.com, not the Entra UPN liam@contoso.com",
			"side okta liam@contoso.com credentials.userName = liam.old@contoso.com",
			"side entra liam@contoso.com userPrincipalName = liam@contoso.com",
		}},
		{"healthy", "alice@contoso.com", "identity.entra-user", checks.StatusPass, []string{
			"Entra ID user alice@contoso.com exists and is enabled, with the UPN Okta sends",
			"entra accountEnabled = true",
		}},
		// No login is mia's UPN and two users have it as email: both named.
		{"identity-email-ambiguous", "", "identity.okta-user", checks.StatusFail, []string{
			"no Okta user has login mia@contoso.com, and 2 have it as email (",
			"mia.moss@contoso.com", "mia.admin@contoso.com",
			"o365doctor cannot tell which one signs in",
			"okta profile.email = mia@contoso.com",
		}},
		// One user has noah's UPN as email: found, and said so.
		{"identity-email-ambiguous", "noah@contoso.com", "identity.okta-user", checks.StatusPass, []string{
			"Okta user noah.nash@contoso.com is active: Okta will sign them in (found by email: their Okta login is noah.nash@contoso.com, not the UPN noah@contoso.com)",
			"okta profile.email = noah@contoso.com",
		}},
		{"group-license-priority", "", "identity.o365-assignment", checks.StatusPass, []string{
			"judy@contoso.com is assigned through group M365-E3, M365-E5 to Microsoft Office 365",
			"okta groups assigned to the app = M365-E3, M365-E5",
		}},
		{"healthy", "alice@contoso.com", "identity.o365-assignment", checks.StatusPass, []string{
			"alice@contoso.com is assigned directly to Microsoft Office 365",
		}},
	} {
		t.Run(tc.scenario+"/"+tc.id, func(t *testing.T) {
			t.Parallel()
			r, text := identityResult(t, tc.scenario, tc.upn, tc.id)
			if r.Status != tc.status {
				t.Errorf("status %s, want %s\n%s", r.Status, tc.status, text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("missing %q in\n%s", w, text)
				}
			}
		})
	}
}

// syncStateLab is healthy with three more users whose provisioning is not
// clean: one OUT_OF_SYNC, one SYNCHRONIZED after a failed push in the
// window, one in ERROR with no event saying why.
const syncStateLab = `
name: identity-sync-states
base: healthy
summary: "sync states the scenarios do not hold"
trips: [identity.sync-state]
affectedUser: pat@contoso.com
tenant:
  users:
    - {upn: pat@contoso.com, displayName: Pat Park, immutableId: Pt1aQ2bR3cS4dT5eU6fV7g==, usageLocation: US, licenses: [ENTERPRISEPACK]}
    - {upn: quinn@contoso.com, displayName: Quinn Quast, immutableId: Qn1aQ2bR3cS4dT5eU6fV7g==, usageLocation: US, licenses: [ENTERPRISEPACK]}
    - {upn: rita@contoso.com, displayName: Rita Ruiz, immutableId: Rt1aQ2bR3cS4dT5eU6fV7g==, usageLocation: US, licenses: [ENTERPRISEPACK]}
okta:
  users:
    - login: pat@contoso.com
      firstName: Pat
      lastName: Park
      assignments:
        - {app: o365, syncState: OUT_OF_SYNC, profile: {immutableId: Pt1aQ2bR3cS4dT5eU6fV7g==, usageLocation: US, licenses: [ENTERPRISEPACK]}}
    - login: quinn@contoso.com
      firstName: Quinn
      lastName: Quast
      assignments:
        - {app: o365, profile: {immutableId: Qn1aQ2bR3cS4dT5eU6fV7g==, usageLocation: US, licenses: [ENTERPRISEPACK]}}
    - login: rita@contoso.com
      firstName: Rita
      lastName: Ruiz
      assignments:
        - {app: o365, syncState: ERROR, profile: {immutableId: Rt1aQ2bR3cS4dT5eU6fV7g==, usageLocation: US, licenses: [ENTERPRISEPACK]}}
  logs:
    - {eventType: application.provision.user.push_profile, user: quinn@contoso.com, app: o365, minutesAgo: 120, result: FAILURE, reason: "Request to Microsoft Graph timed out", message: "Push user's profile to external application"}
`

func TestSyncStateWithoutTheScenarios(t *testing.T) {
	t.Parallel()
	l := labtest.StartText(t, syncStateLab)
	src, _ := labtest.Sources(t, l.Settings())
	for _, tc := range []struct {
		upn    string
		status checks.Status
		want   string
	}{
		{"pat@contoso.com", checks.StatusWarn, "Okta has changes for pat@contoso.com not yet pushed to Microsoft Office 365 (syncState OUT_OF_SYNC)"},
		{"quinn@contoso.com", checks.StatusWarn, `1 failed provisioning event(s) for quinn@contoso.com in the System Log`},
		{"quinn@contoso.com", checks.StatusWarn, `although the app user is SYNCHRONIZED; the newest: "Request to Microsoft Graph timed out" (application.provision.user.push_profile)`},
		{"rita@contoso.com", checks.StatusFail, "failed (syncState ERROR); no failed provisioning event in the System Log"},
	} {
		r := byID(runUser(src, tc.upn))["identity.sync-state"]
		if r.Status != tc.status || len(r.Findings) != 1 || !strings.Contains(r.Findings[0].Message, tc.want) {
			t.Errorf("%s: %s %q, want %s with %q", tc.upn, r.Status, r.Message, tc.status, tc.want)
		}
	}
}
