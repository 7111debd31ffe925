package checks

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/o365doctor/o365doctor/internal/fix"
)

// Status is a check's outcome.
type Status string

const (
	Pass    Status = "pass"
	Warn    Status = "warn"
	Fail    Status = "fail"
	Error   Status = "error"   // the check could not run: an API error
	Skipped Status = "skipped" // not applicable, or its source has no credentials
)

// Statuses in report order.
var Statuses = []Status{Fail, Warn, Error, Skipped, Pass}

// Scope says what a check is about.
type Scope string

const (
	ScopeUser   Scope = "user"
	ScopeDomain Scope = "domain"
	ScopeTenant Scope = "tenant"
)

// Severity is how bad a failure of the check is.
type Severity string

const (
	Critical Severity = "critical" // nobody, or this person, can sign in
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
)

// Source names an outside system a check needs.
type Source string

const (
	Okta  Source = "okta"
	Graph Source = "graph"
)

// Check is one diagnostic, registered once.
type Check struct {
	ID         string // area.name, stable: used in JSON, --only and fix
	Title      string
	Area       string
	Scope      Scope
	Severity   Severity
	Needs      []Source
	Doc        string   // why it matters and what the fix does
	References []string // public sources
	Run        func(ctx context.Context, s *Subject) Result
}

// Subject is what a check runs against: the user or domain, and the shared facts.
type Subject struct {
	UPN    string // for user checks
	Domain string // for domain checks; the UPN's domain for user checks
	Facts  *Facts
}

// Evidence is one value a check compared, and where it came from.
type Evidence struct {
	System string `json:"system"`           // okta | entra | dns | microsoft
	Object string `json:"object,omitempty"` // what was read: "app user alice@contoso.com"
	Field  string `json:"field"`
	Value  string `json:"value"`
	Source string `json:"source,omitempty"` // the call: GET /api/v1/users/{id}
}

// Result is a check's finding.
type Result struct {
	CheckID    string
	Title      string
	Area       string
	Severity   Severity
	Status     Status
	Message    string
	Evidence   []Evidence
	References []string
	Fixes      []fix.Plan
	Duration   time.Duration
}

// Validate rejects a registry a person could not use: duplicate or malformed
// IDs, empty titles or docs, a missing Run.
func Validate(list []*Check) error {
	var errs []error
	seen := map[string]bool{}
	for i, c := range list {
		switch {
		case c == nil:
			errs = append(errs, fmt.Errorf("check %d is nil", i))
			continue
		case !idPattern.MatchString(c.ID):
			errs = append(errs, fmt.Errorf("check %q: ID must be area.name in lower case", c.ID))
		case !strings.HasPrefix(c.ID, c.Area+"."):
			errs = append(errs, fmt.Errorf("check %s: ID does not start with its area %q", c.ID, c.Area))
		}
		if seen[c.ID] {
			errs = append(errs, fmt.Errorf("check %s registered twice", c.ID))
		}
		seen[c.ID] = true
		if strings.TrimSpace(c.Title) == "" || strings.TrimSpace(c.Doc) == "" {
			errs = append(errs, fmt.Errorf("check %s: empty title or doc", c.ID))
		}
		if c.Run == nil {
			errs = append(errs, fmt.Errorf("check %s: nil Run", c.ID))
		}
		switch c.Scope {
		case ScopeUser, ScopeDomain, ScopeTenant:
		default:
			errs = append(errs, fmt.Errorf("check %s: unknown scope %q", c.ID, c.Scope))
		}
		switch c.Severity {
		case Critical, High, Medium, Low:
		default:
			errs = append(errs, fmt.Errorf("check %s: unknown severity %q", c.ID, c.Severity))
		}
	}
	return errors.Join(errs...)
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9]*\.[a-z0-9][a-z0-9-]*$`)
