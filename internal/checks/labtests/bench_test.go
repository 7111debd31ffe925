package labtests

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
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
	"graph GET /v1.0/subscribedSkus":                            {"login POST /{tenant}/oauth2/v2.0/token"},
	"okta GET /api/v1/apps/{appId}/groups":                      {"okta GET /api/v1/apps"},
	"okta GET /api/v1/users/{id}/groups":                        {"okta GET /api/v1/users/{id}"},
	"okta GET /api/v1/users/{id}/factors":                       {"okta GET /api/v1/users/{id}"},
	// The user's events, filtered by their ID, and the org's rate-limit
	// events (one route, asked twice; the latter needs nothing, so the
	// former is the one on a chain).
	"okta GET /api/v1/logs":                                {"okta GET /api/v1/users/{id}"},
	"graph GET /v1.0/policies/authenticationMethodsPolicy": {"login POST /{tenant}/oauth2/v2.0/token"},
	"okta GET /api/v1/zones":                               {"okta GET /api/v1/policies/{policyId}/rules"}, // only when a rule names zones
	"graph GET /v1.0/auditLogs/signIns":                    {"login POST /{tenant}/oauth2/v2.0/token"},
	"graph GET /v1.0/identity/conditionalAccess/policies":  {"login POST /{tenant}/oauth2/v2.0/token"},
	"graph GET /v1.0/users/{id}/transitiveMemberOf":        {"login POST /{tenant}/oauth2/v2.0/token"},
	// The policy link comes with the app listing (the app itself is read
	// only when the listing lacks it).
	"okta GET /api/v1/apps/{appId}":              {"okta GET /api/v1/apps"},
	"okta GET /api/v1/policies/{policyId}":       {"okta GET /api/v1/apps"},
	"okta GET /api/v1/policies/{policyId}/rules": {"okta GET /api/v1/apps"},
	// identity.immutableid-unique: the app's other app users and Entra's
	// holder of the anchor, both once the app user's immutableId is known.
	"okta GET /api/v1/apps/{appId}/users": {"okta GET /api/v1/apps/{appId}/users/{userId}"},
	"graph GET /v1.0/users":               {"okta GET /api/v1/apps/{appId}/users/{userId}", "login POST /{tenant}/oauth2/v2.0/token"},
	// identity.okta-user: the search by email, only when no login is the UPN.
	"okta GET /api/v1/users": {"okta GET /api/v1/users/{id}"},
}

// chainLength is the longest chain of dependent requests among those the
// lab logged, for the user triage's table.
func chainLength(b *testing.B, log []lab.Request) int {
	b.Helper()
	// Realm discovery asks userrealm twice (api-version 1.0 and 2.1),
	// side by side: one route, two independent requests.
	// The user's run includes their domain's federation checks.
	deps := maps.Clone(domainPreflightDeps)
	maps.Copy(deps, userTriageDeps)
	return chainOf(b, log, deps, map[string]int{
		"okta GET /api/v1/logs":                                     2,
		"login GET /common/userrealm/{user}":                        2,
		"login GET /{tenant}/v2.0/.well-known/openid-configuration": 2,
		"graph GET /v1.0/directoryRoles/{id}/members":               64,
	}, nil)
}

// chainOf is the longest chain of dependent requests in the log, by a
// dependency table; an unknown route, or one requested more often than
// allowed (once, unless times says), fails the benchmark, so the table
// cannot drift from what the run does and facts are seen to be shared.
// The requests of a paged route follow one another: each is one step.
func chainOf(b *testing.B, log []lab.Request, deps map[string][]string, times map[string]int, paged []string) int {
	b.Helper()
	seen := map[string]int{}
	for _, r := range log {
		if _, ok := deps[r.Route]; !ok {
			b.Fatalf("request %s is not in the dependency table", r.Route)
		}
		seen[r.Route]++
	}
	var depth func(route string) int
	depth = func(route string) int {
		d := 0
		for _, dep := range deps[route] {
			if seen[dep] > 0 {
				d = max(d, depth(dep))
			}
		}
		if slices.Contains(paged, route) {
			return d + seen[route]
		}
		return d + 1
	}
	longest := 0
	for route, n := range seen {
		if n > max(1, times[route]) && !slices.Contains(paged, route) {
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

// domainPreflightDeps is the dependency table of a domain preflight: Okta
// reads that need the app's ID wait for the app listing; Graph reads wait
// for the token, which waits for the OpenID configuration (asked a second
// time, independently, for the domain's tenant); role members wait for
// the role listing.
var domainPreflightDeps = map[string][]string{
	"okta GET /api/v1/apps":                                     {},
	"okta GET /api/v1/domains":                                  {},
	"okta GET /api/v1/apps/{appId}/credentials/keys":            {"okta GET /api/v1/apps"},
	"okta GET /api/v1/apps/{appId}/sso/saml/metadata":           {"okta GET /api/v1/apps"},
	"okta GET /api/v1/apps/{appId}/users":                       {"okta GET /api/v1/apps"},
	"login GET /{tenant}/v2.0/.well-known/openid-configuration": {},
	"login POST /{tenant}/oauth2/v2.0/token":                    {"login GET /{tenant}/v2.0/.well-known/openid-configuration"},
	"login GET /getuserrealm.srf":                               {},
	"login GET /common/userrealm/{user}":                        {},
	"graph GET /v1.0/domains":                                   {"login POST /{tenant}/oauth2/v2.0/token"},
	"graph GET /v1.0/domains/{id}/federationConfiguration":      {"login POST /{tenant}/oauth2/v2.0/token"},
	"graph GET /v1.0/domains/{id}/verificationDnsRecords":       {"login POST /{tenant}/oauth2/v2.0/token"},
	"graph GET /v1.0/domains/{id}/serviceConfigurationRecords":  {"login POST /{tenant}/oauth2/v2.0/token"},
	"graph GET /v1.0/organization":                              {"login POST /{tenant}/oauth2/v2.0/token"},
	"graph GET /v1.0/policies/featureRolloutPolicies":           {"login POST /{tenant}/oauth2/v2.0/token"},
	"graph GET /v1.0/directoryRoles":                            {"login POST /{tenant}/oauth2/v2.0/token"},
	"graph GET /v1.0/directoryRoles/{id}/members":               {"graph GET /v1.0/directoryRoles"},
	"graph GET /v1.0/users":                                     {"login POST /{tenant}/oauth2/v2.0/token"},
	"graph GET /v1.0/subscribedSkus":                            {"login POST /{tenant}/oauth2/v2.0/token"},
}

// BenchmarkDomainPreflight runs every domain and tenant check of
// `preflight --domain contoso.com` against the healthy lab with 50 ms of
// latency per HTTP request and reports the wall time as a ratio to the
// critical path (the longest chain of dependent requests × the latency;
// DNS, on loopback without latency, adds next to nothing). Fresh sources
// each iteration: no token cached.
func BenchmarkDomainPreflight(b *testing.B) {
	const latency = 50 * time.Millisecond
	l := labtest.StartWith(b, "healthy", lab.Options{Latency: latency})
	subject := checks.TenantSubject("contoso.com")
	list, err := checks.Select(checks.All(), subject.Scopes(), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	var wall, critical time.Duration
	for b.Loop() {
		b.StopTimer()
		src, _ := labtest.Sources(b, l.Settings())
		l.ResetRequests()
		b.StartTimer()
		start := time.Now()
		rs := checks.Run(context.Background(), list, subject, src, checks.RunOptions{}, nil)
		wall += time.Since(start)
		b.StopTimer()
		for _, r := range rs {
			if r.Status == checks.StatusError || r.Status == checks.StatusSkipped {
				b.Fatalf("%s: %s %s", r.CheckID, r.Status, r.Message)
			}
		}
		critical += time.Duration(chainOf(b, l.RequestLog(), domainPreflightDeps, map[string]int{
			"login GET /common/userrealm/{user}":                        2,
			"login GET /{tenant}/v2.0/.well-known/openid-configuration": 2,
			"graph GET /v1.0/directoryRoles/{id}/members":               64, // one per role, side by side
		}, []string{"graph GET /v1.0/users", "okta GET /api/v1/apps/{appId}/users"})) * latency
		b.StartTimer()
	}
	b.ReportMetric(float64(wall)/float64(critical), "wall/critical")
	b.ReportMetric(float64(critical.Milliseconds())/float64(b.N), "critical-ms/op")
}

// The benchmarks' dependency tables name every route their runs request
// (the benchmarks themselves run only with -bench, not in CI): a new
// check's request must be placed in the chain.
func TestBenchmarkTablesNameEveryRoute(t *testing.T) {
	l := labtest.Start(t, "healthy")
	subject := checks.TenantSubject("contoso.com")
	list, err := checks.Select(checks.All(), subject.Scopes(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := labtest.Sources(t, l.Settings())
	l.ResetRequests()
	checks.Run(context.Background(), list, subject, src, checks.RunOptions{}, nil)
	for _, r := range l.RequestLog() {
		if _, ok := domainPreflightDeps[r.Route]; !ok {
			t.Errorf("the domain preflight requests %s, which domainPreflightDeps does not place", r.Route)
		}
	}
}

// tenantListingDeps is the tenant checks' table: the app users need the
// app's ID; Entra's users need the token. Both listings are paged, each
// page needing the one before (Okta's after cursor, Graph's nextLink).
var tenantListingDeps = map[string][]string{
	"okta GET /api/v1/apps":                                     {},
	"okta GET /api/v1/apps/{appId}/users":                       {"okta GET /api/v1/apps"},
	"login GET /{tenant}/v2.0/.well-known/openid-configuration": {},
	"login POST /{tenant}/oauth2/v2.0/token":                    {"login GET /{tenant}/v2.0/.well-known/openid-configuration"},
	"graph GET /v1.0/users":                                     {"login POST /{tenant}/oauth2/v2.0/token"},
	"graph GET /v1.0/subscribedSkus":                            {"login POST /{tenant}/oauth2/v2.0/token"},
}

// BenchmarkTenantListing runs the tenant-wide checks on the bulk scenario
// (10 000 and 100 000 users) with 20 ms of latency per request and reports
// the wall time as a ratio to the floor (the longest chain of dependent
// requests × the latency: one request a page, each page after the one
// before) and the peak Go heap in use while the checks ran (sampled every
// 10 ms; the lab's own memory, in this process too, is measured before
// and subtracted).
func BenchmarkTenantListing(b *testing.B) {
	for _, users := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			const latency = 20 * time.Millisecond
			// No rate limit: a bucket of a million a minute (the lab's
			// default, 600 a minute for all of /api/v1, would make the
			// pacer wait from the second iteration on).
			l := labtest.StartWith(b, "bulk", lab.Options{Users: users, Latency: latency, RateLimits: map[string]int{"/api/v1/apps": 1_000_000}})
			list := tenantChecks(b)
			subject := checks.TenantSubject("contoso.com")
			var wall, floor time.Duration
			var peak uint64
			for b.Loop() {
				b.StopTimer()
				src, _ := labtest.Sources(b, l.Settings())
				l.ResetRequests()
				runtime.GC()
				base := heapInUse()
				stop := sampleHeap(&peak, base)
				b.StartTimer()
				start := time.Now()
				rs := checks.Run(context.Background(), list, subject, src, checks.RunOptions{}, nil)
				wall += time.Since(start)
				b.StopTimer()
				stop()
				for _, r := range rs {
					if r.Status == checks.StatusError || r.Status == checks.StatusSkipped {
						b.Fatalf("%s: %s %s", r.CheckID, r.Status, r.Message)
					}
				}
				floor += time.Duration(chainOf(b, l.RequestLog(), tenantListingDeps, nil,
					[]string{"graph GET /v1.0/users", "okta GET /api/v1/apps/{appId}/users"})) * latency
				b.StartTimer()
			}
			b.ReportMetric(float64(wall)/float64(floor), "wall/floor")
			b.ReportMetric(float64(floor.Milliseconds())/float64(b.N), "floor-ms/op")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// sampleHeap records into peak the most heap in use above base, every
// 10 ms, until the returned stop is called.
func sampleHeap(peak *uint64, base uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if h := heapInUse(); h > base && h-base > *peak {
				*peak = h - base
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

// rateFloor is the least time n requests take one after another, each a
// round trip of latency, when a window (aligned as the lab aligns them)
// allows limit of them: a request that would be the window's limit+1-th
// waits for the next window.
func rateFloor(start time.Time, n, limit int, window, latency time.Duration) time.Duration {
	t := start
	w, used := start.Truncate(window), 0
	for range n {
		if nw := t.Truncate(window); nw.After(w) {
			w, used = nw, 0
		}
		if used == limit {
			w, used = w.Add(window), 0
			t = w
		}
		used++
		t = t.Add(latency)
	}
	return t.Sub(start)
}

// BenchmarkTenantListingRateLimited runs the tenant-wide checks on 20 000
// users against an /api/v1/apps bucket of 20 requests per 5-second window
// with the whole bucket o365doctor's (--okta-rate-share 1) and 20 ms of
// latency, and reports the wall time as a ratio to the rate-limit floor:
// the bucket's requests one after another, each a round trip, none past a
// window's limit (rateFloor). It fails if the lab answered any 429.
func BenchmarkTenantListingRateLimited(b *testing.B) {
	const (
		users   = 20_000
		limit   = 20
		window  = 5 * time.Second
		latency = 20 * time.Millisecond
	)
	var wall, floor time.Duration
	for b.Loop() {
		b.StopTimer()
		l := labtest.StartWith(b, "bulk", lab.Options{Users: users, Latency: latency,
			RateLimits: map[string]int{"/api/v1/apps": limit}, RateWindow: window})
		s := l.Settings()
		s.OktaRateShare = 1
		src, _ := labtest.Sources(b, s)
		l.ResetRequests()
		b.StartTimer()
		start := time.Now()
		rs := checks.Run(context.Background(), tenantChecks(b), checks.TenantSubject("contoso.com"), src, checks.RunOptions{}, nil)
		wall += time.Since(start)
		b.StopTimer()
		for _, r := range rs {
			if r.Status == checks.StatusError || r.Status == checks.StatusSkipped {
				b.Fatalf("%s: %s %s", r.CheckID, r.Status, r.Message)
			}
		}
		if st := l.Stats(); st.RateLimited() != 0 {
			b.Fatalf("429s served: %+v", st)
		}
		n := 0
		for _, r := range l.RequestLog() {
			if strings.HasPrefix(r.Route, "okta GET /api/v1/apps") {
				n++
			}
		}
		floor += rateFloor(start, n, limit, window, latency)
		b.StartTimer()
	}
	b.ReportMetric(float64(wall)/float64(floor), "wall/floor")
	b.ReportMetric(float64(floor.Milliseconds())/float64(b.N), "floor-ms/op")
}
