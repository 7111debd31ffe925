package codes

const (
	oktaErrorCodes = "https://developer.okta.com/docs/reference/error-codes/"
	oktaRateLimits = "https://developer.okta.com/docs/reference/rl-additional-limits/"
	// Okta's recorded answer to an office365 app saved with WS-Fed Auto and
	// no admin consent (2025-03-14).
	oktaWSFedAutoConsent = "https://github.com/okta/terraform-provider-okta/blob/e59c130b0b6e4b9f76aacbba437515cd5e95cc71/test/fixtures/vcr/idaas/TestAccResourceOktaAppSaml_preconfigured/classic-00.yaml"
)

func oktaCodes() []Code {
	okta := func(code, name string, status int, official, cause, next string, checks []string, sources ...string) Code {
		return Code{Code: code, System: Okta, Name: name, HTTPStatus: status, Official: official, Cause: cause, Next: next,
			Checks: checks, Sources: append([]string{oktaErrorCodes}, sources...)}
	}
	list := func(ids ...string) []string { return ids }
	all := []Code{
		okta("E0000001", "API validation exception", 400, "Api validation failed: {0}",
			"Okta refused a change as invalid; errorCauses says why. Saving the Office 365 app with WS-Fed Auto answers \"In order to continue using WS-FED Auto for SSO, you must grant admin consent.\"",
			"Read errorCauses[].errorSummary; for the WS-Fed Auto case, grant the Microsoft Graph admin consent in the app's settings first.",
			nil, oktaWSFedAutoConsent),
		okta("E0000004", "Authentication exception", 401, "Authentication failed",
			"Okta's primary authentication failed: a wrong username or password sent to Okta's authentication API.",
			"Check the username (Okta login) and password.",
			nil),
		okta("E0000006", "Access denied exception", 403, "You do not have permission to perform the requested action",
			"The credential o365doctor uses has no right to this call: the API token's admin lacks a role (a read-only admin cannot change an app user), or the OAuth service app lacks a scope (okta.users.read, okta.apps.read, okta.logs.read).",
			"Grant the role or the scope the call needs; `o365doctor checks` lists what each check reads.",
			nil),
		okta("E0000007", "Resource not found exception", 404, "Not found: {0}",
			"The object asked for does not exist (or is not visible to the credential): a user, app or app user that was deleted, or an ID from another org.",
			"Check the login, the app and the Okta org URL.",
			list(chkOktaUser, chkAssignment)),
		okta("E0000011", "Invalid token exception", 401, "Invalid token provided",
			"The API token (OKTA_API_TOKEN) is wrong, revoked or expired, or belongs to another org.",
			"Create a new API token in the same org, or use an OAuth service app.",
			nil),
		okta("E0000022", "HTTP request method not supported exception", 405, "The endpoint does not support the provided HTTP method",
			"A client called an Okta endpoint with a method it does not take (a proxy rewriting requests, or a client written against another API version).",
			"Check the proxy; report it if o365doctor's own call got this answer.",
			nil),
		okta("E0000047", "Too many requests exception", 429, "API call exceeded rate limit due to too many requests.",
			"An Okta rate limit was hit: the org's per-minute API limits (shared with every other integration), or the Office 365 sign-in limits (75 concurrent Office 365 transactions per org; per-minute limits on the app's WS-Fed active and passive endpoints), which users see as sign-in failures. Okta writes each 429 to the System Log (system.org.rate_limit.violation).",
			"Wait for X-Rate-Limit-Reset; look in Okta's rate-limit dashboard and System Log for the endpoint; reduce legacy (active) clients or ask Okta for a higher limit.",
			nil, oktaRateLimits),
		okta("E0000057", "Policy deny exception", 403, "Access to this application is denied due to a policy.",
			"An Okta sign-on rule of the application denies this user, client or network (for Office 365: a rule that blocks legacy-protocol clients or untrusted devices).",
			"Find the denying rule in the System Log (policy.evaluate_sign_on, outcome DENY) and change it or its conditions.",
			nil),
		okta("E0000064", "Password expired exception", 401, "Password is expired and must be changed.",
			"The Okta user's password expired (status PASSWORD_EXPIRED); Office 365 clients that cannot show a password change fail or loop.",
			"Have the user change the password in Okta, or reset it.",
			list(chkOktaUser), oktaKBLoop),
		okta("E0000119", "User locked recovery exception", 403, "Your account is locked. Please contact your administrator.",
			"The Okta user is locked out (status LOCKED_OUT), often by an old password saved in a mail client or phone that keeps retrying.",
			"Unlock the user in Okta and update the password saved in the user's clients.",
			list(chkOktaUser)),
	}
	return withNotes(all, oktaNotes())
}

// oktaNotes say what no public source shows. Okta's catalogue gives a title
// and a summary for each code, never a cause.
func oktaNotes() map[string]string {
	return map[string]string{
		"E0000004": "Okta's catalogue gives no cause; the reading is o365doctor's.",
		"E0000006": "Which role or scope a call needs is in Okta's API reference for each endpoint; the examples are o365doctor's reading.",
		"E0000022": "Okta's catalogue gives no cause; the reading is o365doctor's.",
		"E0000057": "That Office 365 rules blocking legacy clients or devices answer with this code is inferred.",
		"E0000119": "That saved passwords in mail clients cause the lockout is common experience, not a public source.",
	}
}
