package graph_test

// Hostile answers from Graph and from the sign-in endpoints: each must end
// as one line that names what was asked, carries no credential (client
// secret or access token), and never becomes a zero-valued user. The
// servers are in internal/source/sourcetest.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/graph"
	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

// tenant is a Graph server and a login server that hands out token.
type tenant struct {
	graph, login *sourcetest.Server
	token        string
	settings     config.Settings
	client       *graph.Client
}

// start serves graphH (which must see "Authorization: Bearer <token>" to
// answer) and the sign-in endpoints; tokenH, when set, replaces the token
// endpoint and configH the OpenID configuration.
func start(t *testing.T, graphH, tokenH, configH http.HandlerFunc, timeout time.Duration) *tenant {
	t.Helper()
	tn := &tenant{token: sourcetest.Token("tok-")}
	tn.graph = sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+tn.token {
			sourcetest.JSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": "InvalidAuthenticationToken", "message": "no token"}})
			return
		}
		graphH(w, r)
	}))
	mux := http.NewServeMux()
	if configH != nil {
		mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", configH)
		mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "access_token": tn.token})
		})
	} else if tokenH != nil {
		sourcetest.Login(mux, nil)
		mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", tokenH)
	} else {
		sourcetest.Login(mux, func() string { return tn.token })
	}
	tn.login = sourcetest.Start(t, mux)
	tn.settings = sourcetest.Settings(nil, tn.graph, tn.login, timeout)
	c, err := graph.New(tn.settings)
	if err != nil {
		t.Fatal(err)
	}
	tn.client = c
	return tn
}

func (tn *tenant) user() error {
	_, err := tn.client.User(context.Background(), "alice@contoso.com")
	return err
}

// pages reads every page; the deadline makes a pager without its loop
// guard fail instead of asking until the test binary times out.
func (tn *tenant) pages(domain string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, err := range tn.client.UserPages(ctx, domain) {
		if err != nil {
			return err
		}
	}
	return nil
}

// check fails unless err is one line starting with prefix, containing want,
// and free of the client secret and the access token.
func (tn *tenant) check(t *testing.T, err error, prefix, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, want) || strings.ContainsAny(msg, "\n\r\x1b") {
		t.Fatalf("error = %q\nwant one line starting %q containing %q", msg, prefix, want)
	}
	if strings.Contains(msg, tn.settings.ClientSecret.Reveal()) || strings.Contains(msg, tn.token) {
		t.Fatalf("error shows a credential: %q", msg)
	}
}

var aliceJSON = map[string]any{"id": "0c1d2e3f-0000-4000-8000-000000000001", "userPrincipalName": "alice@contoso.com", "accountEnabled": true}

// TestRedirectsAreNeverFollowed: a redirect from the OpenID configuration,
// the token endpoint or Graph ends the call; the server redirected to
// receives nothing, so neither the client secret nor the token travels.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect} {
		for _, where := range []string{"openid-configuration", "token", "graph"} {
			t.Run(fmt.Sprint(where, status), func(t *testing.T) {
				t.Parallel()
				other := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					sourcetest.JSON(w, http.StatusOK, map[string]any{"access_token": "x", "expires_in": 3599})
				}))
				redirect := func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, other.URL+r.URL.Path+"?x=1", status)
				}
				ok := func(w http.ResponseWriter, r *http.Request) { sourcetest.JSON(w, http.StatusOK, aliceJSON) }
				var tn *tenant
				flag := "--login-url"
				switch where {
				case "openid-configuration":
					tn = start(t, ok, nil, redirect, 5*time.Second)
				case "token":
					tn = start(t, ok, redirect, nil, 5*time.Second)
				default:
					tn = start(t, redirect, nil, nil, 5*time.Second)
					flag = "--graph-url"
				}
				err := tn.user()
				prefix := "graph: get user alice@contoso.com: sign-in: "
				if where == "graph" {
					prefix = "graph: get user alice@contoso.com: "
				}
				tn.check(t, err, prefix+fmt.Sprintf("the server redirected (HTTP %d) to %s/", status, other.URL),
					"; o365doctor does not follow redirects (check "+flag+")")
				if n := len(other.Requests()); n != 0 {
					t.Fatalf("the server redirected to received %d requests", n)
				}
			})
		}
	}
}

// TestWrongShapes: an answer that is not a user (or a page of users) is an
// error naming it, never a panic or a zero-valued user.
func TestWrongShapes(t *testing.T) {
	t.Parallel()
	type answer struct{ contentType, body string }
	for name, a := range map[string]answer{
		"empty body":          {"application/json", ""},
		"null":                {"application/json", "null"},
		"list":                {"application/json", `[{"id":"0c1d","userPrincipalName":"alice@contoso.com"}]`},
		"html":                {"text/html; charset=utf-8", "<html><body>Sign in</body></html>"},
		"truncated":           {"application/json", `{"id":"0c1d","userPrincipalName":"ali`},
		"no id":               {"application/json", `{"userPrincipalName":"alice@contoso.com","onPremisesImmutableId":null}`},
		"a string":            {"application/json", `"alice"`},
		"spaced null":         {"application/json", "  \n\t null \n"},
		"wrong types":         {"application/json", `{"id":5,"userPrincipalName":["a"],"accountEnabled":"yes","displayName":{"a":1},"usageLocation":null}`},
		"wrong types with id": {"application/json", `{"id":"u1","userPrincipalName":["a"],"accountEnabled":"yes","displayName":{"a":1}}`},
	} {
		t.Run("User/"+name, func(t *testing.T) {
			t.Parallel()
			tn := start(t, func(w http.ResponseWriter, r *http.Request) { sourcetest.Raw(w, http.StatusOK, a.contentType, a.body) }, nil, nil, 5*time.Second)
			tn.check(t, tn.user(), "graph: get user alice@contoso.com: the answer is not a user (", "")
		})
	}
	t.Run("User/empty chunked body", func(t *testing.T) {
		t.Parallel()
		tn := start(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.(http.Flusher).Flush() // chunked, no Content-Length
		}, nil, nil, 5*time.Second)
		tn.check(t, tn.user(), "graph: get user alice@contoso.com: the answer is not a user (", "")
	})
	t.Run("User/404 without a Graph error", func(t *testing.T) {
		t.Parallel()
		tn := start(t, func(w http.ResponseWriter, r *http.Request) {
			sourcetest.Raw(w, http.StatusNotFound, "text/html", "<h1>Not Found</h1>")
		}, nil, nil, 5*time.Second)
		err := tn.user()
		tn.check(t, err, "graph: get user alice@contoso.com: HTTP 404 with no Graph error in the answer (check --graph-url)", "")
		if errorsIs(err, model.ErrNotFound) {
			t.Fatal("a 404 from something that is not Graph reads as: the user does not exist")
		}
	})

	t.Run("User/malformed claims challenge", func(t *testing.T) {
		t.Parallel()
		tn := start(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="", error="insufficient_claims", claims=eyJhY2Nlc3NfdG9rZW4i`)
			sourcetest.JSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": "InvalidAuthenticationToken", "message": "claims"}})
		}, nil, nil, 5*time.Second)
		tn.check(t, tn.user(), "graph: get user alice@contoso.com: HTTP 401 with a malformed claims challenge in WWW-Authenticate (check --graph-url)", "")
	})

	users := func(n int) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = map[string]any{"id": "u" + strconv.Itoa(i), "userPrincipalName": "u" + strconv.Itoa(i) + "@contoso.com"}
		}
		return out
	}
	for name, h := range map[string]http.HandlerFunc{
		"no value": func(w http.ResponseWriter, r *http.Request) { sourcetest.JSON(w, http.StatusOK, map[string]any{}) },
		"a list":   func(w http.ResponseWriter, r *http.Request) { sourcetest.JSON(w, http.StatusOK, users(2)) },
		"html": func(w http.ResponseWriter, r *http.Request) {
			sourcetest.Raw(w, http.StatusOK, "text/html", "<html></html>")
		},
		"user no id": func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, http.StatusOK, map[string]any{"value": []any{map[string]any{"userPrincipalName": "a@contoso.com"}}})
		},
		"page too long": func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, http.StatusOK, map[string]any{"value": users(1000)})
		},
	} {
		t.Run("UserPages/"+name, func(t *testing.T) {
			t.Parallel()
			tn := start(t, h, nil, nil, 5*time.Second)
			tn.check(t, tn.pages("contoso.com"), "graph: list users of contoso.com: the answer is not a list of users (", "")
		})
	}
}

func errorsIs(err, target error) bool {
	for ; err != nil; err = unwrap(err) {
		if err == target {
			return true
		}
	}
	return false
}

func unwrap(err error) error {
	switch e := err.(type) {
	case interface{ Unwrap() error }:
		return e.Unwrap()
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			if errorsIs(inner, model.ErrNotFound) {
				return model.ErrNotFound
			}
		}
	}
	return nil
}

// TestNextLinks: UserPages follows @odata.nextLink only on the configured
// Graph URL (the token goes wherever kiota's page iterator is sent), never
// twice to the same page; the first page's filter is endsWith with the
// advanced-query header and $count.
func TestNextLinks(t *testing.T) {
	t.Parallel()
	other := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sourcetest.JSON(w, http.StatusOK, map[string]any{"value": []any{}})
	}))
	for name, tc := range map[string]struct {
		next     func(r *http.Request) string
		want     string
		requests int
	}{
		"another host": {func(r *http.Request) string { return other.URL + "/v1.0/users?$skiptoken=2" },
			"the server's nextLink leads to " + other.URL + "/v1.0/users, off the configured Graph URL; o365doctor does not follow it (check --graph-url)", 1},
		"plain http":   {func(r *http.Request) string { return "http://" + r.Host + "/v1.0/users?$skiptoken=2" }, "off the configured Graph URL", 1},
		"another path": {func(r *http.Request) string { return "https://" + r.Host + "/beta/users?$skiptoken=2" }, "off the configured Graph URL", 1},
		"itself":       {func(r *http.Request) string { return "https://" + r.Host + r.URL.RequestURI() }, "the server's nextLink leads back to a page already read; stopping", 1},
		"page 3 back to 2": {func(r *http.Request) string {
			next := map[string]string{"": "b", "b": "c", "c": "b"}[r.URL.Query().Get("$skiptoken")]
			q := r.URL.Query()
			q.Set("$skiptoken", next)
			return "https://" + r.Host + r.URL.Path + "?" + q.Encode()
		}, "the server's nextLink leads back to a page already read; stopping", 3},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tn := start(t, func(w http.ResponseWriter, r *http.Request) {
				q := r.URL.Query()
				if q.Get("$filter") != "endswith(userPrincipalName,'@contoso.com')" || q.Get("$count") != "true" ||
					r.Header.Get("ConsistencyLevel") != "eventual" || q.Get("$top") != "999" || !strings.Contains(q.Get("$select"), "onPremisesImmutableId") {
					sourcetest.JSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": "Request_UnsupportedQuery", "message": r.URL.RawQuery}})
					return
				}
				sourcetest.JSON(w, http.StatusOK, map[string]any{"value": []any{aliceJSON}, "@odata.nextLink": tc.next(r)})
			}, nil, nil, 5*time.Second)
			tn.check(t, tn.pages("contoso.com"), "graph: list users of contoso.com: ", tc.want)
			if n := len(tn.graph.Requests()); n != tc.requests || len(other.Requests()) != 0 {
				t.Fatalf("%d requests to Graph (want %d), %d elsewhere", n, tc.requests, len(other.Requests()))
			}
		})
	}
}

// TestRateLimits: a 429 whose Retry-After is longer than the run allows, on
// Graph or on the token endpoint, ends the call at once with when the
// limit resets; a short one is waited out by the SDK as before.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	graph429 := func(retryAfter string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", retryAfter)
			sourcetest.JSON(w, http.StatusTooManyRequests, map[string]any{"error": map[string]any{"code": "TooManyRequests", "message": "Please retry again later."}})
		}
	}
	t.Run("graph, an hour", func(t *testing.T) {
		t.Parallel()
		tn := start(t, graph429("3600"), nil, nil, 5*time.Second)
		began := time.Now()
		err := tn.user()
		tn.check(t, err, "graph: get user alice@contoso.com: rate limited (HTTP 429 TooManyRequests); the limit resets at ", " UTC, in 1h0m0s — longer than the timeout 5s")
		if took := time.Since(began); took > 2*time.Second || len(tn.graph.Requests()) != 1 {
			t.Fatalf("took %s and %d requests; want one request and no wait", took, len(tn.graph.Requests()))
		}
	})
	t.Run("graph, an HTTP date", func(t *testing.T) {
		t.Parallel()
		tn := start(t, graph429(time.Now().Add(2*time.Hour+30*time.Second).UTC().Format(http.TimeFormat)), nil, nil, 5*time.Second)
		tn.check(t, tn.pages(""), "graph: list users: rate limited (HTTP 429 TooManyRequests); the limit resets at ", " UTC, in 2h0m")
	})
	t.Run("token endpoint", func(t *testing.T) {
		t.Parallel()
		tn := start(t, nil, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			sourcetest.JSON(w, http.StatusTooManyRequests, map[string]any{"error": "temporarily_unavailable", "error_description": "AADSTS90055: The request is throttled temporarily."})
		}, nil, 5*time.Second)
		began := time.Now()
		tn.check(t, tn.user(), "graph: get user alice@contoso.com: sign-in: rate limited (HTTP 429 temporarily_unavailable AADSTS90055); the limit resets at ", "in 1h0m0s — longer than the timeout 5s")
		if took := time.Since(began); took > 2*time.Second {
			t.Fatalf("took %s", took)
		}
	})
	t.Run("graph, one second: retried", func(t *testing.T) {
		t.Parallel()
		calls := 0
		tn := start(t, func(w http.ResponseWriter, r *http.Request) {
			if calls++; calls == 1 {
				graph429("1")(w, r)
				return
			}
			sourcetest.JSON(w, http.StatusOK, aliceJSON)
		}, nil, nil, 10*time.Second)
		if err := tn.user(); err != nil || len(tn.graph.Requests()) != 2 {
			t.Fatalf("err = %v after %d requests", err, len(tn.graph.Requests()))
		}
	})
}

// TestEchoedCredentialsAreMasked: Graph or the token endpoint repeating the
// access token (bare, as a header line, as a JWT) or the client secret in
// an error shows none of it. The token is registered by the adapter as it
// obtains it: nobody else ever sees it.
func TestEchoedCredentialsAreMasked(t *testing.T) {
	t.Parallel()
	for name, message := range map[string]func(token string) string{
		"bare": func(tok string) string { return "the token " + tok + " has expired" },
		"header line": func(tok string) string {
			return "request headers:\nAuthorization: Bearer " + tok + "\r\nAccept: application/json"
		},
		"escapes": func(tok string) string { return "\x1b]0;" + tok + "\a\x1b[2J" + tok[:10] + "\x00" + tok[10:] },
	} {
		t.Run("graph/"+name, func(t *testing.T) {
			t.Parallel()
			tn := start(t, func(w http.ResponseWriter, r *http.Request) {
				tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				sourcetest.JSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": "InvalidAuthenticationToken", "message": message(tok)}})
			}, nil, nil, 5*time.Second)
			tn.check(t, tn.user(), "graph: get user alice@contoso.com: HTTP 401 InvalidAuthenticationToken: ", "")
		})
	}
	t.Run("graph/a JWT nobody registered", func(t *testing.T) {
		t.Parallel()
		jwt := "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
		tn := start(t, func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, http.StatusForbidden, map[string]any{"error": map[string]any{"code": "Authorization_RequestDenied", "message": "token " + jwt + " lacks User.Read.All"}})
		}, nil, nil, 5*time.Second)
		err := tn.user()
		tn.check(t, err, "graph: get user alice@contoso.com: HTTP 403 Authorization_RequestDenied: token *** lacks User.Read.All", "")
	})
	t.Run("token endpoint echoes the client secret", func(t *testing.T) {
		t.Parallel()
		tn := start(t, nil, func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			sourcetest.JSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client",
				"error_description": "AADSTS7000215: Invalid client secret provided: " + r.PostForm.Get("client_secret") + "\nclient_secret=" + r.PostForm.Get("client_secret")})
		}, nil, 5*time.Second)
		tn.check(t, tn.user(), "graph: get user alice@contoso.com: sign-in: ", "AADSTS7000215")
		if !tn.login.Received(tn.settings.ClientSecret.Reveal()) {
			t.Fatal("the test's token endpoint never saw the secret: the echo went untested")
		}
	})
}

// TestBodyTooLarge: an answer past config.MaxBodyBytes is an error naming
// the bound.
func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	tn := start(t, func(w http.ResponseWriter, r *http.Request) { sourcetest.Huge(w, config.MaxBodyBytes+1) }, nil, nil, 20*time.Second)
	tn.check(t, tn.user(), "graph: get user alice@contoso.com: the answer is larger than 64 MiB", "")
}

// TestHostileTextIsCleaned: user strings reach the model without terminal
// escapes or control characters.
func TestHostileTextIsCleaned(t *testing.T) {
	t.Parallel()
	evil := "\x1b]0;PWNED\a\x1b[2J\x1b[31mRED\u202e\n"
	u := map[string]any{"id": "u1" + evil, "userPrincipalName": "alice@contoso.com" + evil, "displayName": "Alice" + evil,
		"onPremisesImmutableId": "abc" + evil, "usageLocation": "US" + evil, "accountEnabled": true}
	tn := start(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/users") {
			sourcetest.JSON(w, http.StatusOK, map[string]any{"value": []any{u}})
			return
		}
		sourcetest.JSON(w, http.StatusOK, u)
	}, nil, nil, 5*time.Second)
	got, err := tn.client.User(context.Background(), "alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	var listed []model.EntraUser
	for page, err := range tn.client.UserPages(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, page...)
	}
	dump := fmt.Sprintf("%+v %+v", got, listed)
	for _, bad := range []string{"\x1b", "\a", "\u202e", "\n", "PWNED"} {
		if strings.Contains(dump, bad) {
			t.Fatalf("model holds %q: %q", bad, dump)
		}
	}
	if got.DisplayName != "AliceRED " || len(listed) != 1 || listed[0] != (model.EntraUser{ID: got.ID, UserPrincipalName: got.UserPrincipalName,
		DisplayName: got.DisplayName, AccountEnabled: listed[0].AccountEnabled, OnPremisesImmutableID: "abcRED ", UsageLocation: "USRED "}) {
		t.Fatalf("cleaned: %+v %+v", got, listed)
	}
}

var _ = url.Parse
