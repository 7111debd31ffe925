package fix

import (
	"bufio"
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/o365doctor/o365doctor/internal/config"
)

// Entry states. An entry is written "started" before the first call and
// again with its outcome; one left "started" needs a person's attention.
const (
	StateStarted        = "started"
	StateApplied        = "applied"
	StateFailed         = "failed"          // nothing changed, or every change was rolled back
	StateNeedsAttention = "needs-attention" // a rollback failed: the system is part-way
	// StateAbandoned marks an entry a person gave up on (its values moved
	// since): a plain undo passes over it.
	StateAbandoned = "abandoned"
)

// Step states in an entry's log.
const (
	StepPending     = "pending"
	StepStarted     = "started" // journaled before the call: the call may or may not have reached the system
	StepMade        = "made"    // the call succeeded; not (yet) read back
	StepDone        = "done"    // made and read back
	StepFailed      = "failed"
	StepCompensated = "compensated" // undone after a later step failed, and read back
	StepNotMade     = "not-made"    // its call failed and the live value shows no change
)

// Entry kinds.
const (
	KindFix  = "fix"
	KindUndo = "undo"
)

// Entry is one journal record; the journal is JSON lines, one line per state
// change of an entry.
type Entry struct {
	ID     string    `json:"id"`
	Time   time.Time `json:"time"`
	State  string    `json:"state"`
	Kind   string    `json:"kind"`
	Undoes string    `json:"undoes,omitempty"`
	// Target is where the change was made: undo refuses another.
	Target Target `json:"target"`
	Plan   Plan   `json:"plan"`
	// Steps log each step: its state and the live value read just before
	// its call (what a compensation or an undo writes back).
	Steps   []StepLog `json:"steps"`
	Applied int       `json:"appliedSteps"` // steps made and read back (done)
	Error   string    `json:"error,omitempty"`
}

// Target names the Okta org and the Entra tenant a change was made in.
type Target struct {
	OktaOrg string `json:"oktaOrg,omitempty"`
	Tenant  string `json:"tenant,omitempty"`
}

func (t Target) String() string {
	return fmt.Sprintf("Okta org %s, tenant %s", cmp.Or(t.OktaOrg, "(none)"), cmp.Or(t.Tenant, "(none)"))
}

// differs: both name a system and one of them differs (an entry made
// before targets were journaled names none, and is not refused for it).
func (t Target) differs(o Target) bool {
	org := func(u string) string { return strings.TrimRight(strings.ToLower(strings.TrimSpace(u)), "/") }
	return t.OktaOrg != "" && o.OktaOrg != "" && org(t.OktaOrg) != org(o.OktaOrg) ||
		t.Tenant != "" && o.Tenant != "" && !strings.EqualFold(strings.TrimSpace(t.Tenant), strings.TrimSpace(o.Tenant))
}

// StepLog is one step's record in an entry.
type StepLog struct {
	State string `json:"state"`
	// Live is the value read just before the call.
	Live  string `json:"live"`
	Error string `json:"error,omitempty"`
	// Started is when the step's call was sent (with StepStarted).
	Started time.Time `json:"started,omitzero"`
}

// Incomplete reports whether the entry was left mid-way (a crash or a
// kill between its first call and its outcome).
func (e Entry) Incomplete() bool { return e.State == StateStarted }

// Journal is the append-only record of changes, mode 0600.
type Journal struct {
	path string
	mu   sync.Mutex
}

// DefaultJournalPath is $XDG_STATE_HOME/o365doctor/journal.jsonl, or
// ~/.local/state/o365doctor/journal.jsonl.
func DefaultJournalPath(getenv func(string) string) string {
	dir := getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "."
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "o365doctor", "journal.jsonl")
}

// OpenJournal returns the journal at path; the file is created on first write.
func OpenJournal(path string) *Journal { return &Journal{path: path} }

// Path is where the journal lives.
func (j *Journal) Path() string { return j.path }

func newEntryID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// append writes one line and fsyncs it before returning, so a change is
// never made without its record on disk.
func (j *Journal) append(e Entry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(j.path), 0o700); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	line := config.Mask(string(b)) + "\n"
	f, err := os.OpenFile(j.path, os.O_APPEND|os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	// A crash mid-append leaves a torn last line without its newline: end
	// it first, or this entry would be glued onto it and lost with it.
	if torn, err := endsTorn(f); err != nil {
		f.Close()
		return fmt.Errorf("journal: %w", err)
	} else if torn {
		line = "\n" + line
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return fmt.Errorf("journal: write %s: %w", j.path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("journal: fsync %s: %w", j.path, err)
	}
	return f.Close()
}

// endsTorn reports whether the file's last byte is not a newline.
func endsTorn(f *os.File) (bool, error) {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return false, err
	}
	var last [1]byte
	if _, err := f.ReadAt(last[:], st.Size()-1); err != nil {
		return false, err
	}
	return last[0] != '\n', nil
}

// Entries returns every entry in the order they were started, each in its
// latest state. A missing journal is an empty one.
func (j *Journal) Entries() ([]Entry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	f, err := os.Open(j.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	var order []string
	latest := map[string]Entry{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.ID == "" {
			// A crash mid-append leaves a torn line (append ends it
			// before the next entry): its entry's "started" line,
			// written first, still tells the story.
			continue
		}
		if _, seen := latest[e.ID]; !seen {
			order = append(order, e.ID)
		}
		latest[e.ID] = e
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	out := make([]Entry, len(order))
	for i, id := range order {
		out[i] = latest[id]
	}
	return out, nil
}

// UndoneBy maps each entry reversed by an applied undo to that undo's ID.
func UndoneBy(entries []Entry) map[string]string {
	out := map[string]string{}
	for _, e := range entries {
		if e.Kind == KindUndo && e.State == StateApplied {
			out[e.Undoes] = e.ID
		}
	}
	return out
}

// StateLabel is an entry's state as the journal lists it: an entry left
// mid-plan says so and what to do; one an undo reversed says by which.
func StateLabel(e Entry, undoneBy map[string]string) string {
	switch by := undoneBy[e.ID]; {
	case by != "" && e.Incomplete():
		return "INCOMPLETE, reversed by " + by
	case by != "":
		return e.State + ", undone by " + by
	case e.Incomplete() && !e.Plan.Reversible:
		return fmt.Sprintf("INCOMPLETE (%d of %d steps made; o365doctor fix --resume %s, or undo --abandon %s)", e.Applied, len(e.Plan.Steps), e.ID, e.ID)
	case e.Incomplete():
		return fmt.Sprintf("INCOMPLETE (%d of %d steps made; o365doctor fix --resume %s, or undo %s)", e.Applied, len(e.Plan.Steps), e.ID, e.ID)
	}
	return e.State
}

// undoable returns the entry undo should reverse: the named one, or the
// latest applied entry that has not been undone.
func undoable(entries []Entry, id string) (Entry, error) {
	undone := map[string]bool{}
	for id := range UndoneBy(entries) {
		undone[id] = true
	}
	undoableState := func(e Entry) bool { return e.State == StateApplied || e.Incomplete() || e.State == StateNeedsAttention }
	if id != "" {
		for _, e := range entries {
			if e.ID != id {
				continue
			}
			switch {
			case e.Kind == KindUndo && !e.Incomplete():
				return Entry{}, fmt.Errorf("journal entry %s is an undo; to make the change again, run the fix again", id)
			case !undoableState(e):
				return Entry{}, fmt.Errorf("journal entry %s is %s: nothing to undo", id, e.State)
			case undone[id]:
				return Entry{}, fmt.Errorf("journal entry %s is already undone", id)
			case !e.Plan.Reversible && !e.Incomplete():
				// An incomplete one is judged by its live values: one
				// that made nothing is closed.
				return Entry{}, fmt.Errorf("journal entry %s (%s) cannot be undone", id, e.Plan.Title)
			}
			return e, nil
		}
		return Entry{}, fmt.Errorf("no journal entry %s; `o365doctor journal` lists them", id)
	}
	// An entry left mid-way comes first: a plain undo past it could
	// read its half-made change as someone else's. When it is the newest
	// entry (the process was killed in the last fix), it is the one a
	// plain undo reverses.
	var midway []Entry
	for _, e := range entries {
		if (e.Incomplete() || e.State == StateNeedsAttention) && !undone[e.ID] {
			midway = append(midway, e)
		}
	}
	if len(midway) == 1 && len(entries) > 0 && midway[0].ID == entries[len(entries)-1].ID && midway[0].Kind == KindFix && midway[0].Plan.Reversible {
		return midway[0], nil
	}
	if len(midway) > 0 {
		e := midway[0]
		if !e.Plan.Reversible {
			return Entry{}, fmt.Errorf("journal entry %s (%s) is %s and cannot be undone: finish it with o365doctor fix --resume %s (o365doctor undo %s closes it if it made no change; o365doctor undo --abandon %s gives it up)",
				e.ID, e.Plan.Title, strings.ToLower(stateWord(e)), e.ID, e.ID, e.ID)
		}
		return Entry{}, fmt.Errorf("journal entry %s (%s) is %s: finish it first with o365doctor undo %s (or, if a person has since set things right, o365doctor undo --abandon %s)",
			e.ID, e.Plan.Title, strings.ToLower(stateWord(e)), e.ID, e.ID)
	}
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.State == StateApplied && e.Kind == KindFix && !undone[e.ID] && e.Plan.Reversible {
			return e, nil
		}
	}
	return Entry{}, errors.New("nothing to undo: the journal has no applied fix that is not undone or abandoned")
}

func stateWord(e Entry) string {
	if e.Incomplete() {
		return "INCOMPLETE"
	}
	return e.State
}

// lockJournal takes the journal's advisory lock (a file beside it), held
// by one process from a plan's stale check to its outcome: two o365doctor
// processes never apply through one journal at once.
func (j *Journal) lockJournal() (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(j.path), 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	f, err := os.OpenFile(j.path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := flock(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("another o365doctor is applying a change through %s; wait for it to finish and try again", j.path)
		}
		return nil, fmt.Errorf("journal: lock %s: %w", j.path, err)
	}
	return func() { funlock(f); f.Close() }, nil
}
