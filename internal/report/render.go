package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/o365doctor/o365doctor/internal/model"
)

// Formats returns the formats Write knows.
func Formats() []string { return []string{"text", "json", "markdown", "junit"} }

// Write renders r in the format.
func Write(w io.Writer, r Report, format string) error {
	switch format {
	case "json":
		return WriteJSON(w, r)
	case "markdown", "md":
		return WriteMarkdown(w, r)
	case "junit":
		return WriteJUnit(w, r)
	case "text", "":
		return WriteText(w, r)
	}
	return fmt.Errorf("unknown format %q: use one of %s", format, strings.Join(Formats(), ", "))
}

// Label is a status as text, so a status is never shown by colour alone.
func Label(status string) string {
	switch status {
	case "skipped":
		return "SKIP"
	}
	return strings.ToUpper(status)
}

// maxFindings is how many findings of one result the text and markdown
// reports list; JSON lists them all.
const maxFindings = 20

// Label is "app user alice@contoso.com".
func (o Object) Label() string {
	name := o.Name
	if name == "" {
		name = o.ID
	}
	kind := o.Kind
	if kind == "appuser" {
		kind = "app user"
	}
	return strings.TrimSpace(kind + " " + name)
}

// Show is a value as people read it: blank values say so.
func Show(v string) string {
	if v == "" {
		return "(blank)"
	}
	return v
}

func (r Read) show() string {
	if c := r.Certificate; c != nil {
		return fmt.Sprintf("certificate SHA-1 %s, SHA-256 %s…, %s, expires %s", c.SHA1, c.SHA256[:min(16, len(c.SHA256))], c.Subject, c.NotAfter.Format("2006-01-02"))
	}
	return Show(r.Value)
}

// Lines are the evidence as lines of text: a value on one line, a
// comparison as a heading and a line per side, an event on one line.
func (e Evidence) Lines() []string {
	switch {
	case e.Read != nil:
		return []string{fmt.Sprintf("%-6s %s  %s = %s", e.Read.System, e.Read.Object.Label(), e.Read.Field, e.Read.show())}
	case e.Comparison != nil:
		verdict := "differ"
		if e.Comparison.Equal {
			verdict = "equal"
		}
		lines := []string{fmt.Sprintf("%s: %s", e.Comparison.What, verdict)}
		objW, fieldW := 0, 0
		for _, s := range e.Comparison.Sides {
			objW, fieldW = max(objW, len(s.Object.Label())), max(fieldW, len(s.Field))
		}
		for _, s := range e.Comparison.Sides {
			lines = append(lines, fmt.Sprintf("  %-6s %-*s  %-*s = %s", s.System, objW, s.Object.Label(), fieldW, s.Field, s.show()))
		}
		return lines
	case e.Event != nil:
		ev := e.Event
		parts := []string{ev.Time.Format(time.RFC3339), ev.System, ev.Type}
		for _, p := range []string{ev.Outcome, ev.Code, ev.Message} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		line := strings.Join(parts, " ")
		var ids []string
		if ev.CorrelationID != "" {
			ids = append(ids, "correlation "+ev.CorrelationID)
		}
		if ev.RequestID != "" {
			ids = append(ids, "request "+ev.RequestID)
		}
		if len(ids) > 0 {
			line += " (" + strings.Join(ids, ", ") + ")"
		}
		return []string{line}
	}
	return nil
}

// problems are the findings worth showing: all but passes, unless the
// result itself passed.
func (res Result) problems() []Finding {
	var out []Finding
	for _, f := range res.Findings {
		if f.Status != "pass" {
			out = append(out, f)
		}
	}
	return out
}

// FixCommand is the command line that shows (and with --yes applies) a
// fix: the plan named, as a check may offer several.
func FixCommand(checkID string, f Fix) string {
	cmd := "o365doctor fix " + checkID
	switch {
	case strings.Contains(f.Subject, "@"):
		cmd += " --user " + f.Subject
	case f.Subject != "":
		cmd += " --domain " + f.Subject
	}
	return cmd + " --plan " + f.ID
}

// WriteText writes the plain-text report used when stdout is not a terminal.
func WriteText(w io.Writer, r Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "o365doctor %s %s", r.Subject.Kind, r.Subject.Name)
	if r.Subject.DisplayName != "" {
		fmt.Fprintf(&b, " (%s)", r.Subject.DisplayName)
	}
	if r.Tenant != "" {
		fmt.Fprintf(&b, "  tenant %s", r.Tenant)
	}
	if r.OktaOrg != "" {
		fmt.Fprintf(&b, "  okta %s", r.OktaOrg)
	}
	b.WriteString("\n")
	if r.Interrupted {
		b.WriteString("INTERRUPTED: the run was stopped before every check ended\n")
	}
	b.WriteString("\n")
	idW := 0
	for _, res := range r.Results {
		idW = max(idW, len(res.CheckID))
	}
	for _, res := range r.Results {
		fmt.Fprintf(&b, "%-5s %-*s  %s\n", Label(res.Status), idW, res.CheckID, res.Message)
		probs := res.problems()
		for i, f := range probs {
			if i == maxFindings {
				fmt.Fprintf(&b, "      … and %d more findings (--json lists every one)\n", len(probs)-maxFindings)
				break
			}
			indent := "      "
			if len(probs) > 1 || f.Message != res.Message {
				fmt.Fprintf(&b, "      %s %s: %s\n", f.Label(), f.Object.Label(), f.Message)
				indent = "        "
			}
			for _, e := range f.Evidence {
				for _, line := range e.Lines() {
					fmt.Fprintf(&b, "%s%s\n", indent, line)
				}
			}
			for _, fx := range f.Fixes {
				fmt.Fprintf(&b, "%sfix: %s\n%s     %s\n", indent, fx.Title, indent, FixCommand(res.CheckID, fx))
			}
		}
	}
	if len(r.Timeline) > 0 {
		fmt.Fprintf(&b, "\ntimeline, Okta and Entra, oldest first:\n")
		for _, line := range r.timelineLines() {
			fmt.Fprintf(&b, "  %s\n", line)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", r.Summary.Line())
	_, err := io.WriteString(w, model.CleanLines(b.String()))
	return err
}

// maxTimeline bounds the timeline the text and markdown reports show: the
// newest events, which are the loop; the JSON report has every one.
const maxTimeline = 40

// timelineLines are the timeline's newest events as lines, after a line
// counting those left out.
func (r Report) timelineLines() []string { return timelineLines(r.Timeline, maxTimeline) }

// TimelineLines are the merged Okta and Entra events of the results' login
// loop findings, the newest max of them, as lines (the TUI's timeline).
func TimelineLines(results []Result, max int) []string {
	return timelineLines(timeline(results), max)
}

func timelineLines(events []TimelineEvent, max int) []string {
	var lines []string
	if n := len(events) - max; n > 0 {
		lines = append(lines, fmt.Sprintf("… %d earlier events (the JSON report lists every one)", n))
		events = events[n:]
	}
	for _, te := range events {
		ev := te.Event
		lines = append(lines, Evidence{Kind: "event", Event: &ev}.Lines()...)
	}
	return lines
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
	return Checks(total) + ": " + strings.Join(parts, ", ")
}

// Checks is "1 check", "3 checks".
func Checks(n int) string {
	if n == 1 {
		return "1 check"
	}
	return fmt.Sprintf("%d checks", n)
}

// WriteMarkdown writes a report to paste into a helpdesk ticket.
func WriteMarkdown(w io.Writer, r Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## o365doctor: %s `%s`", r.Subject.Kind, mdCode(r.Subject.Name))
	if r.Subject.DisplayName != "" {
		fmt.Fprintf(&b, " (`%s`)", mdCode(r.Subject.DisplayName))
	}
	b.WriteString("\n\n")
	fmt.Fprintf(&b, "- generated: %s\n- tenant: %s\n- Okta org: %s\n- %s\n", r.GeneratedAt.Format("2006-01-02 15:04:05Z"), orDash(r.Tenant), orDash(r.OktaOrg), r.Summary.Line())
	if r.Interrupted {
		b.WriteString("- **interrupted**: the run was stopped before every check ended\n")
	}
	// The ticket leads with what is wrong; what passed is one line.
	var passed []string
	table := false
	for _, res := range r.Results {
		if res.Status == "pass" {
			passed = append(passed, "`"+res.CheckID+"`")
			continue
		}
		if !table {
			b.WriteString("\n| status | check | finding |\n| --- | --- | --- |\n")
			table = true
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s |\n", Label(res.Status), res.CheckID, mdCell(res.Message))
	}
	if len(passed) > 0 {
		fmt.Fprintf(&b, "\nPassed (%d): %s\n", len(passed), strings.Join(passed, ", "))
	}
	for _, res := range r.Results {
		probs := res.problems()
		if len(probs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n### %s `%s`\n", Label(res.Status), res.CheckID)
		for i, f := range probs {
			if i == maxFindings {
				fmt.Fprintf(&b, "\n… and %d more findings (the JSON report lists every one)\n", len(probs)-maxFindings)
				break
			}
			fmt.Fprintf(&b, "\n**%s** %s: %s\n", mdCell(f.Label()), mdCell(f.Object.Label()), mdCell(f.Message))
			if len(f.Evidence) > 0 {
				b.WriteString("\n```\n")
				for _, e := range f.Evidence {
					for _, line := range e.Lines() {
						b.WriteString(strings.ReplaceAll(line, "```", "'''") + "\n")
					}
				}
				b.WriteString("```\n")
			}
			for _, fx := range f.Fixes {
				fmt.Fprintf(&b, "\nFix available: %s (`%s`)\n", mdCell(fx.Title), mdCode(FixCommand(res.CheckID, fx)))
			}
		}
	}
	if ids := supportIDs(r.Results); len(ids) > 0 {
		b.WriteString("\n### IDs for Microsoft and Okta support\n\n")
		b.WriteString("| time | system | event | code | correlation / transaction ID | request ID |\n| --- | --- | --- | --- | --- | --- |\n")
		for _, e := range ids {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", e.Time.UTC().Format(time.RFC3339), e.System, mdCell(e.Type),
				mdCell(orDash(e.Code)), mdCode(orDash(e.CorrelationID)), mdCode(orDash(e.RequestID)))
		}
	}
	if len(r.Timeline) > 0 {
		b.WriteString("\n### Timeline (Okta and Entra, oldest first)\n\n```\n")
		for _, line := range r.timelineLines() {
			b.WriteString(strings.ReplaceAll(line, "```", "'''") + "\n")
		}
		b.WriteString("```\n")
	}
	_, err := io.WriteString(w, model.CleanLines(b.String()))
	return err
}

// maxSupportIDs bounds the support table: the newest failures are the
// ones support can still find.
const maxSupportIDs = 10

// supportIDs are the failed events of the results' problems, newest first,
// each once: the correlation and request IDs Microsoft and Okta support
// ask for.
func supportIDs(results []Result) []Event {
	seen := map[string]bool{}
	var out []Event
	for _, res := range results {
		for _, f := range res.problems() {
			for _, ev := range f.Evidence {
				e := ev.Event
				if e == nil || strings.EqualFold(e.Outcome, "SUCCESS") || (e.CorrelationID == "" && e.RequestID == "") {
					continue
				}
				key := e.System + "|" + e.CorrelationID + "|" + e.RequestID
				if seen[key] {
					continue
				}
				seen[key] = true
				out = append(out, *e)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	if len(out) > maxSupportIDs {
		out = out[:maxSupportIDs]
	}
	return out
}

func mdCell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

func mdCode(s string) string { return strings.ReplaceAll(s, "`", "'") }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
