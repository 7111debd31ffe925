// Package report defines the public output contract of o365doctor (the
// versioned JSON schema in docs/json-schema.md and docs/report.schema.json)
// and renders it as JSON, text and markdown. Its types are its own: an
// internal type of checks or fix changing cannot change the contract by
// accident. Every string passes through one place on its way in (convert):
// secrets masked, terminal control removed, personal data redacted on
// request.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/fix"
)

// SchemaVersion is the JSON contract's version; a breaking change bumps it.
const SchemaVersion = "2"

// Report is one run, ready to render.
type Report struct {
	SchemaVersion string    `json:"schemaVersion"`
	Tool          Tool      `json:"tool"`
	GeneratedAt   time.Time `json:"generatedAt"`
	Subject       Subject   `json:"subject"`
	Tenant        string    `json:"tenant"`
	OktaOrg       string    `json:"oktaOrg"`
	// Profile is the config file's profile the run was of (several
	// tenants in one report), absent otherwise.
	Profile string `json:"profile,omitempty"`
	// Interrupted: the run was stopped (Ctrl-C) before every check ended;
	// the results are what had ended by then.
	Interrupted bool     `json:"interrupted"`
	Redacted    bool     `json:"redacted"`
	Summary     Summary  `json:"summary"`
	Results     []Result `json:"results"`
	// Timeline is every event the login-loop checks' findings rest on,
	// Okta's and Entra's merged oldest first, each once; absent when the
	// run read no events.
	Timeline []TimelineEvent `json:"timeline,omitempty"`
}

// TimelineEvent is one line of the timeline: the event and the check whose
// finding shows it.
type TimelineEvent struct {
	Event
	CheckID string `json:"checkId"`
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Subject is what the run was about.
type Subject struct {
	Kind string `json:"kind"` // user | domain | tenant
	Name string `json:"name"`
	// DisplayName is an internationalised domain in Unicode, when it
	// differs from Name (its ASCII form).
	DisplayName string `json:"displayName,omitempty"`
}

// Summary counts results per status.
type Summary struct {
	Pass    int `json:"pass"`
	Warn    int `json:"warn"`
	Fail    int `json:"fail"`
	Error   int `json:"error"`
	Skipped int `json:"skipped"`
}

// Result is one check's outcome.
type Result struct {
	CheckID    string    `json:"checkId"`
	Title      string    `json:"title"`
	Area       string    `json:"area"`
	Status     string    `json:"status"`
	Severity   string    `json:"severity"`
	Message    string    `json:"message"`
	Findings   []Finding `json:"findings"`
	References []string  `json:"references"`
	DurationMs int64     `json:"durationMs"`
	// Suppressed counts the findings a suppression accepts (they are
	// listed, each marked, and do not count toward status).
	Suppressed int `json:"suppressed,omitempty"`
}

// Finding is one statement about one object.
type Finding struct {
	Object     Object      `json:"object"`
	Status     string      `json:"status"`
	Message    string      `json:"message"`
	Evidence   []Evidence  `json:"evidence"`
	Fixes      []Fix       `json:"fixes"`
	Suppressed *Suppressed `json:"suppressed,omitempty"`
}

// Suppressed says why a finding is accepted (the config file's
// suppression), and until when.
type Suppressed struct {
	Reason  string `json:"reason"`
	Expires string `json:"expires"` // YYYY-MM-DD
}

// Label is how text shows the finding's status: its word, and
// "suppressed until D (reason)" when a suppression accepts it.
func (f Finding) Label() string {
	if f.Suppressed == nil {
		return Label(f.Status)
	}
	return Label(f.Status) + " suppressed until " + f.Suppressed.Expires + " (" + f.Suppressed.Reason + ")"
}

// Object is what a finding is about.
type Object struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Evidence is one of: a value (kind "value", the Read fields), a comparison
// (kind "comparison": what, equal, sides), an event (kind "event").
type Evidence struct {
	Kind string
	*Read
	*Comparison
	*Event
}

// MarshalJSON writes the kind and the fields of the one part that is set
// (Read and Event both have a system: they cannot be embedded together).
func (e Evidence) MarshalJSON() ([]byte, error) {
	switch {
	case e.Read != nil:
		return json.Marshal(struct {
			Kind string `json:"kind"`
			*Read
		}{e.Kind, e.Read})
	case e.Comparison != nil:
		return json.Marshal(struct {
			Kind string `json:"kind"`
			*Comparison
		}{e.Kind, e.Comparison})
	case e.Event != nil:
		return json.Marshal(struct {
			Kind string `json:"kind"`
			*Event
		}{e.Kind, e.Event})
	}
	return nil, fmt.Errorf("report: evidence of kind %q has no content", e.Kind)
}

// UnmarshalJSON reads what MarshalJSON writes, strictly: unknown keys are
// errors, so a test decoding a report catches a contract change.
func (e *Evidence) UnmarshalJSON(b []byte) error {
	var head struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return err
	}
	strict := func(v any) error {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		return dec.Decode(v)
	}
	e.Kind = head.Kind
	switch head.Kind {
	case "value":
		v := struct {
			Kind string `json:"kind"`
			*Read
		}{Read: &Read{}}
		e.Read = v.Read
		return strict(&v)
	case "comparison":
		v := struct {
			Kind string `json:"kind"`
			*Comparison
		}{Comparison: &Comparison{}}
		e.Comparison = v.Comparison
		return strict(&v)
	case "event":
		v := struct {
			Kind string `json:"kind"`
			*Event
		}{Event: &Event{}}
		e.Event = v.Event
		return strict(&v)
	}
	return fmt.Errorf("report: unknown evidence kind %q", head.Kind)
}

// Read is a value as read from one system.
type Read struct {
	System      string       `json:"system"`
	Object      Object       `json:"object"`
	Field       string       `json:"field"`
	Value       string       `json:"value"`
	Source      string       `json:"source"`
	Personal    bool         `json:"personal"`
	Certificate *Certificate `json:"certificate,omitempty"`
}

// Comparison holds the sides compared and whether they are equal.
type Comparison struct {
	What  string `json:"what"`
	Equal bool   `json:"equal"`
	Sides []Read `json:"sides"`
}

// Event is something that happened, for timelines and support tickets.
type Event struct {
	Time          time.Time `json:"time"`
	System        string    `json:"system"`
	Type          string    `json:"type"`
	Outcome       string    `json:"outcome"`
	Code          string    `json:"code"`
	Message       string    `json:"message"`
	Actor         string    `json:"actor"`
	Target        string    `json:"target"`
	CorrelationID string    `json:"correlationId"`
	RequestID     string    `json:"requestId"`
}

// Certificate is shown by thumbprint, subject and validity, never its body.
type Certificate struct {
	SHA1      string    `json:"sha1"`
	SHA256    string    `json:"sha256"`
	Subject   string    `json:"subject"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
}

// Fix is a plan that would fix a finding.
type Fix struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Subject    string `json:"subject"`
	Risk       string `json:"risk"`
	Reversible bool   `json:"reversible"`
	Steps      []Step `json:"steps"`
}

// Step is one change of a fix: "" is an empty value.
type Step struct {
	System string `json:"system"`
	Method string `json:"method"`
	Object string `json:"object"`
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
	// Action and Undo name an action step's operation and its inverse.
	Action string `json:"action,omitempty"`
	Undo   string `json:"undo,omitempty"`
	Path   string `json:"path,omitempty"`
	// Permission is what the step's call needs (Graph application
	// permission or Okta scope).
	Permission string `json:"permission,omitempty"`
}

// Meta is what the caller knows about the run.
type Meta struct {
	Version     string
	Subject     checks.Subject
	Tenant      string
	OktaOrg     string
	Profile     string
	Now         time.Time
	Interrupted bool
	// Redact masks personal data (UPNs, immutableIDs, names) with stable
	// placeholders, the same value always the same placeholder.
	Redact bool
}

// New builds a report from results.
func New(m Meta, results []checks.Result) Report {
	c := newConverter(m.Redact)
	if m.Redact && m.Subject.Kind == checks.ScopeUser {
		c.personal(m.Subject.UPN)
	}
	for _, res := range results {
		c.collect(res)
	}
	c.prepare()
	r := Report{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Name: "o365doctor", Version: c.text(m.Version)},
		GeneratedAt:   m.Now.UTC().Truncate(time.Millisecond),
		Subject:       Subject{Kind: string(m.Subject.Kind), Name: c.text(m.Subject.Name()), DisplayName: c.text(m.Subject.Display)},
		Tenant:        c.text(m.Tenant),
		OktaOrg:       c.text(m.OktaOrg),
		Profile:       m.Profile,
		Interrupted:   m.Interrupted,
		Redacted:      m.Redact,
		Results:       make([]Result, 0, len(results)),
	}
	for _, res := range results {
		r.Summary.add(res.Status)
		r.Results = append(r.Results, c.result(res))
	}
	r.Timeline = timeline(r.Results)
	return r
}

// timelineArea is the area whose findings' events make the timeline.
const timelineArea = string(checks.AreaLoginLoop)

// timeline merges the events of the login-loop results in time order,
// Okta before Entra at the same instant; an event two checks show (a
// failed sign-in is a code and a legacy client) appears once, with the
// first check that showed it.
func timeline(results []Result) []TimelineEvent {
	var out []TimelineEvent
	seen := map[Event]bool{}
	for _, res := range results {
		if res.Area != timelineArea {
			continue
		}
		for _, f := range res.Findings {
			for _, e := range f.Evidence {
				if e.Event == nil || seen[*e.Event] {
					continue
				}
				seen[*e.Event] = true
				out = append(out, TimelineEvent{Event: *e.Event, CheckID: res.CheckID})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.Before(out[j].Time)
		}
		return out[i].System > out[j].System // okta before entra
	})
	return out
}

// Convert is one result in the contract's shape, masked and cleaned (the
// TUI shows results through it).
func Convert(res checks.Result) Result { return newConverter(false).result(res) }

func (s *Summary) add(st checks.Status) {
	switch st {
	case checks.StatusPass:
		s.Pass++
	case checks.StatusWarn:
		s.Warn++
	case checks.StatusFail:
		s.Fail++
	case checks.StatusError:
		s.Error++
	case checks.StatusSkipped:
		s.Skipped++
	}
}

// Exit codes, as documented in the README and docs/output.md.
const (
	ExitOK          = 0   // everything ran and nothing failed
	ExitFail        = 1   // at least one fail (or warn, with --fail-on warn)
	ExitUsage       = 2   // usage or configuration error
	ExitNothingRan  = 3   // no check could run
	ExitIncomplete  = 4   // nothing failed, but some checks ended in error
	ExitInterrupted = 130 // interrupted (Ctrl-C)
)

// ExitCode is the documented exit code for the report.
func (r Report) ExitCode(failOnWarn bool) int {
	ran := r.Summary.Pass + r.Summary.Warn + r.Summary.Fail
	switch {
	case r.Interrupted:
		return ExitInterrupted
	case r.Summary.Fail > 0 || (failOnWarn && r.Summary.Warn > 0):
		return ExitFail
	case ran == 0:
		return ExitNothingRan
	case r.Summary.Error > 0:
		return ExitIncomplete
	}
	return ExitOK
}

// ConvertFix is one plan in the contract's shape, masked and cleaned.
func ConvertFix(p fix.Plan) Fix { return convertFix(newConverter(false), p) }

func convertFix(c *converter, p fix.Plan) Fix {
	f := Fix{ID: c.text(p.ID), Title: c.text(p.Title), Subject: c.text(p.Subject), Risk: c.text(p.Risk), Reversible: p.Reversible, Steps: []Step{}}
	for _, s := range p.Steps {
		f.Steps = append(f.Steps, Step{System: s.System, Method: s.Method, Object: c.text(s.Object), Field: c.text(s.Field),
			Before: c.text(s.Before), After: c.text(s.After), Action: s.Action, Undo: s.Undo, Path: c.text(s.Path), Permission: s.Permission})
	}
	return f
}
