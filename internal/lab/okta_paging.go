package lab

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// oktaList writes one page of items, each through view.
func oktaList[T, V any](w http.ResponseWriter, r *http.Request, items []T, id func(T) string, defLimit, maxLimit int, view func(T) V) {
	page, ok := oktaPage(w, r, items, id, defLimit, maxLimit)
	if !ok {
		return
	}
	out := make([]V, len(page))
	for i, it := range page {
		out[i] = view(it)
	}
	writeJSON(w, http.StatusOK, out)
}

// oktaPage applies Okta's cursor paging (limit, after = the last ID of the
// previous page) and writes the Link headers, one header line per link as
// Okta does: the SDK reads rel="next" only from its own line.
func oktaPage[T any](w http.ResponseWriter, r *http.Request, items []T, id func(T) string, defLimit, maxLimit int) ([]T, bool) {
	q := r.URL.Query()
	limit := defLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: limit", "limit: must be a positive integer")
			return nil, false
		}
		limit = min(n, maxLimit)
	}
	start := 0
	if after := q.Get("after"); after != "" {
		start = cursorStart(items, id, after)
	}
	end := min(start+limit, len(items))
	page := items[start:end]
	self := *r.URL
	self.Scheme, self.Host = "https", r.Host
	w.Header().Add("Link", "<"+self.String()+`>; rel="self"`)
	if end < len(items) {
		next := self
		nq := next.Query()
		nq.Set("after", id(items[end-1]))
		nq.Set("limit", strconv.Itoa(limit))
		next.RawQuery = nq.Encode()
		w.Header().Add("Link", "<"+next.String()+`>; rel="next"`)
	}
	return page, true
}

// cursorStart is the position after the item with ID after; when that
// item is gone (deleted between pages) it falls back to the first ID after
// it, which is right for the lists kept in ID order.
func cursorStart[T any](items []T, id func(T) string, after string) int {
	// Most lists are in ID order: look there first, in log n.
	if i := sort.Search(len(items), func(i int) bool { return id(items[i]) >= after }); i < len(items) && id(items[i]) == after {
		return i + 1
	}
	for i, it := range items {
		if id(it) == after {
			return i + 1
		}
	}
	for i, it := range items {
		if id(it) > after {
			return i
		}
	}
	return len(items)
}

// parseOktaFilter understands the subset of Okta's filter and search
// expressions the lab needs: `attr eq "value"` and `attr sw "value"`
// clauses, joined all by `and` or all by `or`. Attribute names are
// case-sensitive; operators are not.
func parseOktaFilter(expr string) (func(get func(attr string) []string) bool, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return func(func(string) []string) bool { return true }, nil
	}
	type clause struct{ attr, op, value string }
	join := " and "
	lower := strings.ToLower(expr)
	if strings.Contains(lower, " or ") {
		if strings.Contains(lower, " and ") {
			return nil, fmt.Errorf("filter: mixing and/or is not supported by the lab: %q", expr)
		}
		join = " or "
	}
	var clauses []clause
	for _, part := range splitFold(expr, join) {
		fields := strings.SplitN(strings.TrimSpace(part), " ", 3)
		if len(fields) != 3 {
			return nil, fmt.Errorf("filter: cannot parse %q", part)
		}
		op := strings.ToLower(fields[1])
		if op != "eq" && op != "sw" && op != "co" {
			return nil, fmt.Errorf("filter: operator %q is not supported", fields[1])
		}
		v, err := strconv.Unquote(fields[2])
		if err != nil {
			return nil, fmt.Errorf("filter: value %s is not a quoted string", fields[2])
		}
		clauses = append(clauses, clause{fields[0], op, v})
	}
	return func(get func(string) []string) bool {
		any := join == " or "
		for _, c := range clauses {
			ok := false
			for _, v := range get(c.attr) {
				switch c.op {
				case "eq":
					ok = ok || strings.EqualFold(v, c.value)
				case "sw":
					ok = ok || strings.HasPrefix(strings.ToLower(v), strings.ToLower(c.value))
				case "co":
					ok = ok || strings.Contains(strings.ToLower(v), strings.ToLower(c.value))
				}
			}
			if any && ok {
				return true
			}
			if !any && !ok {
				return false
			}
		}
		return !any
	}, nil
}

// splitFold splits s at the word sep (" and ", " or "), ignoring case. It
// matches on s itself: lower-casing can change byte lengths.
func splitFold(s, sep string) []string {
	re := regexp.MustCompile(`(?i)\s+` + regexp.QuoteMeta(strings.TrimSpace(sep)) + `\s+`)
	return re.Split(s, -1)
}
