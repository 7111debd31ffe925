package lab

import (
	"bytes"
	"reflect"
	"runtime"
	"sync"
)

// The app-user listing of a 100 000-user org is 200 pages of 500 app
// users, each with its Okta user embedded, and Graph's is 101 pages of
// 999 users: rendered from the state on every request, the lab's own
// encoding would outweigh the latency it simulates (docs/performance.md).
// So each app user's JSON, and each Entra user's fields, are kept once
// rendered, until the next request that may write (state.gen), and a bulk
// lab renders them when it starts.

type viewKey struct {
	au     *oktaAppUser
	base   string // the links' base URL, from the request's host
	expand bool
}

// genCache keeps values rendered from the state at one gen.
type genCache[K comparable, V any] struct {
	mu  sync.Mutex
	gen uint64
	m   map[K]V
}

// get returns the value kept for k, rendering it when the state changed
// since it was kept. The caller holds st.mu (read or write).
func (c *genCache[K, V]) get(st *state, k K, render func() V) V {
	c.mu.Lock()
	if c.m == nil || c.gen != st.gen {
		c.m, c.gen = map[K]V{}, st.gen
	}
	v, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = render()
	c.mu.Lock()
	if c.gen == st.gen {
		c.m[k] = v
	}
	c.mu.Unlock()
	return v
}

// viewCache keeps the app users' JSON; fieldCache each Entra user's
// fields, rendered one by one in the struct's order (jsonFields), so any
// $select is a concatenation.
type (
	viewCache  = genCache[viewKey, []byte]
	fieldCache = genCache[*entraUser, [][]byte]
)

// userFields renders each field of u as JSON, in struct order.
func userFields(u *entraUser) [][]byte {
	rv := reflect.ValueOf(u).Elem()
	out := make([][]byte, rv.NumField())
	for i := range out {
		if rv.Type().Field(i).IsExported() {
			out[i] = renderJSON(rv.Field(i).Interface())
		}
	}
	return out
}

// renderJSON is v as writeJSON encodes it, without the newline.
func renderJSON(v any) []byte {
	var b bytes.Buffer
	writeJSONValue(&b, v)
	return b.Bytes()
}

// warmViews renders every app user's view as the tool asks for it
// (expand=user, the lab's own host) and every Entra user's fields, on
// every CPU.
func (l *Lab) warmViews() {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	type job struct {
		appID string
		au    *oktaAppUser
		u     *entraUser
	}
	jobs := make(chan job, 1024)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range jobs {
				if j.u != nil {
					l.fields.get(l.state, j.u, func() [][]byte { return userFields(j.u) })
					continue
				}
				l.views.get(l.state, viewKey{j.au, l.OktaURL, true}, func() []byte { return renderJSON(l.appUserView(nil, j.appID, j.au, true)) })
			}
		})
	}
	for appID, list := range l.state.appUsers {
		for _, au := range list {
			jobs <- job{appID, au, nil}
		}
	}
	for _, u := range l.state.entraUsers {
		jobs <- job{"", nil, u}
	}
	close(jobs)
	wg.Wait()
}
