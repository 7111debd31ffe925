// Package jsontest holds the bulk pages' fast JSON decoder
// (segmentio/encoding/json) to encoding/json: the adapters' tests give it
// pages built to find where decoders differ and random mutations of a
// real page, and it checks that both decode each the same or both refuse
// it.
package jsontest

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/o365doctor/o365doctor/internal/source/jsonpage"
)

// Mutations are n copies of valid, each with one to three bytes
// replaced (by JSON's structural characters, digits, letters of its
// literals, alphabet's, NUL or an invalid UTF-8 byte), deleted or
// repeated, from a seeded generator.
func Mutations(valid, alphabet string, n int, seed uint64) []string {
	alphabet += "{}[]\",:\\ 0-.eEtfnu\x00\xff"
	rng := rand.New(rand.NewPCG(seed, seed+1))
	out := make([]string, 0, n)
	for range n {
		b := []byte(valid)
		for range 1 + rng.IntN(3) {
			switch i := rng.IntN(len(b)); rng.IntN(3) {
			case 0:
				b[i] = alphabet[rng.IntN(len(alphabet))]
			case 1:
				b = append(b[:i], b[i+1:]...)
			default:
				b = append(b[:i], append([]byte{b[rng.IntN(len(b))]}, b[i:]...)...)
			}
		}
		out = append(out, string(b))
	}
	return out
}

// SameAsEncodingJSON decodes every page into a new T with both decoders
// (the fast one through jsonpage) and fails the test where they differ:
// one refuses what the other takes, or the values differ; a page nested
// deeper than jsonpage.MaxDepth is refused by design. Both kinds of page must be common (at
// least a tenth of them each), or the pages test little.
func SameAsEncodingJSON[T any](t *testing.T, pages []string) {
	t.Helper()
	decoded, refused := 0, 0
	for _, p := range pages {
		var std, fast T
		errStd := json.Unmarshal([]byte(p), &std)
		errFast := jsonpage.Unmarshal([]byte(p), &fast)
		var deep *jsonpage.DepthError
		if errors.As(errFast, &deep) {
			// Refused before decoding: right only for a page that is
			// not JSON or nests that deep.
			var v any
			if json.Unmarshal([]byte(p), &v) == nil && depth(v) <= jsonpage.MaxDepth {
				t.Errorf("%q: refused as nested too deep, %d levels", p, depth(v))
			}
			refused++
			continue
		}
		if errStd == nil {
			decoded++
		} else {
			refused++
		}
		if (errStd == nil) != (errFast == nil) {
			t.Errorf("%q: encoding/json %v, fast %v", p, errStd, errFast)
			continue
		}
		if errStd == nil && !reflect.DeepEqual(std, fast) {
			t.Errorf("%q: decoded differently:\nstd  %#v\nfast %#v", p, std, fast)
		}
	}
	if decoded < len(pages)/10 || refused < len(pages)/10 {
		t.Fatalf("%d pages decoded, %d refused: the pages do not exercise both", decoded, refused)
	}
}

// depth is how deeply a decoded JSON value nests its arrays and objects.
func depth(v any) int {
	d := 0
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			d = max(d, depth(x))
		}
		return d + 1
	case map[string]any:
		for _, x := range v {
			d = max(d, depth(x))
		}
		return d + 1
	}
	return 0
}
