// Package labtest starts the lab for tests of other packages.
package labtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/source/dnsq"
	"github.com/o365doctor/o365doctor/internal/source/graph"
	"github.com/o365doctor/o365doctor/internal/source/okta"
	"github.com/o365doctor/o365doctor/internal/source/realm"
)

// Start serves the named scenario for the test and stops it at cleanup.
func Start(t testing.TB, scenario string) *lab.Lab {
	t.Helper()
	return StartWith(t, scenario, lab.Options{})
}

// StartText serves a scenario written in the test (YAML, usually laid over
// a built-in one with base) and stops it at cleanup.
func StartText(t testing.TB, yaml string) *lab.Lab {
	t.Helper()
	sc, err := lab.ParseScenario([]byte(yaml), t.Name()+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, lab.Options{Scenario: sc})
}

// StartWith serves the named scenario with options (bulk users, faults,
// latency) and stops it at cleanup.
func StartWith(t testing.TB, scenario string, opts lab.Options) *lab.Lab {
	t.Helper()
	sc, err := lab.LoadScenario(scenario)
	if err != nil {
		t.Fatal(err)
	}
	opts.Scenario = sc
	return serve(t, opts)
}

func serve(t testing.TB, opts lab.Options) *lab.Lab {
	t.Helper()
	l, err := lab.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

// Sources builds the real Okta, Graph and realm-discovery clients for the
// settings (usually the lab's) and returns them as the checks' sources.
func Sources(t testing.TB, s config.Settings) (checks.Sources, *okta.Client) {
	t.Helper()
	oc, err := okta.New(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	gc, err := graph.New(s)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := realm.New(s)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := dnsq.ParseNameservers(s.Nameservers)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := dnsq.New(dnsq.Config{Resolver: s.Resolver, Nameservers: ns, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return checks.Sources{Okta: oc, Graph: gc, Realm: rc, DNS: dc.Named(), OktaOrg: s.OktaURL}, oc
}

// Writes are the requests the lab received that change state (POST, PATCH,
// PUT, DELETE), a token request excepted, as Requests names their routes.
func Writes(l *lab.Lab) []string {
	var out []string
	for _, r := range l.RequestLog() {
		if strings.Contains(r.Route, "oauth2/v2.0/token") {
			continue
		}
		for _, m := range []string{" POST ", " PATCH ", " PUT ", " DELETE "} {
			if strings.Contains(r.Route, m) {
				out = append(out, r.Route)
			}
		}
	}
	return out
}
