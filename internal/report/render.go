package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/o365doctor/o365doctor/internal/checks"
)

// Formats the renderers know.
var Formats = []string{"text", "json", "markdown"}

// Write renders r in the format.
func Write(w io.Writer, r Report, format string) error {
	switch format {
	case "json":
		return WriteJSON(w, r)
	case "markdown", "md":
		return WriteMarkdown(w, r)
	case "text", "":
		return WriteText(w, r)
	}
	return fmt.Errorf("unknown format %q: use one of %s", format, strings.Join(Formats, ", "))
}

// WriteJSON writes the versioned JSON document.
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Label is a status as text, so a status is never shown by colour alone.
func Label(s checks.Status) string {
	switch s {
	case checks.Pass:
		return "PASS"
	case checks.Warn:
		return "WARN"
	case checks.Fail:
		return "FAIL"
	case checks.Error:
		return "ERROR"
	case checks.Skipped:
		return "SKIP"
	}
	return strings.ToUpper(string(s))
}

// WriteText writes the plain-text report used when stdout is not a terminal.
func WriteText(w io.Writer, r Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "o365doctor %s %s", r.Subject.Kind, r.Subject.Name)
	if r.Tenant != "" {
		fmt.Fprintf(&b, "  tenant %s", r.Tenant)
	}
	if r.OktaOrg != "" {
		fmt.Fprintf(&b, "  okta %s", r.OktaOrg)
	}
	b.WriteString("\n\n")
	idW := 0
	for _, res := range r.Results {
		idW = max(idW, len(res.CheckID))
	}
	for _, res := range r.Results {
		fmt.Fprintf(&b, "%-5s %-*s  %s\n", Label(res.Status), idW, res.CheckID, res.Message)
		if res.Status == checks.Pass || res.Status == checks.Skipped {
			continue
		}
		for _, e := range res.Evidence {
			fmt.Fprintf(&b, "      %-6s %s %s = %s\n", e.System, e.Object, e.Field, e.Value)
		}
		for _, f := range res.Fixes {
			fmt.Fprintf(&b, "      fix: %s\n", f.Title)
			fmt.Fprintf(&b, "           o365doctor fix %s --user %s\n", res.CheckID, r.Subject.Name)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", r.Summary.Line())
	_, err := io.WriteString(w, b.String())
	return err
}

// Line is the one-line summary: "3 checks: 2 pass, 1 fail".
func (s Summary) Line() string {
	total := s.Pass + s.Warn + s.Fail + s.Error + s.Skipped
	var parts []string
	for _, p := range []struct {
		n    int
		name string
	}{{s.Fail, "fail"}, {s.Warn, "warn"}, {s.Error, "error"}, {s.Skipped, "skipped"}, {s.Pass, "pass"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.name))
		}
	}
	return fmt.Sprintf("%d checks: %s", total, strings.Join(parts, ", "))
}

// WriteMarkdown writes a report to paste into a helpdesk ticket.
func WriteMarkdown(w io.Writer, r Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## o365doctor: %s `%s`\n\n", r.Subject.Kind, r.Subject.Name)
	fmt.Fprintf(&b, "- generated: %s\n- tenant: %s\n- Okta org: %s\n- %s\n\n", r.GeneratedAt.Format("2006-01-02 15:04:05Z"), orDash(r.Tenant), orDash(r.OktaOrg), r.Summary.Line())
	b.WriteString("| status | check | finding |\n| --- | --- | --- |\n")
	for _, res := range r.Results {
		fmt.Fprintf(&b, "| %s | `%s` | %s |\n", Label(res.Status), res.CheckID, mdCell(res.Message))
	}
	for _, res := range r.Results {
		if len(res.Evidence) == 0 || res.Status == checks.Pass {
			continue
		}
		fmt.Fprintf(&b, "\n### %s %s\n\n| system | object | field | value |\n| --- | --- | --- | --- |\n", Label(res.Status), res.CheckID)
		for _, e := range res.Evidence {
			fmt.Fprintf(&b, "| %s | %s | `%s` | `%s` |\n", e.System, mdCell(e.Object), e.Field, mdCell(e.Value))
		}
		for _, f := range res.Fixes {
			fmt.Fprintf(&b, "\nFix available: %s (`o365doctor fix %s --user %s`)\n", f.Title, res.CheckID, r.Subject.Name)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdCell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
