package fix

import (
	"fmt"
	"strings"
)

// Plan is a change a person can read before anything happens.
type Plan struct {
	ID         string `json:"id"` // stable: "okta.set-app-user-immutableid"
	Title      string `json:"title"`
	CheckID    string `json:"checkId,omitempty"`
	Subject    string `json:"subject,omitempty"` // the user or domain it is for
	Risk       string `json:"risk"`
	Reversible bool   `json:"reversible"`
	Steps      []Step `json:"steps"`
}

// Step changes one field of one object in one system.
type Step struct {
	System string `json:"system"` // okta | graph
	Method string `json:"method"` // the HTTP method of the write
	Object string `json:"object"` // the API path of the object
	Field  string `json:"field"`  // e.g. profile.immutableId
	Before string `json:"before"` // the value the plan was made from ("" = empty)
	After  string `json:"after"`
}

// Call is the HTTP call the step makes, as shown in previews.
func (s Step) Call() string { return s.Method + " " + s.Object }

// Describe is the one-line form of a step: system, call, field, before → after.
func (s Step) Describe() string {
	return fmt.Sprintf("%s %s  %s: %s → %s", s.System, s.Call(), s.Field, show(s.Before), show(s.After))
}

func show(v string) string {
	if v == "" {
		return "(empty)"
	}
	return v
}

// Reversed is the plan that undoes p: steps in reverse order, before and
// after swapped.
func (p Plan) Reversed() Plan {
	r := p
	r.ID = "undo." + p.ID
	r.Title = "Undo: " + p.Title
	r.Steps = make([]Step, len(p.Steps))
	for i, s := range p.Steps {
		s.Before, s.After = s.After, s.Before
		r.Steps[len(p.Steps)-1-i] = s
	}
	return r
}

// Preview renders the plan for a person, one step a line.
func (p Plan) Preview() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", p.Title)
	if p.Subject != "" {
		fmt.Fprintf(&b, "  for:        %s\n", p.Subject)
	}
	fmt.Fprintf(&b, "  risk:       %s\n", p.Risk)
	if p.Reversible {
		fmt.Fprintf(&b, "  reversible: yes (o365doctor undo)\n")
	} else {
		fmt.Fprintf(&b, "  reversible: NO\n")
	}
	for i, s := range p.Steps {
		fmt.Fprintf(&b, "  step %d: %s %s\n", i+1, s.System, s.Call())
		fmt.Fprintf(&b, "          %s: %s → %s\n", s.Field, show(s.Before), show(s.After))
	}
	return b.String()
}
