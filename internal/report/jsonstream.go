package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// A tenant-wide report holds a finding per affected user: 100 000 users
// can make tens of megabytes of JSON. json.Encoder with SetIndent builds
// all of it compact, then all of it again indented, in buffers that grow
// by copying (fresh memory the process then faults in): half a second at
// the end of a 100 000-user preflight (docs/performance.md). WriteJSON
// writes the same bytes a finding at a time through a small buffer: each
// finding is marshalled by encoding/json, and indented by a scanner that
// only tells strings from structure (its input is encoding/json's own
// compact output). TestWriteJSONIsTheEncoders holds the bytes to the
// encoder's.

// WriteJSON writes the versioned JSON document, indented by two spaces.
// On an error, what was written before it stays written (json.Encoder
// wrote nothing): a finding that cannot be marshalled would stop it half
// way, which the report's types (strings, numbers, booleans, times of
// real events) do not make.
func WriteJSON(w io.Writer, r Report) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	out := &indenter{w: bw}
	if err := writeReport(out, r); err != nil {
		return err
	}
	out.newline() // json.Encoder ends the value with a newline
	if out.err != nil {
		return out.err
	}
	return bw.Flush()
}

// writeReport writes r as compact JSON into out: the report marshalled
// without its results, the results written one by one where its
// "results":null stands.
func writeReport(out *indenter, r Report) error {
	results := r.Results
	r.Results = nil
	return writeSpliced(out, r, "results", results == nil, len(results), func(i int) error {
		return writeResult(out, results[i])
	})
}

// writeResult writes one result as writeReport writes the report: its
// findings marshalled a chunk at a time, the chunks side by side on the
// machine's cores (a few chunks ahead of the writer at most), written in
// their order.
func writeResult(out *indenter, res Result) error {
	findings := res.Findings
	res.Findings = nil
	const chunk = 512
	type marshalled struct {
		b   *bytes.Buffer
		err error
	}
	ahead := make(chan chan marshalled, runtime.GOMAXPROCS(0))
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(ahead)
		for lo := 0; lo < len(findings); lo += chunk {
			done := make(chan marshalled, 1)
			select {
			case ahead <- done:
			case <-stop:
				return
			}
			go func(part []Finding) {
				b := chunkPool.Get().(*bytes.Buffer)
				b.Reset()
				enc := json.NewEncoder(b)
				var err error
				for i := range part {
					if i > 0 {
						b.Truncate(b.Len() - 1) // the encoder's newline
						b.WriteByte(',')
					}
					if err = enc.Encode(&part[i]); err != nil {
						break
					}
				}
				if err == nil {
					b.Truncate(b.Len() - 1)
				}
				done <- marshalled{b, err}
			}(findings[lo:min(lo+chunk, len(findings))])
		}
	}()
	return writeSpliced(out, res, "findings", findings == nil, min(len(findings), 1), func(int) error {
		first := true
		for done := range ahead {
			m := <-done
			if m.err != nil {
				return m.err
			}
			if !first {
				out.write([]byte{','})
			}
			first = false
			out.write(m.b.Bytes())
			chunkPool.Put(m.b)
			if out.err != nil {
				return out.err // a closed pipe: marshal no more
			}
		}
		return out.err
	})
}

var chunkPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeSpliced writes v (marshalled with its list under key set to nil)
// with the list written in its place: null when it is nil, else its n
// items, each written by item.
func writeSpliced(out *indenter, v any, key string, isNil bool, n int, item func(i int) error) error {
	head, err := json.Marshal(v)
	if err != nil {
		return err
	}
	before, after, err := splitAt(head, `"`+key+`":null`)
	if err != nil {
		return err
	}
	out.write(before)
	out.write([]byte(`"` + key + `":`))
	if isNil {
		out.write([]byte("null"))
	} else {
		out.write([]byte{'['})
		for i := range n {
			if i > 0 {
				out.write([]byte{','})
			}
			if err := item(i); err != nil {
				return err
			}
		}
		out.write([]byte{']'})
	}
	out.write(after)
	return out.err
}

// splitAt splits compact JSON around key:null, which must be there once.
// A JSON string cannot hold it (its quotes would be escaped), and no
// object nested in a Report or Result has a key "results" or "findings".
func splitAt(b []byte, marker string) (before, after []byte, err error) {
	i := bytes.Index(b, []byte(marker))
	if i < 0 || bytes.Contains(b[i+len(marker):], []byte(marker)) {
		return nil, nil, errors.New("report: " + marker + " is not in the marshalled report once")
	}
	return b[:i], b[i+len(marker):], nil
}

// indenter writes compact JSON, given in pieces, indented as json.Indent
// with prefix "" and indent "  " does: a newline and the depth's indent
// after an opening bracket, a comma and before a closing bracket (empty
// objects and arrays stay {} and []), ": " after a key. Bytes inside
// strings are copied as they are.
type indenter struct {
	w          *bufio.Writer
	depth      int
	needIndent bool // after { or [: indent unless it closes at once
	inString   bool
	escaped    bool // the byte before was a backslash in a string
	err        error
}

func (d *indenter) write(b []byte) {
	if d.err != nil {
		return
	}
	for len(b) > 0 {
		if d.inString {
			if d.escaped {
				d.escaped = false
				d.put(b[:1])
				b = b[1:]
				continue
			}
			i := bytes.IndexAny(b, `"\`)
			if i < 0 {
				d.put(b)
				return
			}
			switch b[i] {
			case '"':
				d.inString = false
			case '\\':
				d.escaped = true
			}
			d.put(b[:i+1])
			b = b[i+1:]
			continue
		}
		c := b[0]
		b = b[1:]
		if d.needIndent && c != '}' && c != ']' {
			d.needIndent = false
			d.depth++
			d.newline()
		}
		switch c {
		case '"':
			d.inString = true
			d.putByte(c)
		case '{', '[':
			d.needIndent = true
			d.putByte(c)
		case ',':
			d.putByte(c)
			d.newline()
		case ':':
			d.putByte(c)
			d.putByte(' ')
		case '}', ']':
			if d.needIndent {
				d.needIndent = false
			} else {
				d.depth--
				d.newline()
			}
			d.putByte(c)
		case ' ', '\t', '\n', '\r':
			d.err = fmt.Errorf("report: whitespace in compact JSON")
			return
		default:
			d.putByte(c)
		}
	}
}

// newline starts a line at the current depth.
func (d *indenter) newline() {
	const spaces = "\n                                                                "
	if n := 1 + 2*d.depth; n <= len(spaces) {
		d.putString(spaces[:n])
		return
	}
	d.putByte('\n')
	for range d.depth {
		d.putString("  ")
	}
}

func (d *indenter) putString(s string) {
	if d.err == nil {
		_, d.err = d.w.WriteString(s)
	}
}

func (d *indenter) put(b []byte) {
	if d.err == nil {
		_, d.err = d.w.Write(b)
	}
}

func (d *indenter) putByte(c byte) {
	if d.err == nil {
		d.err = d.w.WriteByte(c)
	}
}
