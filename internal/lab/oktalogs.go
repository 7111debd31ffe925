package lab

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// oktaLogs is GET /api/v1/logs as the System Log query guide describes it:
// since (default 7 days before until), until (default now), filter (eq, sw
// and co on eventType, actor.*, target.*, outcome.*), q (keywords),
// limit (default 100, maximum 1000), sortOrder and the opaque after
// cursor. Without until it is a polling request: a next link is always
// sent, even on an empty page, so a client must stop on its own.
func (l *Lab) oktaLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	now := l.now()
	until := now
	polling := q.Get("until") == ""
	if !polling {
		t, err := time.Parse(time.RFC3339, q.Get("until"))
		if err != nil {
			writeOktaError(w, http.StatusBadRequest, "E0000030", "Bad request. Invalid date. Dates must be of the form yyyy-MM-dd'T'HH:mm:ss.SSSZZ, e.g. 2013-01-01T12:00:00.000-07:00.")
			return
		}
		until = t
	}
	since := until.Add(-7 * 24 * time.Hour)
	if s := q.Get("since"); s != "" {
		if q.Get("after") != "" {
			writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: since", "since and after are mutually exclusive")
			return
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			writeOktaError(w, http.StatusBadRequest, "E0000030", "Bad request. Invalid date. Dates must be of the form yyyy-MM-dd'T'HH:mm:ss.SSSZZ, e.g. 2013-01-01T12:00:00.000-07:00.")
			return
		}
		since = t
	}
	if since.Before(now.Add(-180 * 24 * time.Hour)) {
		writeOktaError(w, http.StatusBadRequest, "E0000053", "Invalid parameter: The since parameter is over 180 days prior to the current day.")
		return
	}
	limit := 100
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: limit", "limit: must be 0 to 1000")
			return
		}
		if n > 0 { // 0 would page forever: treat it as the default
			limit = min(n, 1000)
		}
	}
	match, err := parseOktaFilter(q.Get("filter"))
	if err != nil {
		writeOktaError(w, http.StatusBadRequest, "E0000031", "Invalid search criteria.", err.Error())
		return
	}
	keywords := strings.Fields(strings.ToLower(q.Get("q")))
	descending := strings.EqualFold(q.Get("sortOrder"), "DESCENDING")

	var events []logEvent
	for _, e := range l.state.logs {
		if e.published.Before(since) || !e.published.Before(until) {
			continue
		}
		if !match(func(attr string) []string { return logAttr(e.body, attr) }) || !hasKeywords(e.body, keywords) {
			continue
		}
		events = append(events, e)
	}
	if descending {
		sort.SliceStable(events, func(i, j int) bool { return events[i].published.After(events[j].published) })
	}
	start := 0
	if after := q.Get("after"); after != "" {
		start = len(events)
		for i, e := range events {
			if e.body["uuid"] == after {
				start = i + 1
				break
			}
		}
	}
	end := min(start+limit, len(events))
	page := events[start:end]
	self := url.URL{Scheme: "https", Host: r.Host, Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	w.Header().Add("Link", "<"+self.String()+`>; rel="self"`)
	if end < len(events) || polling {
		next := self
		nq := next.Query()
		nq.Del("since")
		if end > 0 && end <= len(events) && len(page) > 0 {
			nq.Set("after", page[len(page)-1].body["uuid"].(string))
		} else if a := q.Get("after"); a != "" {
			nq.Set("after", a)
		} else {
			nq.Set("since", since.UTC().Format("2006-01-02T15:04:05.000Z"))
		}
		nq.Set("limit", strconv.Itoa(limit))
		next.RawQuery = nq.Encode()
		w.Header().Add("Link", "<"+next.String()+`>; rel="next"`)
	}
	out := make([]map[string]any, len(page))
	for i, e := range page {
		out[i] = e.body
	}
	writeJSON(w, http.StatusOK, out)
}

// logAttr reads a dotted attribute of an event; for target.* every
// target's value counts.
func logAttr(body map[string]any, attr string) []string {
	head, rest, _ := strings.Cut(attr, ".")
	if head == "target" {
		var out []string
		targets, _ := body["target"].([]any)
		for _, t := range targets {
			if m, ok := t.(map[string]any); ok {
				if s, ok := m[rest].(string); ok {
					out = append(out, s)
				}
			}
		}
		return out
	}
	var cur any = body
	for _, part := range strings.Split(attr, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	if s, ok := cur.(string); ok {
		return []string{s}
	}
	return nil
}

func hasKeywords(body map[string]any, words []string) bool {
	if len(words) == 0 {
		return true
	}
	text := strings.ToLower(strings.Join(append(append(logAttr(body, "displayMessage"), logAttr(body, "eventType")...), logAttr(body, "actor.alternateId")...), " "))
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}
