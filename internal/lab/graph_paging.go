package lab

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// graphPage reads $top and $skiptoken and returns one page of items and
// the nextLink: the same URL with every query parameter kept and a new
// $skiptoken, which clients must follow verbatim.
//
// items are sorted by key, every key distinct. The skiptoken is opaque to
// clients; it carries the listing's name and the key of the last item
// returned, and the next page starts at the first item whose key sorts
// after it. So a user added or deleted between pages neither shifts the
// others (an offset would skip or repeat one) nor makes the token invalid.
// A token that does not decode, or was issued for another listing, is
// Graph's 400.
//
// match, when not nil, is the listing's $filter: the page holds the next
// top items that match, found by reading on from the token's position, so
// a page costs what it holds, not the whole listing.
func graphPage[T any](l *Lab, w http.ResponseWriter, r *http.Request, listing string, items []T, key func(T) string, match func(T) bool, defTop, maxTop int) ([]T, string, bool) {
	q := r.URL.Query()
	top := defTop
	if s := q.Get("$top"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > maxTop {
			l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", s, maxTop))
			return nil, "", false
		}
		top = v
	}
	from := 0
	if tok := q.Get("$skiptoken"); tok != "" {
		after, ok := decodeSkipToken(listing, tok)
		if !ok {
			l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Invalid Skip Token")
			return nil, "", false
		}
		from = sort.Search(len(items), func(i int) bool { return key(items[i]) > after })
	}
	var page []T
	to := min(from+top, len(items))
	more := to < len(items)
	if match == nil {
		page = items[from:to]
	} else {
		to = from
		for ; to < len(items) && len(page) < top; to++ {
			if match(items[to]) {
				page = append(page, items[to])
			}
		}
		more = false
		for _, it := range items[to:] {
			if match(it) {
				more = true
				break
			}
		}
	}
	next := ""
	if more {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("$skiptoken", encodeSkipToken(listing, key(items[to-1])))
		next = l.graphBase(r) + strings.TrimPrefix(r.URL.Path, "/v1.0") + "?" + nq.Encode()
	}
	return page, next, true
}

func encodeSkipToken(listing, after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(listing + "|" + after))
}

func decodeSkipToken(listing, tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", false
	}
	name, after, ok := strings.Cut(string(b), "|")
	return after, ok && name == listing && after != ""
}
