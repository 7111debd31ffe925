package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// SyncState: Okta's provisioning of the user to Microsoft 365 works.
var SyncState = &Check{
	ID:       "identity.sync-state",
	Title:    "Okta provisions the user to Microsoft 365 without errors",
	Area:     AreaIdentity,
	Scope:    ScopeUser,
	Severity: High,
	Needs:    []Source{Okta},
	Permissions: []Permission{
		{Source: Okta, Name: "okta.users.read"}, {Source: Okta, Name: "okta.apps.read"},
		{Source: Okta, Name: "okta.logs.read", Optional: true},
	},
	Requires: []FactRef{AssignmentFact, OktaLogsFact},
	Doc: `Okta pushes the Office 365 app user's profile, licenses and roles to
Microsoft 365. The app user's syncState says how the last push went: ERROR
(the push failed: licenses, usage location or profile changes did not reach
Entra ID), OUT_OF_SYNC (a change is waiting to be pushed). Okta's API does not
carry the error's text on the app user: the check takes it from the newest
failed provisioning event for the user in the System Log over the run's window
(application.provision.user.* and app.office365.* with outcome FAILURE, the
same events the login-loop checks read). Failures in the window while the app
user is SYNCHRONIZED are a warning: a later push worked, or retried.
Fix: correct what the message names (a usage location, a license out of
seats, a conflicting attribute) and push again from the app user's
Provisioning errors in the Okta admin console.`,
	References: []string{
		"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApplicationUsers/",
		"https://developer.okta.com/docs/reference/api/event-types/",
		"https://help.okta.com/en-us/content/topics/apps/office365/office365-provisioning-errors.htm",
	},
	Run: runSyncState,
}

// provisioningFailure reports whether a System Log event is a failed
// provisioning of a user to the Office 365 app.
func provisioningFailure(e model.OktaLogEvent, appID string) bool {
	if e.Result != "FAILURE" {
		return false
	}
	if !strings.HasPrefix(e.EventType, "application.provision.user.") && !strings.HasPrefix(e.EventType, "app.office365.") {
		return false
	}
	// An event about another app instance is that app's business.
	for _, t := range e.Targets {
		if t.Type == "AppInstance" && t.ID != appID {
			return false
		}
	}
	return true
}

// failureText is what Okta said went wrong: outcome.reason, else the
// event's display message.
func failureText(e model.OktaLogEvent) string {
	if e.Reason != "" {
		return e.Reason
	}
	return e.DisplayMessage
}

func runSyncState(ctx context.Context, pass *Pass) error {
	a, err := appUserOf(ctx, pass)
	if err != nil {
		return err
	}
	au := appUserObject(a)
	w, _ := WindowFact.Get(ctx, pass.Facts)
	events, logErr := OktaLogsFact.Get(ctx, pass.Facts)
	var failures []Event
	var last *model.OktaLogEvent
	for i, e := range events {
		if provisioningFailure(e, a.App.ID) {
			failures = append(failures, oktaEvent(e))
			last = &events[i] // oldest first: the last one is the newest
		}
	}
	ev := []Evidence{
		Value{Read{System: "okta", Object: au, Field: "syncState", Value: a.AppUser.SyncState, Source: srcAppUser}},
	}
	ev = append(ev, newest(failures)...)
	note := ""
	if logErr != nil {
		note = " (System Log not read: " + logErr.Error() + ")"
	}
	f := Finding{Object: au, Evidence: ev}
	switch {
	case a.AppUser.SyncState == "ERROR":
		f.Status = StatusFail
		if last != nil {
			f.Message = fmt.Sprintf("Okta's last push of %s to %s failed (syncState ERROR): %q (%s, %s)",
				a.User.Login, a.App.Label, failureText(*last), last.EventType, stamp(last.Published))
		} else {
			f.Message = fmt.Sprintf("Okta's last push of %s to %s failed (syncState ERROR); no failed provisioning event in the System Log %s%s: see the app user's Provisioning errors in the Okta admin console",
				a.User.Login, a.App.Label, w, note)
		}
	case a.AppUser.SyncState == "OUT_OF_SYNC":
		f.Status = StatusWarn
		f.Message = fmt.Sprintf("Okta has changes for %s not yet pushed to %s (syncState OUT_OF_SYNC): Entra ID may hold stale licenses or profile", a.User.Login, a.App.Label)
	case last != nil:
		f.Status = StatusWarn
		f.Message = fmt.Sprintf("%d failed provisioning event(s) for %s in the System Log %s although the app user is %s; the newest: %q (%s)",
			len(failures), a.User.Login, w, a.AppUser.SyncState, failureText(*last), last.EventType)
	default:
		f.Status = StatusPass
		f.Message = fmt.Sprintf("Okta's provisioning of %s to %s is %s, with no failed provisioning event %s%s", a.User.Login, a.App.Label, a.AppUser.SyncState, w, note)
	}
	pass.Report(f)
	return nil
}
