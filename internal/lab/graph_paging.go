package lab

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

func nonNil(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}

// graphPage reads $top and $skiptoken and returns the [from, to) window and
// the nextLink: the same URL with every query parameter kept and a new
// $skiptoken, which clients must follow verbatim.
func (l *Lab) graphPage(w http.ResponseWriter, r *http.Request, n, defTop, maxTop int) ([2]int, string, bool) {
	q := r.URL.Query()
	top := defTop
	if s := q.Get("$top"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > maxTop {
			l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", s, maxTop))
			return [2]int{}, "", false
		}
		top = v
	}
	from := 0
	if tok := q.Get("$skiptoken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		v, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
		if err != nil || err2 != nil || v < 0 {
			l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Invalid skip token.")
			return [2]int{}, "", false
		}
		from = min(v, n)
	}
	to := min(from+top, n)
	next := ""
	if to < n {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("$skiptoken", base64.RawURLEncoding.EncodeToString([]byte("o:"+strconv.Itoa(to))))
		next = l.graphBase(r) + strings.TrimPrefix(r.URL.Path, "/v1.0") + "?" + nq.Encode()
	}
	return [2]int{from, to}, next, true
}
