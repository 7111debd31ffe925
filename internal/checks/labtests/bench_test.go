package labtests

import (
	"context"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// userTriageDeps is the dependency of each request of a user run on the
// requests whose answers it needs: the app user needs the Okta user's ID
// and the app's; Graph's user needs the token, which needs the OpenID
// configuration. The critical path is the longest chain through it.
var userTriageDeps = map[string][]string{
	"okta GET /api/v1/users/{id}":                               {},
	"okta GET /api/v1/apps":                                     {},
	"okta GET /api/v1/apps/{appId}/users/{userId}":              {"okta GET /api/v1/users/{id}", "okta GET /api/v1/apps"},
	"login GET /{tenant}/v2.0/.well-known/openid-configuration": {},
	"login POST /{tenant}/oauth2/v2.0/token":                    {"login GET /{tenant}/v2.0/.well-known/openid-configuration"},
	"graph GET /v1.0/users/{id}":                                {"login POST /{tenant}/oauth2/v2.0/token"},
	"login GET /getuserrealm.srf":                               {},
	"okta GET /api/v1/domains":                                  {},
	"login GET /common/userrealm/{user}":                        {},
}

// chainLength is the longest chain of dependent requests among those the
// lab logged; an unknown route or a repeated one fails the benchmark, so
// the table cannot drift from what the run does.
func chainLength(b *testing.B, log []lab.Request) int {
	b.Helper()
	seen := map[string]int{}
	for _, r := range log {
		if _, ok := userTriageDeps[r.Route]; !ok {
			b.Fatalf("request %s is not in the dependency table", r.Route)
		}
		seen[r.Route]++
	}
	var depth func(route string) int
	depth = func(route string) int {
		d := 0
		for _, dep := range userTriageDeps[route] {
			if seen[dep] > 0 {
				d = max(d, depth(dep))
			}
		}
		return d + 1
	}
	longest := 0
	for route, n := range seen {
		// Realm discovery asks userrealm twice (api-version 1.0 and 2.1),
		// side by side: one route, two independent requests.
		if n != 1 && !(route == "login GET /common/userrealm/{user}" && n == 2) {
			b.Fatalf("%s requested %d times in one run: facts are not shared", route, n)
		}
		longest = max(longest, depth(route))
	}
	return longest
}

// BenchmarkUserTriage runs every user check for one user against the lab
// with 50 ms of latency per request and reports the wall time as a ratio
// to the critical path (the longest chain of dependent requests × the
// latency). Each iteration uses fresh sources (no token cached): what a
// person running `o365doctor user` waits for.
func BenchmarkUserTriage(b *testing.B) {
	const latency = 50 * time.Millisecond
	l := labtest.StartWith(b, "immutableid-mismatch", lab.Options{Latency: latency})
	list := userChecks()
	var wall, critical time.Duration
	for b.Loop() {
		b.StopTimer()
		src, _ := labtest.Sources(b, l.Settings())
		l.ResetRequests()
		b.StartTimer()
		start := time.Now()
		rs := checks.Run(context.Background(), list, checks.UserSubject("alice@contoso.com"), src, checks.RunOptions{}, nil)
		wall += time.Since(start)
		b.StopTimer()
		for _, r := range rs {
			if r.Status == checks.StatusError {
				b.Fatalf("%s: %s", r.CheckID, r.Message)
			}
		}
		critical += time.Duration(chainLength(b, l.RequestLog())) * latency
		b.StartTimer()
	}
	b.ReportMetric(float64(wall)/float64(critical), "wall/critical")
	b.ReportMetric(float64(critical.Milliseconds())/float64(b.N), "critical-ms/op")
}
