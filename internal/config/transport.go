package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// System is an outside system o365doctor talks to over HTTPS. Refusals name
// it and the setting that points at it.
type System string

// The systems behind the adapters.
const (
	Okta  System = "okta"  // the Okta Management API, --okta-url
	Graph System = "graph" // Microsoft Graph, --graph-url
	Login System = "login" // the Microsoft identity platform (token, OpenID configuration), --login-url
)

// Flag is the setting that holds the system's address.
func (s System) Flag() string {
	switch s {
	case Okta:
		return "--okta-url"
	case Graph:
		return "--graph-url"
	case Login:
		return "--login-url"
	}
	return "the server's address"
}

// MaxBodyBytes bounds every answer the adapters read (after decompression):
// a larger one is a *BodyTooLargeError, not an out-of-memory crash. The
// largest real answers are far smaller: a page of 999 Graph users or 500
// Okta app users is a few MiB.
const MaxBodyBytes = 64 << 20

// HTTPClientFor returns the client for one system: the run's TLS roots and
// timeout, no proxy, and the guards of RoundTripper. Each source gets its
// own client.
func (s Settings) HTTPClientFor(sys System) *http.Client {
	return &http.Client{
		Transport: s.RoundTripper(sys),
		Timeout:   s.Timeout,
		// The transport already refuses every redirect; this only keeps
		// net/http from ever following one should that change.
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			return &RedirectError{System: sys, Status: req.Response.StatusCode, Location: showURL(req.URL, "")}
		},
	}
}

// RoundTripper is the transport under HTTPClientFor, for SDKs that wrap their
// own middleware around a transport (kiota). Under any SDK retry or
// redirect logic, it
//   - refuses every redirect (*RedirectError): SDKs re-send credentials to
//     wherever a redirect points (azidentity re-posts the client secret on a
//     307);
//   - ends an HTTP 429 whose wait is longer than what is left of the
//     request's time (*RateLimitError), and passes shorter ones to the
//     SDKs, which wait and retry;
//   - bounds every body to MaxBodyBytes (*BodyTooLargeError).
func (s Settings) RoundTripper(sys System) http.RoundTripper {
	return s.roundTripperWith(sys, nil)
}

// HTTPClientWith is HTTPClientFor with wrap around the bare transport,
// under the guards: what wrap adds to a request (a DPoP proof, fresh for
// each attempt) is made again for each retry the guard makes.
func (s Settings) HTTPClientWith(sys System, wrap func(http.RoundTripper) http.RoundTripper) *http.Client {
	c := s.HTTPClientFor(sys)
	c.Transport = s.roundTripperWith(sys, wrap)
	return c
}

func (s Settings) roundTripperWith(sys System, wrap func(http.RoundTripper) http.RoundTripper) http.RoundTripper {
	var bare http.RoundTripper = s.HTTPTransport()
	if wrap != nil {
		bare = wrap(bare)
	}
	var rt http.RoundTripper = &guard{next: bare, system: sys, timeout: s.Timeout, now: time.Now}
	if s.Debug != nil {
		rt = debugTransport{next: rt, system: sys, log: s.Debug}
	}
	return rt
}

// debugTransport logs each request (--debug): the system, method, address
// without its query (where sign-in parameters and personal data travel),
// status and time. Never a header or a body: the credentials are there.
type debugTransport struct {
	next   http.RoundTripper
	system System
	log    func(string)
}

func (d debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := d.next.RoundTrip(req)
	took := time.Since(start).Round(time.Millisecond)
	sys := string(d.system)
	if sys == "" {
		sys = "http"
	}
	if err != nil {
		d.log(fmt.Sprintf("%s %s %s: %s (%s)", sys, req.Method, showURL(req.URL, ""), Mask(printable(err.Error())), took))
	} else {
		d.log(fmt.Sprintf("%s %s %s -> %d (%s)", sys, req.Method, showURL(req.URL, ""), resp.StatusCode, took))
	}
	return resp, err
}

type guard struct {
	next    http.RoundTripper
	system  System
	timeout time.Duration
	now     func() time.Time
}

// getRetryWaits are the pauses before each retry of a GET that met a
// transient failure (a dropped connection, 500, 502, 503, 504): a GET
// changes nothing, so asking again is safe, and a listing of 100 000
// users must not end on one bad answer among hundreds of pages.
var getRetryWaits = []time.Duration{200 * time.Millisecond, 500 * time.Millisecond, 1500 * time.Millisecond}

// transient reports whether a GET's outcome is worth asking again.
func transient(resp *http.Response, err error) bool {
	if err != nil {
		return true
	}
	switch resp.StatusCode {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := g.next.RoundTrip(req)
	// Okta's SDK retries only a 429, kiota's handler 429, 503 and 504;
	// realm discovery and login have their own attempts.
	retry := g.system == Okta || g.system == Graph
	for attempt := 0; retry && req.Method == http.MethodGet && (req.Body == nil || req.Body == http.NoBody) && attempt < len(getRetryWaits) && transient(resp, err); attempt++ {
		if req.Context().Err() != nil {
			break
		}
		if resp != nil {
			discard(resp)
		}
		t := time.NewTimer(getRetryWaits[attempt])
		select {
		case <-req.Context().Done():
			t.Stop()
			return nil, req.Context().Err()
		case <-t.C:
		}
		resp, err = g.next.RoundTrip(req)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case isRedirect(resp.StatusCode):
		discard(resp)
		shown := ""
		if loc := resp.Header.Get("Location"); loc != "" {
			shown = showURL(req.URL, loc)
		}
		return nil, &RedirectError{System: g.system, Status: resp.StatusCode, Location: shown}
	case resp.ContentLength > MaxBodyBytes:
		resp.Body.Close()
		return nil, &BodyTooLargeError{System: g.system, Limit: MaxBodyBytes}
	case resp.StatusCode == http.StatusTooManyRequests:
		if rl := g.rateLimit(req, resp); rl != nil {
			discard(resp)
			return nil, rl
		}
	}
	resp.Body = &boundedBody{body: resp.Body, left: MaxBodyBytes, system: g.system}
	return resp, nil
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// discard closes a refused answer after reading a little of it, so the
// connection can be reused when the rest is short.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
}

// rateLimit returns the refusal for a 429 whose wait the request cannot
// afford, or nil to let the SDK wait and retry.
func (g *guard) rateLimit(req *http.Request, resp *http.Response) *RateLimitError {
	now := g.now()
	left, limited := g.timeout, g.timeout > 0
	if deadline, ok := req.Context().Deadline(); ok {
		left, limited = deadline.Sub(now), true
	}
	wait, reset, known := g.waitOf(resp, now)
	switch {
	case !known && g.system != Okta:
		// Graph and login back off on their own (a few seconds,
		// exponentially) when the answer names no wait.
		return nil
	case known && (!limited || sdkWait(g.system, wait) <= left):
		return nil
	}
	rl := &RateLimitError{System: g.system, Status: resp.StatusCode, Wait: wait, Reset: reset, Left: left, Timeout: g.timeout}
	if !known {
		// The Okta SDK fails at once without the reset headers.
		rl.Reset, rl.Wait = time.Time{}, 0
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	rl.Code = errorCode(body)
	return rl
}

// sdkWait is how long the system's SDK will wait: the Okta SDK waits one
// second past the reset.
func sdkWait(sys System, wait time.Duration) time.Duration {
	if sys == Okta {
		return wait + time.Second
	}
	return wait
}

// waitOf reads when the limit resets, the way each system says it: Okta
// with X-Rate-Limit-Reset (UTC epoch seconds) against its own Date; Graph
// with Retry-After (seconds or an HTTP date); login also with the
// millisecond headers azcore prefers.
func (g *guard) waitOf(resp *http.Response, now time.Time) (time.Duration, time.Time, bool) {
	h := resp.Header
	serverNow := now
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		serverNow = d
	}
	if g.system == Okta {
		secs, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-Rate-Limit-Reset")), 10, 64)
		if err != nil || h.Get("Date") == "" {
			return 0, time.Time{}, false
		}
		reset := time.Unix(secs, 0)
		return max(reset.Sub(serverNow), 0), reset, true
	}
	if g.system == Login {
		for _, name := range []string{"Retry-After-Ms", "X-Ms-Retry-After-Ms"} {
			if ms, err := strconv.ParseInt(strings.TrimSpace(h.Get(name)), 10, 64); err == nil && ms > 0 {
				d := time.Duration(ms) * time.Millisecond
				return d, now.Add(d), true
			}
		}
	}
	ra := strings.TrimSpace(h.Get("Retry-After"))
	if ra == "" {
		return 0, time.Time{}, false
	}
	if secs, err := strconv.ParseFloat(ra, 64); err == nil && secs >= 0 && secs < 1e9 {
		d := time.Duration(secs * float64(time.Second))
		return d, now.Add(d), true
	}
	if t, err := http.ParseTime(ra); err == nil {
		return max(t.Sub(serverNow), 0), t, true
	}
	return 0, time.Time{}, false
}

var aadsts = regexp.MustCompile(`AADSTS\d+`)

// errorCode finds the error code in an error body of any of the three
// systems; "" when there is none.
func errorCode(body []byte) string {
	var v struct {
		ErrorCode   string          `json:"errorCode"` // Okta
		Error       json.RawMessage `json:"error"`     // Graph: {code}; login: "temporarily_unavailable"
		Description string          `json:"error_description"`
	}
	if json.Unmarshal(bytes.TrimSpace(body), &v) != nil {
		return ""
	}
	code := v.ErrorCode
	if code == "" && len(v.Error) > 0 {
		var s string
		var obj struct {
			Code string `json:"code"`
		}
		if json.Unmarshal(v.Error, &s) == nil {
			code = s
		} else if json.Unmarshal(v.Error, &obj) == nil {
			code = obj.Code
		}
	}
	code = token(code)
	if m := aadsts.FindString(v.Description); m != "" {
		code = strings.TrimSpace(code + " " + token(m))
	}
	return code
}

// token keeps a code to the characters codes are made of, so a hostile
// answer cannot put text of its own into the message.
func token(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && (r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
		if b.Len() >= 64 {
			break
		}
	}
	return b.String()
}

// showURL shows where a redirect pointed: scheme, host and path, never the
// user info, query or fragment (where tokens travel), in printable ASCII,
// masked and cut to a readable length.
func showURL(base *url.URL, location string) string {
	u := base
	if location != "" {
		loc, err := url.Parse(location)
		if err != nil {
			return "an address that is not a URL"
		}
		if base != nil {
			loc = base.ResolveReference(loc)
		}
		u = loc
	}
	if u == nil {
		return ""
	}
	shown := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	s := printable(shown.String())
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return Mask(s)
}

// printable replaces every byte outside printable ASCII with '?'.
func printable(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	return string(b)
}

// boundedBody ends a body at MaxBodyBytes with a *BodyTooLargeError.
type boundedBody struct {
	body   io.ReadCloser
	left   int64
	system System
	err    error
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.left <= 0 {
		// At the bound: one more byte means the answer is too large.
		var probe [1]byte
		n, err := b.body.Read(probe[:])
		if n > 0 {
			b.err = &BodyTooLargeError{System: b.system, Limit: MaxBodyBytes}
			return 0, b.err
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.body.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *boundedBody) Close() error { return b.body.Close() }
