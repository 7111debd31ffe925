package realm_test

// Hostile answers: each must end as one line that names what was asked and
// never becomes a zero-valued realm (which a check would read as Unknown or
// Managed). The servers are in internal/source/sourcetest.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/realm"
	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

// realmCall is one adapter call; each returns the adapter's error.
type realmCall struct {
	name string
	what string // the start of its error
	call func(context.Context, *realm.Client) error
}

var realmCalls = []realmCall{
	{"UserRealm", "realm: user realm of invalid@match.com (", func(ctx context.Context, c *realm.Client) error {
		_, err := c.UserRealm(ctx, "invalid@match.com")
		return err
	}},
	{"OpenIDConfig", "realm: openid configuration of match.com: ", func(ctx context.Context, c *realm.Client) error {
		_, err := c.OpenIDConfig(ctx, "match.com")
		return err
	}},
}

// checkLine fails unless err is one line starting with prefix and
// containing want.
func checkLine(t *testing.T, err error, prefix, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, want) || strings.ContainsAny(msg, "\n\r\x1b\a") {
		t.Fatalf("error = %q\nwant one line starting %q containing %q", msg, prefix, want)
	}
}

// TestRedirectsAreNeverFollowed: a redirect ends the call; the server
// redirected to receives nothing.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, rc := range realmCalls {
			t.Run(fmt.Sprint(status, rc.name), func(t *testing.T) {
				t.Parallel()
				other := fakeLogin(t, answers{matchSRF, matchV1, matchV21, `{}`})
				srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, other.URL+r.URL.Path+"?code=secret", status)
				}))
				err := rc.call(context.Background(), fakeClient(t, srv))
				checkLine(t, err, rc.what, fmt.Sprintf("the server redirected (HTTP %d) to %s/", status, other.URL))
				checkLine(t, err, rc.what, "o365doctor does not follow redirects (check --login-url)")
				if strings.Contains(err.Error(), "code=") {
					t.Fatalf("the redirect's query is shown: %v", err)
				}
				if n := len(other.Requests()); n != 0 {
					t.Fatalf("the server redirected to received %d requests", n)
				}
			})
		}
	}
}

// TestWrongShapes: an answer that is not what was asked for, on any of the
// endpoints, is an error naming it and the endpoint.
func TestWrongShapes(t *testing.T) {
	t.Parallel()
	type answer struct{ contentType, body, want string }
	shapes := map[string]answer{
		"empty body":     {"application/json", "", "(an empty body)"},
		"null":           {"application/json", "null", "(JSON null)"},
		"list":           {"application/json", `[{"NameSpaceType":"Managed"}]`, "(a JSON list)"},
		"html":           {"text/html; charset=utf-8", "<html><body>Sign in</body></html>", "(content type text/html; charset=utf-8)"},
		"html as json":   {"application/json", "<html><body>Sign in</body></html>", "(HTML or XML)"},
		"xml realm info": {"text/xml; charset=utf-8", `<RealmInfo Success="true"><NameSpaceType>Managed</NameSpaceType></RealmInfo>`, "(content type text/xml; charset=utf-8)"},
		"truncated":      {"application/json", `{"NameSpaceType":"Fed`, "(JSON that ends early)"},
		"not JSON":       {"application/json", `{NameSpaceType: Managed}`, "(not valid JSON)"},
		"a string":       {"application/json", `"Managed"`, "(not a JSON object)"},
		"two values":     {"application/json", `{"issuer":"x"} {"issuer":"y"}`, "(more than one JSON value)"},
	}
	for name, a := range shapes {
		for _, endpoint := range []string{"srf", "v1", "v21", "oidc"} {
			t.Run(name+"/"+endpoint, func(t *testing.T) {
				t.Parallel()
				good := map[string]string{"srf": matchSRF, "v1": matchV1, "v21": matchV21, "oidc": ""}
				srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if endpointOf(r) == endpoint {
						sourcetest.Raw(w, http.StatusOK, a.contentType, a.body)
						return
					}
					sourcetest.Raw(w, http.StatusOK, "application/json", good[endpointOf(r)])
				}))
				c := fakeClient(t, srv)
				if endpoint == "oidc" {
					_, err := c.OpenIDConfig(context.Background(), "match.com")
					checkLine(t, err, "realm: openid configuration of match.com: the answer is not an OpenID configuration ", a.want)
					return
				}
				r, err := c.UserRealm(context.Background(), "invalid@match.com")
				checkLine(t, err, "realm: user realm of invalid@match.com ("+map[string]string{"srf": "getuserrealm.srf", "v1": "userrealm 1.0", "v21": "userrealm 2.1"}[endpoint]+"): the answer is not a user realm ", a.want)
				if r.NameSpaceType != "" || r.Known() {
					t.Fatalf("a realm came back with the error: %+v", r)
				}
			})
		}
	}
	for name, tc := range map[string]struct {
		a    answers
		want string
	}{
		"srf without NameSpaceType": {answers{`{"State":4,"UserState":1,"Login":"invalid@match.com"}`, matchV1, matchV21, ""}, "(getuserrealm.srf): the answer is not a user realm (no NameSpaceType)"},
		"srf empty NameSpaceType":   {answers{`{"NameSpaceType":""}`, matchV1, matchV21, ""}, "(getuserrealm.srf): the answer is not a user realm (no NameSpaceType)"},
		"v1 without account_type":   {answers{matchSRF, `{"ver":"1.0","domain_name":"match.com"}`, matchV21, ""}, "(userrealm 1.0): the answer is not a user realm (no account_type)"},
		"v21 without NameSpaceType": {answers{matchSRF, matchV1, `{"Login":"invalid@match.com"}`, ""}, "(userrealm 2.1): the answer is not a user realm (no NameSpaceType)"},
		"NameSpaceType a number":    {answers{`{"NameSpaceType":1}`, matchV1, matchV21, ""}, "(getuserrealm.srf): the answer is not a user realm (NameSpaceType is a JSON number)"},
		"State a string":            {answers{strings.Replace(matchSRF, `"State":3`, `"State":"3"`, 1), matchV1, matchV21, ""}, "(State is a JSON string)"},
		"IsViral a string":          {answers{matchSRF, matchV1, strings.Replace(matchV21, `"IsViral":false`, `"IsViral":"0"`, 1), ""}, "(IsViral is a JSON string)"},
		"AuthURL not a URL":         {answers{strings.Replace(matchSRF, matchAuthURL, "sso/wsfed/passive", 1), matchV1, matchV21, ""}, "the answer is not a user realm (AuthURL is not a URL)"},
		"mex not a URL":             {answers{matchSRF, strings.Replace(matchV1, "https://match.okta.com/app/office365/exkeoydqsycke55hh356/sso/wsfed/mex", "javascript:alert(1)", 1), matchV21, ""}, "(federation_metadata_url is not a URL)"},
		"another login":             {answers{strings.Replace(matchSRF, `"Login":"invalid@match.com"`, `"Login":"ceo@match.com"`, 1), matchV1, matchV21, ""}, "(getuserrealm.srf): the answer is about another login (ceo@match.com)"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := fakeClient(t, fakeLogin(t, tc.a)).UserRealm(context.Background(), "invalid@match.com")
			checkLine(t, err, "realm: user realm of invalid@match.com", tc.want)
		})
	}
}

// endpointOf names which of the four endpoints a request is for.
func endpointOf(r *http.Request) string {
	switch {
	case r.URL.Path == "/getuserrealm.srf":
		return "srf"
	case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
		return "oidc"
	case r.URL.Query().Get("api-version") == "1.0":
		return "v1"
	}
	return "v21"
}

// TestLongRateLimitEndsAtOnce: a 429 asking to wait an hour ends the call
// at once with when the limit resets, rather than sleeping into the
// deadline.
func TestLongRateLimitEndsAtOnce(t *testing.T) {
	t.Parallel()
	for _, rc := range realmCalls {
		t.Run(rc.name, func(t *testing.T) {
			t.Parallel()
			srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3600")
				sourcetest.JSON(w, http.StatusTooManyRequests, map[string]any{"error": "temporarily_unavailable", "error_description": "AADSTS50196: The server terminated an operation because it encountered a client request loop."})
			}))
			start := time.Now()
			err := rc.call(context.Background(), fakeClient(t, srv))
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("took %s", d)
			}
			checkLine(t, err, rc.what, "rate limited (HTTP 429 temporarily_unavailable AADSTS50196); the limit resets at ")
			checkLine(t, err, rc.what, "in 1h0m0s — longer than the timeout 5s")
		})
	}
}

// TestOversizedAnswers: a realm answer is a few KiB; a streamed megabyte
// and more ends the call, and so does one announced larger than the
// transport's bound.
func TestOversizedAnswers(t *testing.T) {
	t.Parallel()
	for _, rc := range realmCalls {
		for name, h := range map[string]http.HandlerFunc{
			"streamed": func(w http.ResponseWriter, r *http.Request) { sourcetest.Huge(w, 2<<20) },
			"announced": func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(config.MaxBodyBytes+1))
				w.WriteHeader(http.StatusOK)
			},
		} {
			t.Run(rc.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				srv := sourcetest.Start(t, h)
				err := rc.call(context.Background(), fakeClient(t, srv))
				want := map[string]string{"streamed": "the answer is larger than 1024 KiB", "announced": "the answer is larger than 64 MiB"}[name]
				checkLine(t, err, rc.what, want)
			})
		}
	}
}

// TestErrorAnswers: Microsoft's error body becomes its code and message;
// only invalid_tenant AADSTS90002 is model.ErrNotFound; a 404 page from
// something else is not.
func TestErrorAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		status   int
		ct, body string
		want     string
		notFound bool
	}{
		{"tenant not found", 400, "application/json", `{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant 'match.com' not found. Trace ID: 1 Correlation ID: 2 Timestamp: 2026-11-29 10:00:00Z","error_codes":[90002]}`,
			"HTTP 400 invalid_tenant: AADSTS90002: Tenant 'match.com' not found. Trace ID: 1 Correlation ID: 2", true},
		{"bad tenant name", 400, "application/json", `{"error":"invalid_request","error_description":"AADSTS900023: Specified tenant identifier 'x' is neither a valid DNS name, nor a valid external domain.","error_codes":[900023]}`,
			"HTTP 400 invalid_request: AADSTS900023: Specified tenant identifier", false},
		{"html 404", 404, "text/html", "<html>Not Found</html>", "HTTP 404 without a Microsoft error in the answer (check --login-url)", false},
		{"empty 500", 500, "", "", "HTTP 500 without a Microsoft error in the answer (check --login-url)", false},
		{"escape in description", 400, "application/json", `{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant \u001b[2J\u001b]0;pwned\u0007x not found.\nsecond line"}`,
			"HTTP 400 invalid_tenant: AADSTS90002: Tenant x not found. second line", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sourcetest.Raw(w, tc.status, tc.ct, tc.body)
			}))
			_, err := fakeClient(t, srv).OpenIDConfig(context.Background(), "match.com")
			checkLine(t, err, "realm: openid configuration of match.com: ", tc.want)
			if errors.Is(err, model.ErrNotFound) != tc.notFound {
				t.Fatalf("errors.Is(err, model.ErrNotFound) = %v, want %v", !tc.notFound, tc.notFound)
			}
		})
	}
}

// TestArgumentsAreEscaped: the login and tenant go into one path segment;
// neither can add a path, a query or a fragment of its own.
func TestArgumentsAreEscaped(t *testing.T) {
	t.Parallel()
	srv := fakeLogin(t, answers{
		`{"NameSpaceType":"Unknown","Login":"a/../b?x=1#f@contoso.com","State":4,"UserState":1}`,
		`{"ver":"1.0","account_type":"Unknown"}`,
		`{"NameSpaceType":"Unknown"}`,
		`{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant not found."}`,
	})
	c := fakeClient(t, srv)
	if _, err := c.UserRealm(context.Background(), "a/../b?x=1#f@contoso.com"); err != nil {
		t.Fatal(err)
	}
	_, _ = c.OpenIDConfig(context.Background(), "../common?x=1#")
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, r.URL)
	}
	for _, want := range []string{
		"/getuserrealm.srf?json=1&login=a%2F..%2Fb%3Fx%3D1%23f%40contoso.com",
		"/common/userrealm/a%2F..%2Fb%3Fx=1%23f@contoso.com?api-version=1.0",
		"/common/userrealm/a%2F..%2Fb%3Fx=1%23f@contoso.com?api-version=2.1",
		"/..%2Fcommon%3Fx=1%23/v2.0/.well-known/openid-configuration",
	} {
		if !contains(got, want) {
			t.Fatalf("requests %q\nwant one %q", got, want)
		}
	}
}

// TestRefusedArguments: nothing is sent for a name that cannot be one.
func TestRefusedArguments(t *testing.T) {
	t.Parallel()
	srv := fakeLogin(t, answers{})
	c := fakeClient(t, srv)
	for _, tc := range []struct{ login, want string }{
		{"", "realm: user realm of : empty"},
		{"contoso.com", "not a login (user@domain)"},
		{"@contoso.com", "not a login (user@domain)"},
		{"alice@", "not a login (user@domain)"},
		{"alice @contoso.com", "contains spaces or control characters"},
		{"alice\x1b[31m@contoso.com", "contains spaces or control characters"},
	} {
		_, err := c.UserRealm(context.Background(), tc.login)
		checkLine(t, err, "realm: user realm of ", tc.want)
	}
	for _, name := range []string{"", "contoso .com", "contoso\u202e.com"} {
		_, err := c.OpenIDConfig(context.Background(), name)
		checkLine(t, err, "realm: openid configuration of ", "")
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests sent for refused names", n)
	}
}

// TestCancelled: a cancelled context ends the calls with one line.
func TestCancelled(t *testing.T) {
	t.Parallel()
	srv := fakeLogin(t, answers{matchSRF, matchV1, matchV21, ""})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, rc := range realmCalls {
		checkLine(t, rc.call(ctx, fakeClient(t, srv)), rc.what, "context canceled")
	}
}

// TestNew: the login URL must be an https:// address; empty means
// Microsoft's.
func TestNew(t *testing.T) {
	t.Parallel()
	c, err := realm.New(config.Settings{})
	if err != nil || c.LoginURL() != config.DefaultLoginURL {
		t.Fatalf("default: %v %v", c, err)
	}
	c, err = realm.New(config.Settings{LoginURL: "https://login.microsoftonline.us/"})
	if err != nil || c.LoginURL() != "https://login.microsoftonline.us" {
		t.Fatalf("trailing slash: %v %v", c, err)
	}
	for _, bad := range []string{"http://login.microsoftonline.com", "login.microsoftonline.com", "https://u:p@login.example", "https://login.example/?x=1"} {
		if _, err := realm.New(config.Settings{LoginURL: bad}); err == nil || strings.Contains(err.Error(), "u:p") {
			t.Fatalf("%q: %v", bad, err)
		}
	}
}

// TestTransientAnswersAreTriedAgain: a short 429, a 503 and a dropped
// connection are asked again; an answer that stays unavailable is an error
// saying how often it was asked.
func TestTransientAnswersAreTriedAgain(t *testing.T) {
	t.Parallel()
	good := fakeLogin(t, answers{oidc: `{"issuer":"https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0","authorization_endpoint":"https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/authorize","token_endpoint":"https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"}`})
	for name, first := range map[string]http.HandlerFunc{
		"429 Retry-After 0": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			sourcetest.JSON(w, http.StatusTooManyRequests, map[string]any{"error": "temporarily_unavailable", "error_description": "AADSTS90055: throttled"})
		},
		"503 without Retry-After": func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, http.StatusServiceUnavailable, map[string]any{"error": "temporarily_unavailable", "error_description": "AADSTS90033: A transient error has occurred."})
		},
		"dropped connection": func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					first(w, r)
					return
				}
				good.Config.Handler.ServeHTTP(w, r)
			}))
			cfg, err := fakeClient(t, srv).OpenIDConfig(context.Background(), "match.com")
			if err != nil || cfg.TenantID != "72f988bf-86f1-41af-91ab-2d7cd011db47" {
				t.Fatalf("cfg = %+v, %v", cfg, err)
			}
			if got := len(srv.Requests()); got != 2 {
				t.Fatalf("%d requests, want 2", got)
			}
		})
	}
	t.Run("always unavailable", func(t *testing.T) {
		t.Parallel()
		srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			sourcetest.JSON(w, http.StatusServiceUnavailable, map[string]any{"error": "temporarily_unavailable", "error_description": "AADSTS90033: A transient error has occurred."})
		}))
		_, err := fakeClient(t, srv).OpenIDConfig(context.Background(), "match.com")
		checkLine(t, err, "realm: openid configuration of match.com: ", "HTTP 503 temporarily_unavailable: AADSTS90033: A transient error has occurred. (after 3 attempts)")
		if got := len(srv.Requests()); got != 3 {
			t.Fatalf("%d requests, want 3", got)
		}
	})
}
