package checks

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/o365doctor/o365doctor/internal/model"
)

// Fact is a typed key for a value loaded once per run and shared by every
// check that reads it ("the Okta user", "the Entra user"): ten checks
// asking cause one API call. Two facts can never collide: the key is the
// Fact itself, and its type fixes the value's.
//
// A fact's value is relative to the run's subject (the Okta user is the
// subject's). Requires lists the facts Load reads, so starting a fact
// starts them too, at once, instead of one after another inside Load.
type Fact[T any] struct {
	Name     string
	Requires []FactRef
	Load     func(ctx context.Context, f *Facts) (T, error)
	// Unbounded loads (a tenant's every user) run without the load
	// timeout: each request has the HTTP timeout, the whole load ends
	// with the run (the person's Ctrl-C).
	Unbounded bool
}

// FactRef is any Fact, as a check or fact lists it in Requires.
type FactRef interface {
	FactName() string
	start(f *Facts)
}

// FactName is the fact's name, for errors and docs.
func (k *Fact[T]) FactName() string { return k.Name }

func (k *Fact[T]) start(f *Facts) { f.start(k, k.Requires, k.load, k.Unbounded) }

func (k *Fact[T]) load(ctx context.Context, f *Facts) (any, error) { return k.Load(ctx, f) }

// Get returns the fact's value for this run, starting its load if no one
// has. Waiting ends with ctx (a check's own deadline) but the load goes on
// for the other checks; the load itself ends with the run.
func (k *Fact[T]) Get(ctx context.Context, f *Facts) (T, error) {
	var zero T
	c := f.start(k, k.Requires, k.load, k.Unbounded)
	select {
	case <-c.done:
		// A load may return what it found with its error (the Okta
		// user, with "not assigned"): keep both.
		v, ok := c.val.(T)
		if !ok && c.val != nil {
			return zero, fmt.Errorf("internal error: fact %s holds a %T (please report it)", k.Name, c.val)
		}
		return v, c.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// Facts are one run's memoised, concurrency-safe fact loads. Every load
// runs under the run's context (cancelled by Ctrl-C) with the load
// timeout, never under the asking check's: one check's deadline cannot
// poison a fact for the others, and an interrupt reaches every adapter.
type Facts struct {
	ctx         context.Context
	subject     Subject
	src         Sources
	loadTimeout time.Duration

	mu    sync.Mutex
	calls map[FactRef]*call
	// onProgress receives an unbounded load's news (pages read).
	onProgress func(Progress)
	snapshot   SnapshotOptions
	clock      func() time.Time
}

func (f *Facts) now() time.Time {
	if f.clock != nil {
		return f.clock()
	}
	return time.Now()
}

// progress passes a load's progress on.
func (f *Facts) progress(p Progress) {
	if f.onProgress != nil {
		f.onProgress(p)
	}
}

type call struct {
	done chan struct{}
	val  any
	err  error
}

// NewFacts returns an empty fact table for one run of the subject. ctx is
// the run's: when it ends, every load ends.
func NewFacts(ctx context.Context, subject Subject, src Sources, loadTimeout time.Duration) *Facts {
	if loadTimeout <= 0 {
		loadTimeout = 30 * time.Second
	}
	return &Facts{ctx: ctx, subject: subject, src: src, loadTimeout: loadTimeout, calls: map[FactRef]*call{}}
}

// NewRunFacts are the facts of a run with its options: the tenant
// listing's progress, snapshot and clock (what Run sets; the TUI builds its
// facts with it).
func NewRunFacts(ctx context.Context, subject Subject, src Sources, opts RunOptions) *Facts {
	f := NewFacts(ctx, subject, src, opts.LoadTimeout)
	f.onProgress = opts.OnProgress
	f.snapshot = opts.Snapshot
	if opts.Now != nil {
		f.clock = opts.Now
	}
	return f
}

// Subject is what the run is about.
func (f *Facts) Subject() Subject { return f.subject }

// Sources returns the adapters behind the facts.
func (f *Facts) Sources() Sources { return f.src }

// start begins a fact's load once, after starting what it requires.
func (f *Facts) start(key FactRef, requires []FactRef, load func(context.Context, *Facts) (any, error), unbounded bool) *call {
	for _, r := range requires {
		r.start(f)
	}
	f.mu.Lock()
	c, ok := f.calls[key]
	if !ok {
		c = &call{done: make(chan struct{})}
		f.calls[key] = c
	}
	f.mu.Unlock()
	if ok {
		return c
	}
	go func() {
		defer close(c.done)
		// A panicking adapter must not take the process down: this
		// goroutine is outside RunOne's recover.
		defer func() {
			if r := recover(); r != nil {
				c.err = fmt.Errorf("internal error loading %s: %v (please report it)", key.FactName(), r)
			}
		}()
		lctx, cancel := context.WithTimeout(f.ctx, f.loadTimeout)
		if unbounded {
			lctx, cancel = context.WithCancel(f.ctx)
		}
		defer cancel()
		c.val, c.err = load(lctx, f)
		if c.err != nil && errors.Is(c.err, context.DeadlineExceeded) && f.ctx.Err() == nil {
			c.err = fmt.Errorf("%s: no answer within %s: %w", key.FactName(), f.loadTimeout, c.err)
		}
	}()
	return c
}

// PrefetchFor starts every fact that the checks which can run (their
// sources are available) require.
func (f *Facts) PrefetchFor(list []*Check) {
	for _, c := range list {
		if f.src.missing(c) == "" {
			f.Prefetch(c.Requires...)
		}
	}
}

// Prefetch starts the loads of facts without waiting for them.
func (f *Facts) Prefetch(facts ...FactRef) {
	for _, k := range facts {
		k.start(f)
	}
}

// ErrNoSource is returned when a fact needs a source that is not configured.
var ErrNoSource = errors.New("source not configured")

// granted returns an access-denied error, without a call, when the source's
// known grant does not allow perm (Sources.Grants).
func (f *Facts) granted(src Source, perm string) error {
	if g, known := f.src.Grants[src]; known && !g.Allows(perm) {
		return fmt.Errorf("%s does not grant %s: %w", g.Whose, perm, model.ErrAccessDenied)
	}
	return nil
}

// need returns an error when the source cannot be used.
func (f *Facts) need(src Source) error {
	if why := f.src.Why(src); why != "" {
		return fmt.Errorf("%s: %w", why, ErrNoSource)
	}
	return nil
}
