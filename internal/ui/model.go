package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/report"
)

// Options are what the program shows and may do.
type Options struct {
	Title      string // an extra header line (the demo names its scenario)
	Subject    checks.Subject
	Tenant     string
	OktaOrg    string
	Checks     []*checks.Check
	Sources    checks.Sources
	RunOptions checks.RunOptions
	Executor   *fix.Executor
	In         io.Reader
	Out        io.Writer
}

// state is the root model's explicit state; keys follow it.
type state int

const (
	stateBrowse   state = iota // running or done: move, open a fix
	statePreview               // a plan is shown: y applies, esc cancels
	stateApplying              // the executor is working
	stateInput                 // a value is typed: the plan's input, or its subject to confirm
	stateJournal               // the journal of fixes and undos is shown
)

// inputFor is what the typed value is for.
type inputFor int

const (
	inputValue   inputFor = iota // the plan's input (a usage location)
	inputConfirm                 // the plan's subject: it cannot be undone
)

type item struct {
	check   *checks.Check
	result  checks.Result
	pending bool
	run     int // which run of this check the item waits for
}

// Model is the root Bubble Tea model.
type Model struct {
	ctx      context.Context
	opts     Options
	items    []item
	cursor   int
	state    state
	plan     fix.Plan
	planFor  int
	planIdx  int    // which of the result's plans is shown
	lastFix  string // journal ID of the last fix applied in this session
	flash    string
	flashErr bool
	showHelp bool
	moved    bool // the person moved the cursor: stop choosing for them
	width    int
	height   int
	keys     keyMap
	help     help.Model
	spinner  spinner.Model
	styles   styles
	input    textinput.Model
	inputFor inputFor
	// cancelApply stops the apply under way (ctrl-c): the executor then
	// compensates what it made.
	cancelApply context.CancelFunc
}

// Messages.
type (
	resultMsg struct {
		index  int
		run    int
		result checks.Result
	}
	appliedMsg struct {
		index int
		entry fix.Entry
		err   error
	}
	undoneMsg struct {
		entry fix.Entry
		err   error
	}
)

// New returns the model; Init starts every check.
func New(ctx context.Context, opts Options) Model {
	m := Model{
		ctx: ctx, opts: opts, keys: newKeyMap(), help: help.New(),
		spinner: spinner.New(spinner.WithSpinner(spinner.Dot)), styles: newStyles(),
		width: 100, height: 30,
	}
	for _, c := range opts.Checks {
		m.items = append(m.items, item{check: c, pending: true})
	}
	m.syncKeys()
	return m
}

// Init runs all checks concurrently, sharing one set of facts.
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.spinner.Tick, m.runAll())
}

// newFacts is a fresh fact table for one run (a re-run after a fix must not
// see values memoised before it), with every required fact started.
func (m Model) newFacts(list []*checks.Check) *checks.Facts {
	f := checks.NewFacts(m.ctx, m.opts.Subject, m.opts.Sources, m.opts.RunOptions.LoadTimeout)
	f.PrefetchFor(list)
	return f
}

func (m Model) runAll() tea.Cmd {
	list := make([]*checks.Check, len(m.items))
	for i, it := range m.items {
		list[i] = it.check
	}
	facts := m.newFacts(list)
	cmds := make([]tea.Cmd, len(m.items))
	for i, it := range m.items {
		cmds[i] = m.runCheck(i, it.run, it.check, facts)
	}
	return tea.Batch(cmds...)
}

func (m Model) runCheck(i, run int, c *checks.Check, facts *checks.Facts) tea.Cmd {
	ctx, opts := m.ctx, m.opts.RunOptions
	return func() tea.Msg {
		return resultMsg{index: i, run: run, result: checks.RunOne(ctx, c, facts, opts)}
	}
}

// Results returns the results so far, in registry order; a check still
// running when the view closed is reported as interrupted.
func (m Model) Results() []checks.Result {
	out := make([]checks.Result, len(m.items))
	for i, it := range m.items {
		if it.pending {
			out[i] = checks.Result{CheckID: it.check.ID, Title: it.check.Title, Area: it.check.Area,
				Severity: it.check.Severity, Status: checks.StatusError, Interrupted: true,
				Message: "not finished when the view was closed"}
			continue
		}
		out[i] = it.result
	}
	return out
}

func (m Model) selected() *item {
	if m.cursor < 0 || m.cursor >= len(m.items) {
		return nil
	}
	return &m.items[m.cursor]
}

// syncKeys enables exactly the keys that do something in this state.
func (m *Model) syncKeys() {
	browse := m.state == stateBrowse
	sel := m.selected()
	m.keys.Up.SetEnabled(browse)
	m.keys.Down.SetEnabled(browse)
	// f previews the first plan; in the preview it shows the next, when
	// the result offers several.
	m.keys.Fix.SetEnabled(sel != nil && !sel.pending && (browse && len(sel.result.Fixes()) > 0 ||
		m.state == statePreview && len(sel.result.Fixes()) > 1))
	if m.state == statePreview {
		m.keys.Fix.SetHelp("f", "next plan")
	} else {
		m.keys.Fix.SetHelp("f", "preview fix")
	}
	m.keys.Apply.SetEnabled(m.state == statePreview)
	m.keys.Cancel.SetEnabled(m.state == statePreview || m.state == stateJournal)
	m.keys.Undo.SetEnabled(browse && m.lastFix != "")
	m.keys.Rerun.SetEnabled(browse && !m.anyPending())
	m.keys.Journal.SetEnabled((browse || m.state == stateJournal) && m.opts.Executor != nil && m.opts.Executor.Journal != nil)
	if m.state == stateJournal {
		m.keys.Journal.SetHelp("J", "back")
	} else {
		m.keys.Journal.SetHelp("J", "journal")
	}
	m.keys.Quit.SetEnabled(m.state != stateApplying)
}

// firstProblem is the index of the first fail, then warn, then error; 0
// when everything passed.
func (m Model) firstProblem() int {
	for _, want := range []checks.Status{checks.StatusFail, checks.StatusWarn, checks.StatusError} {
		for i, it := range m.items {
			if it.result.Status == want {
				return i
			}
		}
	}
	return 0
}

func (m Model) anyPending() bool {
	for _, it := range m.items {
		if it.pending {
			return true
		}
	}
	return false
}

// Update never blocks: API work runs in commands and returns as messages.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
	case spinner.TickMsg:
		m.spinner, cmd = m.spinner.Update(msg)
	case resultMsg:
		// A result of an older run (a re-run overtook it) is dropped.
		if msg.index >= 0 && msg.index < len(m.items) && msg.run == m.items[msg.index].run {
			m.items[msg.index].result = msg.result
			m.items[msg.index].pending = false
		}
		if !m.moved && !m.anyPending() {
			m.cursor = m.firstProblem()
		}
	case appliedMsg:
		m.state = stateBrowse
		if m.cancelApply != nil {
			m.cancelApply()
			m.cancelApply = nil
		}
		if msg.err != nil {
			m.setFlash(true, "Fix not applied: "+msg.err.Error())
			break
		}
		if msg.entry.Plan.Reversible {
			m.lastFix = msg.entry.ID
			m.setFlash(false, fmt.Sprintf("Applied: %s (journal %s). Re-running the check; u undoes it.", msg.entry.Plan.Title, msg.entry.ID))
		} else {
			m.lastFix = ""
			m.setFlash(false, fmt.Sprintf("Applied: %s (journal %s). Re-running the check; this change cannot be undone.", msg.entry.Plan.Title, msg.entry.ID))
		}
		cmd = m.rerun(msg.index)
	case undoneMsg:
		m.state = stateBrowse
		if msg.err != nil {
			m.setFlash(true, "Undo failed: "+msg.err.Error())
			break
		}
		m.lastFix = ""
		m.setFlash(false, fmt.Sprintf("Undone: journal %s reverses %s. Re-running the checks.", msg.entry.ID, msg.entry.Undoes))
		cmd = m.rerunAll()
	case tea.KeyMsg:
		if m.state == stateInput {
			cmd = m.handleInput(msg)
			break
		}
		if m.state == stateApplying && msg.Type == tea.KeyCtrlC && m.cancelApply != nil {
			m.cancelApply()
			m.setFlash(true, "Cancelling: the executor rolls back the steps it made …")
			break
		}
		// Keys typed faster than the terminal is read arrive as one message
		// with several runes ("jj"); handle them one by one.
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			// Stop at a key that changes the state: "fy" typed ahead must
			// not apply a plan the person has not seen.
			var cmds []tea.Cmd
			for _, r := range msg.Runes {
				before := m.state
				cmds = append(cmds, m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}))
				m.syncKeys()
				if m.state != before {
					break
				}
			}
			cmd = tea.Batch(cmds...)
			break
		}
		cmd = m.handleKey(msg)
	}
	m.syncKeys()
	return m, cmd
}

func (m *Model) setFlash(isErr bool, s string) {
	m.flash, m.flashErr = model.Clean(config.Mask(s)), isErr
}

func (m *Model) rerun(i int) tea.Cmd {
	m.items[i].pending = true
	m.items[i].run++
	return m.runCheck(i, m.items[i].run, m.items[i].check, m.newFacts([]*checks.Check{m.items[i].check}))
}

func (m *Model) rerunAll() tea.Cmd {
	for i := range m.items {
		m.items[i].pending = true
		m.items[i].run++
	}
	return m.runAll()
}

// apply runs the plan through the executor on a context ctrl-c cancels.
func (m *Model) apply() tea.Cmd {
	m.state = stateApplying
	m.setFlash(false, "Applying: "+m.plan.Title+" … (ctrl-c cancels and rolls back)")
	ctx, cancel := context.WithCancel(m.ctx)
	m.cancelApply = cancel
	exec, plan, idx := m.opts.Executor, m.plan, m.planFor
	return func() tea.Msg {
		if exec == nil {
			return appliedMsg{index: idx, err: errors.New("no fix executor")}
		}
		e, err := exec.Apply(ctx, plan)
		return appliedMsg{index: idx, entry: e, err: err}
	}
}

// startInput asks for a value: the plan's input, or its subject typed to
// confirm a plan that cannot be undone (never a single key).
func (m *Model) startInput(why inputFor, want string) tea.Cmd {
	ti := textinput.New()
	ti.CharLimit = 256
	ti.Width = 40
	ti.Prompt = "› "
	ti.Cursor.SetMode(cursor.CursorStatic) // no blink timer: nothing to redraw while the person thinks
	if why == inputValue {
		ti.Placeholder = "for example US"
	} else {
		ti.Placeholder = want
	}
	m.input, m.inputFor, m.state = ti, why, stateInput
	m.flash = ""
	return m.input.Focus()
}

// handleInput edits the value; enter takes it, esc (or ctrl-c) cancels.
func (m *Model) handleInput(k tea.KeyMsg) tea.Cmd {
	switch k.Type {
	case tea.KeyEsc, tea.KeyCtrlC:
		m.state = statePreview
		m.setFlash(false, "Cancelled: nothing was changed.")
		return nil
	case tea.KeyEnter:
		v := strings.TrimSpace(m.input.Value())
		if m.inputFor == inputValue {
			p, err := m.plan.WithInput(v)
			if err != nil {
				m.setFlash(true, strings.Replace(err.Error(), "--"+m.plan.Input.Flag+" ", "", 1))
				return nil
			}
			m.plan, m.state = p, statePreview
			m.setFlash(false, "The plan now writes "+p.Input.Value+": press y to apply it.")
			return nil
		}
		if !strings.EqualFold(v, m.plan.Subject) {
			m.setFlash(true, fmt.Sprintf("%q is not %s: nothing was changed. Type the subject exactly, or esc to cancel.", v, m.plan.Subject))
			m.input.SetValue("")
			return nil
		}
		return m.apply()
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(k)
	return cmd
}

func (m *Model) handleKey(k tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.Quit):
		return tea.Quit
	case key.Matches(k, m.keys.Help):
		m.showHelp = !m.showHelp
	case key.Matches(k, m.keys.Up):
		m.moved = true
		if m.cursor > 0 {
			m.cursor--
		}
	case key.Matches(k, m.keys.Down):
		m.moved = true
		if m.cursor < len(m.items)-1 {
			m.cursor++
		}
	case key.Matches(k, m.keys.Fix):
		sel := m.selected()
		plans := sel.result.Fixes()
		if m.state == statePreview {
			m.planIdx = (m.planIdx + 1) % len(plans)
		} else {
			m.planIdx = 0
		}
		m.plan, m.planFor, m.state = plans[m.planIdx], m.cursor, statePreview
		m.flash = ""
	case key.Matches(k, m.keys.Journal):
		if m.state == stateJournal {
			m.state = stateBrowse
		} else {
			m.state, m.flash = stateJournal, ""
		}
	case key.Matches(k, m.keys.Cancel):
		if m.state == stateJournal {
			m.state = stateBrowse
			break
		}
		m.state = stateBrowse
		m.setFlash(false, "Fix cancelled: nothing was changed.")
	case key.Matches(k, m.keys.Apply):
		switch {
		case m.plan.Missing():
			return m.startInput(inputValue, m.plan.Input.Prompt)
		case !m.plan.Reversible:
			return m.startInput(inputConfirm, m.plan.Subject)
		}
		return m.apply()
	case key.Matches(k, m.keys.Undo):
		m.state = stateApplying
		m.setFlash(false, "Undoing journal entry "+m.lastFix+" …")
		ctx, exec, id := m.ctx, m.opts.Executor, m.lastFix
		return func() tea.Msg {
			e, err := exec.Undo(ctx, id)
			return undoneMsg{entry: e, err: err}
		}
	case key.Matches(k, m.keys.Rerun):
		m.flash = ""
		return m.rerunAll()
	}
	return nil
}

// View renders header, list beside details (or the plan), flash line, help.
func (m Model) View() string {
	st := m.styles
	var b strings.Builder
	header := "o365doctor · " + string(m.opts.Subject.Kind) + " " + m.opts.Subject.Name()
	if m.opts.Tenant != "" {
		header += " · tenant " + m.opts.Tenant
	}
	width := max(m.width, 20)
	b.WriteString(st.header.Width(width).Render(safe(header)) + "\n")
	if m.opts.OktaOrg != "" {
		b.WriteString(st.subtle.Width(width).Render("okta "+safe(m.opts.OktaOrg)) + "\n")
	}
	if m.opts.Title != "" {
		b.WriteString(st.subtle.Width(width).Render(safe(m.opts.Title)) + "\n")
	}
	b.WriteString("\n")

	leftW := 0
	var rows []string
	for i, it := range m.items {
		mark := m.spinner.View() + " ....."
		if !it.pending {
			mark = statusMark(it.result.Status)
			mark = st.status[it.result.Status].Render(fmt.Sprintf("%-7s", mark))
		} else {
			mark = fmt.Sprintf("%-7s", mark)
		}
		line := mark + " " + it.check.ID
		if i == m.cursor {
			line = st.selected.Render("›") + " " + line
		} else {
			line = "  " + line
		}
		rows = append(rows, line)
		leftW = max(leftW, lipgloss.Width(line))
	}
	left := lipgloss.NewStyle().Width(leftW + 2).Render(strings.Join(rows, "\n"))
	rightW := max(m.width-leftW-5, 30)
	var right string
	switch m.state {
	case stateJournal:
		right = m.journalView(rightW)
	case statePreview, stateApplying, stateInput:
		if m.state != stateApplying || m.plan.ID != "" {
			right = m.planView(rightW)
		}
	default:
		right = m.detailsView(rightW)
	}
	b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, left, st.pane.Width(rightW).Render(right)))
	b.WriteString("\n\n")
	if m.state == stateApplying {
		b.WriteString(m.spinner.View() + " ")
	}
	if m.flash != "" {
		style := st.flashOK
		if m.flashErr {
			style = st.flashErr
		}
		b.WriteString(style.Width(max(m.width-2, 20)).Render(m.flash) + "\n")
	}
	b.WriteString(m.summaryLine() + "\n")
	if m.showHelp {
		b.WriteString(m.help.FullHelpView(m.keys.FullHelp()))
	} else {
		b.WriteString(m.help.ShortHelpView(m.keys.ShortHelp()))
	}
	return b.String()
}

func (m Model) summaryLine() string {
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
	for _, s := range checks.Statuses() {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	if pending > 0 {
		parts = append(parts, fmt.Sprintf("%d running", pending))
	}
	return m.styles.subtle.Render(report.Checks(len(m.items)) + ": " + strings.Join(parts, ", "))
}

func (m Model) detailsView(w int) string {
	st := m.styles
	sel := m.selected()
	if sel == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(st.title.Render(safe(sel.check.Title)) + "\n")
	if sel.pending {
		b.WriteString(m.spinner.View() + " running…\n")
		return b.String()
	}
	r := report.Convert(sel.result)
	status := checks.Status(r.Status)
	b.WriteString(st.status[status].Render(statusMark(status)) + st.subtle.Render(fmt.Sprintf(" · %s · %s · %dms", r.CheckID, r.Severity, r.DurationMs)) + "\n\n")
	b.WriteString(lipgloss.NewStyle().Width(w).Render(r.Message) + "\n")
	shown := 0
	for _, f := range r.Findings {
		if f.Status == string(checks.StatusPass) && len(r.Findings) > 1 {
			continue
		}
		if shown == maxFindings {
			b.WriteString(st.subtle.Render(fmt.Sprintf("… and more: %d findings in all (--json lists every one)", len(r.Findings))) + "\n")
			break
		}
		shown++
		if len(r.Findings) > 1 || f.Message != r.Message {
			fs := checks.Status(f.Status)
			text := f.Object.Label() + ": " + f.Message
			if f.Suppressed != nil {
				text = "suppressed until " + f.Suppressed.Expires + " (" + f.Suppressed.Reason + ") · " + text
			}
			b.WriteString("\n" + st.status[fs].Render(statusMark(fs)) + " " + lipgloss.NewStyle().Width(max(w-8, 10)).Render(text) + "\n")
		}
		if len(f.Evidence) > 0 {
			b.WriteString("\n" + st.label.Render("Evidence") + "\n")
			for _, e := range f.Evidence {
				for _, line := range e.Lines() {
					b.WriteString(lipgloss.NewStyle().Width(w).Render(hang(line, w)) + "\n")
				}
			}
		}
		if len(f.Fixes) > 0 {
			b.WriteString("\n" + st.label.Render("Fix available: ") + f.Fixes[0].Title + "\n" + st.subtle.Render("press f to preview it") + "\n")
		}
	}
	if sel.check.Area == checks.AreaLoginLoop {
		b.WriteString(m.timeline(w))
	}
	return b.String()
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
			done = append(done, report.Convert(it.result))
		}
	}
	lines := report.TimelineLines(done, maxTimeline)
	if len(lines) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n" + m.styles.label.Render("Timeline (Okta and Entra, oldest first)") + "\n")
	for _, line := range lines {
		b.WriteString(lipgloss.NewStyle().Width(w).Render(hang(line, w)) + "\n")
	}
	return b.String()
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

// safe is every string the view prints from outside: secrets masked,
// terminal control removed.
func safe(s string) string { return model.Clean(config.Mask(s)) }

// journalView lists the newest journal entries: when, what, how it ended.
func (m Model) journalView(w int) string {
	st := m.styles
	var b strings.Builder
	b.WriteString(st.title.Render("Journal") + "  " + st.subtle.Render("newest first · J or esc to go back") + "\n\n")
	entries, err := m.opts.Executor.Journal.Entries()
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
		b.WriteString(st.label.Render(safe(line)) + "\n")
		b.WriteString(lipgloss.NewStyle().Width(max(w-4, 20)).Render("  "+safe(config.Mask(e.Plan.Title))) + "\n")
		if e.Error != "" {
			b.WriteString(st.subtle.Width(max(w-4, 20)).Render("  "+safe(config.Mask(e.Error))) + "\n")
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

// Run starts the program on the options' terminal and returns the results
// it showed last.
func Run(ctx context.Context, opts Options) ([]checks.Result, error) {
	progOpts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithOutput(opts.Out), tea.WithAltScreen()}
	// Bubble Tea puts the terminal in raw mode only for its default input:
	// a custom reader, even os.Stdin, stays line-buffered.
	if f, ok := opts.In.(*os.File); !ok || f != os.Stdin {
		progOpts = append(progOpts, tea.WithInput(opts.In))
	}
	p := tea.NewProgram(New(ctx, opts), progOpts...)
	final, err := p.Run()
	if fm, ok := final.(Model); ok {
		return fm.Results(), filterKilled(err)
	}
	return nil, err
}

// filterKilled treats a cancelled context (Ctrl-C from the shell) as an
// ordinary exit.
func filterKilled(err error) error {
	if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
