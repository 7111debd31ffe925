package cli_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

// permsOf are the names of a check's required permissions of a source.
func permsOf(c *checks.Check, src checks.Source) []string {
	var out []string
	for _, p := range c.Permissions {
		if p.Source == src && !p.Optional {
			out = append(out, p.Name)
		}
	}
	return out
}

// Without Graph credentials every check that needs Graph is skipped and
// says what to grant; with a Graph that answers 403, each ends in error
// naming the permission it lacked; the others still run.
func TestDomainChecksNameTheirPermissions(t *testing.T) {
	env := labEnv(t, labtest.Start(t, "healthy"))
	noGraph := map[string]string{}
	for k, v := range env {
		if !strings.HasPrefix(k, "AZURE_") {
			noGraph[k] = v
		}
	}
	out, _, _ := run(t, noGraph, "preflight", "--domain", "contoso.com", "--json")
	rep := decode(t, out)
	graphChecks := 0
	for _, r := range rep.Results {
		c, _ := checks.Lookup(r.CheckID)
		if !slices.Contains(c.Needs, checks.Graph) {
			if r.Status == "skipped" || r.Status == "error" {
				t.Errorf("%s needs no Graph but is %s: %s", r.CheckID, r.Status, r.Message)
			}
			continue
		}
		graphChecks++
		if r.Status != "skipped" || !strings.Contains(r.Message, "AZURE_TENANT_ID") {
			t.Errorf("%s without Graph: %s %q", r.CheckID, r.Status, r.Message)
		}
		for _, p := range permsOf(c, checks.Graph) {
			if !strings.Contains(r.Message, p) {
				t.Errorf("%s skipped without naming %s: %q", r.CheckID, p, r.Message)
			}
		}
	}
	if graphChecks < 8 {
		t.Errorf("only %d checks need Graph", graphChecks)
	}

	// A Graph that refuses everything with 403.
	mux := http.NewServeMux()
	sourcetest.Login(mux, func() string { return "a-token" })
	login := sourcetest.Start(t, mux)
	srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sourcetest.JSON(w, http.StatusForbidden, map[string]any{"error": map[string]any{"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."}})
	}))
	trust(t, env, srv.CAPEM())
	env["O365DOCTOR_GRAPH_URL"] = srv.URL + "/v1.0"
	// Graph's token comes from a stand-in login service (realm discovery,
	// which shares it, is not among the checks run).
	env["O365DOCTOR_LOGIN_URL"] = login.URL
	out, _, _ = run(t, env, "preflight", "--domain", "contoso.com", "--json", "--only", "federation.staged-rollout,federation.privileged-in-federated,federation.mfa-behavior")
	for _, r := range decode(t, out).Results {
		c, _ := checks.Lookup(r.CheckID)
		if r.CheckID == "federation.staged-rollout" {
			// No application permission exists for it: skipped, saying
			// where to look, not an incomplete run.
			if r.Status != "skipped" || !strings.Contains(r.Message, "delegated") || !strings.Contains(r.Message, "Staged rollout") {
				t.Errorf("staged-rollout on a 403: %s %q", r.Status, r.Message)
			}
			continue
		}
		if r.Status != "error" || !strings.Contains(r.Message, "403") {
			t.Errorf("%s on a 403: %s %q", r.CheckID, r.Status, r.Message)
			continue
		}
		named := false
		for _, p := range permsOf(c, checks.Graph) {
			named = named || strings.Contains(r.Message, p)
		}
		if !named {
			t.Errorf("%s's 403 names none of %v: %q", r.CheckID, permsOf(c, checks.Graph), r.Message)
		}
	}
}
