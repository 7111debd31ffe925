package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

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
	// Now is the clock (tests pin it); nil is time.Now.
	Now func() time.Time
	// Version goes into exported reports.
	Version string
	// Prepare runs before the checks, behind the view (the sign-ins that
	// say what each credential grants): the view shows at once.
	Prepare func(context.Context)
	// Notices are messages for the person from outside the view (a
	// device code's instructions), shown on its message line.
	Notices <-chan string
}

// state is the root model's explicit state; keys follow it.
type state int

const (
	stateBrowse   state = iota // running or done: move, open a fix
	statePreview               // a plan is shown: y applies, esc cancels
	stateApplying              // the executor is working
	stateInput                 // a value is typed: the plan's input, or its subject to confirm
	stateJournal               // the journal of fixes and undos is shown
	stateFilter                // the filter is typed
	stateExport                // export: j JSON, m markdown
	stateDetail                // the details, full screen (narrow terminals)
)

// inputFor is what the typed value is for.
type inputFor int

const (
	inputValue   inputFor = iota // the plan's input (a usage location)
	inputConfirm                 // the plan's subject: it cannot be undone
)

type item struct {
	check    *checks.Check
	result   checks.Result
	rep      report.Result // the result as reports show it, made once
	search   string        // lower-case check ID, title and message, for /
	fsearch  string        // lower-case text of every finding, each after a NUL, for /
	fstart   []int         // where each finding's text starts in fsearch (and the end)
	pending  bool
	run      int // which run of this check the item waits for
	expanded bool
	started  time.Time
}

// Model is the root Bubble Tea model.
type Model struct {
	ctx       context.Context
	opts      Options
	items     []item
	rows      []row
	cursor    int // a row
	offset    int // the first row shown
	detailTop int // the first line of the details shown (full screen)
	collapsed map[checks.Area]bool
	filter    string
	status    statusFilter
	state     state
	plan      fix.Plan
	planFor   int
	planIdx   int    // which of the result's plans is shown
	lastFix   string // journal ID of the last fix applied in this session
	flash     string
	flashErr  bool
	showHelp  bool
	moved     bool // the person moved the cursor: stop choosing for them
	width     int
	height    int
	keys      keyMap
	help      help.Model
	spinner   spinner.Model
	styles    styles
	input     textinput.Model
	inputFor  inputFor
	started   time.Time
	finished  time.Time
	progress  map[string]checks.Progress // a tenant-wide listing's news, by what is read
	sink      *sink                      // where a listing's news is sent (the program)
	now       func() time.Time
	// cancelApply stops the apply under way (ctrl-c): the executor then
	// compensates what it made.
	cancelApply context.CancelFunc
	// quitAfterCancel: ctrl-c came while a fix ran; quit once it is rolled back.
	quitAfterCancel bool
	// writeOut writes raw bytes to the terminal (OSC 52); nil in tests.
	writeOut func([]byte) error
	// exportDir is where e writes (the working directory).
	exportDir string
	// journal is the journal's entries, read when its view opens.
	journal    []fix.Entry
	journalErr error
	// afterQuit is said on the terminal once the view has closed (what a
	// fix cancelled by ctrl-c left).
	afterQuit string
	// noticeShown: a notice is on the message line (kept when the checks
	// start).
	noticeShown bool
}

// waitNotice delivers the next notice; nil without a source of them (the
// command then never blocks a test's driver).
func (m Model) waitNotice() tea.Cmd {
	ch, ctx := m.opts.Notices, m.ctx
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		select {
		case n, ok := <-ch:
			if !ok {
				return nil
			}
			return noticeMsg(n)
		case <-ctx.Done():
			return nil
		}
	}
}

// outcome says how an apply or undo that ctrl-c cancelled ended.
// endApply returns the view to browsing once a fix or an undo ended,
// releasing its cancel; true when a Ctrl-C asked to quit (what the
// cancelled change left is said after the view closes).
func (m *Model) endApply(what string, e fix.Entry, err error) (quit bool) {
	m.state = stateBrowse
	if m.cancelApply != nil {
		m.cancelApply()
		m.cancelApply = nil
	}
	if m.quitAfterCancel {
		m.afterQuit = outcome(what, e, err)
	}
	return m.quitAfterCancel
}

func outcome(what string, e fix.Entry, err error) string {
	if err != nil {
		return "o365doctor: " + what + " cancelled: " + safe(err.Error()) + " (o365doctor journal shows the entry)"
	}
	return "o365doctor: " + what + " finished before the cancel reached it: journal " + e.ID + " (o365doctor undo reverses it)"
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
	progressMsg checks.Progress
	// preparedMsg: Prepare is done, the checks start.
	preparedMsg struct{}
	noticeMsg   string
	// copiedMsg and exportedMsg report a clipboard copy or export.
	copiedMsg struct {
		n   int
		err error
	}
	exportedMsg struct {
		path string
		err  error
	}
)

// New returns the model; Init starts every check.
func New(ctx context.Context, opts Options) Model {
	m := Model{
		ctx: ctx, opts: opts, keys: newKeyMap(), help: newHelp(newStyles(opts.Out)),
		spinner: spinner.New(spinner.WithSpinner(spinner.Dot)), styles: newStyles(opts.Out),
		width: 100, height: 30, collapsed: map[checks.Area]bool{}, now: time.Now,
		progress: map[string]checks.Progress{}, sink: &sink{}, exportDir: ".",
	}
	if opts.Now != nil {
		m.now = opts.Now
	}
	m.started = m.now()
	if f, ok := opts.Out.(*os.File); ok {
		m.writeOut = func(b []byte) error { _, err := f.Write(b); return err }
	}
	for _, c := range opts.Checks {
		m.items = append(m.items, item{check: c, pending: true, started: m.started})
	}
	m.rebuildRows()
	m.syncKeys()
	if opts.Prepare != nil {
		m.setFlash(false, "Signing in and reading what each credential may do …")
	}
	return m
}

// Init runs all checks concurrently, sharing one set of facts.
func (m Model) Init() tea.Cmd {
	if m.opts.Prepare != nil {
		ctx, prepare := m.ctx, m.opts.Prepare
		return tea.Batch(m.spinner.Tick, m.waitNotice(), func() tea.Msg {
			prepare(ctx)
			return preparedMsg{}
		})
	}
	return tea.Batch(m.spinner.Tick, m.runAll())
}

// sink sends messages to the running program from outside Update (a
// listing's progress); Run connects it. The model is a value: they share
// the pointer.
type sink struct {
	mu   sync.Mutex
	send func(tea.Msg)
}

func (s *sink) deliver(msg tea.Msg) {
	s.mu.Lock()
	send := s.send
	s.mu.Unlock()
	if send != nil {
		send(msg)
	}
}

// runOptions are the run's, with the listing's news sent to the view.
func (m Model) runOptions() checks.RunOptions {
	ro := m.opts.RunOptions
	sk, prev := m.sink, ro.OnProgress
	ro.OnProgress = func(p checks.Progress) {
		if prev != nil {
			prev(p)
		}
		sk.deliver(progressMsg(p))
	}
	return ro
}

// newFacts is a fresh fact table for one run (a re-run after a fix must not
// see values memoised before it), with every required fact started.
func (m Model) newFacts(list []*checks.Check) *checks.Facts {
	// The run's options: a tenant listing reports its progress to the
	// view and keeps its snapshot, as in a report run.
	f := checks.NewRunFacts(m.ctx, m.opts.Subject, m.opts.Sources, m.runOptions())
	f.PrefetchFor(list)
	return f
}

func (m Model) runAll() tea.Cmd {
	idx := make([]int, len(m.items))
	for i := range m.items {
		idx[i] = i
	}
	return m.runSome(idx)
}

// runSome runs the items on one fresh set of facts.
func (m Model) runSome(idx []int) tea.Cmd {
	list := make([]*checks.Check, len(idx))
	for j, i := range idx {
		list[j] = m.items[i].check
	}
	facts := m.newFacts(list)
	cmds := make([]tea.Cmd, len(idx))
	for j, i := range idx {
		cmds[j] = m.runCheck(i, m.items[i].run, m.items[i].check, facts)
	}
	return tea.Batch(cmds...)
}

func (m Model) runCheck(i, run int, c *checks.Check, facts *checks.Facts) tea.Cmd {
	ctx, opts := m.ctx, m.runOptions()
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
	i := m.selectedItem()
	if i < 0 {
		return nil
	}
	return &m.items[i]
}

// selectedFinding is the finding the cursor's row shows, or -1.
func (m Model) selectedFinding() int {
	if m.cursor < 0 || m.cursor >= len(m.rows) || m.rows[m.cursor].kind != rowFinding {
		return -1
	}
	return m.rows[m.cursor].finding
}

// syncKeys enables exactly the keys that do something in this state.
func (m *Model) syncKeys() {
	browse := m.state == stateBrowse || m.state == stateDetail
	sel := m.selected()
	moving := m.state == stateBrowse && len(m.rows) > 0
	for _, k := range []*key.Binding{&m.keys.Up, &m.keys.Down, &m.keys.PageUp, &m.keys.PageDown, &m.keys.Top, &m.keys.Bottom} {
		k.SetEnabled(moving || m.state == stateDetail)
	}
	m.keys.Move.SetEnabled(m.keys.Up.Enabled())
	m.keys.Expand.SetEnabled(m.state == stateBrowse && len(m.rows) > 0)
	if m.state == stateBrowse && m.narrow() && sel != nil && (m.rows[m.cursor].kind == rowFinding || len(sel.rep.Findings) <= 1 || sel.expanded) {
		m.keys.Expand.SetHelp("enter", "details")
	} else {
		m.keys.Expand.SetHelp("enter", "open/close")
	}
	m.keys.Filter.SetEnabled(m.state == stateBrowse)
	m.keys.StatusFilter.SetEnabled(m.state == stateBrowse)
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
	m.keys.Cancel.SetEnabled(m.state == statePreview || m.state == stateJournal || m.state == stateDetail || m.state == stateExport ||
		m.state == stateBrowse && (m.filter != "" || m.status != filterAll))
	switch {
	case m.state == stateBrowse:
		m.keys.Cancel.SetHelp("esc", "clear filter")
	case m.state == stateDetail || m.state == stateJournal:
		m.keys.Cancel.SetHelp("esc", "back")
	default:
		m.keys.Cancel.SetHelp("esc", "cancel")
	}
	m.keys.Undo.SetEnabled(browse && m.lastFix != "")
	m.keys.Rerun.SetEnabled(browse && sel != nil && !sel.pending)
	m.keys.RerunAll.SetEnabled(browse && !m.anyPending())
	m.keys.Journal.SetEnabled((browse || m.state == stateJournal) && m.opts.Executor != nil && m.opts.Executor.Journal != nil)
	if m.state == stateJournal {
		m.keys.Journal.SetHelp("J", "back")
	} else {
		m.keys.Journal.SetHelp("J", "journal")
	}
	m.keys.Export.SetEnabled(browse && !m.anyPending())
	m.keys.Copy.SetEnabled(browse && !m.anyPending())
	m.keys.DetailDown.SetEnabled(m.state == stateBrowse && !m.narrow() && len(m.rows) > 0)
	m.keys.DetailUp.SetEnabled(m.keys.DetailDown.Enabled())
	if m.state == stateExport {
		for _, b := range []*key.Binding{&m.keys.Help, &m.keys.Quit, &m.keys.Cancel} {
			b.SetEnabled(false)
		}
		m.keys.Cancel.SetEnabled(true)
		m.keys.Cancel.SetHelp("esc", "cancel export")
	}
	m.keys.Help.SetEnabled(m.state != stateInput && m.state != stateFilter)
	// ctrl-c is never ignored: while a fix runs it cancels it (rolled
	// back) and then quits.
	m.keys.Quit.SetEnabled(true)
	if m.state == stateApplying {
		m.keys.Quit.SetHelp("ctrl+c", "cancel fix and quit")
	} else {
		m.keys.Quit.SetHelp("q", "quit")
	}
}

// firstProblem is the item of the first fail, then warn, then error; -1
// when everything passed.
func (m Model) firstProblem() int {
	for _, want := range []checks.Status{checks.StatusFail, checks.StatusWarn, checks.StatusError} {
		for i, it := range m.items {
			if !it.pending && it.result.Status == want {
				return i
			}
		}
	}
	return -1
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
		if m.state == stateDetail && !m.narrow() {
			m.state = stateBrowse
		}
	case spinner.TickMsg:
		m.spinner, cmd = m.spinner.Update(msg)
	case preparedMsg:
		if !m.noticeShown {
			m.flash = ""
		}
		cmd = m.runAll()
	case noticeMsg:
		m.setFlash(false, string(msg))
		m.noticeShown = true
		cmd = m.waitNotice()
	case progressMsg:
		if m.anyPending() {
			p := checks.Progress(msg)
			m.progress[p.What] = p
		}
	case resultMsg:
		// A result of an older run (a re-run overtook it) is dropped.
		if msg.index >= 0 && msg.index < len(m.items) && msg.run == m.items[msg.index].run {
			m.items[msg.index].setResult(msg.result)
		}
		if !m.anyPending() {
			m.finished = m.now()
			m.progress = map[string]checks.Progress{}
		}
		m.rebuildRows()
		if !m.moved && !m.anyPending() {
			if p := m.firstProblem(); p >= 0 {
				m.selectItem(p)
			} else {
				m.cursor = 0
			}
		}
	case appliedMsg:
		if m.endApply("Fix", msg.entry, msg.err) {
			return m, tea.Quit
		}
		if msg.err != nil {
			m.setFlash(true, "Fix not applied: "+msg.err.Error())
			break
		}
		again := m.readersOf(msg.index)
		m.lastFix = ""
		undo := "this change cannot be undone"
		if msg.entry.Plan.Reversible {
			m.lastFix, undo = msg.entry.ID, "u undoes it"
		}
		m.setFlash(false, fmt.Sprintf("Applied: %s (journal %s). Re-running %s that read what it changed; %s.", msg.entry.Plan.Title, msg.entry.ID, report.Checks(len(again)), undo))
		cmd = m.rerunItems(again)
	case undoneMsg:
		if m.endApply("Undo", msg.entry, msg.err) {
			return m, tea.Quit
		}
		if msg.err != nil {
			m.setFlash(true, "Undo failed: "+msg.err.Error())
			break
		}
		m.lastFix = ""
		m.setFlash(false, fmt.Sprintf("Undone: journal %s reverses %s. Re-running the checks.", msg.entry.ID, msg.entry.Undoes))
		cmd = m.rerunAll()
	case copiedMsg:
		if msg.err != nil {
			m.setFlash(true, "Not copied: "+msg.err.Error())
		} else {
			m.setFlash(false, fmt.Sprintf("Copied the ticket summary (%d bytes, markdown) to the clipboard through OSC 52: paste it into the ticket.", msg.n))
		}
	case exportedMsg:
		if msg.err != nil {
			m.setFlash(true, "Not exported: "+msg.err.Error())
		} else {
			m.setFlash(false, "Exported to "+msg.path)
		}
	case tea.KeyMsg:
		switch m.state {
		case stateInput:
			cmd = m.handleInput(msg)
		case stateFilter:
			cmd = m.handleFilter(msg)
		case stateApplying:
			if msg.Type == tea.KeyCtrlC && m.cancelApply != nil {
				m.cancelApply()
				m.quitAfterCancel = true
				m.setFlash(true, "Cancelling: the executor rolls back the steps it made, then o365doctor quits …")
			}
		default:
			// Keys typed faster than the terminal is read arrive as one
			// message with several runes ("jj"); handle them one by one.
			if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
				// Stop at a key that changes the state: "fy" typed ahead
				// must not apply a plan the person has not seen.
				var cmds []tea.Cmd
				for i, r := range msg.Runes {
					before := m.state
					cmds = append(cmds, m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}))
					m.syncKeys()
					if m.state == stateFilter && before != stateFilter {
						// "/immutable" in one read: the rest is the filter.
						if rest := msg.Runes[i+1:]; len(rest) > 0 {
							cmds = append(cmds, m.handleFilter(tea.KeyMsg{Type: tea.KeyRunes, Runes: rest}))
						}
						break
					}
					if m.state != before {
						break
					}
				}
				cmd = tea.Batch(cmds...)
				break
			}
			cmd = m.handleKey(msg)
		}
	}
	m.syncKeys()
	m.scrollToCursor()
	return m, cmd
}

func (m *Model) setFlash(isErr bool, s string) {
	m.flash, m.flashErr = config.Shown(s), isErr
}

// readersOf are the items that read a fact the fixed check read (facts
// know which checks read them): the fix changed what those facts hold.
func (m *Model) readersOf(i int) []int {
	if i < 0 || i >= len(m.items) {
		return nil
	}
	reads := map[checks.FactRef]bool{}
	for _, f := range m.items[i].check.Requires {
		reads[f] = true
	}
	var out []int
	for j, it := range m.items {
		if j == i || slices.ContainsFunc(it.check.Requires, func(f checks.FactRef) bool { return reads[f] }) {
			out = append(out, j)
		}
	}
	return out
}

func (m *Model) rerun(i int) tea.Cmd { return m.rerunItems([]int{i}) }

func (m *Model) rerunItems(idx []int) tea.Cmd {
	if len(idx) == 0 {
		return nil
	}
	for _, i := range idx {
		m.items[i].pending = true
		m.items[i].run++
		m.items[i].started = m.now()
	}
	m.finished = time.Time{}
	m.rebuildRows()
	return m.runSome(idx)
}

func (m *Model) rerunAll() tea.Cmd {
	idx := make([]int, len(m.items))
	for i := range m.items {
		idx[i] = i
	}
	return m.rerunItems(idx)
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
	case tea.KeyCtrlC:
		return tea.Quit // nothing runs yet: nothing to cancel first
	case tea.KeyEsc:
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

// handleFilter edits the filter; every keystroke filters the list.
func (m *Model) handleFilter(k tea.KeyMsg) tea.Cmd {
	switch k.Type {
	case tea.KeyEsc:
		m.filter = ""
		m.state = stateBrowse
		m.rebuildRows()
		return nil
	case tea.KeyCtrlC:
		return tea.Quit
	case tea.KeyEnter:
		m.state = stateBrowse
		return nil
	case tea.KeyBackspace:
		if r := []rune(m.filter); len(r) > 0 {
			m.filter = string(r[:len(r)-1])
		}
	case tea.KeyRunes:
		m.filter += string(k.Runes)
	case tea.KeySpace:
		m.filter += " "
	default:
		return nil
	}
	m.filter = model.Clean(m.filter)
	m.rebuildRows()
	return nil
}

// listHeight is how many rows the list shows.
func (m Model) listHeight() int {
	return max(m.height-m.chromeHeight(), 3)
}

// scrollToCursor keeps the cursor's row in the visible window.
func (m *Model) scrollToCursor() {
	h := m.listHeight()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	m.offset = max(min(m.offset, len(m.rows)-h), 0)
}

func (m *Model) move(n int) {
	m.moved = true
	if c := max(min(m.cursor+n, len(m.rows)-1), 0); c != m.cursor {
		m.cursor, m.detailTop = c, 0
	}
}

func (m *Model) handleKey(k tea.KeyMsg) tea.Cmd {
	if m.state == stateExport {
		switch k.String() {
		case "j", "J":
			m.state = stateBrowse
			return m.export("json")
		case "m", "M":
			m.state = stateBrowse
			return m.export("markdown")
		case "esc", "n", "q":
			m.state = stateBrowse
			m.flash = ""
			return nil
		case "ctrl+c":
			return tea.Quit
		}
		return nil
	}
	if m.showHelp {
		// The help hides everything: only closing it, or quitting, acts.
		switch {
		case key.Matches(k, m.keys.Quit):
			return tea.Quit
		case key.Matches(k, m.keys.Help), k.Type == tea.KeyEsc:
			m.showHelp = false
		}
		return nil
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		return tea.Quit
	case key.Matches(k, m.keys.Help):
		m.showHelp = !m.showHelp
	case m.state == stateDetail && key.Matches(k, m.keys.Up):
		m.detailTop = max(m.detailTop-1, 0)
	case m.state == stateDetail && key.Matches(k, m.keys.Down):
		m.detailTop++
	case m.state == stateDetail && key.Matches(k, m.keys.PageUp):
		m.detailTop = max(m.detailTop-m.listHeight(), 0)
	case m.state == stateDetail && key.Matches(k, m.keys.PageDown):
		m.detailTop += m.listHeight()
	case m.state == stateDetail && key.Matches(k, m.keys.Top):
		m.detailTop = 0
	case m.state == stateDetail && key.Matches(k, m.keys.Bottom):
		m.detailTop = 1 << 30 // the view holds it to the last page
	case key.Matches(k, m.keys.DetailDown):
		m.detailTop++
	case key.Matches(k, m.keys.DetailUp):
		m.detailTop = max(m.detailTop-1, 0)
	case key.Matches(k, m.keys.Up):
		m.move(-1)
	case key.Matches(k, m.keys.Down):
		m.move(1)
	case key.Matches(k, m.keys.PageUp):
		m.move(-m.listHeight())
	case key.Matches(k, m.keys.PageDown):
		m.move(m.listHeight())
	case key.Matches(k, m.keys.Top):
		m.move(-len(m.rows))
	case key.Matches(k, m.keys.Bottom):
		m.move(len(m.rows))
	case key.Matches(k, m.keys.Expand):
		m.expand()
	case key.Matches(k, m.keys.Filter):
		m.state, m.flash = stateFilter, ""
	case key.Matches(k, m.keys.StatusFilter):
		m.status = (m.status + 1) % filterCount
		m.rebuildRows()
	case key.Matches(k, m.keys.Fix):
		sel := m.selected()
		plans := sel.result.Fixes()
		if m.state == statePreview {
			m.planIdx = (m.planIdx + 1) % len(plans)
		} else {
			m.planIdx = 0
		}
		m.plan, m.planFor, m.state = plans[m.planIdx], m.selectedItem(), statePreview
		m.flash = ""
	case key.Matches(k, m.keys.Journal):
		if m.state == stateJournal {
			m.state = stateBrowse
		} else {
			m.state, m.flash = stateJournal, ""
			m.journal, m.journalErr = m.opts.Executor.Journal.Entries()
		}
	case key.Matches(k, m.keys.Cancel):
		switch m.state {
		case stateJournal, stateDetail:
			m.state = stateBrowse
		case stateBrowse:
			m.filter, m.status = "", filterAll
			m.rebuildRows()
		default:
			m.state = stateBrowse
			m.setFlash(false, "Fix cancelled: nothing was changed.")
		}
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
		m.setFlash(false, "Undoing journal entry "+m.lastFix+" … (ctrl-c cancels it, rolled back, and quits)")
		ctx, cancel := context.WithCancel(m.ctx)
		m.cancelApply = cancel
		exec, id := m.opts.Executor, m.lastFix
		return func() tea.Msg {
			e, err := exec.Undo(ctx, id)
			return undoneMsg{entry: e, err: err}
		}
	case key.Matches(k, m.keys.Rerun):
		m.flash = ""
		return m.rerun(m.selectedItem())
	case key.Matches(k, m.keys.RerunAll):
		m.flash = ""
		return m.rerunAll()
	case key.Matches(k, m.keys.Export):
		m.state = stateExport
		m.setFlash(false, "Export the report to a file: j JSON, m markdown, esc cancel")
	case key.Matches(k, m.keys.Copy):
		return m.copyTicket()
	}
	return nil
}

// expand opens or closes the row: a group folds, a check shows its
// findings; on a narrow terminal a finding (or a check with one finding)
// opens its details full screen.
func (m *Model) expand() {
	if len(m.rows) == 0 {
		return
	}
	r := m.rows[m.cursor]
	switch r.kind {
	case rowGroup:
		m.collapsed[r.area] = !m.collapsed[r.area]
	case rowCheck:
		it := &m.items[r.item]
		if m.narrow() && (len(it.rep.Findings) <= 1 || it.expanded) && !it.pending {
			m.state, m.detailTop = stateDetail, 0
			if len(it.rep.Findings) > 1 {
				it.expanded = false
			}
			break
		}
		it.expanded = !it.expanded
	case rowFinding:
		if m.narrow() {
			m.state, m.detailTop = stateDetail, 0
		}
	}
	m.rebuildRows()
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
	m := New(ctx, opts)
	p := tea.NewProgram(m, progOpts...)
	m.sink.mu.Lock()
	m.sink.send = p.Send
	m.sink.mu.Unlock()
	final, err := p.Run()
	if fm, ok := final.(Model); ok {
		if fm.afterQuit != "" && opts.Out != nil {
			fmt.Fprintln(opts.Out, fm.afterQuit)
		}
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
