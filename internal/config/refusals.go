package config

import (
	"errors"
	"fmt"
	"time"
)

// The answers the transport refuses (see RoundTripper). Each is one line a
// person can act on, carries no credential, and tells the Azure SDK's retry
// policy not to retry (NonRetriable, azcore's errorinfo.NonRetriable).

// RedirectError is a redirect the transport refused: o365doctor follows no
// redirect, so no credential ever travels to an address nobody configured.
type RedirectError struct {
	System   System
	Status   int
	Location string // scheme, host and path only; "" when the answer had none
}

func (e *RedirectError) Error() string {
	if e.Location == "" {
		return fmt.Sprintf("the server answered with a redirect (HTTP %d) without a location; o365doctor does not follow redirects (check %s)", e.Status, e.System.Flag())
	}
	return fmt.Sprintf("the server redirected (HTTP %d) to %s; o365doctor does not follow redirects (check %s)", e.Status, e.Location, e.System.Flag())
}

// NonRetriable tells azcore's retry policy that retrying cannot help.
func (*RedirectError) NonRetriable() {}

// RateLimitError is an HTTP 429 whose wait is longer than the run allows:
// rather than sleep into a deadline ("context deadline exceeded"), the call
// ends at once and says when the limit resets.
type RateLimitError struct {
	System System
	Status int
	Code   string    // Okta's errorCode (E0000047), Graph's error.code, login's error and AADSTS code
	Reset  time.Time // when the limit resets; zero when the answer does not say
	Wait   time.Duration
	// Left is what was left of the request's time; Timeout is the run's
	// timeout (Settings.Timeout), to say which of the two was too short.
	Left    time.Duration
	Timeout time.Duration
}

func (e *RateLimitError) Error() string {
	what := fmt.Sprintf("rate limited (HTTP %d", e.Status)
	if e.Code != "" {
		what += " " + e.Code
	}
	what += ")"
	if e.Reset.IsZero() {
		return what + "; the answer does not say when the limit resets"
	}
	layout := "15:04:05 UTC"
	if e.Wait >= 20*time.Hour {
		layout = "2006-01-02 15:04:05 UTC"
	}
	limit := fmt.Sprintf("the %s left before the deadline", e.Left.Round(time.Second))
	if e.Timeout > 0 && e.Left >= e.Timeout-time.Second {
		limit = "the timeout " + e.Timeout.String()
	}
	return fmt.Sprintf("%s; the limit resets at %s, in %s — longer than %s", what, e.Reset.UTC().Format(layout), e.Wait.Round(time.Second), limit)
}

// NonRetriable tells azcore's retry policy that retrying cannot help.
func (*RateLimitError) NonRetriable() {}

// BodyTooLargeError is an answer longer than MaxBodyBytes.
type BodyTooLargeError struct {
	System System
	Limit  int64
}

func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("the answer is larger than %d MiB, the most o365doctor reads of one answer", e.Limit>>20)
}

// NonRetriable tells azcore's retry policy that retrying cannot help.
func (*BodyTooLargeError) NonRetriable() {}

// Refused returns the refusal (*RedirectError, *RateLimitError or
// *BodyTooLargeError) in err's chain, or nil. Adapters show it in place of
// the SDK's wrapping ("Get \"https://…\": …").
func Refused(err error) error {
	var re *RedirectError
	if errors.As(err, &re) {
		return re
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return rl
	}
	var bt *BodyTooLargeError
	if errors.As(err, &bt) {
		return bt
	}
	return nil
}
