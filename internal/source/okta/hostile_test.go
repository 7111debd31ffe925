package okta_test

// Hostile answers: each must end as one line that names what was asked,
// carries no credential, and never becomes a zero-valued object a check
// would read as a finding. The servers are in internal/source/sourcetest.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/okta"
	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

// oktaCall is one adapter call; each returns the adapter's error.
type oktaCall struct {
	name string
	what string // the start of its error: "okta: get user …"
	list bool
	call func(context.Context, *okta.Client) error
}

var oktaCalls = []oktaCall{
	{"User", "okta: get user alice@contoso.com: ", false, func(ctx context.Context, c *okta.Client) error {
		_, err := c.User(ctx, "alice@contoso.com")
		return err
	}},
	{"AppUser", "okta: get app user 00u1 of app 0oa1: ", false, func(ctx context.Context, c *okta.Client) error {
		_, err := c.AppUser(ctx, "0oa1", "00u1")
		return err
	}},
	{"Office365Apps", "okta: list office365 apps: ", true, func(ctx context.Context, c *okta.Client) error {
		_, err := c.Office365Apps(ctx)
		return err
	}},
	{"AppUserPages", "okta: list app users of app 0oa1: ", true, func(ctx context.Context, c *okta.Client) error {
		for _, err := range c.AppUserPages(ctx, "0oa1") {
			if err != nil {
				return err
			}
		}
		return nil
	}},
}

// client builds the adapter against srv with a fresh random token.
func client(t *testing.T, srv *sourcetest.Server, timeout time.Duration) (*okta.Client, config.Settings) {
	t.Helper()
	s := sourcetest.Settings(srv, nil, nil, timeout)
	c, err := okta.New(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

// checkLine fails unless err is one line starting with prefix, containing
// want, and free of the token.
func checkLine(t *testing.T, err error, prefix, want string, s config.Settings) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, want) || strings.ContainsAny(msg, "\n\r\x1b") {
		t.Fatalf("error = %q\nwant one line starting %q containing %q", msg, prefix, want)
	}
	if strings.Contains(msg, s.OktaToken.Reveal()) {
		t.Fatalf("error shows the token: %q", msg)
	}
}

// TestRedirectsAreNeverFollowed: a 301, 302, 307 or 308 ends the call; the
// server redirected to receives nothing, so the token never travels.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, oc := range oktaCalls {
			t.Run(fmt.Sprint(status, oc.name), func(t *testing.T) {
				t.Parallel()
				other := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					sourcetest.JSON(w, http.StatusOK, map[string]any{"id": "00u1"})
				}))
				srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, other.URL+r.URL.Path+"?token="+r.Header.Get("Authorization"), status)
				}))
				c, s := client(t, srv, 5*time.Second)
				err := oc.call(context.Background(), c)
				checkLine(t, err, oc.what, fmt.Sprintf("the server redirected (HTTP %d) to %s/api/v1/", status, other.URL), s)
				checkLine(t, err, oc.what, "; o365doctor does not follow redirects (check --okta-url)", s)
				if strings.Contains(err.Error(), "token=") {
					t.Fatalf("the redirect's query is shown: %v", err)
				}
				if n := len(other.Requests()); n != 0 {
					t.Fatalf("the server redirected to received %d requests", n)
				}
				if n := len(srv.Requests()); n != 1 {
					t.Fatalf("%d requests to the redirecting server, want 1", n)
				}
			})
		}
	}
}

// TestWrongShapes: an answer that is not what was asked for is an error
// naming it, never a panic or a zero value.
func TestWrongShapes(t *testing.T) {
	t.Parallel()
	type answer struct{ contentType, body string }
	object := map[string]answer{
		"empty body":      {"application/json", ""},
		"null":            {"application/json", "null"},
		"list":            {"application/json", `[{"id":"00u1","status":"ACTIVE"}]`},
		"html":            {"text/html; charset=utf-8", "<html><body>Sign in</body></html>"},
		"no content type": {"", `{"id":"00u1"}`},
		"truncated":       {"application/json", `{"id":"00u1","status":"ACT`},
		"no id":           {"application/json", `{"status":"ACTIVE","profile":{"login":"alice@contoso.com"},"credentials":{"userName":"alice@contoso.com"}}`},
		"not JSON":        {"application/json", `{id: 00u1}`},
	}
	list := map[string]answer{
		"empty body":    {"application/json", ""},
		"null":          {"application/json", "null"},
		"object":        {"application/json", `{"id":"0oa1","name":"office365"}`},
		"html":          {"text/html", "<html><body>Sign in</body></html>"},
		"truncated":     {"application/json", `[{"id":"0oa1","name":"office365"`},
		"null item":     {"application/json", `[null]`},
		"no id":         {"application/json", `[{"name":"office365","label":"Microsoft Office 365"}]`},
		"another app":   {"application/json", `[{"id":"0oa9","name":"salesforce"}]`},
		"not JSON list": {"application/json", `[1,2`},
	}
	for _, oc := range oktaCalls {
		answers := object
		if oc.list {
			answers = list
		}
		for name, a := range answers {
			if name == "another app" && oc.name != "Office365Apps" {
				continue
			}
			t.Run(oc.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					sourcetest.Raw(w, http.StatusOK, a.contentType, a.body)
				}))
				c, s := client(t, srv, 5*time.Second)
				checkLine(t, oc.call(context.Background(), c), oc.what, "the answer is not a", s)
			})
		}
	}
	t.Run("AppUserPages/page too large", func(t *testing.T) {
		t.Parallel()
		items := make([]map[string]any, okta.AppUsersPerPage+1)
		for i := range items {
			items[i] = map[string]any{"id": "00u" + strconv.Itoa(i)}
		}
		srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, http.StatusOK, items)
		}))
		c, s := client(t, srv, 5*time.Second)
		checkLine(t, oktaCalls[3].call(context.Background(), c), oktaCalls[3].what, "501 app users in a page of at most 500", s)
	})
	// The lean decode of the bulk pages: an _embedded that is not the
	// user object expand=user asks for, a status of the wrong type, and a
	// body cut short after the headers (read after the SDK returned).
	for name, body := range map[string]string{
		"embedded not an object": `[{"id":"00u1","credentials":{"userName":"a@contoso.com"},"_embedded":"user"}]`,
		"status a number":        `[{"id":"00u1","status":5}]`,
		"user not an object":     `[{"id":"00u1","_embedded":{"user":[1]}}]`,
	} {
		t.Run("AppUserPages/"+name, func(t *testing.T) {
			t.Parallel()
			srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sourcetest.Raw(w, http.StatusOK, "application/json", body)
			}))
			c, s := client(t, srv, 5*time.Second)
			checkLine(t, oktaCalls[3].call(context.Background(), c), oktaCalls[3].what, "the answer is not a list of app users (", s)
		})
	}
	t.Run("AppUserPages/body cut short", func(t *testing.T) {
		t.Parallel()
		srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "5000")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`[{"id":"00u1",`))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler) // the connection drops
		}))
		c, s := client(t, srv, 5*time.Second)
		checkLine(t, oktaCalls[3].call(context.Background(), c), oktaCalls[3].what, "ends early", s)
	})
	t.Run("empty list is no error", func(t *testing.T) {
		t.Parallel()
		srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sourcetest.Raw(w, http.StatusOK, "application/json", "[]\n")
		}))
		c, _ := client(t, srv, 5*time.Second)
		if apps, err := c.Office365Apps(context.Background()); err != nil || len(apps) != 0 {
			t.Fatalf("apps = %v, %v", apps, err)
		}
	})
}

// TestMalformedLinkHeader: the SDK dereferences an unparsable Link URL and
// panics; the adapter refuses the answer first.
func TestMalformedLinkHeader(t *testing.T) {
	t.Parallel()
	srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", `<https://x/%zz>; rel="next"`)
		sourcetest.JSON(w, http.StatusOK, []any{})
	}))
	c, s := client(t, srv, 5*time.Second)
	_, err := c.Office365Apps(context.Background())
	checkLine(t, err, "okta: list office365 apps: ", "a Link header that is not a URL", s)
}

// TestPagerLoops: a next link back to a page already read ends the listing
// with an error, at once: without the guard, a self-link makes the SDK ask
// for page 1 forever (~2000 requests in 10 s).
func TestPagerLoops(t *testing.T) {
	t.Parallel()
	// link is the request's own URL with the given query values changed.
	link := func(r *http.Request, key, value string) string {
		q := r.URL.Query()
		if value != "" {
			q.Set(key, value)
		}
		return (&url.URL{Scheme: "https", Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}).String()
	}
	cases := map[string]struct {
		links    func(r *http.Request) []string
		requests int
	}{
		// The form of the bug the lab once had: self and next in one Link
		// line, which the SDK reads as next = self.
		"self and next in one line": {func(r *http.Request) []string {
			return []string{fmt.Sprintf(`<%s>; rel="self", <%s>; rel="next"`, link(r, "", ""), link(r, "after", "x"))}
		}, 1},
		"next is self": {func(r *http.Request) []string {
			return []string{fmt.Sprintf(`<%s>; rel="self"`, link(r, "", "")), fmt.Sprintf(`<%s>; rel="next"`, link(r, "", ""))}
		}, 1},
		"page 3 links back to page 2": {func(r *http.Request) []string {
			next := map[string]string{"": "b", "b": "c", "c": "b"}[r.URL.Query().Get("after")]
			return []string{fmt.Sprintf(`<%s>; rel="next"`, link(r, "after", next))}
		}, 3},
	}
	for name, tc := range cases {
		for _, oc := range oktaCalls[2:] {
			t.Run(oc.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					for _, l := range tc.links(r) {
						w.Header().Add("Link", l)
					}
					sourcetest.JSON(w, http.StatusOK, []map[string]any{{"id": "0oa1" + r.URL.Query().Get("after"), "name": "office365"}})
				}))
				c, s := client(t, srv, 5*time.Second)
				// A deadline, so that a pager without its guard fails
				// instead of asking until the test binary times out.
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				checkLine(t, oc.call(ctx, c), oc.what, "next-page link leads back to a page already read", s)
				if n := len(srv.Requests()); n != tc.requests {
					t.Fatalf("%d requests, want %d", n, tc.requests)
				}
			})
		}
	}
}

// TestRateLimits: a 429 whose reset is further away than the run allows
// ends the call at once with when the limit resets; a short one is waited
// out by the SDK as before.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	limited := func(reset func(now time.Time) string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			now := time.Now().UTC().Truncate(time.Second)
			w.Header().Set("Date", now.Format(http.TimeFormat))
			w.Header().Set("X-Rate-Limit-Limit", "100")
			w.Header().Set("X-Rate-Limit-Remaining", "0")
			if v := reset(now); v != "" {
				w.Header().Set("X-Rate-Limit-Reset", v)
			}
			sourcetest.JSON(w, http.StatusTooManyRequests, map[string]any{"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests."})
		})
	}
	t.Run("an hour away", func(t *testing.T) {
		t.Parallel()
		srv := sourcetest.Start(t, limited(func(now time.Time) string { return strconv.FormatInt(now.Add(time.Hour).Unix(), 10) }))
		c, s := client(t, srv, 5*time.Second)
		start := time.Now()
		_, err := c.Office365Apps(context.Background())
		took := time.Since(start)
		checkLine(t, err, "okta: list office365 apps: rate limited (HTTP 429 E0000047); the limit resets at ", " UTC, in 1h0m0s — longer than the timeout 5s", s)
		if took > 2*time.Second || len(srv.Requests()) != 1 {
			t.Fatalf("took %s and %d requests; want one request and no wait", took, len(srv.Requests()))
		}
		var rl *config.RateLimitError
		if errors.As(err, &rl) {
			t.Fatalf("the adapter's error is one line of text, not %T", rl)
		}
	})
	t.Run("past the caller's deadline", func(t *testing.T) {
		t.Parallel()
		srv := sourcetest.Start(t, limited(func(now time.Time) string { return strconv.FormatInt(now.Add(20*time.Second).Unix(), 10) }))
		c, s := client(t, srv, 30*time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, err := c.User(ctx, "alice@contoso.com")
		checkLine(t, err, "okta: get user alice@contoso.com: rate limited (HTTP 429 E0000047); the limit resets at ", "left before the deadline", s)
		if errors.Is(err, model.ErrNotFound) {
			t.Fatal("a rate limit reads as not found")
		}
	})
	t.Run("no reset header", func(t *testing.T) {
		t.Parallel()
		srv := sourcetest.Start(t, limited(func(time.Time) string { return "" }))
		c, s := client(t, srv, 5*time.Second)
		_, err := c.AppUser(context.Background(), "0oa1", "00u1")
		checkLine(t, err, "okta: get app user 00u1 of app 0oa1: rate limited (HTTP 429 E0000047); the answer does not say when the limit resets", "", s)
	})
	t.Run("reset now: the SDK waits and retries", func(t *testing.T) {
		t.Parallel()
		var srv *sourcetest.Server
		first := limited(func(now time.Time) string { return strconv.FormatInt(now.Unix(), 10) })
		srv = sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if len(srv.Requests()) == 1 {
				first.ServeHTTP(w, r)
				return
			}
			sourcetest.JSON(w, http.StatusOK, map[string]any{"id": "00u1", "status": "ACTIVE", "profile": map[string]any{"login": "alice@contoso.com"}})
		}))
		c, _ := client(t, srv, 10*time.Second)
		u, err := c.User(context.Background(), "alice@contoso.com")
		if err != nil || u.ID != "00u1" || len(srv.Requests()) != 2 {
			t.Fatalf("user = %+v, %v after %d requests", u, err, len(srv.Requests()))
		}
	})
}

// TestEchoedTokenIsMasked: an error answer that repeats the API token, in
// its summary or as a header line, or split by control characters, shows
// none of it; the error stays one line.
func TestEchoedTokenIsMasked(t *testing.T) {
	t.Parallel()
	for name, summary := range map[string]func(token string) string{
		"bare":          func(tok string) string { return "Invalid token provided: " + tok },
		"header line":   func(tok string) string { return "request was\nAuthorization: SSWS " + tok + "\r\nAccept: */*" },
		"split by NUL":  func(tok string) string { return "token " + tok[:8] + "\x00" + tok[8:] + " rejected" },
		"in a JWT":      func(string) string { return "assertion eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIwMHUxIn0.c2lnbmF0dXJl refused" },
		"with escapes":  func(tok string) string { return "\x1b]0;" + tok + "\a\x1b[2Jbad token" },
		"in error code": func(tok string) string { return "x" },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tok := strings.TrimPrefix(r.Header.Get("Authorization"), "SSWS ")
				code := "E0000011"
				if name == "in error code" {
					code = tok
				}
				sourcetest.JSON(w, http.StatusUnauthorized, map[string]any{"errorCode": code, "errorSummary": summary(tok),
					"errorCauses": []any{map[string]any{"errorSummary": tok}}})
			}))
			c, s := client(t, srv, 5*time.Second)
			_, err := c.User(context.Background(), "alice@contoso.com")
			checkLine(t, err, "okta: get user alice@contoso.com: HTTP 401 ", "", s)
			tok := s.OktaToken.Reveal()
			if msg := err.Error(); strings.Contains(msg, tok[:12]) || strings.Contains(msg, "eyJzdWIi") {
				t.Fatalf("error shows the credential: %q", msg)
			}
		})
	}
}

// TestBodyTooLarge: an answer past config.MaxBodyBytes is an error naming
// the bound, whether announced by Content-Length or streamed.
func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	for name, h := range map[string]http.HandlerFunc{
		"streamed": func(w http.ResponseWriter, r *http.Request) { sourcetest.Huge(w, config.MaxBodyBytes+1) },
		"announced": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(config.MaxBodyBytes+1))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"id":"`))
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := sourcetest.Start(t, h)
			c, s := client(t, srv, 20*time.Second)
			_, err := c.User(context.Background(), "alice@contoso.com")
			checkLine(t, err, "okta: get user alice@contoso.com: the answer is larger than 64 MiB", "", s)
		})
	}
}

// TestHostileTextIsCleaned: strings from the API reach the model without
// terminal escapes or control characters, nested profile values too.
func TestHostileTextIsCleaned(t *testing.T) {
	t.Parallel()
	evil := "Office\x1b]0;PWNED\a\x1b[2J\x1b[31mRED\u202e\n"
	srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/v1/users/"):
			sourcetest.JSON(w, http.StatusOK, map[string]any{"id": "00u1", "status": "ACTIVE" + evil, "profile": map[string]any{"login": "alice" + evil, "email": evil}})
		case r.URL.Path == "/api/v1/apps":
			sourcetest.JSON(w, http.StatusOK, []any{map[string]any{"id": "0oa1", "name": "office365", "label": evil, "status": "ACTIVE", "signOnMode": "SAML_1_1",
				"settings":    map[string]any{"app": map[string]any{"domain": "contoso.com" + evil, "nested": map[string]any{"k" + evil: []any{evil, 3.0}}}},
				"credentials": map[string]any{"userNameTemplate": map[string]any{"template": "${source.login}" + evil}}}})
		default:
			au := map[string]any{"id": "00u1", "scope": "USER" + evil, "status": "PROVISIONED", "syncState": evil,
				"credentials": map[string]any{"userName": "alice" + evil}, "profile": map[string]any{"immutableId": "abc" + evil, "licenses": []any{evil}}}
			if strings.HasSuffix(r.URL.Path, "/users") {
				sourcetest.JSON(w, http.StatusOK, []any{au})
				return
			}
			sourcetest.JSON(w, http.StatusOK, map[string]any{"id": "00u1", "scope": "USER" + evil, "status": "PROVISIONED", "syncState": evil,
				"credentials": map[string]any{"userName": "alice" + evil}, "profile": map[string]any{"immutableId": "abc" + evil, "licenses": []any{evil}}})
		}
	}))
	c, _ := client(t, srv, 5*time.Second)
	ctx := context.Background()
	u, err := c.User(ctx, "alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	apps, err := c.Office365Apps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	au, err := c.AppUser(ctx, "0oa1", "00u1")
	if err != nil {
		t.Fatal(err)
	}
	var pages []model.AppUser
	for page, err := range c.AppUserPages(ctx, "0oa1") {
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page...)
	}
	dump := fmt.Sprintf("%#v %#v %#v %#v", u, apps, au, pages)
	for _, bad := range []string{"\x1b", "\a", "\u202e", "\n", "PWNED"} {
		if strings.Contains(dump, bad) {
			t.Fatalf("model holds %q: %s", bad, dump)
		}
	}
	if u.Login != "aliceOfficeRED " || apps[0].Domain() != "contoso.comOfficeRED " || au.ImmutableID() != "abcOfficeRED " {
		t.Fatalf("cleaned values: %q %q %q", u.Login, apps[0].Domain(), au.ImmutableID())
	}
}
