package checks

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// RunOptions bound a run.
type RunOptions struct {
	CheckTimeout time.Duration // per check; 0 = 60 s
	Parallel     int           // checks at once; 0 = all
}

// RunOne runs one check: skipped when a source it needs is not configured,
// bounded by the per-check timeout, and never a crash: a panic becomes an
// error result.
func RunOne(ctx context.Context, c *Check, s *Subject, opts RunOptions) (res Result) {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			res = Result{Status: Error, Message: fmt.Sprintf("internal error in check %s: %v (please report it)", c.ID, r)}
		}
		res.CheckID, res.Title, res.Area, res.Severity = c.ID, c.Title, c.Area, c.Severity
		if res.References == nil {
			res.References = c.References
		}
		res.Duration = time.Since(start)
	}()
	src := s.Facts.Sources()
	for _, need := range c.Needs {
		switch {
		case need == Okta && src.Okta == nil:
			return Result{Status: Skipped, Message: src.OktaWhy}
		case need == Graph && src.Graph == nil:
			return Result{Status: Skipped, Message: src.GraphWhy}
		}
	}
	timeout := opts.CheckTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res = c.Run(cctx, s)
	if res.Status == "" {
		res = Result{Status: Error, Message: "check returned no status (please report it)"}
	}
	if cctx.Err() != nil && res.Status == Error && ctx.Err() == nil {
		res.Message = fmt.Sprintf("timed out after %s: %s", timeout, res.Message)
	}
	return res
}

// Run runs the checks concurrently and returns their results in the order
// of list. onResult, if set, is called as each result arrives, from the
// caller's goroutine.
func Run(ctx context.Context, list []*Check, s *Subject, opts RunOptions, onResult func(Result)) []Result {
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
			ch <- indexed{i, RunOne(ctx, c, s, opts)}
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
