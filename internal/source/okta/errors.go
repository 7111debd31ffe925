package okta

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/model"
)

// op is one call to Okta, for its errors: what was asked, and what the
// answer should have been ("a user").
type op struct {
	what string
	noun string
	// perm is the OAuth scope the call needs (an API token needs an
	// administrator role that includes it), named when Okta refuses it.
	perm string
}

// errorf is the one way an error leaves the adapter: "okta: <what>: <cause>"
// on one line, control characters gone, credentials masked.
func (o op) errorf(format string, args ...any) error {
	return errors.New(oneLine("okta: " + o.what + ": " + fmt.Sprintf(format, args...)))
}

// oneLine cleans before it masks: a secret split by a control character
// is whole again only after Clean.
func oneLine(s string) string { return config.Shown(s) }

// notA is an answer of the wrong shape: it must never become a zero-valued
// object that a check would read as a finding.
func (o op) notA(detail string) error {
	return o.errorf("the answer is not %s (%s)", o.noun, detail)
}

// fail turns an SDK error into one line: the transport's refusal, Okta's
// error code and summary with the HTTP status, or what was wrong with the
// answer. Only Okta's own 404 (an Okta error body) wraps model.ErrNotFound:
// a 404 from something else says nothing about the object.
func (o op) fail(resp *okta.Response, err error) error {
	if r := config.Refused(err); r != nil {
		return o.errorf("%v", r)
	}
	var bad *badAnswer
	if errors.As(err, &bad) {
		return o.errorf("%s", bad.msg)
	}
	status := 0
	if resp != nil && resp.Response != nil {
		status = resp.StatusCode
	}
	if resp != nil && resp.Response != nil && (status == http.StatusUnauthorized || status == http.StatusForbidden) {
		// An OAuth token's refusal is in WWW-Authenticate, the body
		// empty (okta-sdk-golang issue 145): error, error_description
		// and the scope the call needs.
		if c := challengeOf(resp.Header.Get("WWW-Authenticate")); c["error"] != "" {
			line := o.errorf("HTTP %d %s: %s", status, c["error"], c["error_description"])
			if c["error"] == "insufficient_scope" && c["scope"] != "" {
				line = o.errorf("HTTP %d: the service app's token lacks the scope %s; grant it to the app (Okta API Scopes tab)", status, c["scope"])
			}
			if status == http.StatusForbidden {
				return fmt.Errorf("%w: %w", line, model.ErrAccessDenied)
			}
			return line
		}
	}
	var oe *okta.Error
	if errors.As(err, &oe) {
		// The SDK appends ", x-okta-request-id=…" to the summary: keep it
		// when Okta sent one (support asks for it), drop it when empty.
		oe.ErrorSummary = strings.TrimSuffix(oe.ErrorSummary, ", x-okta-request-id=")
		if oe.ErrorCode == "" && oe.ErrorSummary == "" {
			return o.errorf("HTTP %d without an Okta error in the answer (check --okta-url)", status)
		}
		if status == http.StatusNotFound {
			return fmt.Errorf("%w: %w", o.errorf("%s %s", oe.ErrorCode, oe.ErrorSummary), model.ErrNotFound)
		}
		if status == 0 {
			return o.errorf("%s %s", oe.ErrorCode, oe.ErrorSummary)
		}
		if status == http.StatusForbidden {
			line := o.errorf("HTTP %d %s %s", status, oe.ErrorCode, oe.ErrorSummary)
			if o.perm != "" {
				line = o.errorf("HTTP %d %s %s (needs %s)", status, oe.ErrorCode, oe.ErrorSummary, o.perm)
			}
			return fmt.Errorf("%w: %w", line, model.ErrAccessDenied)
		}
		return o.errorf("HTTP %d %s %s", status, oe.ErrorCode, oe.ErrorSummary)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return o.errorf("%v", err)
	}
	if err.Error() == "too many requests" { // the SDK, after its retries
		return o.errorf("rate limited (HTTP 429) and still limited after %d retries", maxRetries)
	}
	if detail, ok := shapeOf(err); ok {
		return o.notA(detail)
	}
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		err = ue.Err // "Get \"https://…\": " adds nothing to what was asked
	}
	return o.errorf("%v", err)
}

// maxRetries is WithRateLimitMaxRetries.
const maxRetries = 2

// shapeOf says what an answer the SDK could not decode was.
func shapeOf(err error) (string, bool) {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var xmlSyntaxErr *xml.SyntaxError
	var xmlErr xml.UnmarshalError
	switch {
	case errors.As(err, &xmlSyntaxErr):
		return "not XML", true
	case errors.As(err, &xmlErr):
		return "not SAML metadata", true
	case errors.As(err, &typeErr):
		return "a JSON " + typeErr.Value, true
	case errors.As(err, &syntaxErr):
		return "not JSON", true
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "JSON that ends early", true
	}
	if ct, ok := strings.CutPrefix(err.Error(), "could not build a response for type: "); ok {
		if ct == "" {
			return "no content type", true
		}
		if len(ct) > 60 {
			ct = ct[:60] + "..."
		}
		return "content type " + ct, true
	}
	return "", false
}

// pager follows Okta's next links and refuses one that leads back to a page
// already read: a server that links a page to itself (rel="self" and
// rel="next" in one Link line, which the SDK reads as a next link to the
// same page) would otherwise be asked forever.
type pager struct {
	seen     map[string]bool
	followed int
}

func newPager() *pager { return &pager{seen: map[string]bool{}} }

// next returns the next page's path and query, "" after the last page.
func (p *pager) next(resp *okta.Response) (string, error) {
	if resp == nil || resp.Response == nil {
		return "", nil
	}
	if resp.Request != nil {
		p.seen[pageKey(resp.Request.URL)] = true
	}
	if !resp.HasNextPage() {
		return "", nil
	}
	u, err := url.Parse(resp.NextPage)
	if err != nil {
		return "", errors.New("the next-page link is not a URL")
	}
	key := pageKey(u)
	if p.seen[key] {
		return "", errors.New("the server's next-page link leads back to a page already read; stopping")
	}
	p.seen[key] = true
	p.followed++
	return resp.NextPage, nil
}

// pageKey is a page's path and query, the query in a canonical order (the
// SDK re-encodes the query of the links it follows).
func pageKey(u *url.URL) string { return u.EscapedPath() + "?" + u.Query().Encode() }

// challengeOf reads the name="value" parameters of a WWW-Authenticate
// challenge (Bearer or DPoP). Values are cleaned: they come from the
// server and go into one-line messages.
func challengeOf(h string) map[string]string {
	out := map[string]string{}
	_, params, _ := strings.Cut(h, " ")
	for params != "" {
		params = strings.TrimLeft(params, " ,")
		name, rest, ok := strings.Cut(params, "=")
		if !ok {
			break
		}
		var value string
		if strings.HasPrefix(rest, `"`) {
			end := strings.Index(rest[1:], `"`)
			if end < 0 {
				break
			}
			value, params = rest[1:1+end], rest[2+end:]
		} else {
			value, params, _ = strings.Cut(rest, ",")
		}
		out[strings.TrimSpace(name)] = model.Clean(strings.TrimSpace(value))
	}
	return out
}
