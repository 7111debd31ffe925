package checks

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/o365doctor/o365doctor/internal/model"
)

// --- loginloop.okta-rate-limit -------------------------------------------------

const srcOktaRateLimits = `GET /api/v1/logs?since&until&filter=eventType eq "system.org.rate_limit.*" or "core.concurrency.org.limit.violation"`

// OktaRateLimitFact are the org's rate-limit events in the run's window.
var OktaRateLimitFact = &Fact[[]model.OktaLogEvent]{
	Name:     "the Okta org's rate-limit events",
	Requires: []FactRef{WindowFact},
	Load: func(ctx context.Context, f *Facts) ([]model.OktaLogEvent, error) {
		if err := f.need(Okta); err != nil {
			return nil, err
		}
		w, _ := WindowFact.Get(ctx, f)
		return f.src.Okta.RateLimitLogs(ctx, w.Since, w.Until)
	},
}

// rateLimitNear is how close to a throttling a user's failure must be for
// the throttling to be its likely cause: Okta logs a violation once an
// hour per bucket, at its first refusal, and the refusals go on for the
// rest of the minute (or longer, under load).
const rateLimitNear = 10 * time.Minute

// isOffice365Bucket: the rate limit is Office 365's (/app/office365/...),
// or Okta's concurrency limit, which counts Office 365's transactions in a
// pool of their own that the event does not name.
func isOffice365Bucket(e model.OktaLogEvent) bool {
	return strings.Contains(strings.ToLower(e.URLPattern()), "/app/office365") || e.EventType == "core.concurrency.org.limit.violation"
}

func isViolation(e model.OktaLogEvent) bool {
	return strings.HasSuffix(e.EventType, ".violation")
}

// isBucketViolation: a violation of a named bucket (not the concurrency
// limit, which names none).
func isBucketViolation(e model.OktaLogEvent) bool {
	return isViolation(e) && e.EventType != "core.concurrency.org.limit.violation"
}

// OktaRateLimit: Okta throttled Office 365's sign-in endpoints around the
// user's failures.
var OktaRateLimit = &Check{
	ID:       "loginloop.okta-rate-limit",
	Title:    "Okta did not throttle Office 365 sign-ins",
	Area:     AreaLoginLoop,
	Scope:    ScopeUser,
	Severity: Medium,
	Needs:    []Source{Okta},
	Permissions: []Permission{{Source: Okta, Name: "okta.logs.read"}, {Source: Okta, Name: "okta.users.read"},
		{Source: Graph, Name: "AuditLog.Read.All", Optional: true}},
	Requires: []FactRef{OktaRateLimitFact, OktaLogsFact, SignInsFact},
	Doc: `Okta limits Office 365's WS-Federation endpoints per minute
(/app/office365/{key}/sso/wsfed/passive for browsers, /active for rich and
legacy clients; the numbers are on the org's Rate Limit dashboard) and keeps
Office 365's transactions in flight in a pool of 75 of their own, which no
rate-limit multiplier raises. Over a limit Okta answers HTTP 429 and Microsoft
365 sign-ins fail for everyone, often for minutes. The check reads the org's
rate-limit events over the window (one bounded System Log query:
system.org.rate_limit.warning, .burst and .violation, each with the bucket's
URL pattern and threshold, and core.concurrency.org.limit.violation) and sets
them beside the user's failed sign-ins on both sides (Entra's are optional).
A violation of an Office 365 bucket within 10 minutes of one of the user's
failures fails: the throttling is the likely cause. One further away, or a
warning (the bucket near its limit), warns. Other endpoints' limits (the API,
/api/v1/users) are counted, not judged.
Fix: ask Okta support for a rate-limit increase on the Office 365 bucket, and
move legacy and rich clients (the /active endpoint) to modern
authentication; a script or sync tool hammering the endpoint shows as the
events' client.`,
	References: []string{
		"https://developer.okta.com/docs/reference/rl-system-log-events/",
		"https://developer.okta.com/docs/reference/rl2-concurrency/",
		"https://developer.okta.com/docs/reference/rl-additional-limits/",
	},
	Run: runOktaRateLimit,
}

func runOktaRateLimit(ctx context.Context, pass *Pass) error {
	events, err := OktaRateLimitFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	w, _ := WindowFact.Get(ctx, pass.Facts)
	upn := pass.Subject.UPN
	obj := Object{Kind: ObjUser, ID: upn, Name: upn}
	var o365 []model.OktaLogEvent
	others := map[string]int{}
	for _, e := range events {
		if isOffice365Bucket(e) {
			o365 = append(o365, e)
		} else {
			others[cmp.Or(e.URLPattern(), e.EventType)]++
		}
	}
	otherNote := ""
	if len(others) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(others)) {
			parts = append(parts, fmt.Sprintf("%s (%d)", k, others[k]))
		}
		otherNote = "; other buckets' rate-limit events, not Office 365's: " + strings.Join(parts, ", ")
	}
	count := Value{Read{System: "okta", Object: Object{Kind: ObjOrg, ID: pass.Facts.Sources().OktaOrg, Name: cmp.Or(pass.Facts.Sources().OktaOrg, "Okta org")},
		Field: "rate-limit events in the window (Office 365's / all)", Value: fmt.Sprintf("%d / %d", len(o365), len(events)), Source: srcOktaRateLimits}}
	if len(o365) == 0 {
		pass.Report(Finding{Object: obj, Status: StatusPass, Evidence: []Evidence{count},
			Message: fmt.Sprintf("no Okta rate-limit event for Office 365's endpoints from %s%s", w, otherNote)})
		return nil
	}

	// The user's failures, from whichever side could be read.
	var failures []Event
	notes := []string{}
	if logs, err := OktaLogsFact.Get(ctx, pass.Facts); err == nil {
		for _, e := range logs {
			if (e.EventType == "user.authentication.sso" || isActiveEndpoint(e)) && e.Result != "" && !strings.EqualFold(e.Result, "SUCCESS") {
				failures = append(failures, oktaEvent(e))
			}
		}
	} else if ctx.Err() == nil {
		notes = append(notes, "Okta's events of the user not read ("+err.Error()+")")
	}
	s, note := optionalSignIns(ctx, pass)
	if note != "" {
		notes = append(notes, note)
	}
	for _, si := range s.List {
		if si.Failed() && !expectedCodes[si.ErrorCode] && !(interruptCodes[si.ErrorCode] && completedLater(si, s.List)) {
			failures = append(failures, entraEvent(si))
		}
	}

	// A violation of a named Office 365 bucket near a failure is the likely
	// cause; the concurrency limit's event names no bucket (Office 365's
	// pool or the rest's), so it is never more than a warning.
	var near []Event
	var nearest model.OktaLogEvent
	best := rateLimitNear + 1
	for _, f := range failures {
		hit := false
		for _, e := range o365 {
			d := absDuration(f.Time.Sub(e.Published))
			if !isBucketViolation(e) || d > rateLimitNear {
				continue
			}
			hit = true
			if d < best {
				best, nearest = d, e
			}
		}
		if hit {
			near = append(near, f)
		}
	}
	var evs []Event
	for _, e := range o365 {
		ev := oktaEvent(e)
		ev.Target = e.URLPattern()
		if e.RateLimit != "" {
			ev.Message = strings.TrimSpace(ev.Message + " (limit " + e.RateLimit + ")")
		}
		evs = append(evs, ev)
	}
	last := o365[len(o365)-1]
	noteText := ""
	if len(notes) > 0 {
		noteText = "; " + strings.Join(notes, "; ")
	}
	switch {
	case len(near) > 0:
		pass.Report(Finding{Object: obj, Status: StatusFail, Evidence: append([]Evidence{count}, newest(append(evs, near...))...),
			Message: fmt.Sprintf("Okta throttled Office 365 (%s on %s%s at %s, the nearest) within %s of %d failed sign-in(s) of %s: the rate limit is the likely cause; ask Okta support for an increase on that bucket and move legacy clients to modern authentication%s",
				nearest.EventType, nearest.URLPattern(), limitNote(nearest), stamp(nearest.Published), rateLimitNear, len(near), upn, noteText)})
	case slices.ContainsFunc(o365, isViolation) && !slices.ContainsFunc(o365, isBucketViolation):
		pass.Report(Finding{Object: obj, Status: StatusWarn, Evidence: append([]Evidence{count}, newest(evs)...),
			Message: fmt.Sprintf("Okta's concurrency limit was hit %d time(s) in the window (last at %s): Office 365's 75 transactions in flight or the rest's, the event does not say which; if %s's failures are then, ask Okta support%s%s",
				len(o365), stamp(last.Published), upn, noteText, otherNote)})
	case slices.ContainsFunc(o365, isViolation):
		pass.Report(Finding{Object: obj, Status: StatusWarn, Evidence: append([]Evidence{count}, newest(evs)...),
			Message: fmt.Sprintf("Okta throttled Office 365 %d time(s) in the window (last %s on %s%s at %s), not within %s of a failure of %s: other users' sign-ins failed then%s%s",
				len(o365), last.EventType, last.URLPattern(), limitNote(last), stamp(last.Published), rateLimitNear, upn, noteText, otherNote)})
	default:
		pass.Report(Finding{Object: obj, Status: StatusWarn, Evidence: append([]Evidence{count}, newest(evs)...),
			Message: fmt.Sprintf("Office 365's Okta bucket %s came near its limit%s (%s at %s): no sign-in refused yet, but the next peak may be%s%s",
				last.URLPattern(), limitNote(last), last.EventType, stamp(last.Published), noteText, otherNote)})
	}
	return nil
}

func limitNote(e model.OktaLogEvent) string {
	if e.RateLimit == "" {
		return ""
	}
	return ", limit " + e.RateLimit
}
