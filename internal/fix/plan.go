package fix

import (
	"cmp"
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
		needs := ""
		if s.Permission != "" {
			needs = "  (needs " + s.Permission + ")"
		}
		fmt.Fprintf(&b, "  step %d: %s %s%s\n", i+1, s.System, s.Call(), needs)
		if s.IsAction() {
			undo := "cannot be undone"
			if s.Undo != "" {
				undo = "undone by " + s.Undo
			}
			fmt.Fprintf(&b, "          %s (%s: %s → %s; %s)\n", s.Action, s.Field, show(s.Before), show(s.After), undo)
			continue
		}
		fmt.Fprintf(&b, "          %s: %s → %s\n", s.Field, show(s.Before), show(s.After))
	}
	return b.String()
}
