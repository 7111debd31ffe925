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
