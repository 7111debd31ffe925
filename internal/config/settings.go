package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Defaults for the public Microsoft endpoints.
const (
	DefaultGraphURL = "https://graph.microsoft.com/v1.0"
	DefaultLoginURL = "https://login.microsoftonline.com"
	DefaultTimeout  = 30 * time.Second
)

// Settings is everything a run needs to reach the outside systems.
type Settings struct {
	OktaURL   string // https://contoso.okta.com, no trailing slash
	OktaToken Secret // SSWS API token
	// OktaAuth is how o365doctor signs in to Okta: OktaAPIToken (SSWS,
	// the default) or OktaPrivateKey (an OAuth 2.0 service app with
	// private-key JWT client authentication, DPoP when the app needs it).
	OktaAuth       string
	OktaClientID   string
	OktaPrivateKey Secret // PEM or JWK text of the service app's key
	// OktaPrivateKeyFrom names where the key came from, for messages
	// ("OKTA_CLIENT_PRIVATEKEY", "profile contoso's okta.privateKey").
	OktaPrivateKeyFrom string
	OktaKeyID          string // the key's kid at Okta, if it has one
	// OktaScopes are the scopes to ask for (default: the read scopes of
	// every check).
	OktaScopes []string

	// GraphAuth is how o365doctor signs in to Graph (GraphSecret, the
	// default, GraphCertificate, GraphAzureCLI, GraphDeviceCode,
	// GraphAuto).
	GraphAuth string
	// GraphCertificate is the PEM or PKCS#12 file of the app's
	// certificate and its key; GraphCertificatePassword opens it.
	GraphCertificate         string
	GraphCertificatePassword Secret
	// GraphPublicClientID is the public client of the device code flow
	// (default GraphCLIClientID).
	GraphPublicClientID string
	// Prompt receives the device code's instructions (stderr).
	Prompt func(msg string)
	// Interactive: a person is at the terminal (stdin or stderr is one);
	// a device code is asked for only then.
	Interactive bool
	// TokenCache, when set (--token-cache), is the file that keeps access
	// tokens between runs, encrypted with a key the OS holds
	// (internal/tokencache).
	TokenCache string
	// DebugOn (--debug) logs every request to Debug: no header, no body,
	// no query.
	DebugOn bool
	Debug   func(line string)

	GraphURL     string // https://graph.microsoft.com/v1.0
	LoginURL     string // https://login.microsoftonline.com (authority host)
	TenantID     string
	ClientID     string
	ClientSecret Secret
	Resolver     string // host:port of a DNS resolver; empty = system
	// Nameservers maps NS host names to where to ask them ("ns1.contoso.com=
	// 127.0.0.1:5301,..."): the lab's nameservers listen on loopback ports
	// (O365DOCTOR_LAB_NAMESERVERS). Empty: their addresses from DNS, port 53.
	Nameservers string
	CAFile      string // extra trusted CA (PEM file), read by Validate
	ExtraCAPEM  []byte // extra trusted CAs (PEM), e.g. the lab's
	Timeout     time.Duration
	JournalPath string
	// ReadOnly refuses every fix and undo before it changes anything.
	ReadOnly          bool
	DisableKeepAlives bool
	// Profile is the config file's profile these settings came from.
	Profile string
	// OktaRateShare is the share of each Okta rate-limit bucket a bulk
	// listing may use (0 < share ≤ 1; 0 means DefaultOktaRateShare): the
	// org's other integrations keep the rest.
	OktaRateShare float64
}

// DefaultOktaRateShare leaves half of each Okta bucket to the org's other
// integrations.
const DefaultOktaRateShare = 0.5

// The ways to sign in to Okta.
const (
	OktaAPIToken   = "api-token"
	OktaPrivateKey = "private-key"
)

// The ways to sign in to Graph.
const (
	GraphSecret      = "secret"
	GraphCertificate = "certificate"
	GraphAzureCLI    = "azure-cli"
	GraphDeviceCode  = "device-code"
	GraphAuto        = "auto"
)

// GraphCLIClientID is Microsoft Graph Command Line Tools, the public client
// the Graph PowerShell module signs admins in with: the device code flow's
// default client.
const GraphCLIClientID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"

// OktaConfigured reports whether the Okta source can run, and if not what
// to set ("set --okta-url (O365DOCTOR_OKTA_URL)"); the checks say which
// permissions they need.
func (s Settings) OktaConfigured() (bool, string) {
	switch {
	case s.OktaURL == "" && s.OktaAuth == OktaPrivateKey:
		return false, "set --okta-url (O365DOCTOR_OKTA_URL)"
	case s.OktaURL == "":
		return false, "set --okta-url (O365DOCTOR_OKTA_URL) and OKTA_API_TOKEN"
	case s.OktaAuth == OktaPrivateKey && s.OktaClientID == "":
		return false, "set --okta-client-id (OKTA_CLIENT_CLIENTID): the service app's client ID"
	case s.OktaAuth == OktaPrivateKey && s.OktaPrivateKey.Empty():
		return false, "set --okta-private-key FILE (OKTA_CLIENT_PRIVATEKEY): the service app's private key, PEM or JWK"
	case s.OktaAuth == OktaPrivateKey:
		return true, ""
	case s.OktaToken.Empty():
		return false, "set OKTA_API_TOKEN (a read-only administrator's API token is enough to diagnose), or --okta-auth private-key for a service app"
	}
	return true, ""
}

// GraphConfigured reports whether the Graph source can run, and why not.
func (s Settings) GraphConfigured() (bool, string) {
	var missing []string
	if s.TenantID == "" {
		missing = append(missing, "AZURE_TENANT_ID")
	}
	switch s.GraphAuth {
	case GraphAzureCLI, GraphDeviceCode, GraphAuto:
		// The CLI's account, or a person at the keyboard: only the tenant.
		if len(missing) > 0 {
			return false, "set AZURE_TENANT_ID (the Entra tenant's ID or initial domain)"
		}
		return true, ""
	case GraphCertificate:
		if s.ClientID == "" {
			missing = append(missing, "AZURE_CLIENT_ID")
		}
		if s.GraphCertificate == "" {
			missing = append(missing, "AZURE_CLIENT_CERTIFICATE_PATH")
		}
		if len(missing) > 0 {
			return false, "set " + strings.Join(missing, ", ") + " (an app registration with a certificate and the application permissions named)"
		}
		return true, ""
	}
	if s.ClientID == "" {
		missing = append(missing, "AZURE_CLIENT_ID")
	}
	if s.ClientSecret.Empty() {
		missing = append(missing, "AZURE_CLIENT_SECRET")
	}
	if len(missing) > 0 {
		return false, "set " + strings.Join(missing, ", ") + " (an app registration with the application permissions named)"
	}
	return true, ""
}

// Validate checks the shape of every address so a typo fails with one line
// before any request is made.
func (s *Settings) Validate() error {
	for _, a := range []struct{ flag, value string }{
		{"--okta-url", s.OktaURL}, {"--graph-url", s.GraphURL}, {"--login-url", s.LoginURL},
	} {
		if a.value == "" {
			continue
		}
		if err := checkHTTPSURL(a.value); err != nil {
			return fmt.Errorf("%s %q: %v", a.flag, withoutUserInfo(a.value), err)
		}
	}
	s.OktaURL = strings.TrimRight(s.OktaURL, "/")
	s.GraphURL = strings.TrimRight(s.GraphURL, "/")
	s.LoginURL = strings.TrimRight(s.LoginURL, "/")
	if s.Timeout <= 0 {
		return fmt.Errorf("--timeout %s: must be positive, for example 30s", s.Timeout)
	}
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return fmt.Errorf("--ca-file: %v", err)
		}
		if !x509.NewCertPool().AppendCertsFromPEM(pem) {
			return fmt.Errorf("--ca-file %s: no PEM certificate found in it", s.CAFile)
		}
		s.ExtraCAPEM = append(append([]byte(nil), s.ExtraCAPEM...), pem...)
	}
	return nil
}

func checkHTTPSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != "https" {
		return errors.New("must start with https://")
	}
	if u.User != nil {
		// A password in the address would be shown in reports and sent
		// to the server as Basic auth beside the real credential.
		return errors.New("must not contain a user name or password (user:password@); credentials have their own settings")
	}
	if u.Host == "" {
		return errors.New("has no host")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return errors.New("must not have a query or fragment")
	}
	return nil
}

// withoutUserInfo hides whatever stands between "://" and the last "@" of
// the host part, even in text that does not parse as a URL, so an error
// about an address never shows its password.
func withoutUserInfo(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return scheme + "://" + Masked + "@" + rest[at+1:]
	}
	return raw
}

// HTTPClient returns a client that trusts the system roots plus the extra
// CAs, with the run's timeout and the guards of RoundTripper, for a server
// that is none of the named systems. Each source gets its own client.
func (s Settings) HTTPClient() *http.Client { return s.HTTPClientFor("") }

// HTTPTransport is the bare transport under RoundTripper: the run's TLS
// roots, no proxy. Adapters use RoundTripper, which adds the guards.
func (s Settings) HTTPTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // never send credentials through an environment proxy
	// A bulk listing asks for the next page while the last one's body
	// still arrives, and two listings run side by side: keep the
	// connections they use warm (the default keeps 2 a host).
	t.MaxIdleConnsPerHost = 8
	t.DisableKeepAlives = s.DisableKeepAlives
	if len(s.ExtraCAPEM) > 0 {
		roots, err := x509.SystemCertPool()
		if err != nil || roots == nil {
			roots = x509.NewCertPool()
		}
		roots.AppendCertsFromPEM(s.ExtraCAPEM)
		t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	return t
}
