package fix

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/o365doctor/o365doctor/internal/config"
)

// Store reads and writes fields of one system's objects. Values are strings;
// "" is an empty (null) value.
type Store interface {
	Read(ctx context.Context, object, field string) (string, error)
	Write(ctx context.Context, object, field, value string) error
}

// StaleError says the live value moved since the plan was made.
type StaleError struct {
	Step Step
	Now  string
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("plan is stale: %s %s %s is now %s, the plan was made when it was %s; run the check again",
		e.Step.System, e.Step.Object, e.Step.Field, show(e.Now), show(e.Step.Before))
}

// guarded is a store that turns a panic (a malformed answer deep in an
// SDK) into an error, so the executor's rollback and journal still run.
type guarded struct{ Store }

func (g guarded) Read(ctx context.Context, object, field string) (v string, err error) {
	defer recoverInto(&err)
	return g.Store.Read(ctx, object, field)
}

func (g guarded) Write(ctx context.Context, object, field, value string) (err error) {
	defer recoverInto(&err)
	return g.Store.Write(ctx, object, field, value)
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
	Now     func() time.Time
}

func (x *Executor) now() time.Time {
	if x.Now != nil {
		return x.Now()
	}
	return time.Now()
}

// Apply runs the plan and returns its journal entry.
func (x *Executor) Apply(ctx context.Context, p Plan) (Entry, error) {
	return x.run(ctx, p, KindFix, "")
}

// Undo reverses the named journal entry, or the latest applied fix.
func (x *Executor) Undo(ctx context.Context, id string) (Entry, error) {
	entries, err := x.Journal.Entries()
	if err != nil {
		return Entry{}, err
	}
	target, err := undoable(entries, id)
	if err != nil {
		return Entry{}, err
	}
	rev := target.Plan.Reversed()
	return x.run(ctx, rev, KindUndo, target.ID)
}

func (x *Executor) run(ctx context.Context, p Plan, kind, undoes string) (Entry, error) {
	if len(p.Steps) == 0 {
		return Entry{}, errors.New("plan has no steps")
	}
	stores := make([]Store, len(p.Steps))
	for i, s := range p.Steps {
		st := x.Stores[s.System]
		if st == nil {
			return Entry{}, fmt.Errorf("cannot apply step %d: no credentials for %s", i+1, s.System)
		}
		stores[i] = guarded{st}
	}
	// Read before writing: every step's live value must still be the one
	// the plan was made from, or the plan is stale and nothing is changed.
	for i, s := range p.Steps {
		now, err := stores[i].Read(ctx, s.Object, s.Field)
		if err != nil {
			return Entry{}, fmt.Errorf("read before change: %w", err)
		}
		if now != s.Before {
			return Entry{}, &StaleError{Step: s, Now: now}
		}
	}
	e := Entry{ID: newEntryID(x.now()), Time: x.now().UTC(), State: StateStarted, Kind: kind, Undoes: undoes, Plan: p}
	if err := x.Journal.append(e); err != nil {
		return Entry{}, fmt.Errorf("nothing changed: %w", err)
	}
	var failure error
	for i, s := range p.Steps {
		if err := stores[i].Write(ctx, s.Object, s.Field, s.After); err != nil {
			failure = fmt.Errorf("step %d (%s): %w", i+1, s.Call(), err)
			// The write may have reached the system (a timeout after the
			// request was sent): write the before-value back too.
			e.Applied = i + 1
			break
		}
		got, err := stores[i].Read(ctx, s.Object, s.Field)
		if err != nil {
			failure = fmt.Errorf("step %d: read back: %w", i+1, err)
			e.Applied = i + 1 // written, maybe applied: roll it back too
			break
		}
		e.Applied = i + 1
		if got != s.After {
			failure = fmt.Errorf("step %d: read back %s, expected %s", i+1, show(got), show(s.After))
			break
		}
	}
	if failure == nil {
		e.State, e.Time = StateApplied, x.now().UTC()
		if err := x.Journal.append(e); err != nil {
			return e, fmt.Errorf("change applied but not journaled: %w", err)
		}
		return e, nil
	}
	e.Error = config.Mask(failure.Error())
	e.State = StateFailed
	// Roll back the steps made, newest first, with a bounded context of our
	// own: the caller's may be what was cancelled.
	rbCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for i := e.Applied - 1; i >= 0; i-- {
		s := p.Steps[i]
		if err := stores[i].Write(rbCtx, s.Object, s.Field, s.Before); err != nil {
			e.State = StateNeedsAttention
			e.Error += fmt.Sprintf("; rollback of step %d failed: %s", i+1, config.Mask(err.Error()))
		}
	}
	e.Time = x.now().UTC()
	if err := x.Journal.append(e); err != nil {
		return e, fmt.Errorf("%s (and the journal could not record it: %v)", e.Error, err)
	}
	if e.State == StateNeedsAttention {
		return e, fmt.Errorf("%s: %s is part-way; journal entry %s needs attention", e.Error, p.Steps[0].System, e.ID)
	}
	return e, errors.New(e.Error + " (rolled back)")
}
