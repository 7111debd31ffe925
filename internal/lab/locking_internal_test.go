package lab

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// stalledWriter is a client that stops reading: its first Write blocks
// until released, after saying that it is writing.
type stalledWriter struct {
	header  http.Header
	writing chan struct{}
	release chan struct{}
	once    sync.Once
}

func newStalledWriter() *stalledWriter {
	return &stalledWriter{header: http.Header{}, writing: make(chan struct{}), release: make(chan struct{})}
}

func (s *stalledWriter) Header() http.Header { return s.header }
func (s *stalledWriter) WriteHeader(int)     {}
func (s *stalledWriter) Write(p []byte) (int, error) {
	s.once.Do(func() { close(s.writing) })
	<-s.release
	return len(p), nil
}

// TestAStalledAnswerDoesNotHoldTheState stalls a client in the middle of
// each answer and shows that a request needing the state's other kind of
// lock (a write behind a stalled read, a read behind a stalled write) is
// served meanwhile.
func TestAStalledAnswerDoesNotHoldTheState(t *testing.T) {
	sc, err := LoadScenario("healthy")
	if err != nil {
		t.Fatal(err)
	}
	l, err := Start(Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	app := l.state.apps[0].ID
	alice := l.state.oktaByLogin["alice@contoso.com"].ID
	patch := func() *http.Request {
		return httptest.NewRequest(http.MethodPatch, "https://lab/v1.0/users/alice@contoso.com", strings.NewReader(`{"displayName":"Alice"}`))
	}
	get := func() *http.Request {
		return httptest.NewRequest(http.MethodGet, "https://lab/v1.0/users/alice@contoso.com", nil)
	}
	for _, tc := range []struct {
		system  string
		stalled *http.Request
		other   func() *http.Request
	}{
		{"okta", httptest.NewRequest(http.MethodGet, "https://lab/api/v1/users", nil), patch},
		{"okta", httptest.NewRequest(http.MethodGet, "https://lab/api/v1/apps/"+app+"/users?expand=user", nil), patch},
		{"okta", httptest.NewRequest(http.MethodGet, "https://lab/api/v1/apps/"+app+"/sso/saml/metadata", nil), patch},
		{"okta", httptest.NewRequest(http.MethodGet, "https://lab/api/v1/logs?until=2100-01-01T00:00:00Z", nil), patch},
		{"okta", httptest.NewRequest(http.MethodPost, "https://lab/api/v1/apps/"+app+"/users/"+alice, strings.NewReader(`{"profile":{}}`)), get},
		{"graph", httptest.NewRequest(http.MethodGet, "https://lab/v1.0/users?$top=999", nil), patch},
		{"graph", httptest.NewRequest(http.MethodGet, "https://lab/v1.0/auditLogs/signIns", nil), patch},
		{"graph", httptest.NewRequest(http.MethodPost, "https://lab/v1.0/users/bob@contoso.com/assignLicense", strings.NewReader(`{"addLicenses":[],"removeLicenses":[]}`)), get},
	} {
		name := tc.system + " " + tc.stalled.Method + " " + tc.stalled.URL.Path
		stalled := newStalledWriter()
		done := make(chan struct{})
		go func() {
			defer close(done)
			l.handlers[tc.system].ServeHTTP(stalled, tc.stalled)
		}()
		select {
		case <-stalled.writing:
		case <-done:
			t.Fatalf("%s: answered without writing a body", name)
		}
		other := make(chan int, 1)
		go func() {
			rec := httptest.NewRecorder()
			l.handlers["graph"].ServeHTTP(rec, tc.other())
			other <- rec.Code
		}()
		release := sync.OnceFunc(func() { close(stalled.release) })
		select {
		case code := <-other:
			if code >= 400 {
				t.Errorf("%s: the other request got HTTP %d", name, code)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%s: a stalled client held the state: another request waited 10 s", name)
			release()
			<-other // it ends once the stalled one lets go
		}
		release()
		<-done
	}
}
