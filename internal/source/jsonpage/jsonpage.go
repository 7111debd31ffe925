// Package jsonpage decodes the bulk listings' pages (Okta's app users,
// Graph's users) with github.com/segmentio/encoding/json, a drop-in
// replacement for encoding/json four times faster on them
// (docs/performance.md), after refusing a page nested deeper than MaxDepth:
// that decoder has no depth limit of its own (encoding/json stops at
// 10 000), takes time that grows with the square of the depth when it
// decodes into interfaces, and overflows the stack on a page of millions
// of nested arrays. internal/jsontest holds it to encoding/json.
package jsonpage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	segjson "github.com/segmentio/encoding/json"
)

// MaxDepth is the deepest nesting a page may have. A real page is a few
// levels deep (a list of users, a user, its licenses, their plans).
const MaxDepth = 64

// DepthError is a page nested deeper than MaxDepth.
type DepthError struct{ Offset int }

func (e *DepthError) Error() string {
	return fmt.Sprintf("JSON nested deeper than %d levels at byte %d", MaxDepth, e.Offset)
}

// Unmarshal is encoding/json's Unmarshal for a page no deeper than
// MaxDepth, a *DepthError otherwise. A page the fast decoder refuses is
// decoded again by encoding/json, whose error is the one returned: the
// fast decoder's errors carry the rest of the page as the "value" of a
// type error ("0.id is a JSON \"5}]…\"") and offset 0 for a syntax error.
func Unmarshal(data []byte, v any) error {
	if off := tooDeep(data); off >= 0 {
		return &DepthError{Offset: off}
	}
	if segjson.Unmarshal(data, v) == nil {
		return nil
	}
	return json.Unmarshal(data, v)
}

// tooDeep returns the offset of the first bracket that opens a level
// deeper than MaxDepth, or -1; brackets inside strings do not count.
func tooDeep(b []byte) int {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			// The string's end: the next quote after an even run of
			// backslashes (the run stops at the opening quote at worst).
			for {
				j := bytes.IndexByte(b[i+1:], '"')
				if j < 0 {
					return -1 // an open string: the decoder says so
				}
				i += 1 + j
				k := i - 1
				for b[k] == '\\' {
					k--
				}
				if (i-1-k)%2 == 0 {
					break
				}
			}
		case '[', '{':
			if depth++; depth > MaxDepth {
				return i
			}
		case ']', '}':
			depth--
		}
	}
	return -1
}

// Problem names what was wrong with a page Unmarshal refused, in a few
// words and without quoting it; whole is what the page as a whole should
// have been ("a JSON list"), said when it was something else.
func Problem(err error, whole string) string {
	var de *DepthError
	if errors.As(err, &de) {
		return de.Error()
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return "not " + whole
		}
		return fmt.Sprintf("%s is a JSON %s", te.Field, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("not JSON at byte %d", se.Offset)
	}
	return "not JSON"
}
