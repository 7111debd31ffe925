package checks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/model"
)

// Subject is what a run is about: one user, one domain, or a tenant-wide
// population (every user of Domain, or of the tenant when Domain is "").
type Subject struct {
	Kind   Scope
	UPN    string // user subjects
	Domain string // the domain; a user's is the UPN's
	// Display is an internationalised domain in Unicode, for people, when
	// it differs from Domain (its ASCII form, what is compared and asked).
	Display string
	// Expect is the domain's authentication the person expects, "federated"
	// or "managed" (--expect), for the phase of a change; "" = what Graph
	// says the domain is.
	Expect string
	// Since is how far back the login-loop checks read a user's events
	// (--since); 0 = 24 hours (DefaultSince).
	Since time.Duration
}

// UserSubject is one user, with the domain of their UPN.
func UserSubject(upn string) Subject {
	return Subject{Kind: ScopeUser, UPN: upn, Domain: model.DomainOf(upn)}
}

// DomainSubject is one domain.
func DomainSubject(domain string) Subject {
	return Subject{Kind: ScopeDomain, Domain: strings.ToLower(domain)}
}

// TenantSubject is every user of the domain ("" = the whole tenant).
func TenantSubject(domain string) Subject {
	return Subject{Kind: ScopeTenant, Domain: strings.ToLower(domain)}
}

// Name is the UPN or the domain.
func (s Subject) Name() string {
	if s.Kind == ScopeUser {
		return s.UPN
	}
	return s.Domain
}

// Scopes are the check scopes a run of this subject includes: a user run
// includes the checks of the user's domain (a domain-wide break shows up
// first as one user's ticket).
func (s Subject) Scopes() []Scope {
	switch s.Kind {
	case ScopeUser:
		return []Scope{ScopeUser, ScopeDomain}
	case ScopeDomain:
		return []Scope{ScopeDomain}
	}
	return []Scope{ScopeDomain, ScopeTenant}
}

// Progress is news from a long check: Done of Total (0 = unknown) items of
// what it is reading.
type Progress struct {
	CheckID string
	What    string // "Okta app users", "Entra users"
	Done    int
	Total   int // 0 when not known
	// ETA is the time the listing still needs, from the rate limit's floor
	// and the pace so far; 0 when not known yet.
	ETA time.Duration
	// Waiting: nothing is read, the run waits (What says for what, ETA
	// how long).
	Waiting bool
}

// Pass is one check's run against one subject: the check reads facts and
// streams through it and reports findings to it.
type Pass struct {
	Check   *Check
	Subject Subject
	Facts   *Facts

	onProgress func(Progress)
	mu         sync.Mutex
	findings   []Finding
	summary    string
	note       string
}

// Report records a finding.
func (p *Pass) Report(f Finding) {
	if f.Status == "" {
		f.Status = StatusError
		f.Message = "finding without a status (please report it): " + f.Message
	}
	p.mu.Lock()
	p.findings = append(p.findings, f)
	p.mu.Unlock()
}

// Summarize sets the result's message, for checks whose findings are many
// ("37 Entra users have no Okta app user"); without it the message is the
// worst finding's.
func (p *Pass) Summarize(format string, args ...any) {
	p.mu.Lock()
	p.summary = fmt.Sprintf(format, args...)
	p.mu.Unlock()
}

// Note adds a clause to the end of the result's message (how old the
// data read is, when a listing was resumed).
func (p *Pass) Note(s string) {
	p.mu.Lock()
	p.note += s
	p.mu.Unlock()
}

// Progress reports how far a long check is.
func (p *Pass) Progress(what string, done, total int) {
	if p.onProgress != nil {
		p.onProgress(Progress{CheckID: p.Check.ID, What: what, Done: done, Total: total})
	}
}

// Result is one check's outcome: the worst of its findings' statuses (or
// error / skipped when it could not run), a message, and the findings.
type Result struct {
	CheckID     string
	Title       string
	Area        Area
	Severity    Severity
	Status      Status
	Message     string
	Findings    []Finding
	References  []string
	Duration    time.Duration
	Interrupted bool // the run was interrupted before the check finished
	Suppressed  int  // findings a suppression accepts (ApplySuppressions)
}

// Fixes are the plans of every finding, in finding order.
func (r Result) Fixes() []fix.Plan {
	var out []fix.Plan
	for _, f := range r.Findings {
		out = append(out, f.Fixes...)
	}
	return out
}

// RunOptions bound a run.
type RunOptions struct {
	CheckTimeout time.Duration // per check; 0 = 60 s
	LoadTimeout  time.Duration // per fact load; 0 = 30 s
	Parallel     int           // checks at once; 0 = all
	// OnProgress, if set, receives progress from long checks, from their
	// goroutines.
	OnProgress func(Progress)
	// Snapshot says where the tenant-wide listing keeps what it has read,
	// so an interrupted run can resume.
	Snapshot SnapshotOptions
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Suppressions are the config file's: each result comes with the
	// findings they accept marked (ApplySuppressions), in every view.
	Suppressions []Suppression
}

// Run runs the checks against the subject, concurrently, sharing one set
// of facts, and returns their results in the order of list. Every fact a
// runnable check requires starts loading at once. onResult, if set, is
// called as each result arrives, from the caller's goroutine.
func Run(ctx context.Context, list []*Check, subject Subject, src Sources, opts RunOptions, onResult func(Result)) []Result {
	if subject.Kind == ScopeTenant {
		now := opts.Now
		if now == nil {
			now = time.Now
		}
		// A wait cut short by ctx leaves ctx done: the checks end
		// interrupted, as they would have.
		_ = waitForSnapshotBudget(ctx, opts.Snapshot, subject.Domain, now, opts.OnProgress)
	}
	facts := NewRunFacts(ctx, subject, src, opts)
	facts.PrefetchFor(list)
	type indexed struct {
		i int
		r Result
	}
	ch := make(chan indexed)
	par := opts.Parallel
	if par <= 0 || par > len(list) {
		par = len(list)
	}
	sem := make(chan struct{}, max(par, 1))
	var wg sync.WaitGroup
	for i, c := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ch <- indexed{i, RunOne(ctx, c, facts, opts)}
		}()
	}
	go func() { wg.Wait(); close(ch) }()
	out := make([]Result, len(list))
	for r := range ch {
		out[r.i] = r.r
		if onResult != nil {
			onResult(r.r)
		}
	}
	return out
}

// RunOne runs one check on a run's facts: skipped when a source it needs
// cannot be used (naming every missing one), bounded by the per-check
// timeout, and never a crash: a panic becomes an error result.
func RunOne(ctx context.Context, c *Check, facts *Facts, opts RunOptions) Result {
	res := runOne(ctx, c, facts, opts)
	if len(opts.Suppressions) > 0 {
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		res = ApplySuppressions([]Result{res}, opts.Suppressions, now())[0]
	}
	return res
}

func runOne(ctx context.Context, c *Check, facts *Facts, opts RunOptions) (res Result) {
	start := time.Now()
	pass := &Pass{Check: c, Subject: facts.Subject(), Facts: facts, onProgress: opts.OnProgress}
	defer func() {
		if r := recover(); r != nil {
			res = Result{Status: StatusError, Message: fmt.Sprintf("internal error in check %s: %v (please report it)", c.ID, r)}
		}
		res.CheckID, res.Title, res.Area, res.Severity = c.ID, c.Title, c.Area, c.Severity
		res.References = c.References
		res.Duration = time.Since(start)
		if ctx.Err() != nil && res.Status == StatusError {
			res.Interrupted = true
			res.Message = "interrupted before the check finished"
			if n := len(res.Findings); n > 0 {
				res.Message = fmt.Sprintf("interrupted before the check finished, after %d finding(s)", n)
			}
		}
	}()
	if why := facts.Sources().missing(c); why != "" {
		return Result{Status: StatusSkipped, Message: why}
	}
	timeout := opts.CheckTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := c.Run(cctx, pass)
	pass.mu.Lock()
	defer pass.mu.Unlock()
	return pass.result(err, cctx.Err() != nil && ctx.Err() == nil, timeout)
}

// result folds the findings and Run's error into the check's result.
func (p *Pass) result(err error, timedOut bool, timeout time.Duration) Result {
	res := Result{Status: StatusPass, Findings: p.findings}
	for _, f := range p.findings {
		res.Status = Worst(res.Status, f.Status)
	}
	var skip *SkipError
	switch {
	case errors.As(err, &skip) && len(p.findings) == 0:
		res.Status, res.Message = StatusSkipped, skip.Reason
		return res
	case err != nil:
		// The check stopped before the end: what it found is kept, but
		// it is not the whole answer (a list of locked-out users cut off
		// at page 3 is not the list), so the check is an error.
		res.Status = StatusError
		res.Message = err.Error()
		if errors.Is(err, model.ErrAccessDenied) {
			res.Message += "; " + p.Check.grantHint()
		}
		if timedOut {
			res.Message = fmt.Sprintf("timed out after %s: %s", timeout, res.Message)
		}
		if n := len(p.findings); n > 0 {
			res.Message = fmt.Sprintf("stopped before the end, after %d finding(s): %s", n, res.Message)
		}
		return res
	}
	res.Message = p.summary
	if res.Message == "" {
		res.Message = p.worstMessage(res.Status)
	}
	res.Message += p.note
	return res
}

func (p *Pass) worstMessage(worst Status) string {
	n, first := 0, ""
	for _, f := range p.findings {
		if f.Status == worst {
			if n == 0 {
				first = f.Message
			}
			n++
		}
	}
	switch {
	case n == 0:
		return "nothing wrong found"
	case n == 1 || worst == StatusPass:
		return first
	}
	return fmt.Sprintf("%d findings %s; the first: %s", n, worst, first)
}
