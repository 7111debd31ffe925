package realm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/model"
)

// op is one call to the Microsoft login service, for its errors: what was
// asked, and what the answer should have been ("a user realm").
type op struct {
	what string
	noun string
}

// errorf is the one way an error leaves the adapter: "realm: <what>: <cause>"
// on one line, control characters gone, credentials masked.
func (o op) errorf(format string, args ...any) error {
	return errors.New(oneLine("realm: " + o.what + ": " + fmt.Sprintf(format, args...)))
}

// notA is an answer of the wrong shape: it must never become a zero-valued
// realm that a check would read as "Unknown" or "Managed".
func (o op) notA(detail string) error {
	return o.errorf("the answer is not %s (%s)", o.noun, detail)
}

// oneLine cleans before it masks: a secret split by a control character
// is whole again only after Clean.
func oneLine(s string) string { return config.Shown(s) }

// maxAnswer bounds what is read of one answer. Realm and OpenID answers are
// a few KiB; the guarded transport's own bound (config.MaxBodyBytes) is for
// pages of thousands of users.
const maxAnswer = 1 << 20

// getJSON GETs u and decodes a JSON object into v. Every failure is one
// line through o: the transport's refusal, Microsoft's error (AADSTS90002,
// "tenant not found", wraps model.ErrNotFound), or what was wrong with the
// answer. A throttled or unavailable answer (429, 503, 504) and a dropped
// connection are tried again, as the SDKs do for the other systems: the
// guarded transport has already refused a wait longer than the run allows.
func (c *Client) getJSON(ctx context.Context, o op, u string, v any) error {
	var status int
	var body []byte
	for attempt := 1; ; attempt++ {
		var header http.Header
		var err error
		status, header, body, err = c.get(ctx, u)
		if err != nil {
			if attempt < maxAttempts && dropped(err) {
				if werr := sleep(ctx, backoff(attempt)); werr != nil {
					return o.transport(werr)
				}
				continue
			}
			return o.transport(err)
		}
		if len(body) > maxAnswer {
			return o.errorf("the answer is larger than %d KiB, far more than %s", maxAnswer>>10, o.noun)
		}
		if attempt < maxAttempts && transient(status) {
			if wait, ok := retryAfter(header, attempt); ok {
				if werr := sleep(ctx, wait); werr != nil {
					return o.transport(werr)
				}
				continue
			}
		}
		if status != http.StatusOK && attempt > 1 {
			return fmt.Errorf("%w (after %d attempts)", o.status(status, body), attempt)
		}
		break
	}
	if status != http.StatusOK {
		return o.status(status, body)
	}
	return o.decode(body, v)
}

// get is one GET: the status, headers and at most maxAnswer+1 bytes of the
// body.
func (c *Client) get(ctx context.Context, u string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return 0, nil, nil, err
	}
	if resp.StatusCode == http.StatusOK {
		if detail := notJSONType(resp.Header.Get("Content-Type")); detail != "" {
			return resp.StatusCode, resp.Header, nil, &wrongType{detail}
		}
	}
	return resp.StatusCode, resp.Header, body, nil
}

// wrongType is a 200 answer whose content type says it is not JSON.
type wrongType struct{ detail string }

func (e *wrongType) Error() string { return e.detail }

// decode reads one JSON object into v.
func (o op) decode(body []byte, v any) error {
	if detail := shapeOf(body); detail != "" {
		return o.notA(detail)
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return o.notA(fmt.Sprintf("%s is a JSON %s", typeErr.Field, typeErr.Value))
		}
		return o.notA("not valid JSON")
	}
	return nil
}

// maxAttempts is how often one answer is asked for; maxWait the longest
// Retry-After waited (the guard has already refused one longer than the
// run's time left; this bounds a run without a timeout).
const (
	maxAttempts = 3
	maxWait     = time.Minute
)

func transient(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// retryAfter is the wait the answer asks for (Retry-After in seconds or as
// a date; login's Retry-After-Ms), or a short back-off when it names none;
// false when it asks for more than maxWait.
func retryAfter(h http.Header, attempt int) (time.Duration, bool) {
	wait := backoff(attempt)
	if ms, err := strconv.ParseInt(strings.TrimSpace(h.Get("Retry-After-Ms")), 10, 64); err == nil && ms >= 0 {
		wait = time.Duration(ms) * time.Millisecond
	} else if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
		if secs, err := strconv.ParseFloat(ra, 64); err == nil && secs >= 0 && secs < 1e6 {
			wait = time.Duration(secs * float64(time.Second))
		} else if t, err := http.ParseTime(ra); err == nil {
			wait = max(time.Until(t), 0)
		}
	}
	return wait, wait <= maxWait
}

func backoff(attempt int) time.Duration { return time.Duration(attempt) * 500 * time.Millisecond }

// dropped reports a connection closed or reset before the answer came: a
// GET may be sent again. A refusal, a cancelled or expired context, or a
// certificate error is not tried again.
func dropped(err error) bool {
	if config.Refused(err) != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// transport turns a transport failure into one line: the guard's refusal
// as itself, and no "Get \"https://…\": " wrapping.
func (o op) transport(err error) error {
	if r := config.Refused(err); r != nil {
		return o.errorf("%v", r)
	}
	if wt := (*wrongType)(nil); errors.As(err, &wt) {
		return o.notA(wt.detail)
	}
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		err = ue.Err
	}
	return o.errorf("%v", err)
}

// loginError is the Microsoft identity platform's error body.
type loginError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Codes       []int  `json:"error_codes"`
}

var aadsts = regexp.MustCompile(`AADSTS\d+`)

// maxDescription keeps a long error description readable on one line; the
// AADSTS code and the trace and correlation IDs come first in it.
const maxDescription = 400

// status turns a non-200 answer into one line. Only Microsoft's own
// "tenant not found" (invalid_tenant, AADSTS90002) wraps model.ErrNotFound:
// a 404 from something else says nothing about the tenant.
func (o op) status(code int, body []byte) error {
	var le loginError
	if json.Unmarshal(bytes.TrimSpace(body), &le) != nil || (le.Error == "" && le.Description == "") {
		return o.errorf("HTTP %d without a Microsoft error in the answer (check --login-url)", code)
	}
	desc := model.Clean(le.Description)
	if len(desc) > maxDescription {
		desc = desc[:maxDescription] + "..."
	}
	line := o.errorf("HTTP %d %s: %s", code, le.Error, desc)
	notFound := le.Error == "invalid_tenant" && (aadsts.FindString(le.Description) == "AADSTS90002" || hasCode(le.Codes, 90002))
	if notFound {
		return fmt.Errorf("%w: %w", line, model.ErrNotFound)
	}
	return line
}

func hasCode(codes []int, code int) bool {
	for _, c := range codes {
		if c == code {
			return true
		}
	}
	return false
}

// notJSONType names a content type that says the answer is not JSON (an
// HTML sign-in page, the XML RealmInfo); "" when it is JSON or absent, and
// the body decides.
func notJSONType(ct string) string {
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return ""
	}
	if len(ct) > 60 {
		ct = ct[:60] + "..."
	}
	return "content type " + ct
}

// shapeOf says what a body that is not one JSON object is; "" when it is
// one (json.Unmarshal then decides whether it is valid).
func shapeOf(body []byte) string {
	b := bytes.TrimSpace(body)
	switch {
	case len(b) == 0:
		return "an empty body"
	case b[0] == '[':
		return "a JSON list"
	case bytes.Equal(b, []byte("null")):
		return "JSON null"
	case b[0] == '<':
		return "HTML or XML"
	case b[0] != '{':
		return "not a JSON object"
	}
	var raw json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	switch err := dec.Decode(&raw); {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "JSON that ends early"
	case err != nil:
		return "not valid JSON"
	case dec.More():
		return "more than one JSON value"
	}
	return ""
}
