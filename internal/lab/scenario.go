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

// A Scenario is an Okta org, an Entra tenant and the defect between them
// that the scenario is meant to show. The YAML form is documented in
// docs/scenarios.md; users can write their own and pass --scenario-file.
type Scenario struct {
	Name    string `yaml:"name"`
	Summary string `yaml:"summary"`
	// Trips lists the check IDs the scenario should make fail or warn
	// (empty for healthy).
	Trips []string `yaml:"trips"`
	// AffectedUser is the UPN a person should look at first.
	AffectedUser string     `yaml:"affectedUser"`
	Domain       string     `yaml:"domain"`
	Tenant       TenantSpec `yaml:"tenant"`
	Okta         OktaSpec   `yaml:"okta"`
}

// TenantSpec is the Entra ID side.
type TenantSpec struct {
	ID            string          `yaml:"id"` // GUID; derived from initialDomain when empty
	DisplayName   string          `yaml:"displayName"`
	InitialDomain string          `yaml:"initialDomain"` // contoso.onmicrosoft.com
	Domains       []DomainSpec    `yaml:"domains"`
	Users         []EntraUserSpec `yaml:"users"`
}

// DomainSpec is one domain of the tenant.
type DomainSpec struct {
	Name               string `yaml:"name"`
	AuthenticationType string `yaml:"authenticationType"` // Managed | Federated
	IsDefault          bool   `yaml:"isDefault"`
	IsVerified         *bool  `yaml:"isVerified"` // default true
}

// EntraUserSpec is one Entra ID user.
type EntraUserSpec struct {
	UPN            string `yaml:"upn"`
	DisplayName    string `yaml:"displayName"`
	AccountEnabled *bool  `yaml:"accountEnabled"` // default true
	ImmutableID    string `yaml:"immutableId"`
	UsageLocation  string `yaml:"usageLocation"`
}

// OktaSpec is the Okta side.
type OktaSpec struct {
	Org   string         `yaml:"org"` // the org's subdomain, for display and metadata
	Apps  []OktaAppSpec  `yaml:"apps"`
	Users []OktaUserSpec `yaml:"users"`
}

// OktaAppSpec is one Okta app instance.
type OktaAppSpec struct {
	Key              string         `yaml:"key"`        // how assignments refer to it
	Name             string         `yaml:"name"`       // default office365
	Label            string         `yaml:"label"`      // default "Microsoft Office 365"
	Status           string         `yaml:"status"`     // default ACTIVE
	SignOnMode       string         `yaml:"signOnMode"` // default SAML_1_1 (WS-Fed)
	Settings         map[string]any `yaml:"settings"`   // settings.app
	UserNameTemplate string         `yaml:"userNameTemplate"`
}

// OktaUserSpec is one Okta user and its app assignments.
type OktaUserSpec struct {
	Login       string           `yaml:"login"`
	FirstName   string           `yaml:"firstName"`
	LastName    string           `yaml:"lastName"`
	Email       string           `yaml:"email"`
	Status      string           `yaml:"status"` // default ACTIVE
	Assignments []AssignmentSpec `yaml:"assignments"`
}

// AssignmentSpec assigns a user to an app.
type AssignmentSpec struct {
	App       string         `yaml:"app"`       // an app key
	Scope     string         `yaml:"scope"`     // USER (default) | GROUP
	Status    string         `yaml:"status"`    // default PROVISIONED
	SyncState string         `yaml:"syncState"` // default SYNCHRONIZED
	UserName  string         `yaml:"userName"`  // default: the login
	Profile   map[string]any `yaml:"profile"`
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

// LoadScenario returns an embedded scenario by name.
func LoadScenario(name string) (*Scenario, error) {
	b, err := scenarioFiles.ReadFile(path.Join("scenarios", name+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("no scenario %q; known: %s", name, strings.Join(ScenarioNames(), ", "))
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

// ParseScenario decodes and validates a scenario. Unknown keys are errors, so
// a typo does not silently change the scenario.
func ParseScenario(b []byte, source string) (*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
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

func oneLineYAML(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}

var (
	oktaStatuses = set("STAGED", "PROVISIONED", "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT", "SUSPENDED", "DEPROVISIONED")
	appStatuses  = set("ACTIVE", "INACTIVE")
	scopes       = set("USER", "GROUP")
	authTypes    = set("Managed", "Federated")
)

func set(vs ...string) map[string]bool {
	m := map[string]bool{}
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// normalise fills defaults and rejects what the lab cannot serve.
func (s *Scenario) normalise() error {
	if s.Name == "" {
		return errors.New("name is required")
	}
	if s.Tenant.InitialDomain == "" {
		return errors.New("tenant.initialDomain is required (for example contoso.onmicrosoft.com)")
	}
	if s.Tenant.ID == "" {
		s.Tenant.ID = guid("tenant:" + s.Tenant.InitialDomain)
	}
	if s.Tenant.DisplayName == "" {
		s.Tenant.DisplayName = strings.Split(s.Tenant.InitialDomain, ".")[0]
	}
	if s.Okta.Org == "" {
		s.Okta.Org = strings.Split(s.Tenant.InitialDomain, ".")[0]
	}
	for i := range s.Tenant.Domains {
		d := &s.Tenant.Domains[i]
		if d.AuthenticationType == "" {
			d.AuthenticationType = "Managed"
		}
		if !authTypes[d.AuthenticationType] {
			return fmt.Errorf("domain %s: authenticationType %q is not Managed or Federated", d.Name, d.AuthenticationType)
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
	}
	apps := map[string]bool{}
	for i := range s.Okta.Apps {
		a := &s.Okta.Apps[i]
		if a.Key == "" {
			return fmt.Errorf("okta app %d: key is required", i+1)
		}
		if apps[a.Key] {
			return fmt.Errorf("okta app key %q appears twice", a.Key)
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
		}
	}
	if s.AffectedUser != "" && !logins[strings.ToLower(s.AffectedUser)] && !upns[strings.ToLower(s.AffectedUser)] {
		return fmt.Errorf("affectedUser %s is neither an Okta login nor an Entra UPN", s.AffectedUser)
	}
	return nil
}

func def(p *string, v string) {
	if *p == "" {
		*p = v
	}
}
