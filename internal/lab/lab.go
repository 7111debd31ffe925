package lab

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/o365doctor/o365doctor/internal/config"
)

// Options choose what a lab serves and how badly.
type Options struct {
	Scenario *Scenario
	// Now is the lab's clock; nil means time.Now.
	Now func() time.Time
	// Users overrides the scenario's bulk.users (bulk scenarios only).
	Users int
	// Seed overrides the scenario's bulk.seed and seeds the faults.
	Seed int64
	// Latency is added to every request; RouteLatency to one route, named
	// "SYSTEM METHOD PATTERN" as Requests names them.
	Latency      time.Duration
	RouteLatency map[string]time.Duration
	// FaultRate is the fraction of requests answered with a fault: 429
	// with the rate-limit headers each API sends, 500, 503, or a dropped
	// connection, chosen by one generator per system (okta, graph, login)
	// seeded from Seed and the system's name.
	FaultRate float64
	// FaultKinds limits the faults to some of FaultKinds ("429", "500",
	// "503", "drop"); empty means all.
	FaultKinds []string
	// StateFile, when set, keeps the changes made to the lab across
	// restarts: every successful write is appended to it and replayed at
	// start.
	StateFile string
	// RateLimits are Okta rate-limit buckets, by path prefix
	// ("/api/v1/apps": 20): requests past the limit in one RateWindow are
	// answered 429 (E0000047), as Okta does. Paths no bucket names carry
	// the headers of Okta's default, 600 a minute, and are never refused.
	// PreConsume is what "another integration" has used of a bucket in
	// the first window.
	RateLimits map[string]int
	RateWindow time.Duration // default one minute, Okta's
	PreConsume map[string]int
	// GraphThrottle applies Graph's tight throttles: Conditional Access
	// policies 1 request a second per tenant, answered 429 without
	// Retry-After; sign-in logs and reports 5 requests per 10 s, answered
	// 429 with Retry-After (DESIGN §9).
	GraphThrottle bool
	// OktaOAuth registers an Okta OAuth service app for o365doctor
	// (private-key JWT, DPoP if asked): OktaServiceApp holds its key.
	// The SSWS token works as well.
	OktaOAuth *OktaOAuthOptions
	// OktaAdminRole is the role of the admin whose API token the lab
	// hands out (GET /api/v1/users/me/roles): SUPER_ADMIN by default.
	OktaAdminRole string
	// GraphAuth shapes the Graph sign-ins beside the client secret:
	// certificate, device code, Azure CLI (login_flows.go).
	GraphAuth *GraphAuthOptions
}

// OktaPublishedLimits are Okta's last published per-minute limits of a
// Workforce Identity org ("Management rate limits",
// developer.okta.com/docs/reference/rl-global-mgmt), as the lab's buckets
// are path prefixes: /api/v1/apps and everything under it 100 (the
// explicit GET of one app has 500 at Okta: counted here in the family, the
// stricter); user listing and writes 600 (GET of one user has 2 000 at
// Okta: here in the family too); group listing 500 (one group 1 000);
// /api/v1/logs 120; /api/v1/events 100; every other /api/v1 call 1 200.
var OktaPublishedLimits = map[string]int{
	"/api/v1/apps":   100,
	"/api/v1/users":  600,
	"/api/v1/groups": 500,
	"/api/v1/logs":   120,
	"/api/v1/events": 100,
	"/api/v1/":       1200,
}

// Lab is a running simulated tenant. Its credentials are random per start,
// so a test that finds one in output has found a leak.
type Lab struct {
	OktaURL     string
	GraphURL    string // https://127.0.0.1:PORT/v1.0
	LoginURL    string
	DNSAddr     string            // the resolver: host:port, UDP and TCP
	Nameservers map[string]string // NS host name → host:port
	CAPEM       []byte

	OktaToken    string
	TenantID     string
	ClientID     string
	ClientSecret string

	Scenario *Scenario

	state   *state
	now     func() time.Time
	servers []*http.Server
	dns     []*dnsServer
	faults  *faults
	journal *stateJournal

	handlers map[string]http.Handler // system → routes (no auth, no faults), for replay
	views    viewCache               // rendered app users (views.go)
	fields   fieldCache              // rendered Entra users' fields

	tokensMu sync.Mutex
	tokens   map[string]graphGrant // Graph access token → what it grants

	countMu     sync.Mutex
	counts      map[string]int // "okta GET /api/v1/users/{id}" → requests served
	faultCounts map[string]int // route → requests answered by an injected fault
	log         []Request      // the last requestLogMax requests, in arrival order
	logBase     int            // the sequence number of log[0]
	oktaWindow  rateWindow     // Okta's rate-limit minute
	// buckets are the Okta rate-limit buckets of Options.RateLimits, by
	// path prefix; limited counts the 429s each served.
	buckets map[string]*rateWindow
	limited map[string]int // "SYSTEM BUCKET" → 429s served
	window  time.Duration
	// graphThrottles are Graph's Conditional Access and reports windows
	// (Options.GraphThrottle), by bucket name; nil when off.
	graphThrottles map[string]*graphThrottle

	oktaOAuth  *oktaOAuth // nil unless Options.OktaOAuth
	adminRole  string     // the API token's admin's role
	secretsMu  sync.Mutex
	secrets    []string   // every credential the lab issued or was sent (Secrets)
	graphAuthN *graphAuth // the other Graph sign-ins (login_flows.go)
}

// OktaServiceApp is the registered Okta service app; nil unless the lab
// was started with Options.OktaOAuth.
func (l *Lab) OktaServiceApp() *OktaServiceApp {
	if l.oktaOAuth == nil {
		return nil
	}
	app := l.oktaOAuth.app
	return &app
}

// graphThrottle is one of Graph's throttled families: limit requests per
// period, shared by the tenant's apps.
type graphThrottle struct {
	prefixes   []string
	period     time.Duration
	limit      int
	retryAfter bool // whether the 429 says when to come back
	win        rateWindow
}

// rateWindow is one window of an API's rate limit.
type rateWindow struct {
	start time.Time
	used  int
	limit int
}

// Start serves the scenario: Okta, Graph and Microsoft login each on its
// own loopback TLS listener (as the real systems are on their own hosts),
// and DNS on loopback UDP and TCP.
func Start(opts Options) (l *Lab, err error) {
	if opts.Scenario == nil {
		return nil, errors.New("lab: no scenario")
	}
	sc := *opts.Scenario
	if sc.Bulk != nil {
		b := *sc.Bulk
		if opts.Users > 0 {
			b.Users = opts.Users
		}
		if opts.Seed != 0 {
			b.Seed = opts.Seed
		}
		sc.Bulk = &b
	} else if opts.Users > 0 {
		return nil, fmt.Errorf("lab: --users needs a bulk scenario; %s is not one", sc.Name)
	}
	if opts.FaultRate < 0 || opts.FaultRate > 1 {
		return nil, fmt.Errorf("lab: fault rate %v must be between 0 and 1", opts.FaultRate)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	ca, err := newAuthority(now())
	if err != nil {
		return nil, err
	}
	l = &Lab{
		CAPEM:        ca.certPEM,
		OktaToken:    "00" + randomToken(40),
		TenantID:     sc.Tenant.ID,
		ClientID:     guid("client:" + randomToken(16)),
		ClientSecret: "lab~" + randomToken(36),
		Scenario:     &sc,
		now:          now,
		tokens:       map[string]graphGrant{},
		counts:       map[string]int{},
		faultCounts:  map[string]int{},
		Nameservers:  map[string]string{},
		buckets:      map[string]*rateWindow{},
		limited:      map[string]int{},
		window:       cmp.Or(opts.RateWindow, time.Minute),
		adminRole:    cmp.Or(opts.OktaAdminRole, "SUPER_ADMIN"),
	}
	for prefix, limit := range opts.RateLimits {
		if !strings.HasPrefix(prefix, "/api/v1/") || limit <= 0 {
			return nil, fmt.Errorf("lab: rate limit %s=%d: give a path under /api/v1/ and a positive limit", prefix, limit)
		}
		l.buckets[prefix] = &rateWindow{limit: limit}
	}
	if opts.GraphThrottle {
		l.graphThrottles = map[string]*graphThrottle{
			"conditionalAccess": {prefixes: []string{"/v1.0/identity/conditionalAccess/"}, period: time.Second, limit: 1},
			"reports":           {prefixes: []string{"/v1.0/auditLogs/", "/v1.0/reports/"}, period: 10 * time.Second, limit: 5, retryAfter: true},
		}
	}
	for prefix, used := range opts.PreConsume {
		b := l.buckets[prefix]
		if b == nil || used < 0 {
			return nil, fmt.Errorf("lab: pre-consume %s=%d: name a bucket of the rate limits", prefix, used)
		}
		b.start, b.used = now().Truncate(l.window), used
	}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	if l.graphAuthN, err = newGraphAuth(graphAuthOf(opts), now()); err != nil {
		return l, fmt.Errorf("lab: graph sign-ins: %w", err)
	}
	if opts.OktaOAuth != nil {
		oo := *opts.OktaOAuth
		if oo.Scopes == nil {
			oo.Scopes = sc.Okta.ServiceAppScopes
		}
		if l.oktaOAuth, err = newOktaOAuth(oo); err != nil {
			return l, fmt.Errorf("lab: okta service app: %w", err)
		}
	}
	if l.faults, err = newFaults(opts.FaultRate, opts.Seed, opts.Latency, opts.RouteLatency, opts.FaultKinds); err != nil {
		return l, err
	}
	// The lab's own credentials are secrets like any other.
	config.RegisterSecret(l.OktaToken)
	config.RegisterSecret(l.ClientSecret)

	// Listen first: the state needs the Okta URL (federation settings
	// point at it).
	var lns [3]net.Listener
	for i := range lns {
		if lns[i], err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return l, fmt.Errorf("lab: listen: %w", err)
		}
	}
	l.OktaURL = "https://" + lns[0].Addr().String()
	l.GraphURL = "https://" + lns[1].Addr().String() + "/v1.0"
	l.LoginURL = "https://" + lns[2].Addr().String()
	if l.state, err = newState(&sc, l.OktaURL, now()); err != nil {
		for _, ln := range lns {
			ln.Close()
		}
		return l, err
	}
	// The login routes take the state lock themselves, briefly, to copy
	// what they answer from.
	l.handlers = map[string]http.Handler{
		"okta":  lockedRoutes{l.oktaRoutes(), l.state},
		"graph": lockedRoutes{l.graphRoutes(), l.state},
		"login": l.loginRoutes(),
	}
	if opts.StateFile != "" {
		if l.journal, err = openStateJournal(opts.StateFile, sc.Name); err != nil {
			return l, err
		}
		if err = l.journal.replay(l); err != nil {
			return l, err
		}
	}
	if sc.Bulk != nil && sc.Bulk.Users > 0 {
		l.warmViews()
	}
	tlsConf := &tls.Config{Certificates: []tls.Certificate{ca.server}, MinVersion: tls.VersionTLS12}
	for i, system := range []string{"okta", "graph", "login"} {
		h := l.instrument(system, l.handlers[system], l.authenticate(system, l.handlers[system]))
		hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: quietLog()}
		l.servers = append(l.servers, hs)
		go hs.Serve(tls.NewListener(lns[i], tlsConf)) //nolint:errcheck // returns on Close
	}
	if err = l.startDNS(); err != nil {
		return l, err
	}
	return l, nil
}

// Close stops the servers.
func (l *Lab) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, s := range l.servers {
		_ = s.Shutdown(ctx)
	}
	for _, d := range l.dns {
		d.close()
	}
	if l.journal != nil {
		l.journal.close()
	}
}

// Settings points o365doctor at the lab.
func (l *Lab) Settings() config.Settings {
	return config.Settings{
		OktaURL:      l.OktaURL,
		OktaToken:    config.NewSecret(l.OktaToken),
		GraphURL:     l.GraphURL,
		LoginURL:     l.LoginURL,
		TenantID:     l.TenantID,
		ClientID:     l.ClientID,
		ClientSecret: config.NewSecret(l.ClientSecret),
		Resolver:     l.DNSAddr,
		Nameservers:  l.nameserverList(),
		ExtraCAPEM:   l.CAPEM,
		Timeout:      config.DefaultTimeout,
	}
}

// WriteCA writes the CA certificate into dir and returns its path.
func (l *Lab) WriteCA(dir string) (string, error) {
	p := filepath.Join(dir, "o365doctor-lab-ca.pem")
	if err := os.WriteFile(p, l.CAPEM, 0o644); err != nil {
		return "", fmt.Errorf("lab: write CA: %w", err)
	}
	return p, nil
}

// Exports returns the shell lines that point the CLI at the lab.
func (l *Lab) Exports(caFile string) []string {
	lines := []string{
		"export O365DOCTOR_OKTA_URL=" + l.OktaURL,
		"export OKTA_API_TOKEN=" + l.OktaToken,
		"export O365DOCTOR_GRAPH_URL=" + l.GraphURL,
		"export O365DOCTOR_LOGIN_URL=" + l.LoginURL,
		"export AZURE_TENANT_ID=" + l.TenantID,
		"export AZURE_CLIENT_ID=" + l.ClientID,
		"export AZURE_CLIENT_SECRET=" + l.ClientSecret,
		"export O365DOCTOR_CA_FILE=" + caFile,
		"export O365DOCTOR_RESOLVER=" + l.DNSAddr,
		"export O365DOCTOR_LAB_NAMESERVERS=" + l.nameserverList(),
	}
	if user := l.AffectedUser(); user != "" {
		lines = append(lines, "export O365DOCTOR_LAB_USER="+user)
	}
	if l.Scenario.Domain != "" {
		lines = append(lines, "export O365DOCTOR_LAB_DOMAIN="+l.Scenario.Domain)
	}
	return lines
}

// AffectedUser is the scenario's affected user, or for a bulk scenario
// without one, its first generated user.
func (l *Lab) AffectedUser() string {
	if l.Scenario.AffectedUser != "" {
		return l.Scenario.AffectedUser
	}
	if b := l.Scenario.Bulk; b != nil && b.Users > 0 {
		return BulkUserUPN(1, firstNonEmpty(b.Domain, l.Scenario.Domain))
	}
	return ""
}

// seen records a credential the lab issued or received: access tokens,
// client assertions, DPoP proofs, device codes.
func (l *Lab) seen(secret string) {
	if secret == "" {
		return
	}
	l.secretsMu.Lock()
	l.secrets = append(l.secrets, secret)
	l.secretsMu.Unlock()
}

// Secrets are every credential of this lab: its API token, client secret,
// keys, and every token, assertion, proof and device code it issued or
// was sent; a test that finds one in output has found a leak.
func (l *Lab) Secrets() []string {
	l.secretsMu.Lock()
	out := append([]string{l.OktaToken, l.ClientSecret}, l.secrets...)
	l.secretsMu.Unlock()
	if app := l.OktaServiceApp(); app != nil {
		out = append(out, string(app.PrivateKeyPEM))
	}
	if pem := l.GraphCertificatePEM(); pem != nil {
		if i := strings.Index(string(pem), "-----BEGIN PRIVATE KEY"); i >= 0 {
			out = append(out, string(pem[i:]))
		}
	}
	return out
}
