package jsonpage

import (
	"errors"
	"strings"
	"testing"
)

func TestDepth(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	for _, c := range []struct {
		page string
		deep bool
	}{
		{nest(MaxDepth), false},
		{nest(MaxDepth + 1), true},
		{`[{"x":` + nest(MaxDepth-2) + `}]`, false},
		{`[{"x":` + nest(MaxDepth-1) + `}]`, true},
		{`["` + strings.Repeat("[", 500) + `"]`, false},                // brackets in a string
		{`["\"` + strings.Repeat("{", 500) + `\\"]`, false},            // escaped quotes and backslashes
		{`["\\"` + nest(MaxDepth) + `]`, true},                         // the string ended before the brackets
		{`["` + strings.Repeat("[", 500), false},                       // an open string: the decoder refuses it
		{`{"value":[{"id":"a","zz":` + nest(30_000_000) + `}]}`, true}, // 60 MB: refused, not a stack overflow
	} {
		var v any
		err := Unmarshal([]byte(c.page), &v)
		var de *DepthError
		if got := errors.As(err, &de); got != c.deep {
			t.Errorf("%.80q: depth error %v (%v), want %v", c.page, got, err, c.deep)
		}
	}
}

// TestProblem: each way a page fails is named in a few words, without the
// page's text (the fast decoder's own errors quote the rest of the page:
// encoding/json's are the ones said).
func TestProblem(t *testing.T) {
	type user struct {
		ID string `json:"id"`
	}
	for page, want := range map[string]string{
		`{"a":1}`:                        "not a JSON list",
		`[{"id":5}]`:                     "id is a JSON number",
		`[{"id":"secret-ish`:             "not JSON at byte 18",
		`[{"id":["alice@contoso.com"]}]`: "id is a JSON array", // the page's words stay out of the message
		`[` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `]`: "JSON nested deeper than 64 levels at byte 64",
	} {
		var v []user
		if got := Problem(Unmarshal([]byte(page), &v), "a JSON list"); got != want {
			t.Errorf("%.40q: %q, want %q", page, got, want)
		}
	}
}
