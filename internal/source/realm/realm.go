// Package realm asks the Microsoft login service what it tells anyone,
// without credentials: home realm discovery (is a domain Managed or
// Federated, and where are its sign-ins sent) and a tenant's OpenID
// configuration (the tenant ID behind a domain, its region and cloud). It
// talks through config's guarded transport for the login system (no
// redirects, bounded rate-limit waits, bounded bodies) and refuses answers
// of the wrong shape: a realm that cannot be read is an error, never a
// zero-valued "Unknown".
package realm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/model"
)

// Client asks one Microsoft login service (--login-url).
type Client struct {
	http     *http.Client
	loginURL string // https://login.microsoftonline.com, no trailing slash
}

// New builds a client for s.LoginURL (config.DefaultLoginURL when empty).
// It needs no credentials.
func New(s config.Settings) (*Client, error) {
	base := strings.TrimRight(s.LoginURL, "/")
	if base == "" {
		base = config.DefaultLoginURL
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// The value is not shown: it may hold a password (user:password@).
		return nil, errors.New("realm: --login-url must be an https:// address with no user name, password, query or fragment")
	}
	return &Client{http: s.HTTPClientFor(config.Login), loginURL: base}, nil
}

// LoginURL is the login service this client asks.
func (c *Client) LoginURL() string { return c.loginURL }

// Which field comes from which endpoint. getuserrealm.srf is the one with
// real captures (research/api-facts.md §Q7) and gives the core of the
// answer; the two userrealm versions add what only they carry.
//
//	getuserrealm.srf?login=…&json=1  NameSpaceType, Login, DomainName, AuthURL,
//	                                 FederationBrandName, FederationGlobalVersion,
//	                                 CloudInstanceName, CloudInstanceIssuerUri,
//	                                 State, UserState
//	common/userrealm/{login}?api-version=1.0
//	                                 account_type, federation_protocol,
//	                                 federation_active_auth_url,
//	                                 federation_metadata_url, cloud_audience_urn
//	                                 (what MSAL reads: the most stable shape)
//	common/userrealm/{login}?api-version=2.1
//	                                 NameSpaceType, AuthURL, IsViral (its key
//	                                 list is documented by usage only)
//
// All three must answer; the NameSpaceTypes they give are compared, and a
// disagreement is a note, not an error (they are served by the same
// service; a difference is worth showing, not hiding).

// srfRealm is GET /getuserrealm.srf?login=…&json=1.
type srfRealm struct {
	State                   *int    `json:"State"`
	UserState               *int    `json:"UserState"`
	Login                   string  `json:"Login"`
	NameSpaceType           *string `json:"NameSpaceType"`
	DomainName              string  `json:"DomainName"`
	FederationGlobalVersion *int    `json:"FederationGlobalVersion"`
	AuthURL                 string  `json:"AuthURL"`
	FederationBrandName     string  `json:"FederationBrandName"`
	CloudInstanceName       string  `json:"CloudInstanceName"`
	CloudInstanceIssuerURI  string  `json:"CloudInstanceIssuerUri"`
}

// userRealmV1 is GET /common/userrealm/{login}?api-version=1.0.
type userRealmV1 struct {
	Version                 string  `json:"ver"`
	AccountType             *string `json:"account_type"`
	DomainName              string  `json:"domain_name"`
	CloudInstanceName       string  `json:"cloud_instance_name"`
	CloudAudienceURN        string  `json:"cloud_audience_urn"`
	FederationProtocol      string  `json:"federation_protocol"`
	FederationMetadataURL   string  `json:"federation_metadata_url"`
	FederationActiveAuthURL string  `json:"federation_active_auth_url"`
}

// userRealmV21 is GET /common/userrealm/{login}?api-version=2.1, which mixes
// PascalCase and snake_case keys.
type userRealmV21 struct {
	NameSpaceType       *string `json:"NameSpaceType"`
	Login               string  `json:"Login"`
	DomainName          string  `json:"DomainName"`
	FederationBrandName string  `json:"FederationBrandName"`
	AuthURL             string  `json:"AuthURL"`
	FederationProtocol  string  `json:"federation_protocol"`
	CloudInstanceName   string  `json:"cloud_instance_name"`
	IsViral             *bool   `json:"IsViral"`
}

// UserRealm asks home realm discovery about login (user@domain). The
// answer is about the login's domain: for a domain, ask about any login in
// it. A domain Entra ID does not know is NameSpaceType Unknown, not an
// error.
func (c *Client) UserRealm(ctx context.Context, login string) (model.Realm, error) {
	o := op{what: "user realm of " + login, noun: "a user realm"}
	if err := checkLogin(login); err != nil {
		return model.Realm{}, o.errorf("%v", err)
	}
	escaped := url.PathEscape(login)
	srfOp := op{what: o.what + " (getuserrealm.srf)", noun: o.noun}
	v1Op := op{what: o.what + " (userrealm 1.0)", noun: o.noun}
	v21Op := op{what: o.what + " (userrealm 2.1)", noun: o.noun}

	// The three are independent: ask them at once, report the first
	// failure in a fixed order.
	var srf srfRealm
	var v1 userRealmV1
	var v21 userRealmV21
	errs := make([]error, 3)
	var wg sync.WaitGroup
	wg.Go(func() {
		errs[0] = c.getJSON(ctx, srfOp, c.loginURL+"/getuserrealm.srf?"+url.Values{"login": {login}, "json": {"1"}}.Encode(), &srf)
	})
	wg.Go(func() {
		errs[1] = c.getJSON(ctx, v1Op, c.loginURL+"/common/userrealm/"+escaped+"?api-version=1.0", &v1)
	})
	wg.Go(func() {
		errs[2] = c.getJSON(ctx, v21Op, c.loginURL+"/common/userrealm/"+escaped+"?api-version=2.1", &v21)
	})
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return model.Realm{}, err
		}
	}

	switch {
	case srf.NameSpaceType == nil || *srf.NameSpaceType == "":
		return model.Realm{}, srfOp.notA("no NameSpaceType")
	case v1.AccountType == nil || *v1.AccountType == "":
		return model.Realm{}, v1Op.notA("no account_type")
	case v21.NameSpaceType == nil || *v21.NameSpaceType == "":
		return model.Realm{}, v21Op.notA("no NameSpaceType")
	case srf.Login != "" && !strings.EqualFold(srf.Login, login):
		return model.Realm{}, srfOp.errorf("the answer is about another login (%s)", srf.Login)
	case v21.Login != "" && !strings.EqualFold(v21.Login, login):
		return model.Realm{}, v21Op.errorf("the answer is about another login (%s)", v21.Login)
	}

	r := model.Realm{
		Login:                   model.Clean(firstOf(srf.Login, v21.Login, login)),
		DomainName:              model.Clean(firstOf(srf.DomainName, v21.DomainName, v1.DomainName)),
		NameSpaceType:           model.Clean(*srf.NameSpaceType),
		FederationBrandName:     model.Clean(firstOf(srf.FederationBrandName, v21.FederationBrandName)),
		AuthURL:                 model.Clean(firstOf(srf.AuthURL, v21.AuthURL)),
		ActiveAuthURL:           model.Clean(v1.FederationActiveAuthURL),
		MetadataExchangeURL:     model.Clean(v1.FederationMetadataURL),
		FederationProtocol:      model.Clean(firstOf(v1.FederationProtocol, v21.FederationProtocol)),
		FederationGlobalVersion: srf.FederationGlobalVersion,
		CloudInstanceName:       model.Clean(firstOf(srf.CloudInstanceName, v1.CloudInstanceName, v21.CloudInstanceName)),
		CloudAudienceURN:        model.Clean(firstOf(v1.CloudAudienceURN, srf.CloudInstanceIssuerURI)),
		IsViral:                 v21.IsViral,
	}
	if srf.State != nil {
		r.State = *srf.State
	}
	if srf.UserState != nil {
		r.UserState = *srf.UserState
	}
	for _, u := range []struct{ name, value string }{
		{"AuthURL", r.AuthURL}, {"federation_active_auth_url", r.ActiveAuthURL}, {"federation_metadata_url", r.MetadataExchangeURL},
	} {
		if u.value != "" && !isWebURL(u.value) {
			return model.Realm{}, o.notA(u.name + " is not a URL")
		}
	}

	switch r.NameSpaceType {
	case model.NamespaceManaged, model.NamespaceFederated, model.NamespaceUnknown:
	default:
		r.Notes = append(r.Notes, fmt.Sprintf("NameSpaceType %q is none of Managed, Federated, Unknown; kept as sent", r.NameSpaceType))
	}
	for _, other := range []struct{ endpoint, value string }{
		{"userrealm 1.0", model.Clean(*v1.AccountType)}, {"userrealm 2.1", model.Clean(*v21.NameSpaceType)},
	} {
		if !strings.EqualFold(other.value, r.NameSpaceType) {
			r.Notes = append(r.Notes, fmt.Sprintf("getuserrealm.srf says %s but %s says %s", r.NameSpaceType, other.endpoint, other.value))
		}
	}
	if srf.AuthURL != "" && v21.AuthURL != "" && !sameEndpoint(srf.AuthURL, v21.AuthURL) {
		r.Notes = append(r.Notes, fmt.Sprintf("getuserrealm.srf and userrealm 2.1 give different AuthURLs (%s, %s)", endpointOf(srf.AuthURL), endpointOf(v21.AuthURL)))
	}
	switch {
	case r.Federated() && r.AuthURL == "":
		r.Notes = append(r.Notes, "Federated with no AuthURL: Microsoft has nowhere to send the sign-in (a federated domain without a federation configuration)")
	case !r.Federated() && r.AuthURL != "":
		r.Notes = append(r.Notes, fmt.Sprintf("%s with an AuthURL (%s)", r.NameSpaceType, endpointOf(r.AuthURL)))
	}
	if r.Known() && r.DomainName == "" {
		r.Notes = append(r.Notes, r.NameSpaceType+" with no DomainName")
	}
	var notes []string
	r.Cloud, notes = nameCloud(r.CloudInstanceName)
	r.Notes = append(r.Notes, notes...)
	for i := range r.Notes {
		r.Notes[i] = model.Clean(r.Notes[i])
	}
	return r, nil
}

// openIDConfig is GET /{tenant}/v2.0/.well-known/openid-configuration.
type openIDConfig struct {
	Issuer                *string `json:"issuer"`
	AuthorizationEndpoint string  `json:"authorization_endpoint"`
	TokenEndpoint         string  `json:"token_endpoint"`
	TenantRegionScope     string  `json:"tenant_region_scope"`
	TenantRegionSubScope  string  `json:"tenant_region_sub_scope"`
	CloudInstanceName     string  `json:"cloud_instance_name"`
	CloudGraphHostName    string  `json:"cloud_graph_host_name"`
	MSGraphHost           string  `json:"msgraph_host"`
}

// OpenIDConfig reads the OpenID configuration of a tenant, named by its ID
// or by any of its verified domains, and takes the tenant ID from the
// issuer. A domain in no tenant is Microsoft's AADSTS90002 ("Tenant not
// found"), which wraps model.ErrNotFound.
func (c *Client) OpenIDConfig(ctx context.Context, tenantOrDomain string) (model.OpenIDConfig, error) {
	o := op{what: "openid configuration of " + tenantOrDomain, noun: "an OpenID configuration"}
	if err := checkName(tenantOrDomain); err != nil {
		return model.OpenIDConfig{}, o.errorf("%v", err)
	}
	var a openIDConfig
	if err := c.getJSON(ctx, o, c.loginURL+"/"+url.PathEscape(tenantOrDomain)+"/v2.0/.well-known/openid-configuration", &a); err != nil {
		return model.OpenIDConfig{}, err
	}
	if a.Issuer == nil || *a.Issuer == "" {
		return model.OpenIDConfig{}, o.notA("no issuer")
	}
	for _, u := range []struct{ name, value string }{
		{"issuer", *a.Issuer}, {"authorization_endpoint", a.AuthorizationEndpoint}, {"token_endpoint", a.TokenEndpoint},
	} {
		if u.value == "" {
			return model.OpenIDConfig{}, o.notA("no " + u.name)
		}
		if !isHTTPSURL(u.value) {
			return model.OpenIDConfig{}, o.notA(u.name + " is not an https:// URL")
		}
	}
	tid := tenantIn(*a.Issuer)
	if tid == "" {
		return model.OpenIDConfig{}, o.errorf("the issuer names no tenant ID (%s); ask for a tenant ID or a verified domain", endpointOf(*a.Issuer))
	}
	if other := tenantIn(a.TokenEndpoint); other != "" && other != tid {
		return model.OpenIDConfig{}, o.errorf("the issuer names tenant %s but the token endpoint names %s", tid, other)
	}
	cfg := model.OpenIDConfig{
		TenantID:              tid,
		Issuer:                model.Clean(*a.Issuer),
		AuthorizationEndpoint: model.Clean(a.AuthorizationEndpoint),
		TokenEndpoint:         model.Clean(a.TokenEndpoint),
		TenantRegionScope:     model.Clean(a.TenantRegionScope),
		TenantRegionSubScope:  model.Clean(a.TenantRegionSubScope),
		CloudInstanceName:     model.Clean(a.CloudInstanceName),
		CloudGraphHostName:    model.Clean(a.CloudGraphHostName),
		MSGraphHost:           model.Clean(a.MSGraphHost),
	}
	name, notes := nameCloud(cfg.CloudInstanceName, cfg.Issuer, cfg.TokenEndpoint)
	cfg.Notes = append(cfg.Notes, notes...)
	name, notes = withSubScope(name, cfg.TenantRegionSubScope)
	cfg.Notes = append(cfg.Notes, notes...)
	cfg.Cloud = name
	for i := range cfg.Notes {
		cfg.Notes[i] = model.Clean(cfg.Notes[i])
	}
	return cfg, nil
}

var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// tenantIn returns the tenant ID in an issuer or endpoint URL: its first
// path segment when that is a GUID (https://login.microsoftonline.com/{tid}/v2.0,
// https://sts.windows.net/{tid}/), lower-cased; "" otherwise (the
// "{tenantid}" placeholder of the common endpoints).
func tenantIn(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if !guid.MatchString(first) {
		return ""
	}
	return strings.ToLower(first)
}

// checkLogin accepts user@domain with nothing that could not be in one.
func checkLogin(login string) error {
	if err := checkName(login); err != nil {
		return err
	}
	user, domain, ok := strings.Cut(login, "@")
	if !ok || user == "" || domain == "" || strings.Contains(domain, "@") {
		return errors.New("not a login (user@domain); for a domain, ask about any login in it")
	}
	return nil
}

// checkName refuses an empty name, or one with spaces or control
// characters, before anything is sent.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("empty")
	case strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f }) || model.Clean(name) != name:
		return errors.New("contains spaces or control characters")
	case len(name) > 320:
		return errors.New("longer than 320 characters")
	}
	return nil
}

// isWebURL: an absolute http(s) URL with a host. A passive sign-in URL
// is configured by an admin, so http:// is kept and left to the checks.
func isWebURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func isHTTPSURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

// endpointOf shows a URL without its query (the AuthURL's carries the
// login): scheme, host and path.
func endpointOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "an address that is not a URL"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

func sameEndpoint(a, b string) bool { return strings.EqualFold(endpointOf(a), endpointOf(b)) }

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
