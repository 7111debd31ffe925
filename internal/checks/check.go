package checks

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Status is the outcome of a check or of one of its findings.
type Status string

const (
	StatusPass    Status = "pass"
	StatusWarn    Status = "warn"
	StatusFail    Status = "fail"
	StatusError   Status = "error"   // could not be decided: an API error, a timeout
	StatusSkipped Status = "skipped" // not applicable, or a source it needs has no credentials
)

// Statuses returns every status in report order (worst first).
func Statuses() []Status {
	return []Status{StatusFail, StatusWarn, StatusError, StatusSkipped, StatusPass}
}

// rank orders statuses for Worst: a fail outranks an error (the error may
// hide another fail, but the fail is known), an error outranks a warning (a
// run that could not look is not a run that looked and found little).
func (s Status) rank() int {
	switch s {
	case StatusFail:
		return 4
	case StatusError:
		return 3
	case StatusWarn:
		return 2
	case StatusPass:
		return 1
	}
	return 0 // skipped, unknown
}

// Worst returns the worse of two statuses.
func Worst(a, b Status) Status {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// Scope says what a check is about, and a Subject what a run is about.
type Scope string

const (
	ScopeUser   Scope = "user"   // one person
	ScopeDomain Scope = "domain" // one domain: DNS, realm, federation, the Okta app
	ScopeTenant Scope = "tenant" // a population: every user of a domain or tenant
)

// Severity is how bad a failure of the check is.
type Severity string

const (
	Critical Severity = "critical" // nobody, or this person, can sign in
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
)

// Area groups checks; the set is declared and ordered, so a typo cannot make
// a new group in a report or the UI.
type Area string

const (
	AreaDNS        Area = "dns"
	AreaFederation Area = "federation"
	AreaOktaApp    Area = "oktaapp"
	AreaIdentity   Area = "identity"
	AreaLicense    Area = "license"
	AreaLoginLoop  Area = "loginloop"
)

// AreaInfo is an area with its title.
type AreaInfo struct {
	Area  Area
	Title string
}

// Areas returns the areas in report order.
func Areas() []AreaInfo {
	return []AreaInfo{
		{AreaDNS, "DNS"},
		{AreaFederation, "Federation"},
		{AreaOktaApp, "Okta Office 365 app"},
		{AreaIdentity, "Identity"},
		{AreaLicense, "Licenses"},
		{AreaLoginLoop, "Login loops"},
	}
}

// Title is the area's title, or its name when it is not declared.
func (a Area) Title() string {
	for _, ai := range Areas() {
		if ai.Area == a {
			return ai.Title
		}
	}
	return string(a)
}

func (a Area) order() int {
	for i, ai := range Areas() {
		if ai.Area == a {
			return i
		}
	}
	return -1
}

// Check is one diagnostic, registered once: a value, like
// go/analysis.Analyzer, whose doc is part of it.
type Check struct {
	ID       string // area.name, stable: used in JSON, --only and fix
	Title    string
	Area     Area
	Scope    Scope
	Severity Severity
	// Needs are the sources the check cannot run without; when any is
	// missing the check is skipped and says what to set, for all of them.
	Needs []Source
	// Permissions are the read permissions it needs of those sources:
	// named when a credential is missing and when an API answers 403.
	Permissions []Permission
	// Requires are the facts the check reads. The runner starts every
	// required fact of every check at once, before the checks run, so no
	// check waits on a chain it could have started earlier.
	Requires   []FactRef
	Doc        string   // why it matters and what the fix does
	References []string // public sources
	// Run inspects the subject and reports findings through the pass. A
	// returned error makes the check's status error (or skipped, for
	// Skip); findings already reported are kept.
	Run func(ctx context.Context, pass *Pass) error
}

// Validate rejects a registry a person could not use: duplicate or malformed
// IDs, empty titles or docs, undeclared areas, unknown scopes, severities or
// sources, a missing Run.
func Validate(list []*Check) error {
	var errs []error
	seen := map[string]bool{}
	for i, c := range list {
		if c == nil {
			errs = append(errs, fmt.Errorf("check %d is nil", i))
			continue
		}
		switch {
		case !idPattern.MatchString(c.ID):
			errs = append(errs, fmt.Errorf("check %q: ID must be area.name in lower case", c.ID))
		case !strings.HasPrefix(c.ID, string(c.Area)+"."):
			errs = append(errs, fmt.Errorf("check %s: ID does not start with its area %q", c.ID, c.Area))
		}
		if c.Area.order() < 0 {
			errs = append(errs, fmt.Errorf("check %s: area %q is not declared in Areas", c.ID, c.Area))
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
		for _, n := range c.Needs {
			if n.info().Title == "" {
				errs = append(errs, fmt.Errorf("check %s: unknown source %q", c.ID, n))
			}
		}
		for _, p := range c.Permissions {
			if (!p.Optional && !slices.Contains(c.Needs, p.Source)) || p.Name == "" || p.Source.info().Title == "" {
				errs = append(errs, fmt.Errorf("check %s: permission %q of a source it does not need (%s)", c.ID, p.Name, p.Source))
			}
		}
		for _, r := range c.Requires {
			if r == nil {
				errs = append(errs, fmt.Errorf("check %s: nil fact in Requires", c.ID))
			}
		}
	}
	return errors.Join(errs...)
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9]*\.[a-z0-9][a-z0-9-]*$`)

// permissionsOf joins the permissions the check needs of one source.
func (c *Check) permissionsOf(src Source) string {
	var names []string
	for _, p := range c.Permissions {
		if p.Source == src {
			if p.Optional {
				names = append(names, p.Name+" optional")
			} else {
				names = append(names, p.Name)
			}
		}
	}
	return strings.Join(names, ", ")
}

// PermissionsOf joins the permissions the check needs of one source, for
// docs and help.
func (c *Check) PermissionsOf(src Source) string { return c.permissionsOf(src) }

// SkipError ends a check as skipped, with the reason.
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return e.Reason }

// Skip returns the error that ends a check as skipped: not applicable to
// this subject, or waiting on another check's finding.
func Skip(format string, args ...any) error {
	return &SkipError{Reason: fmt.Sprintf(format, args...)}
}

// grantHint names what to grant when an API answered 403.
func (c *Check) grantHint() string {
	var parts []string
	for _, src := range c.Needs {
		if perms := c.permissionsOf(src); perms != "" {
			parts = append(parts, src.info().Title+" "+perms)
		}
	}
	if len(parts) == 0 {
		return "the credential lacks a permission this check needs"
	}
	return "this check needs " + strings.Join(parts, " and ") + " (read-only)"
}
