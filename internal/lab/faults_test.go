package lab_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

const (
	oktaUserRoute  = "okta GET /api/v1/users/{id}"
	graphUserRoute = "graph GET /v1.0/users/{id}"
)

// faultProbe sends single requests to one Okta and one Graph route and
// reports their statuses.
type faultProbe struct {
	t     *testing.T
	c     *http.Client
	l     *lab.Lab
	token string
}

func newFaultProbe(t *testing.T, l *lab.Lab) *faultProbe {
	p := &faultProbe{t: t, c: client(l), l: l}
	// The token request draws from the login system's faults: retrying
	// it draws nothing from Okta's or Graph's.
	for i := 0; p.token == ""; i++ {
		if i == 50 {
			t.Fatal("no token in 50 tries")
		}
		p.token, _ = requestToken(t, p.c, l)
	}
	return p
}

func (p *faultProbe) okta() int {
	resp, _ := get(p.t, p.c, p.l.OktaURL+"/api/v1/users/alice@contoso.com", "Authorization", "SSWS "+p.l.OktaToken)
	return resp.StatusCode
}

func (p *faultProbe) graph() int {
	resp, _ := get(p.t, p.c, p.l.GraphURL+"/users/alice@contoso.com", "Authorization", "Bearer "+p.token)
	return resp.StatusCode
}

// TestFaultsAreSeededPerSystem sends the same requests to two labs with
// the same seed, Okta's and Graph's in a different interleaving: each
// system gets the same faults in both. The faults counted per route are
// the faulted answers the client saw.
func TestFaultsAreSeededPerSystem(t *testing.T) {
	opts := lab.Options{Seed: 7, FaultRate: 0.5, FaultKinds: []string{"429", "500"}} // no drops: a transport may retry those
	const n = 24
	var okta, graph [2][]int
	for run, interleave := range []bool{false, true} {
		l := labtest.StartWith(t, "healthy", opts)
		p := newFaultProbe(t, l)
		if interleave {
			for range n {
				graph[run] = append(graph[run], p.graph())
				okta[run] = append(okta[run], p.okta())
			}
		} else {
			for range n {
				okta[run] = append(okta[run], p.okta())
			}
			for range n {
				graph[run] = append(graph[run], p.graph())
			}
		}
		for _, c := range []struct {
			route    string
			statuses []int
		}{{oktaUserRoute, okta[run]}, {graphUserRoute, graph[run]}} {
			faulted := n - count(c.statuses, http.StatusOK)
			if l.Faults(c.route) != faulted || l.Requests(c.route) != n {
				t.Errorf("run %d %s: Faults %d, Requests %d; the client saw %d faults in %d requests",
					run, c.route, l.Faults(c.route), l.Requests(c.route), faulted, n)
			}
			if faulted == 0 || faulted == n {
				t.Errorf("run %d %s: %d of %d faulted: the seed shows nothing", run, c.route, faulted, n)
			}
		}
	}
	if !slices.Equal(okta[0], okta[1]) {
		t.Errorf("Okta's faults depend on Graph's requests:\n%v\n%v", okta[0], okta[1])
	}
	if !slices.Equal(graph[0], graph[1]) {
		t.Errorf("Graph's faults depend on Okta's requests:\n%v\n%v", graph[0], graph[1])
	}
	if slices.Equal(okta[0], graph[0]) {
		t.Errorf("Okta and Graph drew the same faults: %v", okta[0])
	}
}

func count(statuses []int, want int) int {
	n := 0
	for _, s := range statuses {
		if s == want {
			n++
		}
	}
	return n
}
