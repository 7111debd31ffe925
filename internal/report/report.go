package report

import (
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/fix"
)

// SchemaVersion is the JSON contract's version; a breaking change bumps it.
const SchemaVersion = "1"

// Report is one run, ready to render.
type Report struct {
	SchemaVersion string    `json:"schemaVersion"`
	Tool          Tool      `json:"tool"`
	GeneratedAt   time.Time `json:"generatedAt"`
	Subject       Subject   `json:"subject"`
	Tenant        string    `json:"tenant"`
	OktaOrg       string    `json:"oktaOrg"`
	Summary       Summary   `json:"summary"`
	Results       []Result  `json:"results"`
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
}

// Summary counts results per status.
type Summary struct {
	Pass    int `json:"pass"`
	Warn    int `json:"warn"`
	Fail    int `json:"fail"`
	Error   int `json:"error"`
	Skipped int `json:"skipped"`
}

// Result is one check's finding in the contract's shape.
type Result struct {
	CheckID    string            `json:"checkId"`
	Title      string            `json:"title"`
	Area       string            `json:"area"`
	Status     checks.Status     `json:"status"`
	Severity   checks.Severity   `json:"severity"`
	Message    string            `json:"message"`
	Evidence   []checks.Evidence `json:"evidence"`
	References []string          `json:"references"`
	Fixes      []Fix             `json:"fixes"`
	DurationMs int64             `json:"durationMs"`
}

// Fix is a plan as the contract shows it.
type Fix struct {
	ID         string     `json:"id"`
	Title      string     `json:"title"`
	Risk       string     `json:"risk"`
	Reversible bool       `json:"reversible"`
	Steps      []fix.Step `json:"steps"`
}

// Meta is what the caller knows about the run.
type Meta struct {
	Version     string
	SubjectKind string
	SubjectName string
	Tenant      string
	OktaOrg     string
	Now         time.Time
}

// New builds a report from results, masking every string.
func New(m Meta, results []checks.Result) Report {
	r := Report{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Name: "o365doctor", Version: m.Version},
		GeneratedAt:   m.Now.UTC().Truncate(time.Millisecond),
		Subject:       Subject{Kind: m.SubjectKind, Name: config.Mask(m.SubjectName)},
		Tenant:        m.Tenant,
		OktaOrg:       config.Mask(m.OktaOrg),
		Results:       make([]Result, 0, len(results)),
	}
	for _, res := range results {
		r.Summary.add(res.Status)
		out := Result{
			CheckID: res.CheckID, Title: res.Title, Area: res.Area, Status: res.Status, Severity: res.Severity,
			Message: config.Mask(res.Message), Evidence: []checks.Evidence{}, References: res.References,
			Fixes: []Fix{}, DurationMs: res.Duration.Milliseconds(),
		}
		if out.References == nil {
			out.References = []string{}
		}
		for _, e := range res.Evidence {
			e.Object, e.Value = config.Mask(e.Object), config.Mask(e.Value)
			out.Evidence = append(out.Evidence, e)
		}
		for _, p := range res.Fixes {
			f := Fix{ID: p.ID, Title: p.Title, Risk: p.Risk, Reversible: p.Reversible, Steps: []fix.Step{}}
			for _, s := range p.Steps {
				s.Before, s.After = config.Mask(s.Before), config.Mask(s.After)
				f.Steps = append(f.Steps, s)
			}
			out.Fixes = append(out.Fixes, f)
		}
		r.Results = append(r.Results, out)
	}
	return r
}

func (s *Summary) add(st checks.Status) {
	switch st {
	case checks.Pass:
		s.Pass++
	case checks.Warn:
		s.Warn++
	case checks.Fail:
		s.Fail++
	case checks.Error:
		s.Error++
	case checks.Skipped:
		s.Skipped++
	}
}

// ExitCode is the documented exit code for the results: 0 no failing
// check, 1 at least one fail (or warn with failOnWarn), 3 nothing could run.
func (r Report) ExitCode(failOnWarn bool) int {
	ran := r.Summary.Pass + r.Summary.Warn + r.Summary.Fail
	switch {
	case r.Summary.Fail > 0 || (failOnWarn && r.Summary.Warn > 0):
		return 1
	case ran == 0:
		return 3
	}
	return 0
}
