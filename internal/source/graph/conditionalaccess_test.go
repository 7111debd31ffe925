package graph_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/graph"
	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

func TestConditionalAccessAgainstLab(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "auth-strength")
	c, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.ConditionalAccessPolicies(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("policies = %+v, %v", list, err)
	}
	mfa, strength := list[0], list[1]
	if mfa.DisplayName != "Require MFA for Office 365" || mfa.State != model.CAEnabled || mfa.IncludeUsers[0] != "All" ||
		len(mfa.ExcludeUsers) != 1 || mfa.IncludeApplications[0] != "Office365" || mfa.BuiltInControls[0] != "mfa" ||
		mfa.GrantOperator != "OR" || mfa.AuthenticationStrength != nil {
		t.Fatalf("mfa policy = %+v", mfa)
	}
	if strength.AuthenticationStrength == nil || strength.AuthenticationStrength.DisplayName != "Phishing-resistant MFA" ||
		strength.AuthenticationStrength.ID != "00000000-0000-0000-0000-000000000004" || len(strength.BuiltInControls) != 0 {
		t.Fatalf("strength policy = %+v", strength)
	}
	// The flags enum of combinations reads back as Graph writes it.
	if s := strength.AuthenticationStrength; !slices.Equal(s.AllowedCombinations, []string{"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"}) ||
		s.Takes("federatedMultiFactor") || len(strength.Conditions()) != 0 {
		t.Fatalf("strength combinations %v, conditions %v", s.AllowedCombinations, strength.Conditions())
	}
	if n := l.Requests("graph GET /v1.0/identity/conditionalAccess/policies"); n != 1 {
		t.Fatalf("%d requests for one listing", n)
	}

	dave := labtest.Start(t, "admin-portal-mfa")
	dc, err := graph.New(dave.Settings())
	if err != nil {
		t.Fatal(err)
	}
	objs, err := dc.MemberOf(ctx, "dave@contoso.com")
	if err != nil || len(objs) != 1 || objs[0].Kind != "directoryRole" || objs[0].Name != "Exchange Administrator" {
		t.Fatalf("dave's memberOf = %+v, %v", objs, err)
	}
	if _, err := dc.MemberOf(ctx, "../domains"); err == nil {
		t.Fatal("a path in a UPN was sent")
	}
}

func TestConditionalAccessHostile(t *testing.T) {
	t.Parallel()
	policy := func(id, state string) map[string]any {
		return map[string]any{"id": id, "displayName": "P\x1b[31m\nx", "state": state,
			"conditions":    map[string]any{"users": map[string]any{"includeUsers": []string{"All"}}, "applications": map[string]any{"includeApplications": []string{"All"}}},
			"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"mfa"}}}
	}
	for _, tc := range []struct {
		name string
		h    http.HandlerFunc
		want string
	}{
		{"no id", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, 200, map[string]any{"value": []any{policy("", "enabled")}})
		}, "without id"},
		{"no state", func(w http.ResponseWriter, r *http.Request) {
			p := policy("p1", "enabled")
			delete(p, "state")
			sourcetest.JSON(w, 200, map[string]any{"value": []any{p}})
		}, "without state"},
		{"no value", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, 200, map[string]any{"@odata.context": "x"})
		}, "no value"},
		{"not JSON", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.Raw(w, 200, "application/json", "<html>")
		}, "not valid JSON"},
		{"403", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, 403, map[string]any{"error": map[string]any{"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."}})
		}, "needs Policy.Read.All"},
		{"control characters", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, 200, map[string]any{"value": []any{policy("p1", "disabled")}})
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tn := start(t, tc.h, nil, nil, 5*time.Second)
			list, err := tn.client.ConditionalAccessPolicies(context.Background())
			if tc.want == "" {
				if err != nil || len(list) != 1 || strings.ContainsAny(list[0].DisplayName, "\x1b\n") || list[0].State != model.CADisabled {
					t.Fatalf("list = %+v, %v", list, err)
				}
				return
			}
			tn.check(t, err, "graph: list Conditional Access policies: ", tc.want)
			if tc.name == "403" && !errors.Is(err, model.ErrAccessDenied) {
				t.Fatal("a 403 is ErrAccessDenied")
			}
		})
	}
}

// TestConditionalAccessRateLimited: the policy reads are limited to one a
// second per tenant and their 429 names no wait: the adapter backs off
// about a second itself and asks again.
func TestConditionalAccessRateLimited(t *testing.T) {
	t.Parallel()
	calls := 0
	tn := start(t, func(w http.ResponseWriter, r *http.Request) {
		if calls++; calls == 1 {
			sourcetest.JSON(w, http.StatusTooManyRequests, map[string]any{"error": map[string]any{"code": "TooManyRequests", "message": "Too many requests."}})
			return
		}
		sourcetest.JSON(w, 200, map[string]any{"value": []any{}})
	}, nil, nil, 10*time.Second)
	began := time.Now()
	list, err := tn.client.ConditionalAccessPolicies(context.Background())
	took := time.Since(began)
	if err != nil || list == nil || len(tn.graph.Requests()) != 2 || took < time.Second || took > 2500*time.Millisecond {
		t.Fatalf("list %v, err %v, %d requests in %s", list, err, len(tn.graph.Requests()), took)
	}
}
