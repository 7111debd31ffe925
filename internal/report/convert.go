package report

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
)

// converter turns internal results into the contract, with every string
// masked (secrets), cleaned (terminal control) and, when redacting,
// stripped of personal data.
type converter struct {
	redact   bool
	tokens   map[string]string // personal value → placeholder
	replacer *strings.Replacer
	users    int
	values   int
}

func newConverter(redact bool) *converter {
	return &converter{redact: redact, tokens: map[string]string{}}
}

// personal registers a personal value for redaction: a UPN keeps its
// domain (user-3@contoso.com), anything else becomes value-N.
func (c *converter) personal(v string) {
	if !c.redact || len(v) < 3 || c.tokens[v] != "" {
		return
	}
	if local, domain, ok := strings.Cut(v, "@"); ok && isUPN(local, domain) {
		c.users++
		c.tokens[v] = fmt.Sprintf("user-%d@%s", c.users, domain)
		c.replacer = nil
		return
	}
	c.values++
	c.tokens[v] = fmt.Sprintf("value-%d", c.values)
	c.replacer = nil
}

// isUPN: a local part and a domain of the characters UPNs are made of.
func isUPN(local, domain string) bool {
	if local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return false
	}
	for _, r := range local + domain {
		if r <= ' ' || strings.ContainsRune("@()<>[]{},;:\\\"'|`", r) {
			return false
		}
	}
	return true
}

// collect registers every personal value of a result before any text is
// converted, so a value is masked in messages as well as in evidence.
func (c *converter) collect(res checks.Result) {
	if !c.redact {
		return
	}
	obj := func(o checks.Object) {
		if o.Personal() {
			c.personal(o.ID)
			c.personal(o.Name)
		}
	}
	read := func(r checks.Read) {
		obj(r.Object)
		if r.Personal {
			c.personal(r.Value)
		}
	}
	for _, f := range res.Findings {
		obj(f.Object)
		for _, e := range f.Evidence {
			switch e := e.(type) {
			case checks.Value:
				read(e.Read)
			case checks.Comparison:
				for _, s := range e.Sides {
					read(s)
				}
			case checks.Event:
				c.personal(e.Actor)
			}
		}
		for _, p := range f.Fixes {
			c.personal(p.Subject)
		}
	}
}

// prepare builds the redaction's replacer once every personal value is
// collected; text only reads it after, so results convert side by side.
func (c *converter) prepare() {
	if c.redact && len(c.tokens) > 0 && c.replacer == nil {
		keys := make([]string, 0, len(c.tokens))
		for k := range c.tokens {
			keys = append(keys, k)
		}
		// Longest first: a UPN is replaced before its local part could be.
		sort.Slice(keys, func(i, j int) bool {
			return len(keys[i]) > len(keys[j]) || len(keys[i]) == len(keys[j]) && keys[i] < keys[j]
		})
		var pairs []string
		for _, k := range keys {
			pairs = append(pairs, k, c.tokens[k])
		}
		c.replacer = strings.NewReplacer(pairs...)
	}
}

// text is the one path every string of the contract takes.
func (c *converter) text(s string) string {
	s = config.Shown(s)
	if !c.redact || len(c.tokens) == 0 {
		return s
	}
	c.prepare() // New prepares it before converting; a converter used alone builds it here
	return c.replacer.Replace(s)
}

func (c *converter) texts(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, c.text(s))
	}
	return out
}

func (c *converter) result(res checks.Result) Result {
	out := Result{
		CheckID: res.CheckID, Title: c.text(res.Title), Area: string(res.Area), Status: string(res.Status),
		Severity: string(res.Severity), Message: c.text(res.Message), Findings: make([]Finding, 0, len(res.Findings)),
		References: c.texts(res.References), DurationMs: res.Duration.Milliseconds(), Suppressed: res.Suppressed,
	}
	out.Findings = out.Findings[:len(res.Findings)]
	inChunks(len(res.Findings), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out.Findings[i] = c.finding(res.Findings[i])
		}
	})
	return out
}

func (c *converter) finding(f checks.Finding) Finding {
	of := Finding{Object: c.object(f.Object), Status: string(f.Status), Message: c.text(f.Message), Evidence: []Evidence{}, Fixes: []Fix{}}
	if f.Suppressed != nil {
		// The reason is an admin's free text: it may name anyone.
		reason := c.text(f.Suppressed.Reason)
		if c.redact {
			reason = "(redacted)"
		}
		of.Suppressed = &Suppressed{Reason: reason, Expires: f.Suppressed.Expires.Format("2006-01-02")}
	}
	for _, e := range f.Evidence {
		if ev, ok := c.evidence(e); ok {
			of.Evidence = append(of.Evidence, ev)
		}
	}
	for _, p := range f.Fixes {
		of.Fixes = append(of.Fixes, convertFix(c, p))
	}
	return of
}

// inChunks runs fn over [0, n) in chunks, side by side on the machine's
// cores when n is large (a tenant check's tens of thousands of findings),
// and returns when every chunk is done.
func inChunks(n int, fn func(lo, hi int)) {
	const chunk = 1024
	workers := min(runtime.GOMAXPROCS(0), (n+chunk-1)/chunk)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= n {
					return
				}
				fn(lo, min(lo+chunk, n))
			}
		})
	}
	wg.Wait()
}

func (c *converter) object(o checks.Object) Object {
	return Object{Kind: string(o.Kind), ID: c.text(o.ID), Name: c.text(o.Name)}
}

func (c *converter) read(r checks.Read) Read {
	out := Read{System: r.System, Object: c.object(r.Object), Field: c.text(r.Field), Value: c.text(r.Value),
		Source: c.text(r.Source), Personal: r.Personal}
	if r.Cert != nil {
		out.Certificate = &Certificate{SHA1: r.Cert.SHA1, SHA256: r.Cert.SHA256, Subject: c.text(r.Cert.Subject),
			NotBefore: r.Cert.NotBefore.UTC(), NotAfter: r.Cert.NotAfter.UTC()}
	}
	return out
}

func (c *converter) evidence(e checks.Evidence) (Evidence, bool) {
	switch e := e.(type) {
	case checks.Value:
		r := c.read(e.Read)
		return Evidence{Kind: "value", Read: &r}, true
	case checks.Comparison:
		cmp := &Comparison{What: c.text(e.What), Equal: e.Equal, Sides: []Read{}}
		for _, s := range e.Sides {
			cmp.Sides = append(cmp.Sides, c.read(s))
		}
		return Evidence{Kind: "comparison", Comparison: cmp}, true
	case checks.Event:
		return Evidence{Kind: "event", Event: &Event{
			Time: e.Time.UTC(), System: e.System, Type: c.text(e.Type), Outcome: c.text(e.Outcome), Code: c.text(e.Code),
			Message: c.text(e.Message), Actor: c.text(e.Actor), Target: c.text(e.Target),
			CorrelationID: c.text(e.CorrelationID), RequestID: c.text(e.RequestID),
		}}, true
	}
	return Evidence{}, false
}
