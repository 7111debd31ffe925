package lab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Request is one request the lab received.
type Request struct {
	Route  string    // "okta GET /api/v1/users/{id}", as Requests names it
	Start  time.Time // when it arrived (before latency and faults)
	End    time.Time // when the answer was written (or the client went away)
	Status int       // the HTTP status written; 0 when the client went away or the connection was dropped
	Fault  bool      // answered by an injected fault
}

// requestLogMax bounds the request log of a lab that runs for long (lab
// serve): past it, the oldest half is dropped.
const requestLogMax = 100_000

// Requests returns how many requests the lab served for a route, named as
// "SYSTEM METHOD PATTERN", e.g. "okta GET /api/v1/users/{id}". Tests use it
// to show that facts are shared (one call for many checks).
func (l *Lab) Requests(route string) int {
	l.countMu.Lock()
	defer l.countMu.Unlock()
	return l.counts[route]
}

// Faults returns how many requests of a route (named as Requests names
// them) were answered by an injected fault, so a test can show that a
// fault reached the requests it means to exercise.
func (l *Lab) Faults(route string) int {
	l.countMu.Lock()
	defer l.countMu.Unlock()
	return l.faultCounts[route]
}

// RequestLog returns the requests the lab received, in arrival order, with
// the time each arrived and was answered, by the wall clock (not
// Options.Now), for benchmarks and interrupt tests. A request still being
// answered has a zero End. The log keeps the last 50 000 to 100 000
// requests; Requests and Faults count them all.
func (l *Lab) RequestLog() []Request {
	l.countMu.Lock()
	defer l.countMu.Unlock()
	return slices.Clone(l.log)
}

// ResetRequests clears the request and fault counts and the request log,
// e.g. between a benchmark's iterations, and starts a new Okta rate-limit
// window (X-Rate-Limit-Remaining back to the full limit), so an iteration
// is not paced by the ones before it. A request in flight at the reset
// stays out of the new log.
func (l *Lab) ResetRequests() {
	l.countMu.Lock()
	defer l.countMu.Unlock()
	clear(l.counts)
	clear(l.faultCounts)
	l.logBase += len(l.log)
	l.log = nil
	l.oktaWindow = rateWindow{}
	for _, b := range l.buckets {
		b.start, b.used = time.Time{}, 0
	}
	clear(l.limited)
}

// arrived counts and logs a request and returns its sequence number.
func (l *Lab) arrived(route string) int {
	l.countMu.Lock()
	defer l.countMu.Unlock()
	start := time.Now() // under the lock: the log's order is the Start order
	l.counts[route]++
	if len(l.log) == requestLogMax {
		half := requestLogMax / 2
		l.log = append(l.log[:0], l.log[half:]...)
		l.logBase += half
	}
	l.log = append(l.log, Request{Route: route, Start: start})
	return l.logBase + len(l.log) - 1
}

// faulted counts a fault injected into a request of the route.
func (l *Lab) faulted(route string) {
	l.countMu.Lock()
	defer l.countMu.Unlock()
	l.faultCounts[route]++
}

// answered completes a logged request once its answer is written: all
// but the server's last buffered bytes, which it then pushes out. The log
// is written first, so a client holding its whole answer finds it there;
// a client found gone by the push is logged again with status 0.
func (l *Lab) answered(seq int, rec *statusRecorder, fault bool) {
	l.logAnswer(seq, rec.written(), fault)
	if rec.lost {
		return
	}
	if err := http.NewResponseController(rec).Flush(); err != nil {
		l.logAnswer(seq, 0, fault)
	}
}

func (l *Lab) logAnswer(seq, status int, fault bool) {
	end := time.Now()
	l.countMu.Lock()
	defer l.countMu.Unlock()
	i := seq - l.logBase
	if i < 0 || i >= len(l.log) {
		return // reset or dropped meanwhile
	}
	r := &l.log[i]
	r.End, r.Status, r.Fault = end, status, fault
}

// Object GETs path (Graph's with its /v1.0 prefix) from system's routes
// in-process: the JSON a client would read, without authentication and
// without counting a request. Tests compare it field by field before a
// fix and after its undo.
func (l *Lab) Object(system, path string) (any, error) {
	h := l.handlers[system]
	if h == nil {
		return nil, fmt.Errorf("lab: no system %q", system)
	}
	r, err := http.NewRequest(http.MethodGet, "https://lab.invalid"+path, nil)
	if err != nil {
		return nil, err
	}
	w := &recorder{header: http.Header{}, code: http.StatusOK}
	h.ServeHTTP(w, r)
	if w.code != http.StatusOK {
		return nil, fmt.Errorf("lab: GET %s %s: %d %s", system, path, w.code, w.body.String())
	}
	var v any
	if err := json.Unmarshal(w.body.Bytes(), &v); err != nil {
		return nil, fmt.Errorf("lab: GET %s %s: %w", system, path, err)
	}
	return v, nil
}

// recorder is the in-process answer of Object.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header         { return w.header }
func (w *recorder) Write(b []byte) (int, error) { return w.body.Write(b) }
func (w *recorder) WriteHeader(code int)        { w.code = code }
