package graph_test

// The sign-in logs and the user's session dates against the lab (a tenant
// with P1/P2 and one without), a 429, and answers Graph never gives.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/graph"
	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

func TestSignInsAgainstLab(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "login-loop-password-reset")
	c, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-24 * time.Hour)
	list, more, err := c.SignIns(ctx, "Alice@contoso.com", since, time.Now())
	if err != nil || more {
		t.Fatalf("sign-ins: %v (more %v)", err, more)
	}
	failed := 0
	for i, s := range list {
		if s.UserPrincipalName != "alice@contoso.com" || s.ID == "" || s.CorrelationID == "" || s.Created.Before(since) {
			t.Fatalf("sign-in %d = %+v", i, s)
		}
		if i > 0 && s.Created.After(list[i-1].Created) {
			t.Fatalf("not newest first at %d", i)
		}
		if s.ErrorCode == 50133 {
			failed++
			if s.FailureReason == "" || s.ClientAppUsed != "Mobile Apps and Desktop clients" {
				t.Fatalf("failed sign-in = %+v", s)
			}
		}
	}
	if failed != 25 || len(list) != 28 {
		t.Fatalf("%d sign-ins, %d failed with 50133; want 28 and 25", len(list), failed)
	}
	// The window is sent: nothing older than since comes back.
	recent, _, err := c.SignIns(ctx, "alice@contoso.com", time.Now().Add(-10*time.Minute), time.Now())
	if err != nil || len(recent) == 0 || len(recent) >= len(list) {
		t.Fatalf("last 10 minutes: %d sign-ins, %v", len(recent), err)
	}
	if n := l.Requests("graph GET /v1.0/auditLogs/signIns"); n != 2 {
		t.Fatalf("%d sign-in requests for two calls; want one each", n)
	}

	u, err := c.User(ctx, "alice@contoso.com")
	if sess := u.Sessions; err != nil || sess.LastPasswordChange.IsZero() || sess.SessionsValidFrom.IsZero() ||
		time.Since(sess.SessionsValidFrom) > time.Hour {
		t.Fatalf("sessions = %+v, %v", sess, err)
	}
}

func TestSignInsWithoutPremium(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "no-premium")
	c, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.SignIns(context.Background(), "alice@contoso.com", time.Now().Add(-time.Hour), time.Now())
	if !errors.Is(err, model.ErrNotPremium) || !errors.Is(err, model.ErrAccessDenied) ||
		!strings.Contains(err.Error(), "Authentication_RequestFromNonPremiumTenantOrB2CTenant") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v; want one line, ErrNotPremium and ErrAccessDenied", err)
	}
	// Only the sign-in logs need P1/P2: the user is read as ever.
	if _, err := c.User(context.Background(), "alice@contoso.com"); err != nil {
		t.Fatal(err)
	}
}

// signInJSON is one sign-in as Graph lists it.
func signInJSON(id, upn string, at time.Time, code int) map[string]any {
	return map[string]any{"id": id, "createdDateTime": at.UTC().Format(time.RFC3339Nano), "userPrincipalName": upn,
		"clientAppUsed": "Browser", "correlationId": "c-" + id, "status": map[string]any{"errorCode": code, "failureReason": "Other."}}
}

func TestSignInsHostile(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, tc := range []struct {
		name string
		h    http.HandlerFunc
		want string
	}{
		{"another user's sign-in", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, 200, map[string]any{"value": []any{signInJSON("s1", "bob@contoso.com", now, 0)}})
		}, "not the user's"},
		{"older than asked", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, 200, map[string]any{"value": []any{signInJSON("s1", "alice@contoso.com", now.Add(-48*time.Hour), 0)}})
		}, "is outside the window asked"},
		{"no status", func(w http.ResponseWriter, r *http.Request) {
			s := signInJSON("s1", "alice@contoso.com", now, 0)
			delete(s, "status")
			sourcetest.JSON(w, 200, map[string]any{"value": []any{s}})
		}, "without status.errorCode"},
		{"no id", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, 200, map[string]any{"value": []any{signInJSON("", "alice@contoso.com", now, 0)}})
		}, "without id"},
		{"no value", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, 200, map[string]any{"@odata.context": "x"})
		}, "no value"},
		{"not JSON", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.Raw(w, 200, "application/json", "<html>")
		}, "not valid JSON"},
		{"403 another code", func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, 403, map[string]any{"error": map[string]any{"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."}})
		}, "needs AuditLog.Read.All and Directory.Read.All"},
		{"control characters", func(w http.ResponseWriter, r *http.Request) {
			s := signInJSON("s1", "alice@contoso.com", now, 50126)
			s["status"].(map[string]any)["failureReason"] = "bad\x1b[31m\npassword"
			sourcetest.JSON(w, 200, map[string]any{"value": []any{s}})
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tn := start(t, tc.h, nil, nil, 5*time.Second)
			list, _, err := tn.client.SignIns(context.Background(), "alice@contoso.com", now.Add(-time.Hour), time.Now())
			if tc.want == "" {
				if err != nil || len(list) != 1 || strings.ContainsAny(list[0].FailureReason, "\x1b\n") || list[0].ErrorCode != 50126 {
					t.Fatalf("list = %+v, %v", list, err)
				}
				return
			}
			tn.check(t, err, "graph: list sign-ins of alice@contoso.com: ", tc.want)
			if errors.Is(err, model.ErrNotPremium) {
				t.Fatal("only Authentication_RequestFromNonPremiumTenantOrB2CTenant means no P1/P2")
			}
			if len(tn.graph.Requests()) != 1 {
				t.Fatalf("%d requests; want one", len(tn.graph.Requests()))
			}
		})
	}
}

// TestSignInsRateLimited: reports are throttled hard; a short 429 is
// waited out (one logical request, retried once), a long one ends the call
// with when the limit resets.
func TestSignInsRateLimited(t *testing.T) {
	t.Parallel()
	now := time.Now()
	limited := func(w http.ResponseWriter, retryAfter string) {
		w.Header().Set("Retry-After", retryAfter)
		sourcetest.JSON(w, http.StatusTooManyRequests, map[string]any{"error": map[string]any{"code": "TooManyRequests", "message": "Too many requests."}})
	}
	t.Run("one second", func(t *testing.T) {
		t.Parallel()
		calls := 0
		tn := start(t, func(w http.ResponseWriter, r *http.Request) {
			if calls++; calls == 1 {
				limited(w, "1")
				return
			}
			sourcetest.JSON(w, 200, map[string]any{"value": []any{signInJSON("s1", "alice@contoso.com", now, 0)}})
		}, nil, nil, 10*time.Second)
		list, _, err := tn.client.SignIns(context.Background(), "alice@contoso.com", now.Add(-time.Hour), time.Now())
		if err != nil || len(list) != 1 || len(tn.graph.Requests()) != 2 {
			t.Fatalf("list %d, err %v, %d requests", len(list), err, len(tn.graph.Requests()))
		}
	})
	t.Run("an hour", func(t *testing.T) {
		t.Parallel()
		tn := start(t, func(w http.ResponseWriter, r *http.Request) { limited(w, "3600") }, nil, nil, 5*time.Second)
		began := time.Now()
		_, _, err := tn.client.SignIns(context.Background(), "alice@contoso.com", now.Add(-time.Hour), time.Now())
		tn.check(t, err, "graph: list sign-ins of alice@contoso.com: rate limited (HTTP 429 TooManyRequests)", "longer than the timeout 5s")
		if time.Since(began) > 2*time.Second || len(tn.graph.Requests()) != 1 {
			t.Fatalf("waited %s over %d requests", time.Since(began), len(tn.graph.Requests()))
		}
	})
}

// A sign-in in the second before since is one the filter asked for (its
// dates are whole seconds): it is kept, not taken for a server ignoring
// the window; the filter bounds both ends.
func TestSignInsWindowToTheSecond(t *testing.T) {
	t.Parallel()
	since := time.Now().UTC().Truncate(time.Second).Add(-time.Hour).Add(700 * time.Millisecond)
	at := since.Truncate(time.Second).Add(200 * time.Millisecond) // after the whole second sent, before since
	var filter string
	tn := start(t, func(w http.ResponseWriter, r *http.Request) {
		filter = r.URL.Query().Get("$filter")
		sourcetest.JSON(w, 200, map[string]any{"value": []any{map[string]any{"id": "s1", "createdDateTime": at.Format(time.RFC3339Nano),
			"userPrincipalName": "alice@contoso.com", "status": map[string]any{"errorCode": 0}}}})
	}, nil, nil, 5*time.Second)
	list, _, err := tn.client.SignIns(context.Background(), "alice@contoso.com", since, time.Now())
	if err != nil || len(list) != 1 {
		t.Fatalf("%v, %v", list, err)
	}
	if !strings.Contains(filter, "createdDateTime ge "+since.Truncate(time.Second).Format(time.RFC3339)) || !strings.Contains(filter, "createdDateTime le ") {
		t.Fatalf("filter %q", filter)
	}
}
