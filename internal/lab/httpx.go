package lab

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// quietLog drops the server's own log lines (TLS handshakes that a client
// aborted, for example): the lab is used inside a TUI.
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

// maxRequestBody is the most the lab reads of a request body.
const maxRequestBody = 4 << 20

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readJSON decodes a request body, accepting the gzip encoding the Graph
// SDK's compression middleware applies to request bodies.
func readJSON(r *http.Request, v any) error {
	var body io.Reader = io.LimitReader(r.Body, maxRequestBody)
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

// lockedRoutes serves a system's routes holding the state lock around
// each handler: shared for GET and HEAD, exclusive otherwise. The handler
// writes into a buffer, a copy of its answer taken under the lock, which
// goes to the client once the lock is released: a client that reads
// slowly, or stops reading, then holds up only its own request. A request
// body is read before the lock is taken, for the same reason.
type lockedRoutes struct {
	*http.ServeMux
	st *state
}

func (lr lockedRoutes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
		if err != nil {
			return // the client went away while sending
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	answer := &bufferedAnswer{header: w.Header(), body: answerPool.Get().(*bytes.Buffer)}
	answer.body.Reset()
	lr.serveLocked(answer, r)
	answer.sendTo(w)
	if answer.body.Cap() <= 16<<20 {
		answerPool.Put(answer.body)
	}
}

// answerPool keeps the answers' buffers: a bulk listing's pages are
// 0.5–1 MB each, fresh memory for every one otherwise.
var answerPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (lr lockedRoutes) serveLocked(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		lr.st.mu.RLock()
		defer lr.st.mu.RUnlock()
	} else {
		lr.st.mu.Lock()
		defer lr.st.mu.Unlock()
		// Any request that may write makes the rendered views stale.
		defer func() { lr.st.gen++ }()
	}
	lr.ServeMux.ServeHTTP(w, r)
}

// bufferedAnswer keeps a handler's status and body; its headers are the
// real response's, which reach the wire only with the status line.
type bufferedAnswer struct {
	header http.Header
	status int
	body   *bytes.Buffer
}

// Grow makes room for n more bytes of body.
func (b *bufferedAnswer) Grow(n int) { b.body.Grow(n) }

func (b *bufferedAnswer) Header() http.Header { return b.header }

func (b *bufferedAnswer) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedAnswer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedAnswer) sendTo(w http.ResponseWriter) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	if b.body.Len() == 0 {
		w.WriteHeader(b.status)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(b.body.Len()))
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}

// statusRecorder remembers the status a handler wrote, and whether the
// client was lost: a write failed or the connection was taken to be
// dropped.
type statusRecorder struct {
	http.ResponseWriter
	status int
	lost   bool
	// beforeDrop runs when the connection is taken to be dropped, before
	// it is closed: the client sees the drop at once, and must find it
	// logged and counted by then.
	beforeDrop func()
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
	n, err := s.ResponseWriter.Write(b)
	if err != nil {
		s.lost = true
	}
	return n, err
}

// Hijack hands over the connection (for a dropped-connection fault).
func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := s.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	conn, rw, err := hj.Hijack()
	if err == nil {
		s.lost = true
		if s.beforeDrop != nil {
			s.beforeDrop()
		}
	}
	return conn, rw, err
}

// Unwrap lets http.ResponseController reach the server's writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// written is the status the client received: 0 when it was lost.
func (s *statusRecorder) written() int {
	if s.lost {
		return 0
	}
	return s.status
}

// instrument wraps a system's server: it counts and logs each request by
// route, applies latency and faults, authenticates (through authed), and
// records successful writes to the state file.
func (l *Lab) instrument(system string, routes http.Handler, authed http.Handler) http.Handler {
	mux, _ := routes.(interface {
		Handler(*http.Request) (http.Handler, string)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pattern := r.URL.Path
		if mux != nil {
			_, pattern = mux.Handler(r)
		}
		route := system + " " + pattern
		seq := l.arrived(route)
		fault, counted := false, false
		rec := &statusRecorder{ResponseWriter: w}
		rec.beforeDrop = func() {
			l.faulted(route)
			l.logAnswer(seq, 0, true)
			counted = true
		}
		defer func() { l.answered(seq, rec, fault) }()
		if !l.faults.delay(r.Context(), route) {
			rec.lost = true
			return
		}
		if fault = l.faults.inject(rec, r, system, l.now()); fault {
			if !counted {
				l.faulted(route)
			}
			return
		}
		// Only the tenant's changes are kept: a token request carries the
		// client secret and means nothing after a restart.
		record := l.journal != nil && r.Method != http.MethodGet && system != "login"
		var body []byte
		if record {
			body, _ = io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
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

// writeJSONValue appends v as JSON, as writeJSON encodes it, without the
// trailing newline.
func writeJSONValue(b *bytes.Buffer, v any) {
	n := b.Len()
	if json.NewEncoder(b).Encode(v) != nil {
		b.Truncate(n)
		b.WriteString("null")
		return
	}
	b.Truncate(b.Len() - 1) // Encode's newline
}

// jsonFieldsOf maps each JSON name of a struct type's fields to the
// field's index, once per type.
var jsonFieldsOf sync.Map // reflect.Type → map[string]int

func jsonFields(t reflect.Type) map[string]int {
	if m, ok := jsonFieldsOf.Load(t); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.IsExported() && name != "" && name != "-" {
			m[name] = i
		}
	}
	jsonFieldsOf.Store(t, m)
	return m
}

// writeSelectedFields appends the object *v (a struct) with only the
// fields sel names, in sel's order, from fields (each field's JSON, in
// struct order): what project(toMap(v), sel) encodes, without the round
// trip through a map. A name the struct lacks is null, as Graph answers a
// $select of a property the object does not have set.
func writeSelectedFields(b *bytes.Buffer, v any, fields [][]byte, sel []string) {
	index := jsonFields(reflect.TypeOf(v).Elem())
	b.WriteByte('{')
	for i, name := range sel {
		if i > 0 {
			b.WriteByte(',')
		}
		if isPlainName(name) {
			b.WriteByte('"')
			b.WriteString(name)
			b.WriteByte('"')
		} else {
			writeJSONValue(b, name)
		}
		b.WriteByte(':')
		if idx, ok := index[name]; ok {
			b.Write(fields[idx])
		} else {
			b.WriteString("null")
		}
	}
	b.WriteByte('}')
}

// isPlainName: a property name that is its own JSON string (letters,
// digits, @ . _ -), written without an encoder.
func isPlainName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '@' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
