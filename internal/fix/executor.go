package fix

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/model"
)

// Store reads and writes fields of one system's objects. Values are strings;
// "" is an empty (null) value.
type Store interface {
	Read(ctx context.Context, object, field string) (string, error)
	Write(ctx context.Context, object, field, value string) error
}

// ActionStore is a store that can also run actions on its objects
// (activate, unlock, revoke sessions, delete a factor).
type ActionStore interface {
	Store
	// Do runs the action on the object, sending body ("" = none).
	Do(ctx context.Context, action, object, body string) error
}

// PermissionStore is a store that can tell which permissions its
// credentials hold (Graph: the token's roles); known is false when it
// cannot.
type PermissionStore interface {
	Granted(ctx context.Context) (granted map[string]bool, known bool, err error)
}

// missingPermissions names, per system, the steps' permissions its
// credentials are known not to hold.
func missingPermissions(ctx context.Context, p Plan, stores map[string]Store) ([]string, error) {
	var missing []string
	checked := map[string]map[string]bool{}
	known := map[string]bool{}
	for _, s := range p.Steps {
		if s.Permission == "" {
			continue
		}
		if _, seen := checked[s.System]; !seen {
			checked[s.System] = nil
			if ps, ok := stores[s.System].(PermissionStore); ok {
				g, k, err := ps.Granted(ctx)
				if err != nil {
					return nil, fmt.Errorf("read the %s permissions: %w", s.System, err)
				}
				checked[s.System], known[s.System] = g, k
			}
		}
		g := checked[s.System]
		if !known[s.System] || g[s.Permission] || slices.ContainsFunc(model.BroaderPermissions(s.Permission), func(b string) bool { return g[b] }) {
			continue
		}
		if m := s.System + " " + s.Permission; !slices.Contains(missing, m) {
			missing = append(missing, m)
		}
	}
	return missing, nil
}

// StaleError says the live value moved since the plan was made.
type StaleError struct {
	Step Step
	Now  string
	// Want is the value the plan expected at that point (the step's
	// Before for a first touch, what the plan produced for a later one).
	Want string
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("plan is stale: %s %s %s is now %s, the plan was made when it was %s; run the check again",
		e.Step.System, e.Step.Object, e.Step.Field, show(e.Now), show(e.Want))
}

// guarded is a store that turns a panic (a malformed answer deep in an
// SDK) into an error, so the executor's compensation and journal still run.
type guarded struct{ Store }

func (g guarded) Read(ctx context.Context, object, field string) (v string, err error) {
	defer recoverInto(&err)
	return g.Store.Read(ctx, object, field)
}

func (g guarded) Write(ctx context.Context, object, field, value string) (err error) {
	defer recoverInto(&err)
	return g.Store.Write(ctx, object, field, value)
}

func (g guarded) Do(ctx context.Context, action, object, body string) (err error) {
	defer recoverInto(&err)
	as, ok := g.Store.(ActionStore)
	if !ok {
		return fmt.Errorf("the store cannot run %s", action)
	}
	return as.Do(ctx, action, object, body)
}

func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("internal error: %v (please report it)", r)
	}
}

// Executor applies plans. It is the only code that changes anything.
type Executor struct {
	Stores  map[string]Store // by Step.System
	Journal *Journal
	// Target is the Okta org and tenant the stores reach: journaled with
	// each entry, and an undo of an entry made elsewhere is refused.
	Target Target
	// ReadOnly refuses every apply, undo and abandon before any request.
	ReadOnly bool
	Now      func() time.Time
	// Between, when set, runs after each step of an apply is made and
	// verified (done is how many are): an invariant of the whole change
	// (the certificate rollover: Entra still trusts the key Okta signs
	// with). Its error stops the plan, which is then compensated.
	Between func(ctx context.Context, done int) error
	// Invariant checks a plan's named invariant (Plan.Invariant); nil
	// refuses every plan that names one.
	Invariant func(ctx context.Context, name string) error
	// InFlight is how long a call sent just before a crash may still
	// reach its system (the HTTP timeout): an undo or resume of an entry
	// left with a step started waits until then before it judges that step
	// by its live value, so a late write cannot land after the judgement.
	InFlight time.Duration
	// Notify, when set, is told what the executor waits for.
	Notify func(string)
}

// ErrReadOnly is the refusal of a read-only executor.
var ErrReadOnly = errors.New("read-only (--read-only or O365DOCTOR_READ_ONLY): nothing was changed")

func (x *Executor) now() time.Time {
	if x.Now != nil {
		return x.Now()
	}
	return time.Now()
}

// compensateTimeout bounds compensation, which runs on a context of its
// own: the caller's may be what was cancelled.
const compensateTimeout = 30 * time.Second

// Apply runs the plan and returns its journal entry.
func (x *Executor) Apply(ctx context.Context, p Plan) (Entry, error) {
	if x.ReadOnly {
		return Entry{}, ErrReadOnly
	}
	unlock, err := x.Journal.lockJournal()
	if err != nil {
		return Entry{}, err
	}
	defer unlock()
	return x.run(ctx, p, KindFix, "")
}

// Undo reverses the named journal entry, or the latest applied fix: each
// step it made, newest first, back to the value read just before it. An
// incomplete entry (a crash mid-plan) is reversed as far as it got.
func (x *Executor) Undo(ctx context.Context, id string) (Entry, error) {
	entries, unlock, err := x.lockedEntries()
	if err != nil {
		return Entry{}, err
	}
	defer unlock()
	target, err := undoable(entries, id)
	if err != nil {
		return Entry{}, err
	}
	if target.Target.differs(x.Target) {
		return Entry{}, fmt.Errorf("journal entry %s was made in %s; this run reaches %s: undo it with the settings it was made with", target.ID, target.Target, x.Target)
	}
	if err := x.settle(ctx, target); err != nil {
		return Entry{}, err
	}
	rev, err := x.reversal(ctx, target)
	if errors.Is(err, errNothingMade) && target.Incomplete() {
		// Stopped before any call went through: the entry is closed as
		// failed, nothing to reverse.
		target.State, target.Time = StateFailed, x.now().UTC()
		target.Error = strings.TrimPrefix(target.Error+"; stopped before any change (checked live); closed by undo", "; ")
		return target, x.Journal.append(target)
	}
	if err != nil {
		return Entry{}, err
	}
	e, err := x.run(ctx, rev, KindUndo, target.ID)
	var stale *StaleError
	if errors.As(err, &stale) {
		return e, fmt.Errorf("cannot undo %s: %s %s %s is now %s, not the %s the fix left: someone changed it since; to stop this entry blocking a plain undo: o365doctor undo --abandon %s",
			target.ID, stale.Step.System, stale.Step.Object, stale.Step.Field, show(stale.Now), show(stale.Want), target.ID)
	}
	return e, err
}

// Resume finishes an incomplete entry (a crash or kill mid-plan): each
// step the journal shows made is kept, one left started is judged by its
// live value, and the rest are made as the plan says; a failure then
// compensates the whole entry.
func (x *Executor) Resume(ctx context.Context, id string) (Entry, error) {
	entries, unlock, err := x.lockedEntries()
	if err != nil {
		return Entry{}, err
	}
	defer unlock()
	var e *Entry
	for i := range entries {
		if entries[i].ID == id {
			e = &entries[i]
		}
	}
	switch {
	case e == nil:
		return Entry{}, fmt.Errorf("no journal entry %s; `o365doctor journal` lists them", id)
	case !e.Incomplete():
		return Entry{}, fmt.Errorf("journal entry %s is %s, not incomplete: nothing to resume", id, e.State)
	case e.Target.differs(x.Target):
		return Entry{}, fmt.Errorf("journal entry %s was made in %s; this run reaches %s: resume it with the settings it was made with", e.ID, e.Target, x.Target)
	case len(e.Steps) != len(e.Plan.Steps):
		return Entry{}, fmt.Errorf("journal entry %s has no step log to resume from", id)
	}
	if err := x.settle(ctx, *e); err != nil {
		return Entry{}, err
	}
	stores := make([]guarded, len(e.Plan.Steps))
	for i, s := range e.Plan.Steps {
		st := x.Stores[s.System]
		if st == nil {
			return Entry{}, fmt.Errorf("cannot resume step %d: no credentials for %s", i+1, s.System)
		}
		stores[i] = guarded{st}
	}
	return x.finish(ctx, e.Plan, stores, *e)
}

// Abandon marks an entry given up on: a plain undo passes over it.
func (x *Executor) Abandon(id, reason string) (Entry, error) {
	entries, unlock, err := x.lockedEntries()
	if err != nil {
		return Entry{}, err
	}
	defer unlock()
	for _, e := range entries {
		if e.ID != id {
			continue
		}
		if e.State == StateAbandoned {
			return e, fmt.Errorf("journal entry %s is already abandoned", id)
		}
		e.State, e.Time = StateAbandoned, x.now().UTC()
		e.Error = strings.TrimPrefix(strings.TrimSpace(e.Error+"; abandoned: "+reason), "; ")
		return e, x.Journal.append(e)
	}
	return Entry{}, fmt.Errorf("no journal entry %s; `o365doctor journal` lists them", id)
}

// settle waits, for an entry a crash left with a step started, until the
// call that step sent can no longer land (InFlight after it was sent).
func (x *Executor) settle(ctx context.Context, e Entry) error {
	if !e.Incomplete() || x.InFlight <= 0 {
		return nil
	}
	var last time.Time
	step := 0
	for i, l := range e.Steps {
		if l.State == StepStarted && l.Started.After(last) {
			last, step = l.Started, i+1
		}
	}
	wait := last.Add(x.InFlight).Sub(x.now())
	if last.IsZero() || wait <= 0 {
		return nil
	}
	if x.Notify != nil {
		x.Notify(fmt.Sprintf("journal entry %s stopped with step %d's call under way; waiting %s for it to land or fail before reading the live values …",
			e.ID, step, wait.Round(time.Second)))
	}
	select {
	case <-ctx.Done():
		return fmt.Errorf("nothing changed: %w", ctx.Err())
	case <-time.After(wait):
		return nil
	}
}

// lockedEntries takes the journal's lock and reads its entries; unlock
// releases the lock.
func (x *Executor) lockedEntries() (entries []Entry, unlock func(), err error) {
	if x.ReadOnly {
		return nil, nil, ErrReadOnly
	}
	unlock, err = x.Journal.lockJournal()
	if err != nil {
		return nil, nil, err
	}
	entries, err = x.Journal.Entries()
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return entries, unlock, nil
}

// reversal is the plan that undoes an entry: every step it made (and one
// left started whose live value shows it was made), newest first, back
// to the value read just before it.
func (x *Executor) reversal(ctx context.Context, e Entry) (Plan, error) {
	r := Plan{ID: "undo." + e.Plan.ID, Title: "Undo: " + e.Plan.Title, CheckID: e.Plan.CheckID, Subject: e.Plan.Subject,
		Risk: e.Plan.Risk, Reversible: true, Invariant: e.Plan.Invariant}
	for i := len(e.Plan.Steps) - 1; i >= 0; i-- {
		s := e.Plan.Steps[i]
		if s.Guard {
			continue
		}
		var log StepLog
		if i < len(e.Steps) {
			log = e.Steps[i]
		}
		switch log.State {
		case StepDone:
		case StepStarted, StepFailed, StepMade:
			// The call may have reached the system: the live value says.
			st := x.Stores[s.System]
			if st == nil {
				return Plan{}, fmt.Errorf("cannot undo step %d: no credentials for %s", i+1, s.System)
			}
			now, err := guarded{st}.Read(ctx, s.Object, s.Field)
			if err != nil {
				return Plan{}, fmt.Errorf("undo: read %s %s: %w", s.Object, s.Field, err)
			}
			if !s.made(now, log.Live) || now == log.Live {
				continue // not made
			}
		default:
			continue // pending, not made, compensated
		}
		if !s.Reversible() {
			if e.Incomplete() {
				return Plan{}, fmt.Errorf("journal entry %s: step %d (%s) was made and cannot be undone: finish the plan with o365doctor fix --resume %s, or give it up with o365doctor undo --abandon %s", e.ID, i+1, s.Action, e.ID, e.ID)
			}
			return Plan{}, fmt.Errorf("journal entry %s: step %d (%s) cannot be undone", e.ID, i+1, s.Action)
		}
		back := Step{System: s.System, Method: s.Method, Object: s.Object, Field: s.Field, Before: s.After, After: log.Live, Permission: s.Permission}
		if s.IsAction() {
			back.Action, back.Undo = s.Undo, s.Action
			if p, ok := strings.CutSuffix(s.Path, "/"+s.Action); ok {
				back.Path = p + "/" + s.Undo
			}
		}
		r.Steps = append(r.Steps, back)
	}
	if len(r.Steps) == 0 {
		return Plan{}, fmt.Errorf("journal entry %s: %w", e.ID, errNothingMade)
	}
	return r, nil
}

var errNothingMade = errors.New("it made no change: nothing to undo")

// touches tracks, per field, the value the plan has produced so far.
type touches map[string]string

// expect is what a step should find: the plan's own value for a field it
// touched before, else the step's Before (the diagnosis).
func (t touches) expect(s Step) (string, bool) {
	v, ok := t[s.key()]
	if !ok {
		return s.Before, false
	}
	return v, true
}

func (x *Executor) run(ctx context.Context, p Plan, kind, undoes string) (Entry, error) {
	if len(p.Steps) == 0 {
		return Entry{}, errors.New("plan has no steps")
	}
	if p.Missing() {
		return Entry{}, fmt.Errorf("nothing changed: plan %s needs a value: %s (--%s)", p.ID, p.Input.Prompt, p.Input.Flag)
	}
	if p.Invariant != "" && x.Invariant == nil {
		return Entry{}, fmt.Errorf("nothing changed: plan %s must be checked after each step (%s), and this run cannot check it", p.ID, p.Invariant)
	}
	if p.Reversible && !p.reversibleSteps() {
		return Entry{}, fmt.Errorf("plan %s says it can be undone but has a step that cannot", p.ID)
	}
	stores := make([]guarded, len(p.Steps))
	for i, s := range p.Steps {
		st := x.Stores[s.System]
		if st == nil {
			return Entry{}, fmt.Errorf("cannot apply step %d: no credentials for %s", i+1, s.System)
		}
		if _, ok := st.(ActionStore); s.IsAction() && !ok {
			return Entry{}, fmt.Errorf("cannot apply step %d: the %s store cannot run %s", i+1, s.System, s.Action)
		}
		stores[i] = guarded{st}
	}
	// The permissions first: a plan half-made because its second system
	// refuses is worse than one refused whole.
	missing, err := missingPermissions(ctx, p, x.Stores)
	if err != nil {
		return Entry{}, fmt.Errorf("nothing changed: %w", err)
	}
	if len(missing) > 0 {
		return Entry{}, fmt.Errorf("nothing changed: the credentials lack %s; grant it to o365doctor's app (Graph: an application permission with admin consent; Okta: the scope or an admin role that includes it)", strings.Join(missing, ", "))
	}
	// Read before anything is written: the first touch of each field must
	// still hold what the plan was made from, and a later touch must
	// follow from the plan's own steps; else nothing is changed.
	plan := touches{}
	for i, s := range p.Steps {
		want, seen := plan.expect(s)
		if seen && want != s.Before {
			return Entry{}, fmt.Errorf("plan %s is inconsistent: step %d expects %s %s to be %s, but step %d left it %s",
				p.ID, i+1, s.Object, s.Field, show(s.Before), i, show(want))
		}
		if !seen {
			now, err := stores[i].Read(ctx, s.Object, s.Field)
			if err != nil {
				return Entry{}, fmt.Errorf("read before change: %w", err)
			}
			if now != want {
				return Entry{}, &StaleError{Step: s, Now: now, Want: want}
			}
		}
		plan[s.key()] = s.After
	}

	e := Entry{ID: newEntryID(x.now()), Time: x.now().UTC(), State: StateStarted, Kind: kind, Undoes: undoes, Target: x.Target,
		Plan: p, Steps: make([]StepLog, len(p.Steps))}
	for i := range e.Steps {
		e.Steps[i].State = StepPending
	}
	if err := x.Journal.append(e); err != nil {
		return Entry{}, fmt.Errorf("nothing changed: %w", err)
	}
	return x.finish(ctx, p, stores, e)
}

// finish makes the entry's remaining steps and records the outcome:
// applied, or compensated (failed), or needing attention.
func (x *Executor) finish(ctx context.Context, p Plan, stores []guarded, e Entry) (Entry, error) {
	failure := x.forward(ctx, p, stores, &e)
	if failure == nil {
		e.State, e.Time = StateApplied, x.now().UTC()
		if err := x.Journal.append(e); err != nil {
			return e, fmt.Errorf("change applied but not journaled: %w", err)
		}
		return e, nil
	}
	e.Error = config.Mask(failure.Error())
	e.State = StateFailed
	var stale *StaleError
	staleErr := errors.As(failure, &stale)
	made := e.Applied // steps done before the failure: compensate resets the count
	x.compensate(ctx, p, stores, &e)
	e.Time = x.now().UTC()
	if err := x.Journal.append(e); err != nil {
		return e, fmt.Errorf("%s (and the journal could not record it: %v)", e.Error, err)
	}
	if e.State == StateNeedsAttention {
		return e, fmt.Errorf("%s: the change is part-way; journal entry %s needs attention (o365doctor journal shows it)", e.Error, e.ID)
	}
	if staleErr && made == 0 {
		return e, failure
	}
	return e, errors.New(e.Error + " (rolled back)")
}

// forward makes the steps one by one: re-read (refusing a value that moved
// since the plan was checked), journal, call, read back.
func (x *Executor) forward(ctx context.Context, p Plan, stores []guarded, e *Entry) error {
	plan := touches{}
	for i, s := range p.Steps {
		if e.Steps[i].State == StepDone {
			plan[s.key()] = s.After // made before a resume
			continue
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("step %d not started: %w", i+1, err)
		}
		want, _ := plan.expect(s)
		now, err := stores[i].Read(ctx, s.Object, s.Field)
		if err != nil {
			return fmt.Errorf("step %d: read before change: %w", i+1, err)
		}
		if s.Guard {
			if now != want {
				return &StaleError{Step: s, Now: now, Want: want}
			}
			e.Steps[i] = StepLog{State: StepDone, Live: now}
			continue
		}
		if st := e.Steps[i].State; st == StepStarted || st == StepMade || st == StepFailed {
			// Resuming a step a crash left: its live value says whether
			// its call went through.
			switch {
			case s.made(now, e.Steps[i].Live):
				e.Steps[i].State = StepDone
				e.Applied = i + 1
				plan[s.key()] = s.After
				if err := x.Journal.append(*e); err != nil {
					return fmt.Errorf("step %d made but not journaled: %w", i+1, err)
				}
				continue
			case now == e.Steps[i].Live:
				want = now // not made: make it now
			}
		}
		if now != want {
			return &StaleError{Step: s, Now: now, Want: want}
		}
		// The record of the step, with the value to restore, is on
		// disk before the call.
		e.Steps[i] = StepLog{State: StepStarted, Live: now, Started: x.now().UTC()}
		if err := x.Journal.append(*e); err != nil {
			e.Steps[i].State = StepPending
			return fmt.Errorf("step %d not started: %w", i+1, err)
		}
		if s.IsAction() {
			err = stores[i].Do(ctx, s.Action, s.Object, s.Body)
		} else {
			err = stores[i].Write(ctx, s.Object, s.Field, s.After)
		}
		if err != nil {
			e.Steps[i].State, e.Steps[i].Error = StepFailed, config.Mask(err.Error())
			return fmt.Errorf("step %d (%s): %w", i+1, s.Call(), err)
		}
		// The call succeeded: the change is made, whatever a read says
		// next (a directory replica may still answer the old value for
		// a while, so the read back is retried before it is doubted).
		e.Steps[i].State = StepMade
		got, err := readBack(ctx, stores[i], s, func(v string) bool { return s.made(v, now) })
		if err != nil {
			e.Steps[i].Error = config.Mask(err.Error())
			return fmt.Errorf("step %d: read back: %w", i+1, err)
		}
		if !s.made(got, now) {
			e.Steps[i].Error = fmt.Sprintf("read back %s, expected %s", show(got), show(s.After))
			return fmt.Errorf("step %d: read back %s, expected %s", i+1, show(got), show(s.After))
		}
		e.Steps[i].State = StepDone
		e.Applied = i + 1
		plan[s.key()] = s.After
		if err := x.Journal.append(*e); err != nil {
			return fmt.Errorf("step %d made but not journaled: %w", i+1, err)
		}
		if x.Between != nil {
			if err := guardedCall(func() error { return x.Between(ctx, i+1) }); err != nil {
				return fmt.Errorf("after step %d: %w", i+1, err)
			}
		}
		if p.Invariant != "" {
			if err := guardedCall(func() error { return x.Invariant(ctx, p.Invariant) }); err != nil {
				return fmt.Errorf("after step %d: %w", i+1, err)
			}
		}
	}
	return nil
}

// guardedCall runs f, a panic in it an error.
func guardedCall(f func() error) (err error) {
	defer recoverInto(&err)
	return f()
}

// readBackWaits are the pauses before each further read back when the
// value read is not yet the one written: Entra's directory replicas can
// answer the old value for some seconds after a write.
var readBackWaits = []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}

// readBack reads the step's field until ok accepts it, or the waits (or
// ctx) run out; it returns the last value read.
func readBack(ctx context.Context, st guarded, s Step, ok func(string) bool) (string, error) {
	got, err := st.Read(ctx, s.Object, s.Field)
	for _, wait := range readBackWaits {
		if err != nil || ok(got) {
			break
		}
		select {
		case <-ctx.Done():
			return got, err
		case <-time.After(wait):
		}
		got, err = st.Read(ctx, s.Object, s.Field)
	}
	return got, err
}

// compensate undoes what the failed run made, newest first: each done
// step, and a failed one whose live value shows its call went through;
// each compensation is re-read and verified. One that cannot be made
// leaves the entry needing attention.
func (x *Executor) compensate(ctx context.Context, p Plan, stores []guarded, e *Entry) {
	attention := func(i int, format string, args ...any) {
		e.State = StateNeedsAttention
		e.Error += fmt.Sprintf("; step %d not undone: %s", i+1, config.Mask(fmt.Sprintf(format, args...)))
	}
	for i := len(p.Steps) - 1; i >= 0; i-- {
		s, log := p.Steps[i], &e.Steps[i]
		if s.Guard || log.State != StepDone && log.State != StepMade && log.State != StepFailed {
			continue
		}
		// Each compensation has its own time, on a context that outlives
		// the caller's (which may be what was cancelled).
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), compensateTimeout)
		x.compensateStep(cctx, s, log, stores[i], func(format string, args ...any) { attention(i, format, args...) })
		cancel()
	}
	e.Applied = 0
	for _, l := range e.Steps {
		if l.State == StepDone {
			e.Applied++
		}
	}
}

// compensateStep undoes one step. A field set is written back to the
// value read before it whenever its call may have gone through (the write
// is idempotent); an action is undone only when the live state shows it
// was made (an action is not).
func (x *Executor) compensateStep(ctx context.Context, s Step, log *StepLog, st guarded, attention func(string, ...any)) {
	now, err := st.Read(ctx, s.Object, s.Field)
	if err != nil {
		attention("read: %v", err)
		return
	}
	unchanged, lagging := now == log.Live, false
	if unchanged && s.IsAction() && log.State == StepMade {
		// The call went through: the read has not caught up (a replica).
		// The change stands until its inverse is made.
		if s.Undo == "" {
			attention("%s was made (the call succeeded) but reads back as before; it cannot be undone", s.Action)
			return
		}
		unchanged, lagging = false, true
	}
	if unchanged && s.IsAction() {
		if log.State == StepFailed {
			log.State = StepNotMade // the call failed and nothing changed
		} else {
			log.State = StepCompensated // the state is back already
		}
		return
	}
	switch {
	case s.IsAction() && !lagging && !s.made(now, log.Live):
		attention("%s %s is %s, neither the value before (%s) nor after (%s) the step", s.Object, s.Field, show(now), show(log.Live), show(s.After))
		return
	case s.IsAction() && s.Undo == "":
		attention("%s cannot be undone", s.Action)
		return
	case s.IsAction():
		err = st.Do(ctx, s.Undo, s.Object, "")
	case now != s.After && now != log.Live:
		attention("%s %s is %s, neither the value before (%s) nor after (%s) the step", s.Object, s.Field, show(now), show(log.Live), show(s.After))
		return
	default:
		err = st.Write(ctx, s.Object, s.Field, log.Live)
	}
	if err != nil {
		if unchanged && log.State == StepFailed {
			// The value read is the one before: the write-back was a
			// precaution against a replica hiding the write.
			log.State = StepNotMade
			return
		}
		attention("%v", err)
		return
	}
	got, err := readBack(ctx, st, s, func(v string) bool { return v == log.Live })
	if err != nil || got != log.Live {
		attention("read back %s after undoing, expected %s (%v)", show(got), show(log.Live), err)
		return
	}
	if unchanged && log.State == StepFailed {
		log.State = StepNotMade // written back all the same: a replica may have hidden the write
		return
	}
	log.State = StepCompensated
}
