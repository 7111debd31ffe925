package ui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/report"
)

// wideAt is the width from which the details sit beside the list; below
// it enter opens them full screen.
const wideAt = 100

func (m Model) narrow() bool { return m.width < wideAt }

// fit cuts a line to w cells, with an ellipsis: a line never wraps, so an
// ID is never broken across lines.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

// safe is every string the view prints from outside: secrets masked,
// terminal control removed.
func safe(s string) string { return config.Shown(s) }

// header is the first lines: subject, tenant, Okta org, elapsed, counts,
// and the filter in force.
func (m Model) header() []string {
	st := m.styles
	w := max(m.width, 20)
	kind := string(m.opts.Subject.Kind)
	if m.opts.Subject.Kind == checks.ScopeTenant {
		kind = "tenant-wide"
	}
	parts := []string{"o365doctor", kind + " " + safe(m.opts.Subject.Name())}
	if m.opts.Tenant != "" {
		parts = append(parts, "tenant "+safe(m.opts.Tenant))
	}
	if m.opts.OktaOrg != "" {
		parts = append(parts, "okta "+safe(strings.TrimPrefix(m.opts.OktaOrg, "https://")))
	}
	elapsed := m.now().Sub(m.started)
	if !m.finished.IsZero() {
		elapsed = m.finished.Sub(m.started)
	}
	clock := elapsed.Round(100 * time.Millisecond).String()
	// Whole parts are dropped from the right rather than one cut in two.
	line := ""
	for _, p := range parts {
		next := line
		if next != "" {
			next += " · "
		}
		next += p
		if lipgloss.Width(next)+lipgloss.Width(clock)+3 > w && line != "" {
			break
		}
		line = next
	}
	lines := []string{st.header.Render(fit(line, w-lipgloss.Width(clock)-3)) + st.subtle.Render(" · "+clock)}
	if m.opts.Title != "" {
		lines = append(lines, st.subtle.Render(fit(safe(m.opts.Title), w)))
	}
	lines = append(lines, m.countsLine(w))
	return lines
}

// countsLine is the count of each status (icon and word), those running,
// and the filters.
func (m Model) countsLine(w int) string {
	st := m.styles
	counts := map[checks.Status]int{}
	pending := 0
	for _, it := range m.items {
		if it.pending {
			pending++
			continue
		}
		counts[it.result.Status]++
	}
	var parts []string
	for _, s := range []checks.Status{checks.StatusFail, checks.StatusError, checks.StatusWarn, checks.StatusSkipped, checks.StatusPass} {
		if counts[s] > 0 {
			parts = append(parts, st.status[s].Render(fmt.Sprintf("%s %d %s", statusIcon(s), counts[s], s)))
		}
	}
	if pending > 0 {
		parts = append(parts, m.spinner.View()+fmt.Sprintf(" %d running", pending))
	}
	line := strings.Join(parts, "  ")
	if m.status != filterAll {
		line += st.label.Render("   showing: " + m.status.String())
	}
	if m.filter != "" || m.state == stateFilter {
		line += st.label.Render("   filter: ") + safe(m.filter)
		if m.state == stateFilter {
			line += "▏"
		}
	}
	return fit(line, w)
}

// banner says, above the results, what kept checks from running and what
// to do next; the rest of the results stay usable.
func (m Model) banner(w int) []string {
	n, first := 0, ""
	for _, it := range m.items {
		if !it.pending && it.result.Status == checks.StatusError {
			if n == 0 {
				first = it.result.Message
			}
			n++
		}
	}
	if n == 0 {
		return nil
	}
	low := strings.ToLower(first)
	next := "r re-runs a check, R all of them"
	switch {
	case strings.Contains(low, "403") || strings.Contains(low, "permission") || strings.Contains(low, "grant") || strings.Contains(low, "insufficient") || strings.Contains(low, "lacks the scope"):
		next = "grant the permission it names (o365doctor auth status lists them all)"
	case strings.Contains(low, "connection") || strings.Contains(low, "timeout") || strings.Contains(low, "timed out") || strings.Contains(low, "no such host") ||
		strings.Contains(low, "dial") || strings.Contains(low, "eof") || strings.Contains(low, "deadline"):
		next = "check the network and the --okta-url / --graph-url, then R re-runs"
	case strings.Contains(low, "401") || strings.Contains(low, "invalid_client") || strings.Contains(low, "sign-in") || strings.Contains(low, "invalid token") ||
		strings.Contains(low, "credential") || strings.Contains(low, "aadsts7000"):
		next = "check the credentials: o365doctor auth status shows what each one can do"
	}
	return []string{
		m.styles.banner.Render(fit(fmt.Sprintf("? %s could not run: %s", report.Checks(n), safe(first)), w)),
		m.styles.banner.Render(fit("  next: "+next, w)),
	}
}

// progressLines are a bar per listing of a tenant-wide check still
// reading: done of total, and the ETA from the rate limit's floor.
func (m Model) progressLines(w int) []string {
	if len(m.progress) == 0 {
		return nil
	}
	var out []string
	for _, what := range slices.Sorted(maps.Keys(m.progress)) {
		p := m.progress[what]
		label := fmt.Sprintf("%s %d", safe(what), p.Done)
		if p.Total > 0 {
			label += fmt.Sprintf(" of %d", p.Total)
		}
		if p.Waiting {
			label = "waiting for " + safe(what)
		}
		if p.ETA > 0 {
			label += ", about " + p.ETA.Round(time.Second).String() + " left"
		}
		barW := max(min(w-lipgloss.Width(label)-3, 40), 0)
		bar := ""
		if barW >= 5 {
			filled := 0
			if p.Total > 0 {
				filled = min(barW*p.Done/p.Total, barW)
			}
			bar = m.styles.bar.Render(strings.Repeat("█", filled)) + m.styles.barEmpty.Render(strings.Repeat("░", barW-filled)) + " "
		}
		out = append(out, fit(bar+label, w))
	}
	return out
}

// footer is the flash line and the keys.
func (m Model) footer(w int) []string {
	st := m.styles
	var out []string
	if m.flash != "" {
		style := st.flashOK
		if m.flashErr {
			style = st.flashErr
		}
		prefix := ""
		if m.state == stateApplying {
			prefix = m.spinner.View() + " "
		}
		// Two lines at most: an export's path fits 80 columns.
		first := ansi.Truncate(m.flash, w-lipgloss.Width(prefix), "")
		out = append(out, prefix+style.Render(first))
		if rest := strings.TrimSpace(m.flash[len(first):]); rest != "" {
			out = append(out, style.Render(fit("  "+rest, w)))
		}
	}
	if m.state == stateFilter {
		out = append(out, st.subtle.Render(fit("type to filter checks, users and values · enter keeps it · esc clears it", w)))
		return out
	}
	if !m.showHelp {
		out = append(out, fit(m.help.ShortHelpView(m.keys.ShortHelp()), w))
	}
	return out
}

// chromeHeight is every line that is not the list.
func (m Model) chromeHeight() int {
	w := max(m.width, 20)
	return len(m.header()) + len(m.banner(w)) + len(m.progressLines(w)) + len(m.footer(w))
}

// View renders the header, the list (and the details beside it, when the
// terminal is wide enough), and the footer, in exactly the terminal's
// height.
func (m Model) View() string {
	w := max(m.width, 20)
	var top []string
	top = append(top, m.header()...)
	top = append(top, m.banner(w)...)
	top = append(top, m.progressLines(w)...)
	foot := m.footer(w)
	bodyH := max(m.height-len(top)-len(foot), 1)

	var body string
	switch {
	case m.showHelp:
		body = m.helpView(w)
	case m.narrow():
		switch m.state {
		case stateDetail:
			body = m.window(m.detailLines(w), m.detailTop, bodyH)
		case statePreview, stateApplying, stateInput:
			if m.plan.ID != "" {
				body = m.planView(w)
			} else {
				body = m.listView(w, bodyH)
			}
		case stateJournal:
			body = m.journalView(w)
		default:
			body = m.listView(w, bodyH)
		}
	default:
		lw := min(max(w*2/5, 44), 72)
		dw := w - lw - 3
		var right string
		switch m.state {
		case stateJournal:
			right = m.journalView(dw - 2)
		case statePreview, stateApplying, stateInput:
			if m.plan.ID != "" {
				right = m.planView(dw - 2)
			} else {
				right = m.window(m.detailLines(dw-2), 0, bodyH)
			}
		default:
			right = m.window(m.detailLines(dw-2), m.detailTop, bodyH)
		}
		left := lipgloss.NewStyle().Width(lw).Render(m.listView(lw, bodyH))
		body = lipgloss.JoinHorizontal(lipgloss.Top, left, " ", m.styles.pane.Width(dw).Render(right))
	}
	lines := append(top, strings.Split(clampLines(body, bodyH), "\n")...)
	lines = append(lines, foot...)
	if m.height > 0 && len(lines) > m.height {
		lines = lines[:m.height] // a terminal too small for the chrome
	}
	return strings.Join(lines, "\n")
}

// helpView lists every key that does something here, in two columns when
// they fit: the key map that feeds the footer feeds it.
func (m Model) helpView(w int) string {
	st := m.styles
	var items []string
	for _, group := range m.keys.FullHelp() {
		for _, b := range group {
			if b.Enabled() {
				items = append(items, st.label.Render(fmt.Sprintf("%-8s", b.Help().Key))+" "+st.subtle.Render(b.Help().Desc))
			}
		}
	}
	items = append(items, st.label.Render(fmt.Sprintf("%-8s", "?/esc"))+" "+st.subtle.Render("close this help"))
	col := 36
	if w < 2*col+2 {
		return strings.Join(items, "\n")
	}
	half := (len(items) + 1) / 2
	var b strings.Builder
	for i := 0; i < half; i++ {
		left := items[i]
		b.WriteString(left + strings.Repeat(" ", max(col-lipgloss.Width(left), 1)))
		if i+half < len(items) {
			b.WriteString(items[i+half])
		}
		if i < half-1 {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// clampLines pads or cuts s to exactly n lines.
func clampLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	for len(lines) < n {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// window is lines[top:top+h], top held so the last page stays full.
func (m Model) window(lines []string, top, h int) string {
	top = max(min(top, len(lines)-h), 0)
	end := min(top+h, len(lines))
	if top >= end {
		return ""
	}
	return strings.Join(lines[top:end], "\n")
}

// listView renders the visible rows only.
func (m Model) listView(w, h int) string {
	st := m.styles
	if len(m.rows) == 0 {
		if m.filter != "" || m.status != filterAll {
			return st.subtle.Render(fit("nothing matches; esc clears the filter", w))
		}
		return ""
	}
	off := max(min(m.offset, len(m.rows)-h), 0)
	end := min(off+h, len(m.rows))
	var b strings.Builder
	for i := off; i < end; i++ {
		line := m.rowLine(m.rows[i], w-2)
		if i == m.cursor {
			b.WriteString(st.selected.Render("›") + " " + line)
		} else {
			b.WriteString("  " + line)
		}
		if i < end-1 {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// rowLine is one row, cut to w cells.
func (m Model) rowLine(r row, w int) string {
	st := m.styles
	switch r.kind {
	case rowGroup:
		counts := map[checks.Status]int{}
		total, pending := 0, 0
		for i := range m.items {
			if m.items[i].check.Area != r.area {
				continue
			}
			total++
			if m.items[i].pending {
				pending++
			} else {
				counts[m.items[i].result.Status]++
			}
		}
		arrow := "▾"
		if m.collapsed[r.area] {
			arrow = "▸"
		}
		text := fmt.Sprintf("%s %s (%d)", arrow, r.area.Title(), total)
		var tally []string
		for _, s := range []checks.Status{checks.StatusFail, checks.StatusError, checks.StatusWarn} {
			if counts[s] > 0 {
				tally = append(tally, st.status[s].Render(fmt.Sprintf("%s%d", statusIcon(s), counts[s])))
			}
		}
		if pending > 0 {
			tally = append(tally, fmt.Sprintf("⋯%d", pending))
		}
		return fit(st.group.Render(text)+"  "+strings.Join(tally, " "), w)
	case rowCheck:
		it := &m.items[r.item]
		mark := fmt.Sprintf("%-7s", m.spinner.View()+" ....")
		if !it.pending {
			mark = st.status[it.result.Status].Render(fmt.Sprintf("%-7s", statusMark(it.result.Status)))
		}
		name := it.check.ID
		if n := len(it.rep.Findings); n > 1 && !it.pending {
			fold := "▸"
			if it.expanded || m.filter != "" {
				fold = "▾"
			}
			name += st.subtle.Render(fmt.Sprintf(" %s%d", fold, n))
		}
		return fit(mark+" "+name, w)
	default:
		it := &m.items[r.item]
		if r.finding >= len(it.rep.Findings) {
			return ""
		}
		f := it.rep.Findings[r.finding]
		s := checks.Status(f.Status)
		text := f.Object.Label()
		if f.Suppressed != nil {
			text = "(suppressed) " + text
		}
		return fit("    "+st.status[s].Render(statusIcon(s))+" "+safe(text)+st.subtle.Render(" "+safe(f.Message)), w)
	}
}

// detailLines are the details of the selected row: the check's message,
// its findings (or the selected one) with their evidence, the timeline of
// a login-loop check, its references and the fixes that apply.
func (m Model) detailLines(w int) []string {
	st := m.styles
	var out []string
	add := func(s string) { out = append(out, strings.Split(s, "\n")...) }
	wrap := func(s string, width int) string { return lipgloss.NewStyle().Width(max(width, 10)).Render(s) }
	if m.cursor < 0 || m.cursor >= len(m.rows) {
		return nil
	}
	r := m.rows[m.cursor]
	if r.kind == rowGroup {
		add(st.title.Render(r.area.Title()))
		add(st.subtle.Render(wrap("enter folds or opens the group · ↑/↓ moves to a check", w)))
		return out
	}
	it := &m.items[r.item]
	add(st.title.Render(fit(safe(it.check.Title), w)))
	if it.pending {
		add(m.spinner.View() + " running… " + it.check.ID)
		return out
	}
	res := it.rep
	status := checks.Status(res.Status)
	add(st.status[status].Render(statusMark(status)) + st.subtle.Render(fit(fmt.Sprintf(" · %s · %s · %dms", res.CheckID, res.Severity, res.DurationMs), w-8)))
	add("")
	add(wrap(safe(res.Message), w))
	findings := make([]int, 0, maxFindings)
	if f := m.selectedFinding(); f >= 0 {
		findings = append(findings, f)
	} else {
		for i, f := range res.Findings {
			if f.Status == string(checks.StatusPass) && len(res.Findings) > 1 {
				continue
			}
			if len(findings) == maxFindings {
				add(st.subtle.Render(wrap(fmt.Sprintf("… and more: %d findings in all (enter lists them, / finds one, e exports every one)", len(res.Findings)), w)))
				break
			}
			findings = append(findings, i)
		}
	}
	for _, i := range findings {
		f := res.Findings[i]
		if len(res.Findings) > 1 || f.Message != res.Message {
			fs := checks.Status(f.Status)
			text := f.Object.Label() + ": " + f.Message
			if f.Suppressed != nil {
				text = "suppressed until " + f.Suppressed.Expires + " (" + f.Suppressed.Reason + ") · " + text
			}
			add("")
			add(st.status[fs].Render(statusIcon(fs)) + " " + wrap(safe(text), w-2))
		}
		for _, e := range f.Evidence {
			add("")
			out = append(out, m.evidenceLines(e, w)...)
		}
	}
	if it.check.Area == checks.AreaLoginLoop {
		if tl := m.timeline(w); tl != "" {
			add(tl)
		}
	}
	if plans := it.result.Fixes(); len(plans) > 0 {
		add("")
		add(st.label.Render("Fixes that apply (f previews, y applies):"))
		for i, p := range plans {
			undo := "can be undone"
			if !p.Reversible {
				undo = "cannot be undone"
			}
			add(wrap(fmt.Sprintf("%d. %s (%s)", i+1, safe(p.Title), undo), w))
		}
	}
	if len(res.References) > 0 {
		add("")
		add(st.label.Render("References"))
		for _, ref := range res.References {
			add(st.subtle.Render(fit(safe(ref), w)))
		}
	}
	return out
}

// evidenceLines shows a comparison with two sides as two columns, Okta
// beside Entra (equal values dim, different ones marked ≠); a value too
// long for its column goes on lines of its own, never cut.
func (m Model) evidenceLines(e report.Evidence, w int) []string {
	st := m.styles
	if c := e.Comparison; c != nil && len(c.Sides) == 2 {
		a, b := c.Sides[0], c.Sides[1]
		verdict, mark := st.differ.Render("≠ differ"), st.differ
		if c.Equal {
			verdict, mark = st.dim.Render("= equal"), st.dim
		}
		out := []string{st.label.Render(fit(safe(c.What), w-10)) + "  " + verdict}
		va, vb := safe(showValue(a.Value)), safe(showValue(b.Value))
		col := (w - 3) / 2
		if lipgloss.Width(va) <= col && lipgloss.Width(vb) <= col && col >= 16 {
			pad := func(s string) string { return s + strings.Repeat(" ", max(col-lipgloss.Width(s), 0)) }
			out = append(out,
				st.subtle.Render(pad(fit(strings.ToUpper(a.System), col)))+" ⇄ "+st.subtle.Render(fit(strings.ToUpper(b.System), col)),
				mark.Render(pad(va))+"   "+mark.Render(vb),
				st.subtle.Render(pad(fit(safe(a.Object.Label()+" · "+a.Field), col)))+"   "+st.subtle.Render(fit(safe(b.Object.Label()+" · "+b.Field), col)))
			return out
		}
		for _, s := range []report.Read{a, b} {
			out = append(out, st.subtle.Render(fit(strings.ToUpper(s.System)+"  "+safe(s.Object.Label()+" · "+s.Field), w)))
			// A value longer than the pane goes on as many lines as it
			// needs: whole, never cut.
			for _, part := range chunks(safe(showValue(s.Value)), max(w-4, 8)) {
				out = append(out, "    "+mark.Render(part))
			}
		}
		return out
	}
	var out []string
	for _, line := range e.Lines() {
		out = append(out, strings.Split(lipgloss.NewStyle().Width(max(w, 10)).Render(hang(safe(line), w)), "\n")...)
	}
	return out
}

// chunks cuts s into pieces of at most w cells.
func chunks(s string, w int) []string {
	var out []string
	for lipgloss.Width(s) > w {
		cut := ansi.Truncate(s, w, "")
		if cut == "" {
			break
		}
		out = append(out, cut)
		s = s[len(cut):]
	}
	return append(out, s)
}

func showValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "(none)"
	case string:
		if x == "" {
			return "(empty)"
		}
		return x
	}
	return fmt.Sprint(v)
}

// maxTimeline bounds the timeline the details pane shows: the newest
// events, which are the loop (the JSON report has every one).
const maxTimeline = 15

// timeline is the user's Okta and Entra events merged in time order, from
// every login-loop check that has finished, under a login-loop check.
func (m Model) timeline(w int) string {
	var done []report.Result
	for _, it := range m.items {
		if it.check.Area == checks.AreaLoginLoop && !it.pending {
			done = append(done, it.rep)
		}
	}
	lines := report.TimelineLines(done, maxTimeline)
	if len(lines) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n" + m.styles.label.Render("Timeline (Okta and Entra, oldest first)") + "\n")
	for _, line := range lines {
		b.WriteString(lipgloss.NewStyle().Width(max(w, 10)).Render(hang(safe(line), w)) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// hang puts a value that does not fit on the line of its field on a line
// of its own, indented, so a narrow pane wraps the label, never the value
// a helpdesk copies.
func hang(line string, w int) string {
	if lipgloss.Width(line) <= w {
		return line
	}
	label, value, ok := strings.Cut(line, " = ")
	if !ok {
		return line
	}
	indent := len(label) - len(strings.TrimLeft(label, " "))
	return strings.TrimRight(label, " ") + "\n" + strings.Repeat(" ", indent+4) + value
}

// maxFindings is how many findings of one check the details pane lists.
const maxFindings = 20

// journalView lists the newest journal entries: when, what, how it ended.
func (m Model) journalView(w int) string {
	st := m.styles
	var b strings.Builder
	b.WriteString(st.title.Render("Journal") + "  " + st.subtle.Render("newest first · J or esc to go back") + "\n\n")
	entries, err := m.journal, m.journalErr
	if err != nil {
		b.WriteString(st.flashErr.Render(safe(err.Error())) + "\n")
		return b.String()
	}
	if len(entries) == 0 {
		b.WriteString("No fix has been applied with this journal.\n")
		return b.String()
	}
	const shown = 15
	undoneBy := fix.UndoneBy(entries)
	for i := len(entries) - 1; i >= 0 && i >= len(entries)-shown; i-- {
		e := entries[i]
		state := fix.StateLabel(e, undoneBy)
		line := fmt.Sprintf("%s  %s  %s  %s", e.Time.UTC().Format("2006-01-02 15:04:05Z"), e.ID, e.Kind, state)
		b.WriteString(st.label.Render(fit(safe(line), w)) + "\n")
		b.WriteString(lipgloss.NewStyle().Width(max(w-4, 20)).Render("  "+safe(e.Plan.Title)) + "\n")
		if e.Error != "" {
			b.WriteString(st.subtle.Width(max(w-4, 20)).Render("  "+safe(e.Error)) + "\n")
		}
	}
	if len(entries) > shown {
		b.WriteString(st.subtle.Render(fmt.Sprintf("… and %d older: o365doctor journal lists them all", len(entries)-shown)) + "\n")
	}
	return b.String()
}

func (m Model) planView(w int) string {
	st := m.styles
	var b strings.Builder
	b.WriteString(st.title.Render("Fix plan") + "\n\n")
	inner := max(w-6, 20)
	b.WriteString(lipgloss.NewStyle().Width(inner).Render(model.CleanLines(config.Mask(m.plan.Preview()))))
	b.WriteString("\n")
	if m.state == statePreview {
		if sel := m.selected(); sel != nil {
			if n := len(sel.result.Fixes()); n > 1 {
				b.WriteString(fmt.Sprintf("plan %d of %d   ", m.planIdx+1, n) + st.label.Render("f") + " next plan\n")
			}
		}
		b.WriteString(st.label.Render("y") + " apply   " + st.label.Render("esc") + " cancel — nothing changes until you press y\n")
	}
	if m.state == stateInput {
		if m.inputFor == inputValue {
			b.WriteString("\n" + st.label.Render("This plan needs "+m.plan.Input.Prompt+":") + "\n")
		} else {
			b.WriteString("\n" + st.label.Render("This cannot be undone. Type "+safe(m.plan.Subject)+" to apply it:") + "\n")
		}
		b.WriteString(m.input.View() + "\n" + st.subtle.Render("enter to continue · esc to cancel") + "\n")
	}
	return st.dialog.Width(inner + 2).Render(b.String())
}
