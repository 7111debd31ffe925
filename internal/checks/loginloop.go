package checks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/o365doctor/o365doctor/internal/codes"
	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/model"
)

// loginLoopChecks are the login-loop checks (area loginloop), in report
// order. Each reads the user's events in the run's window (Subject.Since,
// 24 hours by default) and reports what it rests on as Event evidence,
// which the report merges into one timeline.
var loginLoopChecks = []*Check{OktaSSOBurst, EntraSignInErrors, SessionsRevoked, OktaVerifyEnrollment, LegacyClients,
	OktaRateLimit, MFALoopPredictor, AutopilotDeviceTrust, RegistrationCampaign}

// GraphSignInsAPI is what the login-loop checks need of Graph.
type GraphSignInsAPI interface {
	// SignIns are the user's sign-ins created in [since, until], newest
	// first, in one request (reports are throttled to 5 requests per
	// 10 s); more says Graph had more. model.ErrNotPremium for a tenant
	// without Entra ID P1/P2.
	SignIns(ctx context.Context, upn string, since, until time.Time) (list []model.SignIn, more bool, err error)
}

// OktaLogsAPI is what the login-loop checks need of Okta.
type OktaLogsAPI interface {
	// UserLogs are the System Log events whose actor or target is the
	// user, published in [since, until), oldest first: always a bounded
	// query (DESIGN §9).
	UserLogs(ctx context.Context, userID string, since, until time.Time) ([]model.OktaLogEvent, error)
	// RateLimitLogs are the org's rate-limit events (system.org.rate_limit.*,
	// core.concurrency.org.limit.violation) published in [since, until).
	RateLimitLogs(ctx context.Context, since, until time.Time) ([]model.OktaLogEvent, error)
	// Factors are the user's enrolled factors.
	Factors(ctx context.Context, userID string) ([]model.OktaFactor, error)
}

// DefaultSince is how far back the login-loop checks look when the
// subject names no window.
const DefaultSince = 24 * time.Hour

// entraSignInRetention is how long Entra ID keeps sign-in logs with P1/P2
// (30 days, Microsoft's "Microsoft Entra data retention"): a longer window
// reads Okta's side only before it.
const entraSignInRetention = 30 * 24 * time.Hour

// Window is the span of time a run's login-loop checks read: the same
// for Okta and Entra, so their events line up on one timeline.
type Window struct{ Since, Until time.Time }

func (w Window) String() string {
	return fmt.Sprintf("%s to %s", w.Since.UTC().Format(time.RFC3339), w.Until.UTC().Format(time.RFC3339))
}

const (
	srcOktaLogs    = "GET /api/v1/logs?since&until&filter=actor.id or target.id"
	srcOktaFactors = "GET /api/v1/users/{id}/factors"
	srcSignIns     = "GET /auditLogs/signIns?$filter=userPrincipalName and createdDateTime"
	srcSessions    = "GET /users/{upn}?$select=...,lastPasswordChangeDateTime,signInSessionsValidFromDateTime"
)

var (
	// WindowFact is the run's window: it ends when it is first read.
	WindowFact = &Fact[Window]{
		Name: "the login-loop window",
		Load: func(_ context.Context, f *Facts) (Window, error) {
			since := f.subject.Since
			if since <= 0 {
				since = DefaultSince
			}
			// Whole seconds: Graph's filter takes no finer dates, and
			// both sides must read the same span.
			now := time.Now().UTC().Truncate(time.Second)
			return Window{Since: now.Add(-since).Truncate(time.Second), Until: now}, nil
		},
	}

	// OktaLogsFact are the System Log events of the subject's Okta user
	// in the window.
	OktaLogsFact = &Fact[[]model.OktaLogEvent]{
		Name:     "the Okta user's System Log events",
		Requires: []FactRef{OktaUserFact, WindowFact},
		Load: func(ctx context.Context, f *Facts) ([]model.OktaLogEvent, error) {
			u, err := OktaUserFact.Get(ctx, f)
			if err != nil {
				return nil, err
			}
			w, _ := WindowFact.Get(ctx, f)
			return f.src.Okta.UserLogs(ctx, u.ID, w.Since, w.Until)
		},
	}

	// OktaFactorsFact are the subject's enrolled Okta factors.
	OktaFactorsFact = &Fact[[]model.OktaFactor]{
		Name:     "the Okta user's factors",
		Requires: []FactRef{OktaUserFact},
		Load: func(ctx context.Context, f *Facts) ([]model.OktaFactor, error) {
			u, err := OktaUserFact.Get(ctx, f)
			if err != nil {
				return nil, err
			}
			return f.src.Okta.Factors(ctx, u.ID)
		},
	}

	// SignInsFact are the subject's Entra sign-ins in the window: one
	// request per run, shared by every check that reads them.
	SignInsFact = &Fact[SignIns]{
		Name:     "the Entra ID sign-ins",
		Requires: []FactRef{WindowFact},
		Load: func(ctx context.Context, f *Facts) (SignIns, error) {
			if err := f.need(Graph); err != nil {
				return SignIns{}, err
			}
			if err := f.granted(Graph, "AuditLog.Read.All"); err != nil {
				return SignIns{}, err
			}
			w, _ := WindowFact.Get(ctx, f)
			list, more, err := f.src.Graph.SignIns(ctx, f.subject.UPN, w.Since, w.Until)
			return SignIns{List: list, More: more}, err
		},
	}
)

// SignIns are the sign-ins Graph answered; More says there were more than
// one page (the newest are kept).
type SignIns struct {
	List []model.SignIn
	More bool
}

// maxEvents bounds the events one finding carries as evidence: a loop of
// 500 sign-ins is shown by its newest 20 and a count.
const maxEvents = 20

func oktaEvent(e model.OktaLogEvent) Event {
	target := ""
	for _, t := range e.Targets {
		if t.Type == "AppInstance" {
			target = cmp.Or(t.DisplayName, t.AlternateID, t.ID)
		}
	}
	return Event{Time: e.Published, System: "okta", Type: e.EventType, Outcome: e.Result, Code: e.Reason,
		Message: e.DisplayMessage, Actor: e.ActorLogin, Target: target, CorrelationID: e.TransactionID, RequestID: e.RequestID}
}

func entraEvent(s model.SignIn) Event {
	outcome, code := "SUCCESS", ""
	if s.Failed() {
		outcome, code = "FAILURE", "AADSTS"+strconv.Itoa(s.ErrorCode)
	}
	msg := s.FailureReason
	if s.ClientAppUsed != "" {
		msg = strings.TrimSpace(msg + " (" + s.ClientAppUsed + ")")
	}
	return Event{Time: s.Created, System: "entra", Type: "signIn", Outcome: outcome, Code: code, Message: msg,
		Actor: s.UserPrincipalName, Target: s.AppDisplayName, CorrelationID: s.CorrelationID, RequestID: s.ID}
}

// newest keeps the newest maxEvents events as evidence, in time order.
func newest(evs []Event) []Evidence {
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Time.Before(evs[j].Time) })
	if len(evs) > maxEvents {
		evs = evs[len(evs)-maxEvents:]
	}
	out := make([]Evidence, len(evs))
	for i, e := range evs {
		out[i] = e
	}
	return out
}

// oktaUserOf reads the subject's Okta user, ending the check as skipped
// when there is none (identity.okta-user's finding).
func oktaUserOf(ctx context.Context, pass *Pass) (model.OktaUser, error) {
	u, err := OktaUserFact.Get(ctx, pass.Facts)
	if errors.Is(err, model.ErrNotFound) {
		return u, Skip("no Okta user %s (see identity.okta-user)", pass.Subject.UPN)
	}
	return u, err
}

// oktaUserAnd reads the subject's Okta user (see oktaUserOf) and a fact
// about them.
func oktaUserAnd[T any](ctx context.Context, pass *Pass, fact *Fact[T]) (model.OktaUser, T, error) {
	var zero T
	u, err := oktaUserOf(ctx, pass)
	if err != nil {
		return u, zero, err
	}
	v, err := fact.Get(ctx, pass.Facts)
	return u, v, err
}

// signInsOf reads the subject's sign-ins, ending the check as skipped for
// a tenant without P1/P2.
func signInsOf(ctx context.Context, pass *Pass) (SignIns, Window, error) {
	w, _ := WindowFact.Get(ctx, pass.Facts)
	s, err := SignInsFact.Get(ctx, pass.Facts)
	if errors.Is(err, model.ErrNotPremium) {
		return s, w, Skip("sign-in logs need Entra ID P1 or P2: Graph answered 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant")
	}
	return s, w, err
}

// optionalSignIns reads the subject's sign-ins for a check that can judge
// without them, saying why when they were not read (a tenant without
// P1/P2, no Graph credentials, Graph failing).
func optionalSignIns(ctx context.Context, pass *Pass) (SignIns, string) {
	s, _, err := signInsOf(ctx, pass)
	var skip *SkipError
	switch {
	case errors.As(err, &skip):
		return s, "Entra's sign-ins not read: " + skip.Reason
	case errors.Is(err, ErrNoSource):
		return s, "Entra's sign-ins not read: no Graph credentials"
	case err != nil:
		return s, "Entra's sign-ins not read: " + err.Error()
	}
	return s, ""
}

// --- loginloop.okta-sso-burst ---------------------------------------------

// A loop is burstSize or more SSO events to Office 365, each within
// burstGap of the one before: a person signs in a handful of times a day,
// a client caught between Microsoft and Okta every minute or two.
const (
	burstSize = 5
	burstGap  = 3 * time.Minute
)

// OktaSSOBurst: the user's Okta System Log shows a loop to Office 365 or a
// sign-on policy denial.
var OktaSSOBurst = &Check{
	ID:       "loginloop.okta-sso-burst",
	Title:    "No burst of Okta sign-ons to Office 365",
	Area:     AreaLoginLoop,
	Scope:    ScopeUser,
	Severity: High,
	Needs:    []Source{Okta},
	Permissions: []Permission{{Source: Okta, Name: "okta.users.read"}, {Source: Okta, Name: "okta.logs.read"},
		{Source: Okta, Name: "okta.apps.read"}},
	Requires: []FactRef{OktaLogsFact, Office365AppsFact},
	Doc: `Reads the user's Okta System Log over the window (--since, 24 hours by
default; one bounded query with since and until) for single sign-ons to the
Office 365 app (user.authentication.sso, which Okta logs for failed sign-ons
too: outcome.result tells), sign-on policy decisions (policy.evaluate_sign_on,
application.policy.sign_on.deny_access), lockouts and password changes.
Five or more sign-ons, each within three minutes of the one before, are a
loop: Okta signs the person in, Microsoft sends them back (a revoked session,
an anchor or claim Microsoft rejects, a Conditional Access policy Okta's
answer cannot satisfy), and the browser or Outlook tries again. A policy DENY is a sign-on rule refusing the
person. The burst, the denials, lockouts and password changes are shown as a
timeline with Okta's request IDs.
Fix: read the Entra side (loginloop.entra-signin-errors) for the code
Microsoft answers each time; for a DENY, the named Okta rule.`,
	References: []string{
		"https://developer.okta.com/docs/reference/api/event-types/",
		"https://developer.okta.com/docs/reference/system-log-query/",
	},
	Run: runOktaSSOBurst,
}

func runOktaSSOBurst(ctx context.Context, pass *Pass) error {
	u, events, err := oktaUserAnd(ctx, pass, OktaLogsFact)
	if err != nil {
		return err
	}
	apps, err := Office365AppsFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	w, _ := WindowFact.Get(ctx, pass.Facts)
	isO365 := func(e model.OktaLogEvent) bool {
		for _, a := range apps {
			if e.HasTarget(a.ID) {
				return true
			}
		}
		return false
	}
	obj := oktaUserObject(u)
	var sso, failed, denied, around []model.OktaLogEvent
	for _, e := range events {
		switch {
		case e.EventType == "user.authentication.sso" && isO365(e):
			sso = append(sso, e)
			if !strings.EqualFold(e.Result, "SUCCESS") && e.Result != "" {
				failed = append(failed, e)
			}
		case (e.EventType == "policy.evaluate_sign_on" || e.EventType == "application.policy.sign_on.deny_access") &&
			strings.EqualFold(e.Result, "DENY") && isO365(e):
			denied = append(denied, e)
		case e.EventType == "user.account.lock" || strings.HasPrefix(e.EventType, "user.account.update_password") ||
			e.EventType == "user.account.reset_password" || e.EventType == "user.account.unlock":
			around = append(around, e)
		}
	}
	toEvents := func(list []model.OktaLogEvent) []Event {
		out := make([]Event, len(list))
		for i, e := range list {
			out[i] = oktaEvent(e)
		}
		return out
	}
	if b := longestBurst(sso); len(b) >= burstSize {
		span := b[len(b)-1].Published.Sub(b[0].Published).Round(time.Second)
		pass.Report(Finding{Object: obj, Status: StatusFail, Evidence: newest(toEvents(b)),
			Message: fmt.Sprintf("%d Okta sign-ons to Office 365 in %s, at most %s apart (%s to %s): a sign-in loop; Microsoft sends %s back each time (see loginloop.entra-signin-errors for its code)",
				len(b), span, burstGap, stamp(b[0].Published), stamp(b[len(b)-1].Published), u.Login)})
	}
	if len(denied) > 0 {
		pass.Report(Finding{Object: obj, Status: StatusFail, Evidence: newest(toEvents(denied)),
			Message: fmt.Sprintf("Okta's sign-on policy denied %s access to Office 365 %d time(s) in the window, last at %s: an Okta sign-on rule refuses them (the System Log event, found by its request ID, shows which)",
				u.Login, len(denied), stamp(denied[len(denied)-1].Published))})
	}
	if len(failed) > 0 {
		pass.Report(Finding{Object: obj, Status: StatusWarn, Evidence: newest(toEvents(failed)),
			Message: fmt.Sprintf("%d of %d Okta sign-ons of %s to Office 365 failed in the window (outcome %s, %s)",
				len(failed), len(sso), u.Login, failed[len(failed)-1].Result, cmp.Or(failed[len(failed)-1].Reason, "no reason given"))})
	}
	if len(around) > 0 {
		var parts []string
		for _, e := range around {
			parts = append(parts, e.EventType+" at "+stamp(e.Published))
		}
		pass.Report(Finding{Object: obj, Status: StatusPass, Evidence: newest(toEvents(around)),
			Message: "in the window: " + strings.Join(parts, ", ")})
	}
	if len(sso) > 0 || len(around) > 0 {
		// The sign-ons themselves belong on the timeline, loop or not.
		pass.Report(Finding{Object: obj, Status: StatusPass, Evidence: newest(toEvents(sso)),
			Message: fmt.Sprintf("%d Okta sign-on(s) to Office 365 in the window", len(sso))})
	}
	if len(denied) == 0 && len(failed) == 0 && len(longestBurst(sso)) < burstSize {
		pass.Summarize("%d Okta sign-on(s) to Office 365 from %s, no burst or denial", len(sso), w)
	}
	return nil
}

// longestBurst is the longest chain of events (oldest first) each within
// burstGap of the one before; of two as long, the newer.
func longestBurst(events []model.OktaLogEvent) []model.OktaLogEvent {
	var best []model.OktaLogEvent
	start := 0
	for end := range events {
		if end > 0 && events[end].Published.Sub(events[end-1].Published) > burstGap {
			start = end
		}
		if end-start+1 >= len(best) {
			best = events[start : end+1]
		}
	}
	return best
}

// --- loginloop.entra-signin-errors ------------------------------------------

// expectedCodes are AADSTS codes that are part of a normal sign-in flow
// (a silent sign-in without a session, a page left open, "Stay signed
// in?"), not failures.
var expectedCodes = map[int]bool{50058: true, 50089: true, 50140: true}

// mfaCodes are the AADSTS codes of Entra asking for MFA (an interrupt: the
// sign-in goes on when the user passes it, under the same correlationId).
var mfaCodes = map[int]bool{50072: true, 50074: true, 50076: true, 50079: true}

// interruptCodes are the codes Entra logs for a step the user is asked to
// take within a sign-in (MFA, device authentication, a password change
// prompt, a consent or account picker, a security confirmation): a
// failure only when the flow did not then succeed.
var interruptCodes = map[int]bool{50072: true, 50074: true, 50076: true, 50079: true, 50097: true, 50125: true,
	50199: true, 16000: true, 16001: true}

// completedLater: a successful sign-in with the same correlationId came
// after si (the prompt was answered: an ordinary MFA step, not a failure).
func completedLater(si model.SignIn, all []model.SignIn) bool {
	if si.CorrelationID == "" {
		return false
	}
	return slices.ContainsFunc(all, func(o model.SignIn) bool {
		return !o.Failed() && o.CorrelationID == si.CorrelationID && !o.Created.Before(si.Created)
	})
}

// mfaBehaviourNote says what the domain's federatedIdpMfaBehavior makes of
// Entra asking a federated user for MFA, with the read as evidence; empty
// when the domain is not federated or Graph did not answer.
func mfaBehaviourNote(ctx context.Context, pass *Pass) (string, []Evidence) {
	fed, err := FederationFact.Get(ctx, pass.Facts)
	if err != nil || fed == nil {
		return "", nil
	}
	b := fed.FederatedIdpMfaBehavior
	ev := []Evidence{Value{Read{System: "entra", Object: domainObject(pass.Subject.Domain), Field: "federatedIdpMfaBehavior",
		Value: cmp.Or(b, "(not set)"), Source: srcFederation}}}
	var note string
	switch {
	case strings.EqualFold(b, model.MFARejectByIdP):
		note = "federatedIdpMfaBehavior is rejectMfaByFederatedIdp: Entra ignores Okta's MFA and asks its own (a double prompt); set acceptIfMfaDoneByFederatedIdp"
	case strings.EqualFold(b, model.MFAEnforceByIdP):
		note = "federatedIdpMfaBehavior is enforceMfaByFederatedIdp: Entra sends the user back to Okta for MFA, so Okta's Office 365 rule sent no MFA claim; require 2FA in it"
	case strings.EqualFold(b, model.MFAAcceptIfDoneByIdP):
		note = "federatedIdpMfaBehavior is acceptIfMfaDoneByFederatedIdp: Okta's rule sent no MFA claim, so Entra asked its own MFA; require 2FA in Okta's Office 365 rule"
	default:
		note = "federatedIdpMfaBehavior is not set: Entra follows the legacy SupportsMfa, which Graph does not show; set acceptIfMfaDoneByFederatedIdp"
	}
	return note + " (see loginloop.mfa-loop-predictor)", ev
}

// codeNote is what an AADSTS code means in an Okta-federated tenant, from
// the table `o365doctor explain` reads: Microsoft's name for it, the usual
// cause, the next step and the other checks that confirm the cause.
func codeNote(n int) (name, cause, next string, confirm []string, known bool) {
	c, err := codes.Lookup("AADSTS" + strconv.Itoa(n))
	if err != nil {
		return "", "", "", nil, false
	}
	if before, _, ok := strings.Cut(c.Official, " - "); ok && !strings.Contains(before, " ") {
		name = before
	}
	for _, id := range c.Checks {
		if id != EntraSignInErrorsID {
			confirm = append(confirm, id)
		}
	}
	return name, c.Cause, c.Next, confirm, true
}

// EntraSignInErrorsID is loginloop.entra-signin-errors' ID.
const EntraSignInErrorsID = "loginloop.entra-signin-errors"

// EntraSignInErrors: the user's Entra sign-ins failed, grouped by AADSTS code.
var EntraSignInErrors = &Check{
	ID:          EntraSignInErrorsID,
	Title:       "Entra ID sign-ins succeed",
	Area:        AreaLoginLoop,
	Scope:       ScopeUser,
	Severity:    High,
	Needs:       []Source{Graph},
	Permissions: []Permission{{Source: Graph, Name: "AuditLog.Read.All"}, {Source: Graph, Name: "Directory.Read.All"}},
	Requires:    []FactRef{SignInsFact},
	Doc: `Reads the user's Entra ID sign-ins over the window (one request,
newest first: sign-in reports are throttled to 5 requests per 10 seconds)
and groups the failures by AADSTS code, each with its usual cause in an
Okta-federated tenant and the check or step that confirms it: 51004 an
immutableID mismatch, 5000811 a signing certificate Entra does not hold,
50133/50173 sessions revoked by a password change, 50074/50079 Entra not
accepting Okta's MFA, said against the domain's federatedIdpMfaBehavior.
Codes that are part of a normal flow (50058, 50089, 50140) are not
failures, nor is a prompt within a sign-in the user answered (MFA
50072/50074/50076/50079, device authentication 50097, password change
50125, confirmation 50199, account selection 16000/16001): a later sign-in
with the same correlationId succeeded. Failures of legacy-protocol clients are
loginloop.legacy-clients'. Sign-in logs need Entra ID P1 or P2: without
them Graph answers 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant
and the check is skipped with that reason.`,
	References: []string{
		"https://learn.microsoft.com/entra/identity-platform/reference-error-codes",
		"https://learn.microsoft.com/graph/api/signin-list",
	},
	Run: runEntraSignInErrors,
}

func runEntraSignInErrors(ctx context.Context, pass *Pass) error {
	s, w, err := signInsOf(ctx, pass)
	if err != nil {
		return err
	}
	upn := pass.Subject.UPN
	obj := Object{Kind: ObjUser, ID: upn, Name: upn}
	groups := map[int][]model.SignIn{}
	var failing []int // newest first
	legacy, prompts := 0, 0
	for _, si := range s.List {
		switch {
		case !si.Failed():
			continue
		case isLegacyClient(si.ClientAppUsed):
			legacy++
			continue
		case expectedCodes[si.ErrorCode]:
			continue
		case interruptCodes[si.ErrorCode] && completedLater(si, s.List):
			prompts++
			continue
		}
		if groups[si.ErrorCode] == nil {
			failing = append(failing, si.ErrorCode)
		}
		groups[si.ErrorCode] = append(groups[si.ErrorCode], si)
	}
	sort.SliceStable(failing, func(i, j int) bool { return len(groups[failing[i]]) > len(groups[failing[j]]) })
	for _, code := range failing {
		list := groups[code]
		name, cause, next, confirm, known := codeNote(code)
		label := fmt.Sprintf("AADSTS%d", code)
		if name != "" {
			label += " " + name
		}
		msg := fmt.Sprintf("%s: %d failed sign-in(s), last at %s: %s", label, len(list), stamp(list[0].Created), strings.TrimSuffix(cause, "."))
		if next != "" {
			msg += "; next: " + strings.TrimSuffix(next, ".")
		}
		if len(confirm) > 0 {
			msg += " (confirm: " + strings.Join(confirm, ", ") + ")"
		}
		var ev []Evidence
		if mfaCodes[code] {
			note, nev := mfaBehaviourNote(ctx, pass)
			if note != "" {
				msg += "; " + note
				ev = nev
			}
		}
		if !known {
			msg = fmt.Sprintf("AADSTS%d: %d failed sign-in(s), last at %s: %s (not in o365doctor's table; see Microsoft's error-code reference)",
				code, len(list), stamp(list[0].Created), cmp.Or(list[0].FailureReason, "no failure reason"))
		}
		evs := make([]Event, len(list))
		for i, si := range list {
			evs[i] = entraEvent(si)
		}
		pass.Report(Finding{Object: obj, Status: StatusFail, Message: msg, Evidence: append(ev, newest(evs)...)})
	}
	if len(failing) == 0 {
		more := ""
		if s.More {
			more = " (the newest 1000)"
		}
		extra := ""
		if legacy > 0 {
			extra = fmt.Sprintf("; %d legacy-client failure(s) are loginloop.legacy-clients'", legacy)
		}
		if prompts > 0 {
			extra += fmt.Sprintf("; %d prompt(s) within a sign-in answered (MFA, device or account steps: the same correlationId then succeeded)", prompts)
		}
		if w.Until.Sub(w.Since) > entraSignInRetention {
			extra += fmt.Sprintf("; Entra ID keeps sign-ins for 30 days: before %s only Okta's side is seen", w.Until.Add(-entraSignInRetention).UTC().Format(time.RFC3339))
		}
		pass.Report(Finding{Object: obj, Status: StatusPass,
			Message: fmt.Sprintf("%d sign-in(s) of %s from %s%s, none failed%s", len(s.List), upn, w, more, extra)})
	}
	return nil
}

// --- loginloop.sessions-revoked ----------------------------------------------

// SessionsRevoked: sign-ins fail on sessions revoked by a password change.
var SessionsRevoked = &Check{
	ID:       "loginloop.sessions-revoked",
	Title:    "No sign-ins on revoked sessions",
	Area:     AreaLoginLoop,
	Scope:    ScopeUser,
	Severity: Medium,
	Needs:    []Source{Graph},
	Permissions: []Permission{{Source: Graph, Name: "AuditLog.Read.All"}, {Source: Graph, Name: "Directory.Read.All"},
		{Source: Graph, Name: "User.Read.All"}, {Source: Okta, Name: "okta.users.read", Optional: true}, {Source: Okta, Name: "okta.logs.read", Optional: true}},
	Requires: []FactRef{SignInsFact, EntraUserFact, OktaLogsFact},
	Doc: `A password change (at Okta: the Okta user's passwordChanged; pushed to Entra
as lastPasswordChangeDateTime) or revokeSignInSessions moves the user's signInSessionsValidFromDateTime:
every refresh token issued before it is dead. Clients that keep retrying
with the old one (Outlook, Teams, the mobile apps) fail with AADSTS50133 or
AADSTS50173 and bounce the person between Microsoft and Okta. The check
compares the failing sign-ins with those dates (read with the Entra user)
and Okta's passwordChanged.
Fix: sign out of the client and back in (Outlook: remove the account's
cached credentials); the loop ends once the client asks for a new session.
With no such failure, it warns when an admin reset the password at Okta
(user.account.reset_password in the window) after Entra's sessions began:
Entra revokes nothing by itself for a federated user, so every device signed
in before the reset keeps its session; it offers to revoke them (POST
/users/{id}/revokeSignInSessions, cannot be undone).`,
	References: []string{
		"https://learn.microsoft.com/entra/identity-platform/reference-error-codes",
		"https://learn.microsoft.com/graph/api/user-revokesigninsessions",
	},
	Run: runSessionsRevoked,
}

func runSessionsRevoked(ctx context.Context, pass *Pass) error {
	s, w, err := signInsOf(ctx, pass)
	if err != nil {
		return err
	}
	upn := pass.Subject.UPN
	var revoked []model.SignIn
	for _, si := range s.List {
		if si.ErrorCode == 50133 || si.ErrorCode == 50173 {
			revoked = append(revoked, si)
		}
	}
	if len(revoked) == 0 {
		f := Finding{Object: Object{Kind: ObjUser, ID: upn, Name: upn}, Status: StatusPass,
			Message: "no sign-in of " + upn + " failed on a revoked session (AADSTS50133/50173) from " + w.String()}
		keptSessions(ctx, pass, &f)
		pass.Report(f)
		return nil
	}
	// The dates come with the Entra user, read once for every check.
	eu, err := EntraUserFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	sess := eu.Sessions
	obj := Object{Kind: ObjUser, ID: upn, Name: upn}
	read := func(field string, t time.Time) Evidence {
		return Value{Read{System: "entra", Object: obj, Field: field, Value: stamp(t), Source: srcSessions}}
	}
	ev := []Evidence{read("lastPasswordChangeDateTime", sess.LastPasswordChange), read("signInSessionsValidFromDateTime", sess.SessionsValidFrom)}
	evs := make([]Event, len(revoked))
	after := 0
	for i, si := range revoked {
		evs[i] = entraEvent(si)
		if !sess.SessionsValidFrom.IsZero() && si.Created.After(sess.SessionsValidFrom) {
			after++
		}
	}
	// The failures are loginloop.entra-signin-errors' evidence too: the
	// newest few show the dates against them.
	shown := newest(evs)
	ev = append(ev, shown[max(0, len(shown)-5):]...)
	// A federated user changes their password at Okta: Okta's
	// passwordChanged is the change (Entra's lastPasswordChangeDateTime
	// moves only when a password is pushed or synced). Okta is optional.
	var oktaChanged time.Time
	if u, err := OktaUserFact.Get(ctx, pass.Facts); err == nil && !u.PasswordChanged.IsZero() {
		oktaChanged = u.PasswordChanged
		ev = append([]Evidence{Value{Read{System: "okta", Object: oktaUserObject(u), Field: "passwordChanged", Value: stamp(oktaChanged), Source: srcOktaUser}}}, ev...)
	}
	near := func(a, b time.Time) bool { return !a.IsZero() && !b.IsZero() && absDuration(a.Sub(b)) < 5*time.Minute }
	cause := "sessions revoked"
	switch {
	case near(oktaChanged, sess.SessionsValidFrom) || (sess.SessionsValidFrom.IsZero() && !oktaChanged.IsZero()):
		cause = "the password change at Okta at " + stamp(oktaChanged) + " revoked the sessions"
	case near(sess.LastPasswordChange, sess.SessionsValidFrom):
		cause = "the password change at " + stamp(sess.LastPasswordChange) + " revoked the sessions"
	case !sess.SessionsValidFrom.IsZero():
		cause = "the sessions were revoked at " + stamp(sess.SessionsValidFrom)
		if !oktaChanged.IsZero() {
			cause += " (not by a password change: Okta's last was at " + stamp(oktaChanged) + ")"
		}
	}
	pass.Report(Finding{Object: obj, Status: StatusFail, Evidence: ev,
		Message: fmt.Sprintf("%d sign-in(s) failed on a revoked session (AADSTS50133/50173), %d after %s: a client keeps the old session; sign out of it and back in",
			len(revoked), after, cause)})
	return nil
}

// keptSessions warns when an admin reset the user's password at Okta
// (user.account.reset_password in the window, the usual answer to a
// suspected compromise) after Entra's sessions began: a federated user's
// password lives at Okta, so Entra revokes nothing by itself, and every
// app and device signed in before the reset keeps its session. A change
// the user made (user.account.update_password) is routine and not
// reported. The fix revokes the sessions. Okta is optional: without its
// log the finding stays as it is.
func keptSessions(ctx context.Context, pass *Pass, f *Finding) {
	events, err := OktaLogsFact.Get(ctx, pass.Facts)
	if err != nil {
		return
	}
	var reset *model.OktaLogEvent
	for i, e := range events {
		if e.EventType == "user.account.reset_password" && (reset == nil || e.Published.After(reset.Published)) {
			reset = &events[i]
		}
	}
	if reset == nil {
		return
	}
	eu, err := EntraUserFact.Get(ctx, pass.Facts)
	if err != nil || eu.ID == "" {
		return
	}
	valid := eu.Sessions.SessionsValidFrom
	if !valid.IsZero() && !reset.Published.After(valid.Add(5*time.Minute)) {
		return
	}
	obj := Object{Kind: ObjUser, ID: pass.Subject.UPN, Name: pass.Subject.UPN}
	f.Status = StatusWarn
	f.Evidence = append(f.Evidence, oktaEvent(*reset),
		Value{Read{System: "entra", Object: obj, Field: "signInSessionsValidFromDateTime", Value: stamp(valid), Source: srcSessions}})
	f.Message += fmt.Sprintf("; but an admin reset the password at Okta at %s and Entra ID's sessions date from %s: apps and devices signed in before the reset keep their sessions (revoke them if the reset was for security)",
		stamp(reset.Published), stamp(valid))
	f.Fixes = []fix.Plan{revokeSessionsPlan(pass.Check.ID, pass.Subject.UPN, eu)}
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// --- loginloop.okta-verify ---------------------------------------------------

// OktaVerifyEnrollment: Okta Verify enrollment stuck or duplicated.
var OktaVerifyEnrollment = &Check{
	ID:          "loginloop.okta-verify",
	Title:       "One working Okta Verify enrollment",
	Area:        AreaLoginLoop,
	Scope:       ScopeUser,
	Severity:    Medium,
	Needs:       []Source{Okta},
	Permissions: []Permission{{Source: Okta, Name: "okta.users.read"}, {Source: Okta, Name: "okta.logs.read"}},
	Requires:    []FactRef{OktaFactorsFact, OktaLogsFact},
	Doc: `Okta Verify push goes to every ACTIVE push enrollment. A person who
got a new phone often has the old enrollment still ACTIVE and the new one
stuck PENDING_ACTIVATION: the pushes go to the old phone, they deny or never
see them, and each Microsoft 365 sign-in stops at Okta's MFA prompt (the
System Log shows user.mfa.okta_verify.deny_push or user.authentication.auth_via_mfa
failures). The check lists the push enrollments with their device and status
and the MFA failures in the window.
Fix: reset the user's Okta Verify factor (or delete the old phone's
enrollment) and let them enroll the new phone.`,
	References: []string{
		"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/",
		"https://developer.okta.com/docs/reference/api/event-types/",
	},
	Run: runOktaVerify,
}

func runOktaVerify(ctx context.Context, pass *Pass) error {
	u, factors, err := oktaUserAnd(ctx, pass, OktaFactorsFact)
	if err != nil {
		return err
	}
	events, logErr := OktaLogsFact.Get(ctx, pass.Facts)
	obj := oktaUserObject(u)
	var push []model.OktaFactor
	var ev []Evidence
	for _, f := range factors {
		if f.Type != "push" {
			continue
		}
		push = append(push, f)
		// The device's name is often its owner's ("Alice's iPhone"):
		// personal, so --redact masks it wherever it is shown.
		fobj := Object{Kind: ObjUser, ID: u.ID + "/" + f.ID, Name: u.Login}
		ev = append(ev, Value{Read{System: "okta", Object: fobj, Field: "factor " + f.ID + " status", Value: f.Status, Source: srcOktaFactors}})
		if f.Device != "" {
			ev = append(ev, Value{Read{System: "okta", Object: fobj, Field: "factor " + f.ID + " device (profile.name)", Value: f.Device, Source: srcOktaFactors, Personal: true}})
		}
	}
	var mfa []Event
	for _, e := range events {
		if e.EventType == "user.mfa.okta_verify.deny_push" || e.EventType == "user.mfa.okta_verify.deny_push_upgrade_needed" ||
			(e.EventType == "user.authentication.auth_via_mfa" && strings.EqualFold(e.Result, "FAILURE")) {
			mfa = append(mfa, oktaEvent(e))
		}
	}
	var pending, active []string
	var plans []fix.Plan
	for _, f := range push {
		name := cmp.Or(f.Device, f.ID)
		switch strings.ToUpper(f.Status) {
		case "ACTIVE":
			active = append(active, name)
		case "PENDING_ACTIVATION":
			pending = append(pending, name)
			plans = append(plans, fix.Plan{ID: "okta.delete-pending-factor." + f.ID, CheckID: pass.Check.ID, Subject: pass.Subject.UPN,
				Title: "Delete the Okta Verify enrollment stuck PENDING_ACTIVATION (factor " + f.ID + ")",
				Risk:  "cannot be undone (an enrollment cannot be restored): " + u.Login + " enrolls Okta Verify again on the phone they use; the ACTIVE enrollments are kept",
				Steps: []fix.Step{{System: "okta", Method: "DELETE", Object: fix.FactorObject(u.ID, f.ID), Field: "status",
					Before: f.Status, After: "", Action: "delete", Permission: fix.PermOktaUsers}}})
		}
	}
	ev = append(ev, newest(mfa)...)
	var problems []string
	if len(pending) > 0 {
		p := fmt.Sprintf("enrollment stuck PENDING_ACTIVATION on %s", strings.Join(pending, ", "))
		if len(active) > 0 {
			p += "; pushes go to " + strings.Join(active, ", ") + " (ACTIVE)"
		}
		problems = append(problems, p)
	}
	// Several ACTIVE enrollments are normal (a phone and a tablet, a
	// laptop with FastPass): a problem only when pushes are being denied
	// or lost, when the old phone may be the one answering.
	several := ""
	if len(active) > 1 {
		several = fmt.Sprintf("%d ACTIVE Okta Verify enrollments (%s): each gets the push", len(active), strings.Join(active, ", "))
	}
	switch {
	case len(problems) > 0:
		msg := "Okta Verify for " + u.Login + ": " + strings.Join(problems, "; ")
		if several != "" {
			msg += "; " + several
		}
		if len(mfa) > 0 {
			msg += fmt.Sprintf("; %d MFA failure(s) in the window", len(mfa))
		}
		pass.Report(Finding{Object: obj, Status: StatusFail, Evidence: ev, Fixes: plans,
			Message: msg + "; delete the stuck enrollment (or reset the Okta Verify factor) and enroll the current phone"})
	case len(mfa) > 0 && several != "":
		pass.Report(Finding{Object: obj, Status: StatusWarn, Evidence: ev,
			Message: fmt.Sprintf("%d Okta MFA failure(s) for %s in the window with %s: if one is an old phone, delete that enrollment", len(mfa), u.Login, several)})
	case len(mfa) > 0:
		pass.Report(Finding{Object: obj, Status: StatusWarn, Evidence: ev,
			Message: fmt.Sprintf("%d Okta MFA failure(s) for %s in the window with one Okta Verify enrollment: ask whether the pushes reach their phone", len(mfa), u.Login)})
	default:
		msg := fmt.Sprintf("%s has %d Okta Verify enrollment(s), none stuck", u.Login, len(push))
		if several != "" {
			msg += "; " + several + ", and no MFA failure in the window"
		}
		pass.Report(Finding{Object: obj, Status: StatusPass, Evidence: ev, Message: msg})
	}
	if logErr != nil && len(problems) == 0 {
		return logErr
	}
	return nil
}

// --- loginloop.legacy-clients -------------------------------------------------

// legacyClients are the clientAppUsed values of legacy-protocol clients in
// Entra's sign-in logs (basic authentication: no modern auth, no MFA).
var legacyClients = []string{
	"Exchange ActiveSync", "IMAP4", "POP3", "Authenticated SMTP", "SMTP", "Other clients", "MAPI Over HTTP",
	"Offline Address Book", "Outlook Anywhere (RPC over HTTP)", "Exchange Web Services", "AutoDiscover",
	"Exchange Online PowerShell", "Reporting Web Services",
}

func isLegacyClient(clientAppUsed string) bool {
	return slices.ContainsFunc(legacyClients, func(c string) bool { return strings.EqualFold(c, clientAppUsed) })
}

// isActiveEndpoint: the event came through Okta's WS-Trust active endpoint
// (rich clients, legacy protocols) or is a rich-client authentication.
func isActiveEndpoint(e model.OktaLogEvent) bool {
	return e.EventType == "user.authentication.auth_via_richclient" || strings.Contains(e.RequestURI, "/sso/wsfed/active") ||
		strings.HasPrefix(e.EventType, "app.kerberos_rich_client.")
}

// LegacyClients: legacy-protocol clients fail (and lock the account).
var LegacyClients = &Check{
	ID:       "loginloop.legacy-clients",
	Title:    "No legacy-protocol client failing",
	Area:     AreaLoginLoop,
	Scope:    ScopeUser,
	Severity: Medium,
	Needs:    []Source{Okta},
	Permissions: []Permission{{Source: Okta, Name: "okta.users.read"}, {Source: Okta, Name: "okta.logs.read"},
		{Source: Graph, Name: "AuditLog.Read.All", Optional: true}},
	Requires: []FactRef{OktaLogsFact, SignInsFact},
	Doc: `Legacy-protocol clients (Exchange ActiveSync, IMAP, POP, SMTP, "Other
clients" in Entra's sign-in logs) send the user's password to Microsoft,
which relays it to Okta's WS-Trust active endpoint
(/app/office365/{key}/sso/wsfed/active; Okta logs
user.authentication.auth_via_richclient). They cannot do MFA, they are
often blocked by the Office 365 app's sign-on rule, and a phone's mail app
with a stale password retries until Okta locks the account. The check reads
the failures of such clients on both sides (Entra's sign-ins are optional:
without P1/P2 or Graph credentials only Okta's side is read).
Fix: update the password in the client, or move it to modern
authentication (Outlook, the mobile Outlook app); then unlock the user.`,
	References: []string{
		"https://learn.microsoft.com/entra/identity/conditional-access/block-legacy-authentication",
		"https://support.okta.com/help/s/article/How-to-Identify-Legacy-Authentication-Traffic-in-Office-365",
	},
	Run: runLegacyClients,
}

func runLegacyClients(ctx context.Context, pass *Pass) error {
	u, events, err := oktaUserAnd(ctx, pass, OktaLogsFact)
	if err != nil {
		return err
	}
	obj := oktaUserObject(u)
	var oktaFailed []Event
	for _, e := range events {
		if isActiveEndpoint(e) && !strings.EqualFold(e.Result, "SUCCESS") && e.Result != "" {
			oktaFailed = append(oktaFailed, oktaEvent(e))
		}
	}
	// Entra's side is optional (a tenant without P1/P2, no Graph
	// credentials, Graph failing): what Okta shows is still the answer,
	// and the message says what was not read.
	s, note := optionalSignIns(ctx, pass)
	if note != "" {
		note = "; " + note
	}
	byClient := map[string][]model.SignIn{}
	var clients []string
	for _, si := range s.List {
		if si.Failed() && isLegacyClient(si.ClientAppUsed) {
			if byClient[si.ClientAppUsed] == nil {
				clients = append(clients, si.ClientAppUsed)
			}
			byClient[si.ClientAppUsed] = append(byClient[si.ClientAppUsed], si)
		}
	}
	sort.Strings(clients)
	if len(oktaFailed) > 0 {
		last := oktaFailed[len(oktaFailed)-1]
		pass.Report(Finding{Object: obj, Status: StatusFail, Evidence: newest(oktaFailed),
			Message: fmt.Sprintf("Okta refused %d sign-in(s) of %s through the WS-Trust active endpoint (legacy or rich clients), last at %s (%s): a client with a stale password retries and locks the account; update the password in it or move it to modern authentication",
				len(oktaFailed), u.Login, stamp(last.Time), cmp.Or(last.Code, last.Outcome))})
	}
	for _, c := range clients {
		list := byClient[c]
		evs := make([]Event, len(list))
		codes := map[string]bool{}
		for i, si := range list {
			evs[i] = entraEvent(si)
			codes["AADSTS"+strconv.Itoa(si.ErrorCode)] = true
		}
		pass.Report(Finding{Object: Object{Kind: ObjUser, ID: pass.Subject.UPN, Name: pass.Subject.UPN}, Status: StatusFail, Evidence: newest(evs),
			Message: fmt.Sprintf("%s failed %d time(s) for %s (%s), last at %s: a legacy-protocol client (no MFA, basic authentication) with a wrong password or blocked by the sign-on rule",
				c, len(list), pass.Subject.UPN, strings.Join(slices.Sorted(maps.Keys(codes)), ", "), stamp(list[0].Created))})
	}
	if len(oktaFailed) == 0 && len(clients) == 0 {
		pass.Report(Finding{Object: obj, Status: StatusPass, Message: "no legacy-protocol client of " + u.Login + " failed in the window" + note})
	}
	return nil
}
