package graph_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/source/graph"
	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

// The registration campaign as the lab plays it, as Graph's v1.0 reference
// example writes it (with the beta enforceRegistrationAfterAllowedSnoozes
// the Entra how-to PATCHes), and from hostile answers.
func TestRegistrationCampaign(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "registration-campaign")
	c, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.RegistrationCampaign(ctx)
	if err != nil || rc.State != "enabled" || rc.SnoozeDurationDays != 3 || len(rc.IncludeTargets) != 1 ||
		rc.IncludeTargets[0].ID != "all_users" || rc.IncludeTargets[0].Type != "group" || rc.IncludeTargets[0].Method != "microsoftAuthenticator" {
		t.Fatalf("lab campaign = %+v, %v", rc, err)
	}

	docExample := map[string]any{
		"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#authenticationMethodsPolicy",
		"id":             "authenticationMethodsPolicy", "displayName": "Authentication Methods Policy", "policyVersion": "1.4",
		"registrationEnforcement": map[string]any{"authenticationMethodsRegistrationCampaign": map[string]any{
			"snoozeDurationInDays": 1, "state": "default", "enforceRegistrationAfterAllowedSnoozes": false, "excludeTargets": []any{},
			"includeTargets": []any{map[string]any{"id": "all_users", "targetType": "group", "targetedAuthenticationMethod": "microsoftAuthenticator"}}}},
		"authenticationMethodConfigurations": []any{map[string]any{"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration", "id": "Fido2", "state": "disabled"}},
	}
	for _, tc := range []struct {
		name string
		body any
		code int
		want string
	}{
		{"doc example", docExample, 200, ""},
		{"no campaign", map[string]any{"id": "authenticationMethodsPolicy"}, 200, ""},
		{"no id", map[string]any{"displayName": "x"}, 200, "no id"},
		{"target without id", map[string]any{"id": "authenticationMethodsPolicy", "registrationEnforcement": map[string]any{
			"authenticationMethodsRegistrationCampaign": map[string]any{"state": "enabled", "includeTargets": []any{map[string]any{"targetType": "group"}}}}}, 200, "include target without id"},
		{"403", map[string]any{"error": map[string]any{"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."}}, 403, "needs Policy.Read.AuthenticationMethod"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tn := start(t, func(w http.ResponseWriter, r *http.Request) { sourcetest.JSON(w, tc.code, tc.body) }, nil, nil, 5*time.Second)
			rc, err := tn.client.RegistrationCampaign(ctx)
			if tc.want != "" {
				tn.check(t, err, "graph: get the authentication methods policy: ", tc.want)
				return
			}
			if err != nil || rc.State != "default" {
				t.Fatalf("%+v, %v", rc, err)
			}
			if tc.name == "doc example" && (rc.EnforceAfterSnoozes == nil || *rc.EnforceAfterSnoozes || rc.SnoozeDurationDays != 1 || len(rc.IncludeTargets) != 1) {
				t.Fatalf("doc example read as %+v", rc)
			}
		})
	}
}
