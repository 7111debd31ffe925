package fix

import (
	"cmp"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
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
	// Input names a value the person may give (the CLI flag
	// --usage-location, a TUI prompt): it replaces After in the steps
	// marked Input. Empty: the plan takes none.
	Input *Input `json:"input,omitempty"`
	// Invariant names a condition of the whole change the executor checks
	// after every step of the plan, its undo and its resumption
	// ("federation-agrees:contoso.com"); a failure stops the plan, which is
	// then rolled back. An executor that cannot check it refuses the plan.
	Invariant string `json:"invariant,omitempty"`
}

// Input is a value a plan takes from the person applying it.
type Input struct {
	Flag   string `json:"flag"`   // the CLI flag: "usage-location"
	Prompt string `json:"prompt"` // what the TUI asks
	// Value is what the plan holds now ("" = none yet: the plan cannot
	// be applied before one is given).
	Value string `json:"value,omitempty"`
	// Check validates a value given ("country": ISO 3166-1 alpha-2).
	Check string `json:"check,omitempty"`
}

// Missing reports whether the plan still needs its input.
func (p Plan) Missing() bool { return p.Input != nil && p.Input.Value == "" }

// WithInput returns the plan with v as its input: the steps marked Input
// then write v. A value the input's check refuses is an error.
func (p Plan) WithInput(v string) (Plan, error) {
	if p.Input == nil {
		return p, fmt.Errorf("plan %s takes no value", p.ID)
	}
	v = strings.TrimSpace(v)
	if p.Input.Check == "country" {
		if strings.ContainsFunc(v, func(r rune) bool { return r > 0x7f }) {
			v = "(not ASCII) " + v
		} else {
			v = strings.ToUpper(v)
		}
		if !model.IsCountry(v) {
			return p, fmt.Errorf("--%s %q: give a two-letter country code (ISO 3166-1 alpha-2), like US, GB (not UK) or DE", p.Input.Flag, v)
		}
	}
	if v == "" {
		return p, fmt.Errorf("--%s: give a value", p.Input.Flag)
	}
	in := *p.Input
	in.Value = v
	p.Input = &in
	p.Steps = slices.Clone(p.Steps)
	for i := range p.Steps {
		if p.Steps[i].Input {
			p.Steps[i].After = v
		}
	}
	return p, nil
}

// Step is one typed operation on one object of one system:
//
//   - a field set (Action ""): the precondition is that Field holds
//     Before, the change writes After, the check reads After back, and
//     the compensation writes back the value read before the write;
//   - an action (activate, unlock, revoke sessions, ...): the precondition
//     is that Field (the object's state) holds Before, the change is the
//     store's action, the check reads After from Field, and the
//     compensation is the Undo action (none: the step cannot be undone).
//
// A plan may touch one field more than once (a UPN moved away and back):
// only its first touch is compared with the live value; a later one with
// the value the plan itself produced.
type Step struct {
	System string `json:"system"` // okta | graph
	Method string `json:"method"` // the HTTP method of the call
	Object string `json:"object"` // the API path of the object
	Field  string `json:"field"`  // e.g. profile.immutableId; an action's state field
	Before string `json:"before"` // the value the plan was made from ("" = empty)
	After  string `json:"after"`
	// Action names the store's operation for an action step ("" for a
	// field set); Undo the operation that reverses it ("" = irreversible).
	Action string `json:"action,omitempty"`
	Undo   string `json:"undo,omitempty"`
	// Path is the action's call when it is not the object's own path
	// (POST /api/v1/users/{id}/lifecycle/unlock).
	Path string `json:"path,omitempty"`
	// Permission is what the call needs: a Graph application permission
	// or an Okta scope (checked before anything is written when the
	// system can tell).
	Permission string `json:"permission,omitempty"`
	// Body is the JSON an action sends, when it sends one (the profile
	// an app assignment carries); shown in the preview.
	Body string `json:"body,omitempty"`
	// Expect is how the step's result is verified: "" (the field reads
	// After) or ExpectChanged (the field reads a value other than the one
	// before the call: a new sessions date, a status set by the system).
	// After then only describes the result.
	Expect string `json:"expect,omitempty"`
	// Input marks the step whose After is the plan's input.
	Input bool `json:"input,omitempty"`
	// Guard marks a step that only reads: Field must still hold Before
	// (a value the plan was built from, such as the licenses an
	// assignment carries), else the plan is stale. Nothing is written.
	Guard bool `json:"guard,omitempty"`
}

// ExpectChanged verifies a step by its field having moved.
const ExpectChanged = "changed"

// made reports whether the field's value now shows the step was made,
// given the value read just before its call.
func (s Step) made(now, before string) bool {
	if s.Expect == ExpectChanged {
		return now != before && now != ""
	}
	return now == s.After
}

// IsAction reports whether the step is an action, not a field set.
func (s Step) IsAction() bool { return s.Action != "" }

// Reversible reports whether the step can be compensated.
func (s Step) Reversible() bool { return !s.IsAction() || s.Undo != "" }

// Call is the HTTP call the step makes, as shown in previews.
func (s Step) Call() string { return s.Method + " " + cmp.Or(s.Path, s.Object) }

// key identifies the field a step reads and writes.
func (s Step) key() string { return s.System + "\x00" + s.Object + "\x00" + s.Field }

// Describe is the one-line form of a step: system, call, field, before → after.
func (s Step) Describe() string {
	if s.IsAction() {
		return fmt.Sprintf("%s %s  %s (%s: %s → %s)", s.System, s.Call(), s.Action, s.Field, show(s.Before), show(s.After))
	}
	return fmt.Sprintf("%s %s  %s: %s → %s", s.System, s.Call(), s.Field, show(s.Before), show(s.After))
}

func show(v string) string {
	if v == "" {
		return "(empty)"
	}
	if len(v) > 200 {
		if der, err := base64.StdEncoding.DecodeString(v); err == nil {
			if c, err := x509.ParseCertificate(der); err == nil {
				return fmt.Sprintf("certificate SHA-1 %X (expires %s)", sha1.Sum(c.Raw), c.NotAfter.UTC().Format("2006-01-02"))
			}
		}
	}
	return v
}

// reversibleSteps reports whether every step of the plan can be compensated.
func (p Plan) reversibleSteps() bool {
	for _, s := range p.Steps {
		if !s.Reversible() {
			return false
		}
	}
	return true
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
		if s.Guard {
			fmt.Fprintf(&b, "  check %d: %s %s  %s is still %s (else the plan is stale; nothing is written)\n", i+1, s.System, s.Object, s.Field, show(s.Before))
			continue
		}
		needs := ""
		if s.Permission != "" {
			needs = "  (needs " + s.Permission + ")"
		}
		fmt.Fprintf(&b, "  step %d: %s %s%s\n", i+1, s.System, s.Call(), needs)
		if s.Body != "" {
			fmt.Fprintf(&b, "          body: %s\n", s.Body)
		}
		if s.IsAction() {
			undo := "cannot be undone"
			if s.Undo != "" {
				undo = "undone by " + s.Undo
			}
			fmt.Fprintf(&b, "          %s (%s: %s → %s; %s)\n", s.Action, s.Field, show(s.Before), show(s.After), undo)
			continue
		}
		after := show(s.After)
		if s.Input && p.Missing() {
			after = "(" + p.Input.Prompt + ": --" + p.Input.Flag + ")"
		}
		fmt.Fprintf(&b, "          %s: %s → %s\n", s.Field, show(s.Before), after)
	}
	return b.String()
}
