package lab

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/o365doctor/o365doctor/internal/config"
)

// Options choose what a lab serves.
type Options struct {
	Scenario *Scenario
	// Now is the lab's clock; nil means time.Now.
	Now func() time.Time
}

// Lab is a running simulated tenant. Its credentials are random per start,
// so a test that finds one in output has found a leak.
type Lab struct {
	OktaURL  string
	GraphURL string // https://127.0.0.1:PORT/v1.0
	LoginURL string
	CAPEM    []byte

	OktaToken    string
	TenantID     string
	ClientID     string
	ClientSecret string

	Scenario *Scenario

	state   *state
	now     func() time.Time
	servers []*http.Server

	tokensMu sync.Mutex
	tokens   map[string]time.Time // Graph access token → expiry

	countMu sync.Mutex
	counts  map[string]int // "okta GET /api/v1/users/{id}" → requests served
}

// Requests returns how many requests the lab served for a route, named as
// "SYSTEM METHOD PATTERN", e.g. "okta GET /api/v1/users/{id}". Tests use it
// to show that facts are shared (one call for many checks).
func (l *Lab) Requests(route string) int {
	l.countMu.Lock()
	defer l.countMu.Unlock()
	return l.counts[route]
}

// counted wraps a mux so every request is counted by its matched pattern.
func (l *Lab) counted(system string, mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := mux.Handler(r)
		l.countMu.Lock()
		l.counts[system+" "+pattern]++
		l.countMu.Unlock()
		mux.ServeHTTP(w, r)
	})
}

// Start serves the scenario on three loopback listeners (Okta, Graph,
// login), each on its own port as the real systems are on their own hosts.
func Start(opts Options) (*Lab, error) {
	if opts.Scenario == nil {
		return nil, errors.New("lab: no scenario")
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	ca, err := newAuthority(now())
	if err != nil {
		return nil, err
	}
	l := &Lab{
		CAPEM:        ca.certPEM,
		OktaToken:    "00" + randomToken(40),
		TenantID:     opts.Scenario.Tenant.ID,
		ClientID:     guid("client:" + randomToken(16)),
		ClientSecret: "lab~" + randomToken(36),
		Scenario:     opts.Scenario,
		state:        newState(opts.Scenario, now()),
		now:          now,
		tokens:       map[string]time.Time{},
		counts:       map[string]int{},
	}
	// The lab's own credentials are secrets like any other.
	for _, s := range []string{l.OktaToken, l.ClientSecret} {
		config.RegisterSecret(s)
	}
	tlsConf := &tls.Config{Certificates: []tls.Certificate{ca.server}, MinVersion: tls.VersionTLS12}
	for _, srv := range []struct {
		url     *string
		suffix  string
		handler http.Handler
	}{
		{&l.OktaURL, "", l.oktaHandler()},
		{&l.GraphURL, "/v1.0", l.graphHandler()},
		{&l.LoginURL, "", l.loginHandler()},
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("lab: listen: %w", err)
		}
		hs := &http.Server{Handler: srv.handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: quietLog()}
		l.servers = append(l.servers, hs)
		go hs.Serve(tls.NewListener(ln, tlsConf)) //nolint:errcheck // returns on Close
		*srv.url = "https://" + ln.Addr().String() + srv.suffix
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
	}
	if l.Scenario.AffectedUser != "" {
		lines = append(lines, "export O365DOCTOR_LAB_USER="+l.Scenario.AffectedUser)
	}
	if l.Scenario.Domain != "" {
		lines = append(lines, "export O365DOCTOR_LAB_DOMAIN="+l.Scenario.Domain)
	}
	return lines
}
