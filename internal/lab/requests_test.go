package lab_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

func TestRequestLogTimesEachAnswer(t *testing.T) {
	l := labtest.Start(t, "healthy")
	c := client(l)
	auth := []string{"Authorization", "SSWS " + l.OktaToken}
	before := time.Now()
	get(t, c, l.OktaURL+"/api/v1/users/alice@contoso.com", auth...)
	get(t, c, l.OktaURL+"/api/v1/users/nobody@contoso.com", auth...)
	get(t, c, l.GraphURL+"/users/alice@contoso.com") // no token
	after := time.Now()
	log := l.RequestLog()
	want := []lab.Request{
		{Route: "okta GET /api/v1/users/{id}", Status: 200},
		{Route: "okta GET /api/v1/users/{id}", Status: 404},
		{Route: "graph GET /v1.0/users/{id}", Status: 401},
	}
	if len(log) != len(want) {
		t.Fatalf("log = %+v", log)
	}
	for i, r := range log {
		if r.Route != want[i].Route || r.Status != want[i].Status || r.Fault {
			t.Errorf("request %d = %+v, want %+v", i, r, want[i])
		}
		if r.Start.Before(before) || r.End.Before(r.Start) || r.End.After(after) || (i > 0 && r.Start.Before(log[i-1].End)) {
			t.Errorf("request %d: times %v → %v out of order (test ran %v → %v)", i, r.Start, r.End, before, after)
		}
	}

	l.ResetRequests()
	if n := l.Requests("okta GET /api/v1/users/{id}"); n != 0 || len(l.RequestLog()) != 0 {
		t.Fatalf("after reset: %d requests, log %v", n, l.RequestLog())
	}
	resp, _ := get(t, c, l.OktaURL+"/api/v1/users/alice@contoso.com", auth...)
	if log := l.RequestLog(); len(log) != 1 || log[0].Status != 200 || l.Requests("okta GET /api/v1/users/{id}") != 1 {
		t.Fatalf("after reset and one request: %+v", log)
	}
	if got := resp.Header.Get("X-Rate-Limit-Remaining"); got != "599" {
		t.Errorf("after reset, X-Rate-Limit-Remaining = %s, want a new window's 599", got)
	}
}

func TestRequestLogMarksFaults(t *testing.T) {
	for _, tc := range []struct {
		kind   string
		status int
	}{{"429", 429}, {"503", 503}, {"drop", 0}} {
		t.Run(tc.kind, func(t *testing.T) {
			l := labtest.StartWith(t, "healthy", lab.Options{FaultRate: 1, FaultKinds: []string{tc.kind}})
			c := client(l)
			// A new connection for each request: Go's transport retries an
			// idempotent request on a reused connection that drops.
			c.Transport.(*http.Transport).DisableKeepAlives = true
			resp, err := c.Get(l.OktaURL + "/api/v1/users/alice@contoso.com")
			if err == nil {
				resp.Body.Close()
			}
			if (tc.status == 0) != (err != nil) {
				t.Fatalf("response %v, error %v", resp, err)
			}
			route := "okta GET /api/v1/users/{id}"
			log := l.RequestLog()
			if len(log) != 1 || log[0].Route != route || log[0].Status != tc.status || !log[0].Fault || log[0].End.IsZero() {
				t.Fatalf("log = %+v", log)
			}
			if l.Faults(route) != 1 || l.Requests(route) != 1 {
				t.Fatalf("%d faults in %d requests", l.Faults(route), l.Requests(route))
			}
			l.ResetRequests()
			if l.Faults(route) != 0 {
				t.Fatalf("reset left %d faults", l.Faults(route))
			}
		})
	}
}

// TestRequestLogShowsAClientThatWentAway: a client gives up during the
// route's latency; the lab logs the request with status 0 when it sees it
// go, without waiting out the latency.
func TestRequestLogShowsAClientThatWentAway(t *testing.T) {
	route := "okta GET /api/v1/users/{id}"
	l := labtest.StartWith(t, "healthy", lab.Options{RouteLatency: map[string]time.Duration{route: time.Minute}})
	c := client(l)
	c.Timeout = 200 * time.Millisecond
	if resp, err := c.Get(l.OktaURL + "/api/v1/users/alice@contoso.com"); err == nil {
		resp.Body.Close()
		t.Fatal("answered within the minute's latency")
	}
	l.Close() // waits for the request's handler to end
	log := l.RequestLog()
	if len(log) != 1 || log[0].Status != 0 || log[0].Fault || log[0].End.IsZero() || log[0].End.Sub(log[0].Start) > 30*time.Second {
		t.Fatalf("log = %+v", log)
	}
}

// TestAClientThatStopsReadingBlocksOnlyItself pipelines requests for
// large pages of app users on one connection and reads nothing, so the
// lab's answers fill the socket buffers and one of them stalls. A write to
// the same app (it needs the state's exclusive lock) is sent, again, until
// one completes while a stalled answer that arrived before it is still
// being written, as the request log shows. Were answers written under the
// lock, that write would wait for the stalled one for ever: the test
// fails at 10 s.
func TestAClientThatStopsReadingBlocksOnlyItself(t *testing.T) {
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 2000})
	c := client(l)
	auth := []string{"Authorization", "SSWS " + l.OktaToken}
	var apps []struct{ ID string }
	_, b := get(t, c, l.OktaURL+"/api/v1/apps?filter="+url.QueryEscape(`name eq "office365"`), auth...)
	if err := json.Unmarshal(b, &apps); err != nil || len(apps) == 0 {
		t.Fatalf("apps: %s", b)
	}
	app := apps[0].ID
	var appUsers []struct{ ID string }
	_, b = get(t, c, l.OktaURL+"/api/v1/apps/"+app+"/users?limit=1", auth...)
	if err := json.Unmarshal(b, &appUsers); err != nil || len(appUsers) == 0 {
		t.Fatalf("app users: %s", b)
	}

	// 20 answers of about 650 kB: more than loopback's socket buffers hold.
	pipelined := stallOn(t, l, "/api/v1/apps/"+app+"/users?limit=500&expand=user", 20)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		sent := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, l.OktaURL+"/api/v1/apps/"+app+"/users/"+appUsers[0].ID, strings.NewReader(`{"profile":{}}`))
		req.Header.Set("Authorization", "SSWS "+l.OktaToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatal("a client that stopped reading held up a write for 10 s")
		}
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("write: HTTP %d", resp.StatusCode)
		}
		for _, r := range l.RequestLog() {
			if r.Route == "okta GET /api/v1/apps/{appId}/users" && !r.Start.Before(pipelined) && r.Start.Before(sent) && r.End.IsZero() {
				return // written while that answer was stalled
			}
		}
	}
}

// stallOn sends n GETs for path on one connection, pipelined, and never
// reads the answers. It returns when they were sent; the connection closes
// at the test's end.
func stallOn(t *testing.T, l *lab.Lab, path string, n int) time.Time {
	t.Helper()
	host := strings.TrimPrefix(l.OktaURL, "https://")
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(l.CAPEM)
	conn, err := tls.Dial("tcp", host, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	sent := time.Now()
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: SSWS %s\r\n\r\n", path, host, l.OktaToken)
	if _, err := conn.Write([]byte(strings.Repeat(req, n))); err != nil {
		t.Fatal(err)
	}
	return sent
}
