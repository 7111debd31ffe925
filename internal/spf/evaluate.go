package spf

import (
	"context"
	"fmt"
	"strings"
)

// Answer is what a lookup returned.
type Answer struct {
	// Values are the TXT records' texts (each record's strings joined),
	// the A/AAAA addresses or the MX hosts.
	Values []string
	// Missing: NXDOMAIN, or NOERROR without a record of the type: a void
	// lookup (section 4.6.4).
	Missing bool
	// Err: the question went unanswered (timeout, SERVFAIL): a temperror.
	Err error
}

// LookupFunc asks DNS one question; qtype is "TXT", "A", "AAAA" or "MX".
type LookupFunc func(ctx context.Context, name, qtype string) Answer

// Kind is what kind of problem the evaluation met.
type Kind string

// Problems that make receivers answer permerror (every message of the
// domain then fails SPF, or is treated as if it had no record), and the
// temperror of an unanswered lookup.
const (
	NoRecord        Kind = "no-record"         // no v=spf1 record (at the top: none published)
	MultipleRecords Kind = "multiple-records"  // more than one v=spf1 record at one name
	Syntax          Kind = "syntax"            // a term that does not parse
	TooManyLookups  Kind = "too-many-lookups"  // more than MaxLookups lookup terms
	TooManyVoid     Kind = "too-many-void"     // more than MaxVoid void lookups
	Loop            Kind = "loop"              // an include or redirect back into its own chain
	TooManyMX       Kind = "too-many-mx"       // an mx term naming more than MaxMX hosts
	TempError       Kind = "temperror"         // a lookup went unanswered
	RedirectIgnored Kind = "redirect-ignored"  // redirect= beside all: not a receiver error, noted
	PlusAll         Kind = "plus-all"          // +all: anyone may send as the domain (not a receiver error)
	NeutralAll      Kind = "neutral-all"       // ?all: SPF says nothing of other servers (not a receiver error)
	AfterAll        Kind = "after-all"         // a mechanism after all: never reached, not counted (section 5.1)
	NotExpanded     Kind = "not-expanded"      // a term o365doctor cannot follow (macro, ptr)
	MissingInclude  Kind = "include-no-record" // an include or redirect target without an SPF record
)

// Problem is one thing the evaluation met, where it met it.
type Problem struct {
	Kind   Kind
	Domain string // the record's domain
	Term   string // the term, "" for the record
	Detail string
}

func (p Problem) String() string {
	where := p.Domain
	if p.Term != "" {
		where += " " + shorten(p.Term, 80)
	}
	return where + ": " + p.Detail
}

// PermError reports whether receivers answer permerror for this problem.
func (k Kind) PermError() bool {
	switch k {
	case NoRecord, MultipleRecords, Syntax, TooManyLookups, TooManyVoid, Loop, TooManyMX, MissingInclude:
		return true
	}
	return false
}

// Step is one record of the chain, in evaluation order (depth first).
type Step struct {
	Domain string
	Via    string // "" for the top record, else "include" or "redirect"
	Depth  int
	Record string // the v=spf1 text, "" when there was none to read
	// Lookups are the lookup terms of this record itself; Subtotal adds
	// those of the records it includes or redirects to.
	Lookups  int
	Subtotal int
	Void     int // void lookups of this record's own terms
}

// Result is the outcome of evaluating a domain's SPF record.
type Result struct {
	Domain      string
	Lookups     int // lookup terms counted, through every include and redirect
	VoidLookups int
	Steps       []Step
	// Problems in the order met; Notes are the ones that are no error.
	Problems []Problem
	// Reached are the include and redirect targets evaluated, lower-case,
	// in order; Via maps each to the chain that first reached it; Ways
	// lists every way each was reached, with what a match through it
	// gives (see Reach).
	Reached []string
	Via     map[string][]string
	Ways    map[string][]Reach
	// Stopped: the chain was cut at the work bound (MaxExpand lookup
	// terms): the figures are lower bounds.
	Stopped bool
}

// MaxExpand bounds the work on a hostile chain: past it, terms are no
// longer followed (the record failed long before).
const MaxExpand = 60

// PermErrors are the problems that make receivers answer permerror.
func (r *Result) PermErrors() []Problem { return r.filter(func(k Kind) bool { return k.PermError() }) }

// TempErrors are the lookups that went unanswered.
func (r *Result) TempErrors() []Problem { return r.filter(func(k Kind) bool { return k == TempError }) }

// Notes are the problems that are neither: terms not followed, +all.
func (r *Result) Notes() []Problem {
	return r.filter(func(k Kind) bool { return !k.PermError() && k != TempError })
}

func (r *Result) filter(keep func(Kind) bool) []Problem {
	var out []Problem
	for _, p := range r.Problems {
		if keep(p.Kind) {
			out = append(out, p)
		}
	}
	return out
}

// Reach is one way the evaluation reaches an include or redirect target.
type Reach struct {
	Chain []string // the domains from the top record to the target
	// Qualifier is the first qualifier other than '+' of the include
	// mechanisms on the way, '+' when every one is '+' (a redirect passes
	// its target's result on). Only '+' authorises the target's senders:
	// "-include:" makes them fail, "~include:" softfail, "?include:"
	// neutral, and an include whose record does not pass does not match
	// where it is included (section 5.2).
	Qualifier byte
	Term      string // the term of the top record that leads there
}

// Authorises reports whether a match in the target gives pass.
func (w Reach) Authorises() bool { return w.Qualifier == '+' }

// Reaches reports whether the chain includes (or redirects to) domain,
// with the chain that first reaches it from the top. Terms after all are
// never reached (section 5.1).
func (r *Result) Reaches(domain string) ([]string, bool) {
	d := normalize(domain)
	chain, ok := r.Via[d]
	return chain, ok
}

// BestReach is the way domain is reached that gives its senders the best
// result: pass before neutral and softfail, before fail. ok is false when
// domain is not reached at all.
func (r *Result) BestReach(domain string) (Reach, bool) {
	ways := r.Ways[normalize(domain)]
	if len(ways) == 0 {
		return Reach{}, false
	}
	rank := map[byte]int{'+': 0, '?': 1, '~': 2, '-': 3}
	best := ways[0]
	for _, w := range ways[1:] {
		if rank[w.Qualifier] < rank[best.Qualifier] {
			best = w
		}
	}
	return best, true
}

// Records returns the v=spf1 records among a name's TXT texts.
func Records(txts []string) []string {
	var out []string
	for _, t := range txts {
		if IsSPF(t) {
			out = append(out, t)
		}
	}
	return out
}

// Evaluate reads domain's TXT records through lookup and evaluates its SPF
// record.
func Evaluate(ctx context.Context, domain string, lookup LookupFunc) *Result {
	e := newEvaluator(domain, lookup)
	a := e.ask(ctx, e.res.Domain, "TXT")
	if a.Err != nil {
		e.problem(TempError, e.res.Domain, "", "TXT: "+a.Err.Error())
		return e.res
	}
	e.eval(ctx, e.res.Domain, a.Values, "", 0, []string{e.res.Domain}, '+', "")
	return e.res
}

// EvaluateTXT evaluates domain's SPF record among txts, the TXT records
// already read at domain (from its primary nameserver, say); lookup is
// asked for everything the record leads to.
func EvaluateTXT(ctx context.Context, domain string, txts []string, lookup LookupFunc) *Result {
	e := newEvaluator(domain, lookup)
	e.eval(ctx, e.res.Domain, txts, "", 0, []string{e.res.Domain}, '+', "")
	return e.res
}

type evaluator struct {
	lookup LookupFunc
	cache  map[string]Answer
	res    *Result
	over   bool // TooManyLookups reported
	void   bool // TooManyVoid reported
}

func newEvaluator(domain string, lookup LookupFunc) *evaluator {
	return &evaluator{lookup: lookup, cache: map[string]Answer{},
		res: &Result{Domain: normalize(domain), Via: map[string][]string{}, Ways: map[string][]Reach{}}}
}

func normalize(d string) string { return strings.ToLower(strings.TrimSuffix(d, ".")) }

// ask asks once per name and type in a run, as a receiver's cache would.
func (e *evaluator) ask(ctx context.Context, name, qtype string) Answer {
	k := qtype + " " + name
	if a, ok := e.cache[k]; ok {
		return a
	}
	var a Answer
	if err := ctx.Err(); err != nil {
		a = Answer{Err: err}
	} else {
		a = e.lookup(ctx, name, qtype)
	}
	e.cache[k] = a
	return a
}

func (e *evaluator) problem(k Kind, domain, term, detail string) {
	e.res.Problems = append(e.res.Problems, Problem{Kind: k, Domain: domain, Term: term, Detail: detail})
}

// eval evaluates the SPF record of domain among txts; path is the chain of
// domains from the top to this one (for loops and Via), qual the result a
// match in this record gives at the top (see Reach), topTerm the top
// record's term that led here ("" at the top).
func (e *evaluator) eval(ctx context.Context, domain string, txts []string, via string, depth int, path []string, qual byte, topTerm string) int {
	step := len(e.res.Steps)
	e.res.Steps = append(e.res.Steps, Step{Domain: domain, Via: via, Depth: depth})
	recs := Records(txts)
	switch {
	case len(recs) == 0 && via == "":
		e.problem(NoRecord, domain, "", "no v=spf1 record")
		return 0
	case len(recs) == 0:
		e.problem(MissingInclude, domain, "", fmt.Sprintf("the %s target has no v=spf1 record", via))
		return 0
	case len(recs) > 1:
		e.res.Steps[step].Record = recs[0]
		e.problem(MultipleRecords, domain, "", fmt.Sprintf("%d v=spf1 records: receivers answer permerror", len(recs)))
		return 0
	}
	e.res.Steps[step].Record = recs[0]
	rec, err := Parse(recs[0])
	if err != nil {
		e.problem(Syntax, domain, "", err.Error())
		return 0
	}
	own, nested := 0, 0
	count := func(t Term) bool {
		if e.res.Lookups >= MaxExpand {
			e.res.Stopped = true
			return false
		}
		own++
		e.res.Lookups++
		if e.res.Lookups > MaxLookups && !e.over {
			e.over = true
			e.problem(TooManyLookups, domain, t.Raw, fmt.Sprintf("lookup term number %d: the limit is %d", e.res.Lookups, MaxLookups))
		}
		return true
	}
	void := func(t Term) {
		e.res.Steps[step].Void++
		e.res.VoidLookups++
		if e.res.VoidLookups > MaxVoid && !e.void {
			e.void = true
			e.problem(TooManyVoid, domain, t.Raw, fmt.Sprintf("void lookup number %d: the limit is %d", e.res.VoidLookups, MaxVoid))
		}
	}
	target := func(t Term) string {
		if t.Target == "" {
			return domain
		}
		return normalize(t.Target)
	}
	follow := func(t Term, kind string) {
		to := target(t)
		for _, p := range path {
			if p == to {
				e.problem(Loop, domain, t.Raw, "leads back to "+to+": "+strings.Join(append(append([]string{}, path...), to), " -> "))
				return
			}
		}
		a := e.ask(ctx, to, "TXT")
		switch {
		case a.Err != nil:
			e.problem(TempError, domain, t.Raw, "TXT "+to+": "+a.Err.Error())
			return
		case a.Missing:
			void(t)
		}
		chain := append(append([]string{}, path...), to)
		if _, seen := e.res.Via[to]; !seen {
			e.res.Reached = append(e.res.Reached, to)
			e.res.Via[to] = chain
		}
		q := qual
		if q == '+' && kind == "include" && t.Qualifier != 0 {
			q = t.Qualifier
		}
		top := topTerm
		if top == "" {
			top = t.Raw
		}
		e.res.Ways[to] = append(e.res.Ways[to], Reach{Chain: chain, Qualifier: q, Term: top})
		nested += e.eval(ctx, to, a.Values, kind, depth+1, chain, q, top)
	}
	hasAll := false
	for i, t := range rec.Terms {
		if t.Modifier {
			continue
		}
		if hasAll {
			// Section 5.1: mechanisms after all are never tested and
			// MUST be ignored: not followed, not counted.
			e.problem(AfterAll, domain, t.Raw, "comes after "+allTerm(rec.Terms[:i])+": receivers never reach it (RFC 7208 5.1), so it is not counted")
			continue
		}
		if t.Name == "all" {
			hasAll = true
			switch t.Qualifier {
			case '+':
				e.problem(PlusAll, domain, t.Raw, "lets any server send mail as the domain")
			case '?':
				e.problem(NeutralAll, domain, t.Raw, "neutral for every other server: receivers treat their mail as if the domain published no SPF record (RFC 7208 8.2)")
			}
			continue
		}
		if !t.Lookup() {
			continue
		}
		if !count(t) {
			continue
		}
		if t.Macro {
			e.problem(NotExpanded, domain, t.Raw, "holds a macro: what it leads to depends on the sender and is not counted")
			continue
		}
		switch t.Name {
		case "include":
			follow(t, "include")
		case "ptr":
			e.problem(NotExpanded, domain, t.Raw, "ptr depends on the sender's address and is not followed (RFC 7208 5.5: do not use it)")
		case "exists":
			e.address(ctx, domain, t, target(t), false, void)
		case "a":
			e.address(ctx, domain, t, target(t), true, void)
		case "mx":
			a := e.ask(ctx, target(t), "MX")
			switch {
			case a.Err != nil:
				e.problem(TempError, domain, t.Raw, "MX "+target(t)+": "+a.Err.Error())
			case a.Missing:
				void(t)
			case len(a.Values) > MaxMX:
				e.problem(TooManyMX, domain, t.Raw, fmt.Sprintf("%s has %d MX hosts: the limit is %d", target(t), len(a.Values), MaxMX))
			default:
				// Section 4.6.4: the mx mechanism then looks up each
				// host's addresses (at most MaxMX hosts, checked above);
				// a host without any is a void lookup.
				for _, host := range a.Values {
					if h := normalize(host); h != "" {
						e.address(ctx, domain, t, h, true, void)
					}
				}
			}
		}
	}
	if r, ok := rec.Redirect(); ok {
		switch {
		case hasAll:
			e.problem(RedirectIgnored, domain, r.Raw, "ignored: the record has an all mechanism (section 6.1)")
		case !count(r):
		case r.Macro:
			e.problem(NotExpanded, domain, r.Raw, "holds a macro: what it leads to depends on the sender and is not counted")
		default:
			follow(r, "redirect")
		}
	}
	e.res.Steps[step].Lookups = own
	e.res.Steps[step].Subtotal = own + nested
	return own + nested
}

// allTerm is the all mechanism among terms, as written.
func allTerm(terms []Term) string {
	for _, t := range terms {
		if !t.Modifier && t.Name == "all" {
			return t.Raw
		}
	}
	return "all"
}

// address asks for the A records of name (then AAAA, for an a term): a
// name with neither is a void lookup.
func (e *evaluator) address(ctx context.Context, domain string, t Term, name string, aaaa bool, void func(Term)) {
	types := []string{"A"}
	if aaaa {
		types = append(types, "AAAA")
	}
	for _, qt := range types {
		a := e.ask(ctx, name, qt)
		if a.Err != nil {
			e.problem(TempError, domain, t.Raw, qt+" "+name+": "+a.Err.Error())
			return
		}
		if !a.Missing && len(a.Values) > 0 {
			return
		}
	}
	void(t)
}
