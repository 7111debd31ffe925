package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/o365doctor/o365doctor/internal/lab"
)

// labFlags are the flags that choose and shape a lab (demo, lab serve).
type labFlags struct {
	scenario     string
	scenarioFile string
	users        int
	seed         int64
	latency      time.Duration
	routeLatency []string
	faultRate    float64
	faults       []string
	stateFile    string
	rateLimits   []string
	rateLimitSet string
	rateWindow   time.Duration
	preConsume   []string
	oktaAuth     string
	dpop         bool
	graphAuth    string
	autoApprove  bool
}

func (lo *labFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&lo.scenario, "scenario", "immutableid-mismatch", "built-in scenario (\"o365doctor lab scenarios\" lists them)")
	fl.StringVar(&lo.scenarioFile, "scenario-file", "", "your own scenario file (YAML; see docs/scenarios.md)")
	fl.IntVar(&lo.users, "users", 0, "generated users of a bulk scenario (default: the scenario's)")
	fl.Int64Var(&lo.seed, "seed", 0, "seed of the bulk users and of the faults (default: the scenario's)")
}

func (lo *labFlags) registerServe(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.DurationVar(&lo.latency, "latency", 0, "latency added to every request, e.g. 50ms")
	fl.StringArrayVar(&lo.routeLatency, "route-latency", nil, `latency of one route, e.g. "okta GET /api/v1/users/{id}=200ms" (repeatable)`)
	fl.Float64Var(&lo.faultRate, "fault-rate", 0, "fraction of requests answered with a fault (0 to 1)")
	fl.StringSliceVar(&lo.faults, "faults", nil, "fault kinds: "+strings.Join(lab.FaultKinds, ",")+" (default: all)")
	fl.StringVar(&lo.stateFile, "state-file", "", "keep the lab's changes in this file across restarts")
	fl.StringVar(&lo.rateLimitSet, "rate-limits", "", `a set of rate limits: "okta-published" applies Okta's last published per-minute limits (apps 100, logs 120, users 600, groups 500, the rest of /api/v1 1200) and Graph's throttling of Conditional Access (1 a second, 429 without Retry-After) and reports (5 per 10 s); --rate-limit overrides one family`)
	fl.StringArrayVar(&lo.rateLimits, "rate-limit", nil, `an Okta rate-limit bucket, "okta:PATH-PREFIX=REQUESTS" per --rate-window, e.g. "okta:/api/v1/apps=20" (repeatable); past it the lab answers 429, and GET {okta}/__lab/stats counts them`)
	fl.DurationVar(&lo.rateWindow, "rate-window", time.Minute, "the window of the --rate-limit buckets")
	fl.StringArrayVar(&lo.preConsume, "pre-consume", nil, `requests "another integration" has used of a bucket in the first window, e.g. "okta:/api/v1/apps=10"`)
	fl.StringVar(&lo.oktaAuth, "okta-auth", "api-token", "the Okta sign-in the exports set up: api-token, or private-key (an OAuth service app whose key file the lab writes; no API token exported)")
	fl.BoolVar(&lo.dpop, "dpop", false, "the Okta service app requires DPoP (with a nonce challenge), as new service apps do")
	fl.StringVar(&lo.graphAuth, "graph-auth", "secret", "the Graph sign-in the exports set up: secret, certificate (the lab writes the app's certificate and key), device-code (approve with o365doctor lab approve CODE, or --auto-approve) or azure-cli (a stand-in az on PATH); only secret exports the client secret")
	fl.BoolVar(&lo.autoApprove, "auto-approve", false, "approve every device code after its first poll (for tests)")
}

// parseBuckets reads "okta:/api/v1/apps=20" values.
func parseBuckets(flag string, values []string) (map[string]int, error) {
	out := map[string]int{}
	for _, v := range values {
		rest, ok := strings.CutPrefix(strings.TrimSpace(v), "okta:")
		prefix, n, ok2 := strings.Cut(rest, "=")
		count, err := strconv.Atoi(strings.TrimSpace(n))
		if !ok || !ok2 || err != nil || count < 0 || !strings.HasPrefix(prefix, "/api/v1/") {
			return nil, usageErr(`%s %q: use "okta:PATH-PREFIX=N", e.g. "okta:/api/v1/apps=20" (only Okta's buckets are modelled)`, flag, v)
		}
		out[prefix] = count
	}
	return out, nil
}

// start loads the scenario and starts the lab; errors are usage errors
// (a bad scenario or flag) unless the lab itself failed.
func (lo *labFlags) start(f *Factory) (*lab.Lab, error) {
	var sc *lab.Scenario
	var err error
	if lo.scenarioFile != "" {
		sc, err = lab.LoadScenarioFile(lo.scenarioFile)
	} else {
		sc, err = lab.LoadScenario(lo.scenario)
	}
	if err != nil {
		return nil, usageErr("%v", err)
	}
	routes := map[string]time.Duration{}
	for _, rl := range lo.routeLatency {
		route, d, ok := strings.Cut(rl, "=")
		dur, perr := time.ParseDuration(strings.TrimSpace(d))
		if !ok || perr != nil || strings.Count(route, " ") < 2 {
			return nil, usageErr(`--route-latency %q: use "SYSTEM METHOD PATTERN=DURATION", e.g. "okta GET /api/v1/users/{id}=200ms"`, rl)
		}
		routes[strings.TrimSpace(route)] = dur
	}
	if lo.users < 0 {
		return nil, usageErr("--users %d: must be positive", lo.users)
	}
	limits, err := parseBuckets("--rate-limit", lo.rateLimits)
	if err != nil {
		return nil, err
	}
	published := false
	switch lo.rateLimitSet {
	case "":
	case "okta-published":
		published = true
		for prefix, n := range lab.OktaPublishedLimits {
			if _, set := limits[prefix]; !set {
				limits[prefix] = n
			}
		}
	default:
		return nil, usageErr(`--rate-limits %q: the one set is "okta-published"`, lo.rateLimitSet)
	}
	used, err := parseBuckets("--pre-consume", lo.preConsume)
	if err != nil {
		return nil, err
	}
	if lo.rateWindow < 0 { // 0: not a serve flag here (demo), Okta's minute
		return nil, usageErr("--rate-window %s: give a positive duration, e.g. 5s", lo.rateWindow)
	}
	opts := lab.Options{Scenario: sc, Now: f.Now, Users: lo.users, Seed: lo.seed, Latency: lo.latency,
		RouteLatency: routes, FaultRate: lo.faultRate, FaultKinds: lo.faults, StateFile: lo.stateFile,
		RateLimits: limits, RateWindow: lo.rateWindow, PreConsume: used, GraphThrottle: published}
	switch lo.oktaAuth {
	case "", "api-token":
		if lo.dpop {
			return nil, usageErr("--dpop is for --okta-auth private-key")
		}
	case "private-key":
		opts.OktaOAuth = &lab.OktaOAuthOptions{DPoP: lo.dpop}
	default:
		return nil, usageErr("--okta-auth %q: use api-token or private-key", lo.oktaAuth)
	}
	switch lo.graphAuth {
	case "", "secret", "device-code", "azure-cli":
		opts.GraphAuth = &lab.GraphAuthOptions{AutoApprove: lo.autoApprove}
	case "certificate":
		opts.GraphAuth = &lab.GraphAuthOptions{Certificate: true}
	default:
		return nil, usageErr("--graph-auth %q: use secret, certificate, device-code or azure-cli", lo.graphAuth)
	}
	l, err := lab.Start(opts)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return l, nil
}

func (lo *labFlags) describe(l *lab.Lab) string {
	var parts []string
	if b := l.Scenario.Bulk; b != nil {
		parts = append(parts, fmt.Sprintf("%d generated users, seed %d", b.Users, b.Seed))
	}
	if lo.latency > 0 {
		parts = append(parts, "latency "+lo.latency.String())
	}
	if lo.faultRate > 0 {
		parts = append(parts, fmt.Sprintf("fault rate %.3g", lo.faultRate))
	}
	if lo.stateFile != "" {
		parts = append(parts, "state in "+lo.stateFile)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// authExports rewrites the export lines for the sign-ins asked for: the
// key, certificate or stand-in az written into dir, and no API token or
// client secret when another flow is asked for, so that flow is the one
// that runs.
func (lo *labFlags) authExports(l *lab.Lab, dir string, lines []string) ([]string, error) {
	drop := map[string]bool{}
	var add []string
	if app := l.OktaServiceApp(); app != nil && lo.oktaAuth == "private-key" {
		key := filepath.Join(dir, "okta-service-app.pem")
		if err := os.WriteFile(key, app.PrivateKeyPEM, 0o600); err != nil {
			return nil, err
		}
		drop["OKTA_API_TOKEN"] = true
		add = append(add, "export O365DOCTOR_OKTA_AUTH=private-key", "export OKTA_CLIENT_CLIENTID="+app.ClientID,
			"export OKTA_CLIENT_PRIVATEKEY="+key, "export OKTA_CLIENT_PRIVATEKEYID="+app.KeyID)
	}
	switch lo.graphAuth {
	case "certificate":
		cert := filepath.Join(dir, "graph-app.pem")
		if err := os.WriteFile(cert, l.GraphCertificatePEM(), 0o600); err != nil {
			return nil, err
		}
		drop["AZURE_CLIENT_SECRET"] = true
		add = append(add, "export O365DOCTOR_GRAPH_AUTH=certificate", "export AZURE_CLIENT_CERTIFICATE_PATH="+cert)
	case "device-code":
		drop["AZURE_CLIENT_SECRET"] = true
		add = append(add, "export O365DOCTOR_GRAPH_AUTH=device-code")
	case "azure-cli":
		bin, err := l.WriteAzureCLI(filepath.Join(dir, "bin"))
		if err != nil {
			return nil, err
		}
		drop["AZURE_CLIENT_SECRET"] = true
		add = append(add, "export O365DOCTOR_GRAPH_AUTH=azure-cli", "export PATH="+bin+":$PATH")
	}
	var out []string
	for _, line := range lines {
		k, _, _ := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !drop[k] {
			out = append(out, line)
		}
	}
	return append(out, add...), nil
}
