package labtests

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// dnsChecks are the registered checks of area dns.
func dnsChecks(t *testing.T) []*checks.Check {
	t.Helper()
	list, err := checks.Select(checks.All(), nil, []string{"dns"}, nil)
	if err != nil || len(list) != 9 {
		t.Fatalf("dns checks: %d, %v", len(list), err)
	}
	return list
}

// runDNS runs every DNS check for the scenario's domain against the lab,
// through the real dnsq client, and returns the results by check ID.
func runDNS(t *testing.T, l *lab.Lab) map[string]checks.Result {
	t.Helper()
	src, _ := labtest.Sources(t, l.Settings())
	rs := checks.Run(context.Background(), dnsChecks(t), checks.DomainSubject(l.Scenario.Domain), src, checks.RunOptions{LoadTimeout: 15 * time.Second}, nil)
	return byID(rs)
}

// tripsAndErrors are the dns.* checks that warn or fail, and those that
// end in error.
func tripsAndErrors(rs map[string]checks.Result) (trips, errs []string) {
	for id, r := range rs {
		switch r.Status {
		case checks.StatusWarn, checks.StatusFail:
			trips = append(trips, id)
		case checks.StatusError:
			errs = append(errs, id)
		}
	}
	sort.Strings(trips)
	sort.Strings(errs)
	return trips, errs
}

func dnsOnly(ids []string) []string {
	var out []string
	for _, id := range ids {
		if strings.HasPrefix(id, "dns.") {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// TestDNSChecksTripExactlyWhatEachScenarioSays runs the nine DNS checks
// against every scenario: the dns.* checks that warn or fail are exactly
// the scenario's dns.* trips, and those that end in error exactly its
// dns.errors.
func TestDNSChecksTripExactlyWhatEachScenarioSays(t *testing.T) {
	for _, name := range lab.ScenarioNames() {
		if name == "bulk" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := labtest.Start(t, name)
			rs := runDNS(t, l)
			trips, errs := tripsAndErrors(rs)
			if want := dnsOnly(l.Scenario.Trips); !slices.Equal(trips, want) {
				for _, id := range trips {
					t.Logf("%s = %s: %s", id, rs[id].Status, rs[id].Message)
				}
				t.Errorf("trips %v, want %v", trips, want)
			}
			if want := dnsOnly(l.Scenario.DNS.Errors); !slices.Equal(errs, want) {
				for _, id := range errs {
					t.Logf("%s = %s: %s", id, rs[id].Status, rs[id].Message)
				}
				t.Errorf("errors %v, want %v", errs, want)
			}
		})
	}
}
