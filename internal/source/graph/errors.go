package graph

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/model"
)

// op is one call to Graph, for its errors: what was asked, and what the
// answer should have been ("a user").
type op struct {
	what string
	noun string
	// perm is the application permission the call needs, named when
	// Graph refuses it (403).
	perm string
}

// errorf is the one way an error leaves the adapter: "graph: <what>: <cause>"
// on one line, control characters gone, credentials masked.
func (o op) errorf(format string, args ...any) error {
	return errors.New(oneLine("graph: " + o.what + ": " + fmt.Sprintf(format, args...)))
}

// notA is an answer of the wrong shape: it must never become a zero-valued
// object that a check would read as a finding.
func (o op) notA(detail string) error {
	return o.errorf("the answer is not %s (%s)", o.noun, detail)
}

// fail turns an SDK error into one line: the transport's refusal, Graph's
// error code and message with the HTTP status, the sign-in failure with its
// AADSTS code, or what was wrong with the answer. Only Graph's own 404 (an
// OData error with a code) wraps model.ErrNotFound: a 404 from something
// else says nothing about the object.
func (o op) fail(err error) error {
	if r := config.Refused(err); r != nil {
		if errors.As(err, new(*signInError)) {
			return o.errorf("sign-in: %v", r)
		}
		return o.errorf("%v", r)
	}
	var bad *badAnswer
	if errors.As(err, &bad) {
		if bad.shape != "" {
			return o.notA(bad.shape)
		}
		return o.errorf("HTTP %d with %s (check --graph-url)", bad.status, bad.detail)
	}
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) {
		code, msg := "", ""
		if m := oe.GetErrorEscaped(); m != nil {
			code, msg = deref(m.GetCode()), deref(m.GetMessage())
		}
		if code == "" {
			return o.errorf("HTTP %d with no Graph error in the answer (check --graph-url)", oe.ResponseStatusCode)
		}
		line := o.errorf("HTTP %d %s: %s", oe.ResponseStatusCode, code, msg)
		switch oe.ResponseStatusCode {
		case http.StatusNotFound:
			return fmt.Errorf("%w: %w", line, model.ErrNotFound)
		case http.StatusForbidden:
			if o.perm != "" {
				line = o.errorf("HTTP %d %s: %s (needs %s)", oe.ResponseStatusCode, code, msg, o.perm)
			}
			return fmt.Errorf("%w: %w", line, model.ErrAccessDenied)
		}
		return line
	}
	var ae *abs.ApiError
	if errors.As(err, &ae) {
		return o.errorf("HTTP %d with no Graph error in the answer (check --graph-url)", ae.ResponseStatusCode)
	}
	var ue *url.Error
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return o.errorf("%v", err)
	case errors.As(err, new(*azidentity.AuthenticationFailedError)):
		line := firstLine(err.Error())
		return o.errorf("sign-in: %s%s", line, signInHint(line))
	}
	if detail, ok := shapeOf(err); ok {
		return o.notA(detail)
	}
	if errors.As(err, &ue) {
		err = ue.Err // "Get \"https://…\": " adds nothing to what was asked
	}
	return o.errorf("%s", firstLine(err.Error()))
}

// shapeOf says what an answer the SDK could not decode was.
func shapeOf(err error) (string, bool) {
	msg := err.Error()
	var syntaxErr *json.SyntaxError
	switch {
	case strings.HasPrefix(msg, "content type ") && strings.HasSuffix(msg, " does not have a factory registered to be parsed"):
		ct := strings.TrimSuffix(strings.TrimPrefix(msg, "content type "), " does not have a factory registered to be parsed")
		if len(ct) > 60 {
			ct = ct[:60] + "..."
		}
		return "content type " + ct, true
	case msg == "content is empty":
		return "an empty body", true
	case msg == "invalid json type", msg == "key is not a string", errors.As(err, &syntaxErr):
		return "not valid JSON", true
	case strings.HasPrefix(msg, "type '") && strings.Contains(msg, "' is not compatible with type "),
		msg == "value is not a collection", msg == "cannot parse object value":
		return "a field of the wrong type", true
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "JSON that ends early", true
	}
	return "", false
}

// signInHint says what to check for the AADSTS codes a wrong setting gives.
func signInHint(line string) string {
	for code, hint := range map[string]string{
		"AADSTS7000215": "check AZURE_CLIENT_SECRET: it is not this app's secret (use the secret's value, not its ID)",
		"AADSTS7000222": "check AZURE_CLIENT_SECRET: it has expired; create a new one",
		"AADSTS700016":  "check AZURE_CLIENT_ID: no such app in the tenant",
		"AADSTS90002":   "check AZURE_TENANT_ID: no such tenant",
		"AADSTS900023":  "check AZURE_TENANT_ID: not a tenant ID or domain",
	} {
		if strings.Contains(line, "("+code+")") || strings.Contains(line, code+":") {
			return "; " + hint
		}
	}
	return ""
}

// firstLine keeps the first line of azidentity's multi-line errors plus any
// AADSTS code, which is what a person acts on.
func firstLine(s string) string {
	first, rest, _ := strings.Cut(s, "\n")
	first = strings.TrimSpace(first)
	if i := strings.Index(rest, "AADSTS"); i >= 0 && !strings.Contains(first, "AADSTS") {
		code := rest[i:]
		if j := strings.IndexAny(code, ":. \n\""); j > 0 {
			code = code[:j]
		}
		first += " (" + code + ")"
	}
	return strings.TrimSpace(first)
}

// oneLine cleans before it masks: a secret split by a control character
// is whole again only after Clean.
func oneLine(s string) string { return config.Shown(s) }

// maskingCredential is the credential kiota asks for tokens. It registers
// every access token with the masker, since the adapter never sees the
// token Graph may echo in an error; and it reports a refusal of the login
// transport (a redirect, a rate limit the run cannot wait out, a body too
// large) as itself, since azidentity flattens transport errors into text.
type maskingCredential struct{ cred azcore.TokenCredential }

func (c maskingCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	var r refusals
	tok, err := c.cred.GetToken(context.WithValue(ctx, refusalsKey{}, &r), opts)
	if err != nil {
		if refused := r.first(); refused != nil {
			return azcore.AccessToken{}, &signInError{refused}
		}
		return azcore.AccessToken{}, err
	}
	config.RegisterSecret(tok.Token)
	return tok, nil
}

// signInError is a refusal met while signing in.
type signInError struct{ err error }

func (e *signInError) Error() string { return "sign-in: " + e.err.Error() }
func (e *signInError) Unwrap() error { return e.err }

// refusals collects, for one GetToken call, the first refusal of the login
// transport. It travels in the request's context (as net/http/httptrace's
// hooks do) because azidentity and MSAL pass the context, and nothing else,
// down to the transport.
type refusals struct {
	mu  sync.Mutex
	err error
}

type refusalsKey struct{}

func (r *refusals) note(err error) {
	refused := config.Refused(err)
	if refused == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = refused
	}
}

func (r *refusals) first() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// noteRefusals sits on the login transport and notes its refusals, the
// ones it returns and the ones reading a body meets, in the request's
// refusals.
type noteRefusals struct{ next http.RoundTripper }

func (n noteRefusals) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := n.next.RoundTrip(req)
	r, _ := req.Context().Value(refusalsKey{}).(*refusals)
	if r == nil {
		return resp, err
	}
	if err != nil {
		r.note(err)
		return nil, err
	}
	resp.Body = &notingBody{ReadCloser: resp.Body, refusals: r}
	return resp, nil
}

type notingBody struct {
	io.ReadCloser
	refusals *refusals
}

func (b *notingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		b.refusals.note(err)
	}
	return n, err
}

// answerGuard sits under kiota's middleware, on the Graph transport, and
// refuses the answers kiota mishandles:
//   - a JSON null: kiota's JSON parser dereferences the nil node and panics;
//   - an error status whose body is not JSON (an HTML page from a proxy or
//     from something that is not Graph): kiota reports the content type it
//     cannot parse and loses the status; 429, 503 and 504 are left to
//     kiota's retry handler;
//   - a 401 whose WWW-Authenticate names claims without a quoted value:
//     kiota's claims-challenge handling indexes a failed match and panics.
type answerGuard struct{ next http.RoundTripper }

func (g answerGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := g.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return resp, nil
	}
	if resp.StatusCode == http.StatusUnauthorized && badClaimsChallenge(resp.Header.Values("WWW-Authenticate")) {
		resp.Body.Close()
		return nil, &badAnswer{status: resp.StatusCode, detail: "a malformed claims challenge in WWW-Authenticate"}
	}
	if resp.StatusCode >= 400 && !strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "json") {
		resp.Body.Close()
		return nil, &badAnswer{status: resp.StatusCode, detail: "no Graph error in the answer"}
	}
	if resp.StatusCode < 300 {
		// Skip leading white space (harmless to JSON) to see the first
		// character: a JSON value that starts with 'n' is null or invalid.
		br := bufio.NewReader(resp.Body)
		for {
			c, err := br.ReadByte()
			if err != nil {
				break
			}
			if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
				continue
			}
			if c == 'n' {
				resp.Body.Close()
				return nil, &badAnswer{shape: "null"}
			}
			_ = br.UnreadByte()
			break
		}
		resp.Body = readCloser{br, resp.Body}
		if c, ok := req.Context().Value(pageBodyKey{}).(*pageBody); ok {
			return c.take(resp)
		}
	}
	return resp, nil
}

// pageBodyKey marks a bulk page request whose 2xx body o365doctor reads
// itself into a pooled buffer (pageBody): kiota's SendPrimitive would
// read each page of a 100 000-user listing into fresh, growing memory
// (io.ReadAll). kiota gets an empty body, which it returns as no value;
// an error answer still reaches kiota's error mapping whole.
type pageBodyKey struct{}

// pageBody holds the body answerGuard took for one page request.
type pageBody struct{ buf *bytes.Buffer }

var pageBodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (c *pageBody) take(resp *http.Response) (*http.Response, error) {
	defer resp.Body.Close()
	if c.buf == nil {
		c.buf = pageBodyPool.Get().(*bytes.Buffer)
	}
	c.buf.Reset()
	if _, err := c.buf.ReadFrom(resp.Body); err != nil {
		return nil, err
	}
	resp.Body, resp.ContentLength = http.NoBody, 0
	return resp, nil
}

// release gives the buffer back once the page is decoded.
func (c *pageBody) release() {
	if c.buf != nil {
		pageBodyPool.Put(c.buf)
		c.buf = nil
	}
}

type readCloser struct {
	io.Reader
	io.Closer
}

// badClaimsChallenge reports a Bearer challenge with a claims parameter
// that has no quoted value.
func badClaimsChallenge(values []string) bool {
	for _, v := range values {
		rest, ok := cutPrefixFold(strings.TrimSpace(v), "bearer")
		if !ok {
			continue
		}
		for _, param := range strings.Split(rest, ",") {
			if strings.HasPrefix(strings.Trim(param, " "), "claims") && strings.Count(param, `"`) < 2 {
				return true
			}
		}
	}
	return false
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) > len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) && (s[len(prefix)] == ' ' || s[len(prefix)] == '\t') {
		return s[len(prefix):], true
	}
	return s, false
}

// badAnswer is an answer answerGuard refused: of the wrong shape (shape),
// or an error status that carries no Graph error (status, detail).
type badAnswer struct {
	status int
	shape  string
	detail string
}

func (e *badAnswer) Error() string {
	if e.shape != "" {
		return "the answer is " + e.shape
	}
	return fmt.Sprintf("HTTP %d: %s", e.status, e.detail)
}
