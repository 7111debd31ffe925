package lab

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// A Scenario is an Okta org, an Entra tenant, a DNS zone and the defect
// between them that the scenario is meant to show. The YAML form is
// documented in docs/scenarios.md; users can write their own
// (--scenario-file), usually as a few lines on top of a built-in one
// (base: healthy).
type Scenario struct {
	Name string `yaml:"name"`
	// Base names a scenario this one is laid over: maps merge key by key,
	// lists of named things (users by upn or login, apps by key, domains,
	// groups, SKUs and DNS records by name) merge item by item, other lists
	// are replaced.
	Base    string `yaml:"base"`
	Summary string `yaml:"summary"`
	// Trips lists the check IDs the scenario should make fail or warn
	// (empty for healthy). Checks not written yet are named too: they are
	// the contract the scenario offers them.
	Trips []string `yaml:"trips"`
	// AffectedUser is the UPN a person should look at first.
	AffectedUser string     `yaml:"affectedUser"`
	Domain       string     `yaml:"domain"`
	Certificates []CertSpec `yaml:"certificates"`
	Tenant       TenantSpec `yaml:"tenant"`
	Okta         OktaSpec   `yaml:"okta"`
	DNS          DNSSpec    `yaml:"dns"`
	Bulk         *BulkSpec  `yaml:"bulk"`
}

// CertSpec is a named signing certificate the lab generates at start.
// Times are relative to the lab's clock, in days.
type CertSpec struct {
	Name       string `yaml:"name"`
	Subject    string `yaml:"subject"`    // CN
	ValidDays  int    `yaml:"validDays"`  // from now; negative = expired
	IssuedDays int    `yaml:"issuedDays"` // days ago; default 365
}

// TenantSpec is the Entra ID side.
type TenantSpec struct {
	ID            string          `yaml:"id"` // GUID; derived from initialDomain when empty
	DisplayName   string          `yaml:"displayName"`
	InitialDomain string          `yaml:"initialDomain"` // contoso.onmicrosoft.com
	Domains       []DomainSpec    `yaml:"domains"`
	SKUs          []SKUSpec       `yaml:"skus"`
	Users         []EntraUserSpec `yaml:"users"`
	SignIns       []SignInSpec    `yaml:"signIns"`
	// Groups are Entra security groups (for staged rollout).
	Groups []EntraGroupSpec `yaml:"groups"`
	// FeatureRollouts are staged-rollout policies.
	FeatureRollouts []FeatureRolloutSpec `yaml:"featureRollouts"`
	// ConditionalAccess are Conditional Access policies (graph_ca.go).
	ConditionalAccess []ConditionalAccessSpec `yaml:"conditionalAccess"`
	// Premium is false for a tenant without Entra ID P1/P2: its sign-in
	// logs answer 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant
	// (api-facts §Q8). Absent means true.
	Premium *bool `yaml:"premium"`
	// RegistrationCampaign is the authentication methods policy's
	// registration campaign; absent is Graph's documented example (state
	// default, all_users, Microsoft Authenticator).
	RegistrationCampaign *RegistrationCampaignSpec `yaml:"registrationCampaign"`
	// AppRoles are the application permissions granted to o365doctor's
	// app registration, carried in its tokens' roles claim; absent, every
	// one o365doctor uses.
	AppRoles []string `yaml:"appRoles"`
	// DelegatedScopes are what an admin's sign-in (device code, Azure
	// CLI) carries in scp; absent, the app roles' names.
	DelegatedScopes []string `yaml:"delegatedScopes"`
}

// RegistrationCampaignSpec is the registration campaign (the nudge to set
// up Microsoft Authenticator after an Entra MFA).
type RegistrationCampaignSpec struct {
	State      string `yaml:"state"` // enabled | disabled | default (default)
	SnoozeDays int    `yaml:"snoozeDays"`
	// Include and Exclude name targets: all_users, a UPN or an Entra group
	// name.
	Include []string `yaml:"include"`
	Exclude []string `yaml:"exclude"`
}

// HasPremium reports whether the tenant has Entra ID P1/P2.
func (t TenantSpec) HasPremium() bool { return t.Premium == nil || *t.Premium }

// EntraGroupSpec is an Entra ID security group and its direct members.
type EntraGroupSpec struct {
	Name    string   `yaml:"name"`    // displayName
	Members []string `yaml:"members"` // UPNs
	// Groups are member groups, by name (nesting: Conditional Access
	// applies to their members too, staged rollout does not).
	Groups []string `yaml:"groups"`
}

// FeatureRolloutSpec is a staged-rollout policy (featureRolloutPolicy):
// its feature (passwordHashSync, passthroughAuthentication, seamlessSso,
// ...) is switched on for the members of its groups.
type FeatureRolloutSpec struct {
	Name                  string   `yaml:"name"`    // displayName
	Feature               string   `yaml:"feature"` // default passwordHashSync
	Enabled               *bool    `yaml:"enabled"` // default true
	AppliesToOrganization bool     `yaml:"appliesToOrganization"`
	Groups                []string `yaml:"groups"` // group names (tenant.groups)
}

// DomainSpec is one domain of the tenant.
type DomainSpec struct {
	Name               string          `yaml:"name"`
	AuthenticationType string          `yaml:"authenticationType"` // Managed | Federated
	IsDefault          bool            `yaml:"isDefault"`
	IsVerified         *bool           `yaml:"isVerified"`       // default true
	VerificationCode   string          `yaml:"verificationCode"` // MS=ms… (default derived)
	Federation         *FederationSpec `yaml:"federation"`
}

// FederationSpec is the domain's internalDomainFederation. With FederatedTo
// set, every field left empty is what Okta's automatic federation writes for
// that app; set a field to override it (a leftover ADFS, a stale cert).
type FederationSpec struct {
	FederatedTo string `yaml:"federatedTo"` // an Okta app key
	DisplayName string `yaml:"displayName"`
	// IssuerForm is the form of the issuer Okta wrote: automatic
	// ({domain}:{exk}, the default), manual (https://{exk}) or legacy
	// (http://www.okta.com/{exk}). IssuerURI, when set, overrides it.
	IssuerForm string `yaml:"issuerForm"`
	// UseCustomDomain puts okta.customDomain, not the okta.com host, in
	// the sign-in URIs (passive, active, sign-out, mex): Entra's AuthURL
	// then names the org's custom domain.
	UseCustomDomain         bool   `yaml:"useCustomDomain"`
	IssuerURI               string `yaml:"issuerUri"`
	PassiveSignInURI        string `yaml:"passiveSignInUri"`
	ActiveSignInURI         string `yaml:"activeSignInUri"`
	SignOutURI              string `yaml:"signOutUri"`
	MetadataExchangeURI     string `yaml:"metadataExchangeUri"`
	SigningCertificate      string `yaml:"signingCertificate"`     // a certificate name
	NextSigningCertificate  string `yaml:"nextSigningCertificate"` // a certificate name
	PreferredProtocol       string `yaml:"preferredAuthenticationProtocol"`
	PromptLoginBehavior     string `yaml:"promptLoginBehavior"`
	FederatedIdpMfaBehavior string `yaml:"federatedIdpMfaBehavior"`
	// Missing leaves the domain Federated with no federationConfiguration:
	// the state Graph leaves behind after a POST without a certificate.
	Missing bool `yaml:"missing"`
}

// SKUSpec is a subscribed license SKU.
type SKUSpec struct {
	Name         string   `yaml:"name"` // skuPartNumber, e.g. ENTERPRISEPACK
	SkuID        string   `yaml:"skuId"`
	Enabled      int      `yaml:"enabled"`      // prepaidUnits.enabled
	ExtraUsed    int      `yaml:"extraUsed"`    // consumed by users not in the scenario
	ServicePlans []string `yaml:"servicePlans"` // servicePlanName
}

// EntraUserSpec is one Entra ID user.
type EntraUserSpec struct {
	UPN            string            `yaml:"upn"`
	DisplayName    string            `yaml:"displayName"`
	AccountEnabled *bool             `yaml:"accountEnabled"` // default true
	ImmutableID    string            `yaml:"immutableId"`
	UsageLocation  string            `yaml:"usageLocation"`
	Licenses       []string          `yaml:"licenses"`      // SKU names
	LicenseErrors  map[string]string `yaml:"licenseErrors"` // SKU name → CountViolation, ...
	ViaGroup       map[string]string `yaml:"viaGroup"`      // SKU name → group that assigned it
	Roles          []string          `yaml:"roles"`         // directory role display names
	// Days ago; 0 = long ago (created with the tenant).
	PasswordChangedDaysAgo   float64 `yaml:"passwordChangedDaysAgo"`
	SessionsValidFromDaysAgo float64 `yaml:"sessionsValidFromDaysAgo"`
}

// SignInSpec is one Entra sign-in log entry (or Count identical ones).
type SignInSpec struct {
	User          string  `yaml:"user"`
	MinutesAgo    float64 `yaml:"minutesAgo"`
	App           string  `yaml:"app"`           // default "Office 365 Exchange Online"
	ClientAppUsed string  `yaml:"clientAppUsed"` // default Browser
	ErrorCode     int     `yaml:"errorCode"`
	FailureReason string  `yaml:"failureReason"`
	Count         int     `yaml:"count"`
	EveryMinutes  float64 `yaml:"everyMinutes"`
	// Correlation names the sign-in flow: entries with the same name share
	// their correlationId, one per Count (an MFA interrupt, then its
	// success). Empty: each sign-in its own flow.
	Correlation string `yaml:"correlation"`
}

// OktaSpec is the Okta side.
type OktaSpec struct {
	Org string `yaml:"org"` // the org's subdomain, for display
	// CustomDomain is the org's custom URL domain (login.contoso.com),
	// listed VERIFIED by GET /api/v1/domains.
	CustomDomain string          `yaml:"customDomain"`
	Apps         []OktaAppSpec   `yaml:"apps"`
	Groups       []OktaGroupSpec `yaml:"groups"`
	Users        []OktaUserSpec  `yaml:"users"`
	Logs         []LogSpec       `yaml:"logs"`
	// Zones are network zones (GET /api/v1/zones); a rule names them by
	// name, and their IDs derive from the names.
	Zones []ZoneSpec `yaml:"zones"`
	// ServiceAppScopes are the okta.* scopes granted to o365doctor's
	// service app (lab serve --okta-auth private-key); absent, every one
	// o365doctor uses.
	ServiceAppScopes []string `yaml:"serviceAppScopes"`
}

// ZoneSpec is an Okta network zone.
type ZoneSpec struct {
	Name string `yaml:"name"`
	Type string `yaml:"type"` // IP (default) | DYNAMIC
	// Gateways are CIDRs (203.0.113.0/24) or ranges (a-b) of an IP zone.
	Gateways []string `yaml:"gateways"`
	// Countries are a DYNAMIC zone's locations (ISO 3166-1 codes).
	Countries []string `yaml:"countries"`
}

// OktaAppSpec is one Okta app instance.
type OktaAppSpec struct {
	Key              string         `yaml:"key"`        // how the scenario refers to it
	Name             string         `yaml:"name"`       // default office365
	Label            string         `yaml:"label"`      // default "Microsoft Office 365"
	Status           string         `yaml:"status"`     // default ACTIVE
	SignOnMode       string         `yaml:"signOnMode"` // default SAML_1_1 (WS-Fed)
	Settings         map[string]any `yaml:"settings"`   // settings.app
	Features         []string       `yaml:"features"`
	UserNameTemplate string         `yaml:"userNameTemplate"`
	// SigningKeys are certificate names; the first is the active key
	// (credentials.signing.kid).
	SigningKeys []string `yaml:"signingKeys"`
	// AccessPolicy is the app's Okta Identity Engine sign-in policy
	// (okta_policies.go); none means the app links none.
	AccessPolicy *AccessPolicySpec `yaml:"accessPolicy"`
}

// OktaGroupSpec is an Okta group, its members and its app assignments.
type OktaGroupSpec struct {
	Name        string                `yaml:"name"`
	Members     []string              `yaml:"members"` // logins
	Assignments []GroupAssignmentSpec `yaml:"assignments"`
}

// GroupAssignmentSpec assigns a group to an app with a priority and the
// app-user profile its members get (licenses, roles, ...).
type GroupAssignmentSpec struct {
	App      string         `yaml:"app"`
	Priority int            `yaml:"priority"`
	Profile  map[string]any `yaml:"profile"`
}

// OktaUserSpec is one Okta user, its app assignments and its factors.
type OktaUserSpec struct {
	Login       string           `yaml:"login"`
	FirstName   string           `yaml:"firstName"`
	LastName    string           `yaml:"lastName"`
	Email       string           `yaml:"email"`
	Status      string           `yaml:"status"` // default ACTIVE
	Assignments []AssignmentSpec `yaml:"assignments"`
	Factors     []FactorSpec     `yaml:"factors"`
	// Days ago; 0 = when the user was created.
	PasswordChangedDaysAgo float64 `yaml:"passwordChangedDaysAgo"`
}

// AssignmentSpec assigns a user to an app.
type AssignmentSpec struct {
	App       string         `yaml:"app"`       // an app key
	Scope     string         `yaml:"scope"`     // USER (default) | GROUP
	Status    string         `yaml:"status"`    // default PROVISIONED
	SyncState string         `yaml:"syncState"` // default SYNCHRONIZED
	SyncError string         `yaml:"syncError"` // Okta's message when syncState is ERROR
	UserName  string         `yaml:"userName"`  // default: the login
	Profile   map[string]any `yaml:"profile"`
}

// FactorSpec is an enrolled Okta factor.
type FactorSpec struct {
	Type     string `yaml:"type"`     // push | sms | token:software:totp | ...
	Provider string `yaml:"provider"` // default OKTA
	Status   string `yaml:"status"`   // default ACTIVE
	Device   string `yaml:"device"`   // push: device name
}

// LogSpec is one Okta System Log event (or Count of them).
type LogSpec struct {
	EventType    string  `yaml:"eventType"`
	User         string  `yaml:"user"` // actor login
	App          string  `yaml:"app"`  // target app key
	MinutesAgo   float64 `yaml:"minutesAgo"`
	Result       string  `yaml:"result"` // SUCCESS (default) | FAILURE | ...
	Reason       string  `yaml:"reason"`
	Message      string  `yaml:"message"` // displayMessage
	Count        int     `yaml:"count"`
	EveryMinutes float64 `yaml:"everyMinutes"`
	RequestURI   string  `yaml:"requestUri"`
	// URLPattern and Threshold shape a rate-limit event
	// (system.org.rate_limit.*): its "URL Pattern" and "Bucket Uuid"
	// targets and debugData threshold per minute, as the one public
	// sample shows them (panther-analysis okta_rate_limits.yml; Okta
	// publishes no org-level example).
	URLPattern string `yaml:"urlPattern"`
	Threshold  int    `yaml:"threshold"`
}

// DNSSpec is the scenario's zones and the servers that answer them. The
// resolver (what --resolver points at) and every nameserver start from the
// same records; a server's own list replaces records by name and type.
type DNSSpec struct {
	Records     []DNSRecordSpec `yaml:"records"`
	Nameservers []string        `yaml:"nameservers"` // NS host names, e.g. ns1.contoso.com
	Resolver    []DNSRecordSpec `yaml:"resolver"`    // what the resolver answers differently (split horizon)
	// Servers: NS host name → records it answers differently (propagation).
	Servers map[string][]DNSRecordSpec `yaml:"servers"`
	// World: names outside the scenario's zones that the resolver answers
	// (the internet as the checks see it: Microsoft's hosts, SPF includes,
	// DKIM keys), laid over the lab's built-in world by name and type.
	World []DNSRecordSpec `yaml:"world"`
	// Faults: questions a server answers badly (SERVFAIL, REFUSED, no
	// answer, no TCP).
	Faults []DNSFaultSpec `yaml:"faults"`
	// Errors: the dns.* checks the faults make end in error; tests hold
	// the scenario to them as to trips.
	Errors []string `yaml:"errors"`
}

// DNSFaultSpec is one fault: the server that plays it ("resolver", an NS
// host name, or "" for every server), the question (name and type; ""
// for any) and the fault: servfail, refused, timeout or notcp.
type DNSFaultSpec struct {
	Server string `yaml:"server"`
	Name   string `yaml:"name"`
	Type   string `yaml:"type"`
	Fault  string `yaml:"fault"`
}

// DNSRecordSpec is one resource record in zone-file syntax after the name:
// {name: contoso.com, type: MX, value: "0 contoso-com.mail.protection.outlook.com"}.
// A record with value "-" removes the name and type.
type DNSRecordSpec struct {
	Name  string `yaml:"name"`
	Type  string `yaml:"type"`
	Value string `yaml:"value"`
	TTL   int    `yaml:"ttl"`
}

// BulkSpec generates users on top of the scenario.
type BulkSpec struct {
	Users   int                `yaml:"users"`
	Seed    int64              `yaml:"seed"`
	Domain  string             `yaml:"domain"`
	App     string             `yaml:"app"` // app key
	Defects map[string]float64 `yaml:"defects"`
}

//go:embed scenarios/*.yaml
var scenarioFiles embed.FS

// ScenarioNames lists the embedded scenarios, sorted.
func ScenarioNames() []string {
	entries, _ := fs.ReadDir(scenarioFiles, "scenarios")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

func embeddedScenario(name string) ([]byte, error) {
	b, err := scenarioFiles.ReadFile(path.Join("scenarios", name+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("no scenario %q; known: %s", name, strings.Join(ScenarioNames(), ", "))
	}
	return b, nil
}

// LoadScenario returns an embedded scenario by name.
func LoadScenario(name string) (*Scenario, error) {
	b, err := embeddedScenario(name)
	if err != nil {
		return nil, err
	}
	return ParseScenario(b, name+".yaml")
}

// LoadScenarioFile reads a user's scenario file.
func LoadScenarioFile(file string) (*Scenario, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("scenario file: %w", err)
	}
	return ParseScenario(b, file)
}

// ParseScenario decodes, lays over its base and validates a scenario.
// Unknown keys are errors, so a typo does not silently change the scenario.
func ParseScenario(b []byte, source string) (*Scenario, error) {
	merged, err := resolveBase(b, source, 0)
	if err != nil {
		return nil, err
	}
	out, err := yaml.Marshal(merged)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %v", source, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	dec.KnownFields(true)
	var s Scenario
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("scenario %s: %v", source, oneLineYAML(err))
	}
	if err := s.normalise(); err != nil {
		return nil, fmt.Errorf("scenario %s: %v", source, err)
	}
	return &s, nil
}

// resolveBase decodes b as a generic tree and, when it names a base, merges
// it over the base's (resolved) tree.
func resolveBase(b []byte, source string, depth int) (map[string]any, error) {
	if depth > 4 {
		return nil, fmt.Errorf("scenario %s: base chain deeper than 4", source)
	}
	var tree map[string]any
	if err := yaml.Unmarshal(b, &tree); err != nil {
		return nil, fmt.Errorf("scenario %s: %v", source, oneLineYAML(err))
	}
	if tree == nil {
		return nil, fmt.Errorf("scenario %s: empty", source)
	}
	baseName, _ := tree["base"].(string)
	if baseName == "" {
		return tree, nil
	}
	bb, err := embeddedScenario(baseName)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: base: %v", source, err)
	}
	base, err := resolveBase(bb, baseName+".yaml", depth+1)
	if err != nil {
		return nil, err
	}
	delete(base, "base")
	// A scenario's identity is its own, never inherited.
	for _, k := range []string{"name", "summary", "trips"} {
		delete(base, k)
	}
	return mergeTree(base, tree, "").(map[string]any), nil
}

// identityKeys name the fields that identify an item in a list, in the
// order they are tried.
var identityKeys = []string{"key", "upn", "login", "name"}

// appendLists are the lists of events: a scenario adds to its base's.
var appendLists = set("logs", "signIns")

func mergeTree(base, over any, key string) any {
	switch o := over.(type) {
	case map[string]any:
		b, ok := base.(map[string]any)
		if !ok {
			return o
		}
		out := map[string]any{}
		for k, v := range b {
			out[k] = v
		}
		for k, v := range o {
			if bv, ok := out[k]; ok {
				out[k] = mergeTree(bv, v, k)
			} else {
				out[k] = v
			}
		}
		return out
	case []any:
		b, ok := base.([]any)
		if !ok {
			return o
		}
		if appendLists[key] {
			return append(append([]any{}, b...), o...)
		}
		idKey := listIdentity(b, o)
		if idKey == "" {
			return o
		}
		out := append([]any{}, b...)
		index := map[any]int{}
		for i, item := range out {
			index[item.(map[string]any)[idKey]] = i
		}
		for _, item := range o {
			id := item.(map[string]any)[idKey]
			if i, ok := index[id]; ok {
				if item.(map[string]any)["remove"] == true {
					out[i] = nil
					continue
				}
				out[i] = mergeTree(out[i], item, "")
			} else {
				index[id] = len(out)
				out = append(out, item)
			}
		}
		kept := out[:0]
		for _, item := range out {
			if item != nil {
				kept = append(kept, item)
			}
		}
		return kept
	}
	return over
}

// listIdentity returns the identity key every item of both lists has, or ""
// when the lists are not lists of named things.
func listIdentity(a, b []any) string {
	for _, k := range identityKeys {
		ok := len(a)+len(b) > 0
		for _, list := range [][]any{a, b} {
			for _, item := range list {
				m, isMap := item.(map[string]any)
				if !isMap || m[k] == nil {
					ok = false
				}
			}
		}
		if ok {
			// DNS records are identified by name and type together.
			if k == "name" && hasKey(a, b, "type") {
				return ""
			}
			return k
		}
	}
	return ""
}

func hasKey(a, b []any, key string) bool {
	for _, list := range [][]any{a, b} {
		for _, item := range list {
			if m, ok := item.(map[string]any); ok && m[key] != nil {
				return true
			}
		}
	}
	return false
}

func oneLineYAML(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}

var (
	oktaStatuses = set("STAGED", "PROVISIONED", "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT", "SUSPENDED", "DEPROVISIONED")
	appStatuses  = set("ACTIVE", "INACTIVE")
	scopes       = set("USER", "GROUP")
	authTypes    = set("Managed", "Federated")
	syncStates   = set("DISABLED", "ERROR", "OUT_OF_SYNC", "SYNCHRONIZED", "SYNCING")
	issuerForms  = set(IssuerAutomatic, IssuerManual, IssuerLegacy)
	// Graph's stagedFeatureName (featureRolloutPolicy.feature).
	rolloutFeatures = set("passthroughAuthentication", "seamlessSso", "passwordHashSync", "emailAsAlternateId", "certificateBasedAuthentication", "multiFactorAuthentication")
	mfaBehaviors    = set("", "acceptIfMfaDoneByFederatedIdp", "enforceMfaByFederatedIdp", "rejectMfaByFederatedIdp")
)

func set(vs ...string) map[string]bool {
	m := map[string]bool{}
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// normalise fills defaults and rejects what the lab cannot serve, naming
// the item at fault.
func (s *Scenario) normalise() error {
	if s.Name == "" {
		return errors.New("name is required")
	}
	if s.Tenant.InitialDomain == "" {
		return errors.New("tenant.initialDomain is required (for example contoso.onmicrosoft.com)")
	}
	def(&s.Tenant.ID, guid("tenant:"+s.Tenant.InitialDomain))
	def(&s.Tenant.DisplayName, strings.Split(s.Tenant.InitialDomain, ".")[0])
	def(&s.Okta.Org, strings.Split(s.Tenant.InitialDomain, ".")[0])
	certs := map[string]bool{}
	for i := range s.Certificates {
		c := &s.Certificates[i]
		if c.Name == "" {
			return fmt.Errorf("certificate %d: name is required", i+1)
		}
		certs[c.Name] = true
		if c.ValidDays == 0 {
			c.ValidDays = 3650
		}
		if c.IssuedDays == 0 {
			c.IssuedDays = 365
		}
		def(&c.Subject, s.Okta.Org)
	}
	apps := map[string]bool{}
	for i := range s.Okta.Apps {
		a := &s.Okta.Apps[i]
		if a.Key == "" {
			return fmt.Errorf("okta app %d: key is required", i+1)
		}
		apps[a.Key] = true
		def(&a.Name, "office365")
		def(&a.Label, "Microsoft Office 365")
		def(&a.Status, "ACTIVE")
		def(&a.SignOnMode, "SAML_1_1")
		def(&a.UserNameTemplate, "${source.login}")
		if !appStatuses[a.Status] {
			return fmt.Errorf("okta app %s: status %q is not ACTIVE or INACTIVE", a.Key, a.Status)
		}
		for _, k := range a.SigningKeys {
			if !certs[k] {
				return fmt.Errorf("okta app %s: signing key %q is not in certificates", a.Key, k)
			}
		}
	}
	skus := map[string]bool{}
	for i := range s.Tenant.SKUs {
		k := &s.Tenant.SKUs[i]
		if k.Name == "" {
			return fmt.Errorf("sku %d: name is required", i+1)
		}
		skus[k.Name] = true
		def(&k.SkuID, guid("sku:"+k.Name))
	}
	for i := range s.Tenant.Domains {
		d := &s.Tenant.Domains[i]
		def(&d.AuthenticationType, "Managed")
		if !authTypes[d.AuthenticationType] {
			return fmt.Errorf("domain %s: authenticationType %q is not Managed or Federated", d.Name, d.AuthenticationType)
		}
		def(&d.VerificationCode, "MS=ms"+fmt.Sprint(10000000+int(hash32(d.Name))%89999999))
		if f := d.Federation; f != nil {
			if d.AuthenticationType != "Federated" {
				return fmt.Errorf("domain %s: has a federation but authenticationType %s", d.Name, d.AuthenticationType)
			}
			if f.FederatedTo != "" && !apps[f.FederatedTo] {
				return fmt.Errorf("domain %s: federatedTo %q is not an okta app key", d.Name, f.FederatedTo)
			}
			for _, c := range []string{f.SigningCertificate, f.NextSigningCertificate} {
				if c != "" && !certs[c] {
					return fmt.Errorf("domain %s: certificate %q is not in certificates", d.Name, c)
				}
			}
			if f.UseCustomDomain && s.Okta.CustomDomain == "" {
				return fmt.Errorf("domain %s: useCustomDomain without okta.customDomain", d.Name)
			}
			def(&f.IssuerForm, IssuerAutomatic)
			if !issuerForms[f.IssuerForm] {
				return fmt.Errorf("domain %s: issuerForm %q is not automatic, manual or legacy", d.Name, f.IssuerForm)
			}
			if !mfaBehaviors[f.FederatedIdpMfaBehavior] {
				return fmt.Errorf("domain %s: federatedIdpMfaBehavior %q is not one of Graph's values", d.Name, f.FederatedIdpMfaBehavior)
			}
		}
	}
	upns := map[string]bool{}
	for i := range s.Tenant.Users {
		u := &s.Tenant.Users[i]
		key := strings.ToLower(u.UPN)
		if u.UPN == "" || !strings.Contains(u.UPN, "@") {
			return fmt.Errorf("tenant user %d: upn %q is not user@domain", i+1, u.UPN)
		}
		if upns[key] {
			return fmt.Errorf("tenant user %s appears twice", u.UPN)
		}
		upns[key] = true
		for _, l := range u.Licenses {
			if !skus[l] {
				return fmt.Errorf("tenant user %s: license %q is not in tenant.skus", u.UPN, l)
			}
		}
	}
	entraGroups := map[string]bool{}
	for _, g := range s.Tenant.Groups {
		if g.Name == "" {
			return errors.New("tenant group without a name")
		}
		entraGroups[g.Name] = true
		for _, m := range g.Members {
			if !upns[strings.ToLower(m)] {
				return fmt.Errorf("tenant group %s: member %s is not a tenant user", g.Name, m)
			}
		}
	}
	for i := range s.Tenant.FeatureRollouts {
		p := &s.Tenant.FeatureRollouts[i]
		if p.Name == "" {
			return fmt.Errorf("feature rollout %d: name is required", i+1)
		}
		def(&p.Feature, "passwordHashSync")
		if !rolloutFeatures[p.Feature] {
			return fmt.Errorf("feature rollout %s: feature %q is not one of Graph's stagedFeatureName values", p.Name, p.Feature)
		}
		for _, g := range p.Groups {
			if !entraGroups[g] {
				return fmt.Errorf("feature rollout %s: group %q is not in tenant.groups", p.Name, g)
			}
		}
	}
	if s.Okta.CustomDomain != "" && (strings.Contains(s.Okta.CustomDomain, "/") || !strings.Contains(s.Okta.CustomDomain, ".")) {
		return fmt.Errorf("okta.customDomain %q is not a host name", s.Okta.CustomDomain)
	}
	groups := map[string]bool{}
	for _, g := range s.Okta.Groups {
		if g.Name == "" {
			return errors.New("okta group without a name")
		}
		groups[g.Name] = true
		for _, as := range g.Assignments {
			if !apps[as.App] {
				return fmt.Errorf("okta group %s: assignment to unknown app key %q", g.Name, as.App)
			}
		}
	}
	logins := map[string]bool{}
	for i := range s.Okta.Users {
		u := &s.Okta.Users[i]
		key := strings.ToLower(u.Login)
		if u.Login == "" {
			return fmt.Errorf("okta user %d: login is required", i+1)
		}
		if logins[key] {
			return fmt.Errorf("okta user %s appears twice", u.Login)
		}
		logins[key] = true
		def(&u.Status, "ACTIVE")
		def(&u.Email, u.Login)
		if !oktaStatuses[u.Status] {
			return fmt.Errorf("okta user %s: status %q is not an Okta user status", u.Login, u.Status)
		}
		for j := range u.Assignments {
			as := &u.Assignments[j]
			if !apps[as.App] {
				return fmt.Errorf("okta user %s: assignment to unknown app key %q", u.Login, as.App)
			}
			def(&as.Scope, "USER")
			def(&as.Status, "PROVISIONED")
			def(&as.SyncState, "SYNCHRONIZED")
			def(&as.UserName, u.Login)
			if !scopes[as.Scope] {
				return fmt.Errorf("okta user %s: assignment scope %q is not USER or GROUP", u.Login, as.Scope)
			}
			if !syncStates[as.SyncState] {
				return fmt.Errorf("okta user %s: syncState %q is not an Okta sync state", u.Login, as.SyncState)
			}
		}
		for j := range u.Factors {
			f := &u.Factors[j]
			def(&f.Type, "push")
			def(&f.Provider, "OKTA")
			def(&f.Status, "ACTIVE")
		}
	}
	for _, g := range s.Okta.Groups {
		for _, m := range g.Members {
			if !logins[strings.ToLower(m)] {
				return fmt.Errorf("okta group %s: member %s is not an okta user", g.Name, m)
			}
		}
	}
	for _, l := range s.Okta.Logs {
		if l.EventType == "" {
			return errors.New("okta log without an eventType")
		}
		if l.App != "" && !apps[l.App] {
			return fmt.Errorf("okta log %s: unknown app key %q", l.EventType, l.App)
		}
	}
	if s.AffectedUser != "" && !logins[strings.ToLower(s.AffectedUser)] && !upns[strings.ToLower(s.AffectedUser)] && s.Bulk == nil {
		return fmt.Errorf("affectedUser %s is neither an Okta login nor an Entra UPN", s.AffectedUser)
	}
	if err := s.DNS.validate(); err != nil {
		return err
	}
	if err := s.normalisePolicies(upns, entraGroups, logins, groups); err != nil {
		return err
	}
	if b := s.Bulk; b != nil {
		if b.Users < 0 || b.Users > 1_000_000 {
			return fmt.Errorf("bulk.users %d: must be 0 to 1000000", b.Users)
		}
		if b.App != "" && !apps[b.App] {
			return fmt.Errorf("bulk.app %q is not an okta app key", b.App)
		}
		total := 0.0
		for name, f := range b.Defects {
			if !bulkDefects[name] {
				return fmt.Errorf("bulk.defects: unknown defect %q (known: %s)", name, strings.Join(sortedKeys(bulkDefects), ", "))
			}
			total += f
		}
		if total > 1 {
			return fmt.Errorf("bulk.defects add up to %.2f, more than 1", total)
		}
	}
	return nil
}

func def(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
