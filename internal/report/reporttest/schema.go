// Package reporttest validates output against the documented JSON schema
// (docs/report.schema.json), for the tests of every package that prints a
// report.
package reporttest

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var (
	once     sync.Once
	compiled *jsonschema.Schema
	loadErr  error
)

// SchemaPath is docs/report.schema.json of this repository.
func SchemaPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "docs", "report.schema.json")
}

func schema() (*jsonschema.Schema, error) {
	once.Do(func() {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		compiled, loadErr = c.Compile(SchemaPath())
	})
	return compiled, loadErr
}

// Validate fails the test unless doc is one report that the documented
// schema accepts.
func Validate(t testing.TB, doc []byte) {
	t.Helper()
	if err := Check(doc); err != nil {
		t.Fatalf("output does not match docs/report.schema.json: %v\n%s", err, doc)
	}
}

// Check validates doc against the schema.
func Check(doc []byte) error {
	s, err := schema()
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	if err := s.Validate(v); err != nil {
		return err
	}
	// One document, nothing after it.
	dec := json.NewDecoder(bytes.NewReader(doc))
	var skip json.RawMessage
	if err := dec.Decode(&skip); err != nil {
		return err
	}
	if dec.More() {
		return errTrailing
	}
	return nil
}

var errTrailing = jsonError("more than one JSON document")

type jsonError string

func (e jsonError) Error() string { return string(e) }
