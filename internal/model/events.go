package model

import (
	"errors"
	"strings"
	"time"
)

// OktaLogEvent is one Okta System Log event (GET /api/v1/logs), the fields
// the login-loop checks read. Result is outcome.result: SUCCESS, FAILURE,
// ALLOW, DENY, CHALLENGE, ... (user.authentication.sso fires on failed
// sign-ons too, so the event type alone says nothing).
type OktaLogEvent struct {
	UUID           string
	Published      time.Time
	EventType      string
	DisplayMessage string
	Severity       string
	Result         string // outcome.result
	Reason         string // outcome.reason
	ActorID        string
	ActorLogin     string // actor.alternateId
	Targets        []OktaLogTarget
	// RequestID is debugContext.debugData.requestId, what Okta support
	// asks for; RequestURI the endpoint hit (/app/office365/{key}/sso/wsfed/active).
	RequestID     string
	RequestURI    string
	TransactionID string
	ClientIP      string
	UserAgent     string
	// RateLimit is a rate-limit event's limit, "600 per 1 minutes"
	// (debugData threshold, timeSpan, timeUnit).
	RateLimit string
}

// URLPattern is a rate-limit event's bucket: its "URL Pattern" target
// (/app/office365/{key}/sso/wsfed/active), else the request's URI.
func (e OktaLogEvent) URLPattern() string {
	for _, t := range e.Targets {
		if strings.EqualFold(t.Type, "URL Pattern") && t.ID != "" {
			return t.ID
		}
	}
	return e.RequestURI
}

// OktaLogTarget is one target of a System Log event.
type OktaLogTarget struct {
	ID          string
	Type        string // User, AppInstance, ...
	AlternateID string
	DisplayName string
}

// HasTarget reports whether one of the event's targets has this ID.
func (e OktaLogEvent) HasTarget(id string) bool {
	for _, t := range e.Targets {
		if t.ID == id {
			return true
		}
	}
	return false
}

// SignIn is one Entra ID sign-in (GET /auditLogs/signIns). ErrorCode is
// status.errorCode: 0 is success, anything else the AADSTS code.
type SignIn struct {
	ID                      string
	Created                 time.Time
	UserPrincipalName       string
	UserID                  string
	AppDisplayName          string
	ClientAppUsed           string // Browser, Exchange ActiveSync, IMAP4, Other clients, ...
	IPAddress               string
	CorrelationID           string
	ErrorCode               int
	FailureReason           string
	AdditionalDetails       string
	ConditionalAccessStatus string
}

// Failed reports whether the sign-in failed.
func (s SignIn) Failed() bool { return s.ErrorCode != 0 }

// UserSessions are when an Entra user last changed their password and
// from when their sign-in sessions are valid (revokeSignInSessions and a
// password change move it).
type UserSessions struct {
	LastPasswordChange time.Time
	SessionsValidFrom  time.Time
}

// OktaFactor is one of a user's enrolled Okta factors
// (GET /api/v1/users/{id}/factors).
type OktaFactor struct {
	ID       string
	Type     string // push (Okta Verify), sms, token:software:totp, ...
	Provider string // OKTA, GOOGLE, ...
	Status   string // ACTIVE, PENDING_ACTIVATION, ...
	Created  time.Time
	Device   string // profile.name of a push factor: the phone
}

// ErrNotPremium says Graph refused the sign-in logs because the tenant has
// no Entra ID P1/P2 (403 Authentication_RequestFromNonPremiumTenantOrB2CTenant).
var ErrNotPremium = errors.New("the tenant has no Entra ID P1/P2 license, which sign-in logs need")
