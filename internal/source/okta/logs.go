package okta

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/o365doctor/o365doctor/internal/model"
)

// maxLogPages bounds UserLogs: 20 pages of 1000 events is far more than
// one user makes in the window a helpdesk looks at; a server that keeps
// linking is stopped there.
const maxLogPages = 20

// logTime is the System Log's date form (milliseconds, UTC).
const logTime = "2006-01-02T15:04:05.000Z"

// UserLogs lists the System Log events whose actor or target is the user
// (GET /api/v1/logs; okta.logs.read), oldest first, published in
// [since, until). The query is always bounded by until: without it the
// System Log answers a polling request whose next link never ends
// (DESIGN §9).
func (c *Client) UserLogs(ctx context.Context, userID string, since, until time.Time) ([]model.OktaLogEvent, error) {
	o := op{what: "list System Log events of user " + userID, noun: "a list of log events", perm: "okta.logs.read"}
	if err := checkID(userID); err != nil {
		return nil, o.errorf("%v; not asked", err)
	}
	filter := fmt.Sprintf(`actor.id eq %q or target.id eq %q`, userID, userID)
	return c.queryLogs(ctx, o, filter, since, until, "is not about the user asked", func(ev model.OktaLogEvent) bool {
		return ev.ActorID == userID || ev.HasTarget(userID)
	})
}

// rateLimitEvents are the System Log's org-wide rate-limit events: a
// bucket's warning, burst and violation, and the concurrency limit (Okta
// counts Office 365's 75 transactions in flight apart from the rest).
var rateLimitEvents = []string{"system.org.rate_limit.warning", "system.org.rate_limit.burst",
	"system.org.rate_limit.violation", "core.concurrency.org.limit.violation"}

// RateLimitLogs lists the org's rate-limit events published in [since,
// until) (GET /api/v1/logs, filter on eventType; okta.logs.read), oldest
// first. Okta logs a warning or burst once a day per bucket and a
// violation once an hour: a handful of events.
func (c *Client) RateLimitLogs(ctx context.Context, since, until time.Time) ([]model.OktaLogEvent, error) {
	o := op{what: "list the System Log's rate-limit events", noun: "a list of log events", perm: "okta.logs.read"}
	var parts []string
	for _, t := range rateLimitEvents {
		parts = append(parts, fmt.Sprintf("eventType eq %q", t))
	}
	return c.queryLogs(ctx, o, strings.Join(parts, " or "), since, until, "is not a rate-limit event", func(ev model.OktaLogEvent) bool {
		return slices.Contains(rateLimitEvents, ev.EventType)
	})
}

// queryLogs runs one bounded System Log query, ascending, following its
// next links; an event outside the window or not one asked for (a server
// that ignored the window or the filter) refuses the answer, saying
// refusal.
func (c *Client) queryLogs(ctx context.Context, o op, filter string, since, until time.Time, refusal string, asked func(model.OktaLogEvent) bool) ([]model.OktaLogEvent, error) {
	// Judged against the dates sent (milliseconds), not finer ones.
	since, until = since.UTC().Truncate(time.Millisecond), until.UTC().Truncate(time.Millisecond)
	if !since.Before(until) {
		return nil, o.errorf("the window %s..%s is empty; not asked", since.Format(logTime), until.Format(logTime))
	}
	q := url.Values{}
	q.Set("since", since.UTC().Format(logTime))
	q.Set("until", until.UTC().Format(logTime))
	q.Set("filter", filter)
	q.Set("limit", "1000")
	q.Set("sortOrder", "ASCENDING")
	rq := c.sdk.CloneRequestExecutor()
	req, err := rq.WithAccept("application/json").NewRequest("GET", "/api/v1/logs?"+q.Encode(), nil)
	if err != nil {
		return nil, o.fail(nil, err)
	}
	var page []*okta.LogEvent
	resp, err := rq.Do(ctx, req, &page)
	var out []model.OktaLogEvent
	p := newPager()
	for {
		if err != nil {
			return nil, o.fail(resp, err)
		}
		if len(page) == 0 && !isJSONList(resp) {
			return nil, o.notA("not a JSON list")
		}
		for _, e := range page {
			ev, err := toLogEvent(e)
			if err != nil {
				return nil, o.notA(err.Error())
			}
			if ev.Published.Before(since) || !ev.Published.Before(until) {
				return nil, o.notA("event " + ev.UUID + " published outside the window asked")
			}
			if !asked(ev) {
				return nil, o.notA("event " + ev.UUID + " " + refusal + " (" + ev.EventType + ")")
			}
			out = append(out, ev)
		}
		// An empty page ends a bounded query even if a next link came:
		// the System Log never sends an empty page in the middle.
		if len(page) == 0 {
			return out, nil
		}
		next, linkErr := p.next(resp)
		if linkErr != nil {
			return nil, o.errorf("%v", linkErr)
		}
		if next == "" {
			return out, nil
		}
		if p.followed >= maxLogPages {
			return nil, o.errorf("more than %d pages of events; stopping (narrow --since)", maxLogPages)
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, o.fail(nil, ctxErr)
		}
		page = nil
		resp, err = resp.Next(ctx, &page)
	}
}

func toLogEvent(e *okta.LogEvent) (model.OktaLogEvent, error) {
	if e == nil || e.Uuid == "" {
		return model.OktaLogEvent{}, fmt.Errorf("an event without uuid")
	}
	if e.Published == nil || e.Published.IsZero() {
		return model.OktaLogEvent{}, fmt.Errorf("event %s without published", model.Clean(e.Uuid))
	}
	if e.EventType == "" {
		return model.OktaLogEvent{}, fmt.Errorf("event %s without eventType", model.Clean(e.Uuid))
	}
	out := model.OktaLogEvent{
		UUID: model.Clean(e.Uuid), Published: e.Published.UTC(), EventType: model.Clean(e.EventType),
		DisplayMessage: model.Clean(e.DisplayMessage), Severity: model.Clean(e.Severity),
	}
	if e.Outcome != nil {
		out.Result, out.Reason = model.Clean(e.Outcome.Result), model.Clean(e.Outcome.Reason)
	}
	if e.Actor != nil {
		out.ActorID, out.ActorLogin = model.Clean(e.Actor.Id), model.Clean(e.Actor.AlternateId)
	}
	for _, t := range e.Target {
		if t == nil {
			continue
		}
		out.Targets = append(out.Targets, model.OktaLogTarget{ID: model.Clean(t.Id), Type: model.Clean(t.Type),
			AlternateID: model.Clean(t.AlternateId), DisplayName: model.Clean(t.DisplayName)})
	}
	if e.DebugContext != nil {
		if d, ok := e.DebugContext.DebugData.(map[string]any); ok {
			out.RequestID = cleanString(d["requestId"])
			out.RequestURI = cleanString(d["requestUri"])
			// A rate-limit event's limit (all strings in the samples).
			if th := cleanString(d["threshold"]); th != "" {
				out.RateLimit = strings.TrimSpace(th + " per " + cleanString(d["timeSpan"]) + " " + strings.ToLower(cleanString(d["timeUnit"])))
			}
		}
	}
	if e.Transaction != nil {
		out.TransactionID = model.Clean(e.Transaction.Id)
	}
	if e.Client != nil {
		out.ClientIP = model.Clean(e.Client.IpAddress)
		if e.Client.UserAgent != nil {
			out.UserAgent = model.Clean(e.Client.UserAgent.RawUserAgent)
		}
	}
	return out, nil
}

// Factors lists the user's enrolled factors (GET /api/v1/users/{id}/factors;
// okta.users.read): one page, Okta has no paging here. A push factor's
// profile.name is the phone it is on.
func (c *Client) Factors(ctx context.Context, userID string) ([]model.OktaFactor, error) {
	o := op{what: "list factors of user " + userID, noun: "a list of factors", perm: "okta.users.read"}
	if err := checkID(userID); err != nil {
		return nil, o.errorf("%v; not asked", err)
	}
	rq := c.sdk.CloneRequestExecutor()
	req, err := rq.WithAccept("application/json").NewRequest("GET", "/api/v1/users/"+userID+"/factors", nil)
	if err != nil {
		return nil, o.fail(nil, err)
	}
	var list []*factorJSON
	resp, err := rq.Do(ctx, req, &list)
	if err != nil {
		return nil, o.fail(resp, err)
	}
	if len(list) == 0 && !isJSONList(resp) {
		return nil, o.notA("not a JSON list")
	}
	out := make([]model.OktaFactor, 0, len(list))
	for i, f := range list {
		if f == nil || f.ID == "" || f.FactorType == "" {
			return nil, o.notA("factor " + strconv.Itoa(i) + " without id or factorType")
		}
		fac := model.OktaFactor{ID: model.Clean(f.ID), Type: model.Clean(f.FactorType), Provider: model.Clean(f.Provider),
			Status: model.Clean(f.Status), Created: timeOf(f.Created)}
		if p, ok := f.Profile.(map[string]any); ok {
			fac.Device = cleanString(p["name"])
		}
		out = append(out, fac)
	}
	return out, nil
}

// DeleteFactor unenrolls one of the user's factors (DELETE
// /api/v1/users/{id}/factors/{factorId}; okta.users.manage): a stale Okta
// Verify enrollment the user then enrolls again.
func (c *Client) DeleteFactor(ctx context.Context, userID, factorID string) error {
	o := op{what: "delete factor " + factorID + " of user " + userID, noun: "an empty answer", perm: "okta.users.manage"}
	if err := checkID(userID); err != nil {
		return o.errorf("%v; not asked", err)
	}
	if err := checkID(factorID); err != nil {
		return o.errorf("%v; not asked", err)
	}
	rq := c.sdk.CloneRequestExecutor()
	req, err := rq.WithAccept("application/json").NewRequest("DELETE", "/api/v1/users/"+userID+"/factors/"+factorID, nil)
	if err != nil {
		return o.fail(nil, err)
	}
	resp, err := rq.Do(ctx, req, nil)
	if err != nil {
		return o.fail(resp, err)
	}
	return nil
}

// factorJSON is a factor as Okta lists it; the SDK's UserFactor drops the
// profile, where a push factor names its device.
type factorJSON struct {
	ID         string     `json:"id"`
	FactorType string     `json:"factorType"`
	Provider   string     `json:"provider"`
	Status     string     `json:"status"`
	Created    *time.Time `json:"created"`
	Profile    any        `json:"profile"`
}
