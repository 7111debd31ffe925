package labtests

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// With 5% (and 30%) of requests answered by faults (429 with the
// rate-limit headers, 500, 503, a dropped connection), the tenant checks
// give the findings of the fault-free run: no page dropped or counted
// twice.
func TestTenantChecksUnderFaults(t *testing.T) {
	const users = 3000
	faults := 0
	run := func(opts lab.Options) map[string][]string {
		l := labtest.StartWith(t, "bulk", opts)
		defer func() {
			faults += l.Faults("okta GET /api/v1/apps/{appId}/users") + l.Faults("graph GET /v1.0/users")
		}()
		src, _ := labtest.Sources(t, l.Settings())
		out := map[string][]string{}
		for _, r := range checks.Run(context.Background(), tenantChecks(t), checks.TenantSubject("contoso.com"), src, checks.RunOptions{}, nil) {
			var got []string
			for _, f := range r.Findings {
				got = append(got, fmt.Sprint(f.Status, " ", f.Object.Name, " ", f.Message))
			}
			slices.Sort(got)
			if r.Status == checks.StatusError {
				t.Logf("%s: %s", r.CheckID, r.Message)
			}
			out[r.CheckID+" "+string(r.Status)] = got
		}
		return out
	}
	want := run(lab.Options{Users: users, Seed: 11}) // the seed also draws the bulk users: the same for each run
	for _, rate := range []float64{0.05, 0.3} {
		faults = 0
		got := run(lab.Options{Users: users, FaultRate: rate, Seed: 11})
		t.Logf("fault rate %.2f: %d pages answered by a fault", rate, faults)
		if rate >= 0.3 && faults == 0 {
			t.Fatal("no page was answered by a fault: the test shows nothing")
		}
		for k, w := range want {
			if g, ok := got[k]; !ok || !slices.Equal(g, w) {
				t.Errorf("fault rate %.2f: %s: %d findings, %d without faults (results: %v)", rate, k, len(g), len(w), keys(got))
			}
		}
	}
}

func tenantChecks(t testing.TB) []*checks.Check {
	var list []*checks.Check
	for _, c := range checks.All() {
		if c.Scope == checks.ScopeTenant {
			list = append(list, c)
		}
	}
	if len(list) < 6 {
		t.Fatalf("%d tenant checks", len(list))
	}
	return list
}

func keys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
