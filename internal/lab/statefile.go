package lab

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
)

// stateJournal keeps the lab's changes across restarts. The scenario is the
// lab's starting state and every change is a request, so the journal is
// the list of successful write requests, replayed through the same handlers
// at start: no second serialisation of the state to keep in step.
type stateJournal struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

type stateRecord struct {
	Scenario string `json:"scenario,omitempty"` // first line only
	System   string `json:"system,omitempty"`
	Method   string `json:"method,omitempty"`
	URI      string `json:"uri,omitempty"`
	Body     []byte `json:"body,omitempty"`
	Encoding string `json:"encoding,omitempty"`
}

func openStateJournal(path, scenario string) (*stateJournal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lab: state file: %w", err)
	}
	j := &stateJournal{path: path, f: f}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if fi.Size() == 0 {
		if err := j.write(stateRecord{Scenario: scenario}); err != nil {
			f.Close()
			return nil, err
		}
	}
	return j, nil
}

func (j *stateJournal) write(rec stateRecord) error {
	b, _ := json.Marshal(rec)
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("lab: state file: %w", err)
	}
	return j.f.Sync()
}

func (j *stateJournal) record(system string, r *http.Request, body []byte) {
	_ = j.write(stateRecord{System: system, Method: r.Method, URI: r.URL.RequestURI(), Body: body, Encoding: r.Header.Get("Content-Encoding")})
}

// replay re-applies the recorded writes to a freshly built state.
func (j *stateJournal) replay(l *Lab) error {
	b, err := os.ReadFile(j.path)
	if err != nil {
		return fmt.Errorf("lab: state file: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 8<<20)
	for n := 1; sc.Scan(); n++ {
		var rec stateRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return fmt.Errorf("lab: state file %s line %d: %v", j.path, n, err)
		}
		if n == 1 {
			if rec.Scenario != l.Scenario.Name {
				return fmt.Errorf("lab: state file %s belongs to scenario %q, not %q: use another file", j.path, rec.Scenario, l.Scenario.Name)
			}
			continue
		}
		h := l.handlers[rec.System]
		if h == nil {
			return fmt.Errorf("lab: state file %s line %d: unknown system %q", j.path, n, rec.System)
		}
		req, err := http.NewRequest(rec.Method, "https://lab"+rec.URI, bytes.NewReader(rec.Body))
		if err != nil {
			return fmt.Errorf("lab: state file %s line %d: %v", j.path, n, err)
		}
		if rec.Encoding != "" {
			req.Header.Set("Content-Encoding", rec.Encoding)
		}
		rw := &discardWriter{header: http.Header{}}
		h.ServeHTTP(rw, req)
		if rw.status >= 400 {
			return fmt.Errorf("lab: state file %s line %d: replaying %s %s gave HTTP %d", j.path, n, rec.Method, rec.URI, rw.status)
		}
	}
	return sc.Err()
}

func (j *stateJournal) close() {
	if j.f != nil {
		j.f.Close()
	}
}

type discardWriter struct {
	header http.Header
	status int
}

func (d *discardWriter) Header() http.Header { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) {
	if d.status == 0 {
		d.status = 200
	}
	return len(b), nil
}
func (d *discardWriter) WriteHeader(s int) {
	if d.status == 0 {
		d.status = s
	}
}
