package okta_test

// The System Log and the factors against the lab, a 429, and answers Okta
// never gives.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/okta"
	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

func TestUserLogsAgainstLab(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "login-loop-password-reset")
	c, err := okta.New(ctx, l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.User(ctx, "alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	until := time.Now()
	events, err := c.UserLogs(ctx, u.ID, until.Add(-24*time.Hour), until)
	if err != nil {
		t.Fatal(err)
	}
	sso, pw := 0, 0
	for i, e := range events {
		if e.ActorID != u.ID || e.ActorLogin != "alice@contoso.com" || e.UUID == "" || e.RequestID == "" || e.Result == "" {
			t.Fatalf("event %d = %+v", i, e)
		}
		if i > 0 && e.Published.Before(events[i-1].Published) {
			t.Fatalf("not oldest first at %d", i)
		}
		switch e.EventType {
		case "user.authentication.sso":
			sso++
			if len(e.Targets) != 1 || e.Targets[0].Type != "AppInstance" || !strings.Contains(e.RequestURI, "/sso/wsfed/passive") {
				t.Fatalf("sso event = %+v", e)
			}
		case "user.account.update_password":
			pw++
		}
	}
	if sso != 33 || pw != 1 { // healthy's 3 and the scenario's 30
		t.Fatalf("%d SSO and %d password events; want 33 and 1", sso, pw)
	}
	v := labtest.Start(t, "login-loop-okta-verify")
	cv, err := okta.New(ctx, v.Settings())
	if err != nil {
		t.Fatal(err)
	}
	alice, err := cv.User(ctx, "alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	factors, err := cv.Factors(ctx, alice.ID)
	if err != nil || len(factors) != 2 {
		t.Fatalf("factors = %+v, %v", factors, err)
	}
	if factors[0].Type != "push" || factors[0].Status != "ACTIVE" || factors[0].Device != "Alice's old iPhone" ||
		factors[1].Status != "PENDING_ACTIVATION" || factors[1].Device != "Alice's new iPhone" || factors[1].ID == "" {
		t.Fatalf("factors = %+v", factors)
	}
}

// logEvent is one System Log event as Okta lists it.
func logEvent(uuid, actor string, at time.Time) map[string]any {
	return map[string]any{"uuid": uuid, "published": at.UTC().Format("2006-01-02T15:04:05.000Z"), "eventType": "user.authentication.sso",
		"displayMessage": "User single sign on to app", "actor": map[string]any{"id": actor, "type": "User", "alternateId": "alice@contoso.com"},
		"outcome": map[string]any{"result": "SUCCESS"}, "target": []any{}, "version": "0"}
}

func TestUserLogsHostile(t *testing.T) {
	t.Parallel()
	until := time.Now().UTC().Truncate(time.Second)
	since := until.Add(-time.Hour)
	for _, tc := range []struct {
		name string
		h    http.HandlerFunc
		want string
	}{
		{"outside the window", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, 200, []any{logEvent("e1", "00u1", until.Add(-48*time.Hour))})
		}, "published outside the window asked"},
		{"someone else's", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, 200, []any{logEvent("e1", "00u2", until.Add(-time.Minute))})
		}, "is not about the user asked"},
		{"no uuid", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, 200, []any{logEvent("", "00u1", until.Add(-time.Minute))})
		}, "an event without uuid"},
		{"an object, not a list", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, 200, map[string]any{"uuid": "e1"})
		}, "the answer is not a list of log events"},
		{"a next link to itself", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Link", "<https://"+r.Host+r.URL.RequestURI()+`>; rel="next"`)
			sourcetest.JSON(w, 200, []any{logEvent("e1", "00u1", until.Add(-time.Minute))})
		}, "leads back to a page already read"},
		{"403", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, 403, map[string]any{"errorCode": "E0000006", "errorSummary": "You do not have permission to perform the requested action"})
		}, "(needs okta.logs.read)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := sourcetest.Start(t, tc.h)
			c, s := client(t, srv, 5*time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := c.UserLogs(ctx, "00u1", since, until)
			checkLine(t, err, "okta: list System Log events of user 00u1: ", tc.want, s)
			if tc.name == "403" && !errors.Is(err, model.ErrAccessDenied) {
				t.Fatalf("403: %v is not ErrAccessDenied", err)
			}
		})
	}
	t.Run("the query is bounded and filtered", func(t *testing.T) {
		t.Parallel()
		srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, 200, []any{})
		}))
		c, _ := client(t, srv, 5*time.Second)
		if got, err := c.UserLogs(context.Background(), "00u1", since, until); err != nil || len(got) != 0 {
			t.Fatalf("%v, %v", got, err)
		}
		q, _ := url.ParseQuery(strings.SplitN(srv.Requests()[0].URL, "?", 2)[1])
		if q.Get("until") == "" || q.Get("since") == "" || !strings.Contains(q.Get("filter"), `actor.id eq "00u1"`) {
			t.Fatalf("query %v", q)
		}
		if _, err := c.UserLogs(context.Background(), "00u1", until, since); err == nil || len(srv.Requests()) != 1 {
			t.Fatalf("an empty window was asked (%v)", err)
		}
		if _, err := c.UserLogs(context.Background(), "00u1/../x", since, until); err == nil || len(srv.Requests()) != 1 {
			t.Fatalf("a bad user ID was asked (%v)", err)
		}
	})
	t.Run("429: waited out", func(t *testing.T) {
		t.Parallel()
		var srv *sourcetest.Server
		srv = sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if len(srv.Requests()) == 1 {
				now := time.Now().UTC().Truncate(time.Second)
				w.Header().Set("Date", now.Format(http.TimeFormat))
				w.Header().Set("X-Rate-Limit-Limit", "120")
				w.Header().Set("X-Rate-Limit-Remaining", "0")
				w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(now.Unix(), 10))
				sourcetest.JSON(w, http.StatusTooManyRequests, map[string]any{"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests."})
				return
			}
			sourcetest.JSON(w, 200, []any{logEvent("e1", "00u1", until.Add(-time.Minute))})
		}))
		c, _ := client(t, srv, 10*time.Second)
		got, err := c.UserLogs(context.Background(), "00u1", since, until)
		if err != nil || len(got) != 1 || len(srv.Requests()) != 2 {
			t.Fatalf("%v, %v after %d requests", got, err, len(srv.Requests()))
		}
	})
	t.Run("factors", func(t *testing.T) {
		t.Parallel()
		srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, 200, []any{map[string]any{"id": "", "factorType": "push"}})
		}))
		c, s := client(t, srv, 5*time.Second)
		_, err := c.Factors(context.Background(), "00u1")
		checkLine(t, err, "okta: list factors of user 00u1: ", "without id or factorType", s)
	})
}

// The org's rate-limit events: the lab's, shaped as the public sample
// (URL Pattern target, threshold as strings), and an answer with another
// event type refused.
func TestRateLimitLogs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "okta-rate-limit")
	c, err := okta.New(ctx, l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	until := time.Now()
	events, err := c.RateLimitLogs(ctx, until.Add(-24*time.Hour), until)
	if err != nil || len(events) != 3 {
		t.Fatalf("events = %+v, %v", events, err)
	}
	v := events[2] // oldest first: the API's warning 300 minutes ago, Office 365's warning, its violation
	if v.EventType != "system.org.rate_limit.violation" || v.URLPattern() != "/app/office365/{key}/sso/wsfed/passive" || v.RateLimit != "250 per 1 minutes" {
		t.Fatalf("violation = %+v (%s)", v, v.URLPattern())
	}
	srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sourcetest.JSON(w, 200, []any{logEvent("e1", "00u1", until.Add(-time.Minute))})
	}))
	hc, s := client(t, srv, 5*time.Second)
	_, err = hc.RateLimitLogs(ctx, until.Add(-time.Hour), until)
	checkLine(t, err, "okta: list the System Log's rate-limit events: ", "is not a rate-limit event (user.authentication.sso)", s)
	q, _ := url.ParseQuery(strings.SplitN(srv.Requests()[0].URL, "?", 2)[1])
	if q.Get("until") == "" || !strings.Contains(q.Get("filter"), `eventType eq "system.org.rate_limit.violation"`) {
		t.Fatalf("query %v", q)
	}
}
