package lab

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"time"
)

// quietLog drops the server's own log lines (TLS handshakes that a client
// aborted, for example): the lab is used inside a TUI.
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readJSON decodes a request body, accepting the gzip encoding the Graph
// SDK's compression middleware applies to request bodies.
func readJSON(r *http.Request, v any) error {
	var body io.Reader = io.LimitReader(r.Body, 4<<20)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return fmt.Errorf("bad gzip body: %v", err)
		}
		defer zr.Close()
		body = zr
	}
	dec := json.NewDecoder(body)
	dec.UseNumber()
	return dec.Decode(v)
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// instrument wraps a system's server: it counts each request by route,
// applies latency and faults, authenticates (through authed), and records
// successful writes to the state file.
func (l *Lab) instrument(system string, routes http.Handler, authed http.Handler) http.Handler {
	mux, _ := routes.(*http.ServeMux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pattern := r.URL.Path
		if mux != nil {
			_, pattern = mux.Handler(r)
		}
		route := system + " " + pattern
		l.countMu.Lock()
		l.counts[route]++
		l.countMu.Unlock()
		if !l.faults.delay(r.Context(), route) {
			return
		}
		if l.faults.inject(w, r, system, l.now()) {
			return
		}
		// Only the tenant's changes are kept: a token request carries the
		// client secret and means nothing after a restart.
		record := l.journal != nil && r.Method != http.MethodGet && system != "login"
		var body []byte
		if record {
			body, _ = io.ReadAll(io.LimitReader(r.Body, 4<<20))
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		rec := &statusRecorder{ResponseWriter: w}
		authed.ServeHTTP(rec, r)
		if record && rec.status < 400 {
			l.journal.record(system, r, body)
		}
	})
}

// authenticate puts each system's credential check in front of its routes.
func (l *Lab) authenticate(system string, routes http.Handler) http.Handler {
	switch system {
	case "okta":
		return l.oktaAuth(routes)
	case "graph":
		return l.graphAuth(routes)
	}
	return routes
}

func rfc1123(t time.Time) string { return t.UTC().Format(http.TimeFormat) }
