package lab

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// faults injects latency and errors, deterministically for a seed: each
// system (okta, graph, login) draws from its own generator, seeded from the
// seed and the system's name, so the same seed and the same sequence of
// requests to a system give that system the same faults, however its
// requests interleave with the other systems'.
type faults struct {
	rate         float64
	kinds        []int
	latency      time.Duration
	routeLatency map[string]time.Duration
	seed         int64

	mu   sync.Mutex
	rngs map[string]*rand.Rand // by system
}

// FaultKinds are the names Options.FaultKinds accepts.
var FaultKinds = []string{"429", "500", "503", "drop"}

func newFaults(rate float64, seed int64, latency time.Duration, route map[string]time.Duration, kinds []string) (*faults, error) {
	f := &faults{rate: rate, latency: latency, routeLatency: route, seed: seed, rngs: map[string]*rand.Rand{}}
	for _, k := range kinds {
		i := -1
		for j, name := range FaultKinds {
			if name == k {
				i = j
			}
		}
		if i < 0 {
			return nil, fmt.Errorf("lab: unknown fault kind %q (known: %s)", k, strings.Join(FaultKinds, ", "))
		}
		f.kinds = append(f.kinds, i)
	}
	if len(f.kinds) == 0 {
		f.kinds = []int{fault429, fault500, fault503, faultDrop}
	}
	return f, nil
}

// delay waits the route's latency; false when the client went away.
func (f *faults) delay(ctx context.Context, route string) bool {
	d := f.latency + f.routeLatency[route]
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// The kinds of fault, drawn with equal weight among those enabled.
const (
	fault429 = iota
	fault500
	fault503
	faultDrop
)

// inject answers the request with a fault, at the configured rate. Each
// system's fault carries what that API really sends: Okta's 429 has
// X-Rate-Limit-Limit/Remaining/Reset (the reset in UTC epoch seconds, which
// the Okta SDK compares with Date), Graph's has Retry-After.
func (f *faults) inject(w http.ResponseWriter, r *http.Request, system string, now time.Time) bool {
	if f.rate <= 0 {
		return false
	}
	f.mu.Lock()
	rng := f.rngs[system]
	if rng == nil {
		rng = rand.New(rand.NewPCG(uint64(f.seed), 0xfa17<<32|uint64(hash32(system))))
		f.rngs[system] = rng
	}
	hit := rng.Float64() < f.rate
	kind := f.kinds[rng.IntN(len(f.kinds))]
	f.mu.Unlock()
	if !hit {
		return false
	}
	if kind == faultDrop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return true
			}
		}
		kind = fault503 // HTTP/2 or a recorder: no connection to drop
	}
	h := w.Header()
	h.Set("Date", rfc1123(now))
	switch system {
	case "okta":
		h.Set("X-Okta-Request-Id", randomToken(27))
		switch kind {
		case fault429:
			h.Set("X-Rate-Limit-Limit", "600")
			h.Set("X-Rate-Limit-Remaining", "0")
			// The window resets now: the SDK waits Reset - Date + 1 s.
			h.Set("X-Rate-Limit-Reset", strconv.FormatInt(now.Unix(), 10))
			writeOktaError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
		case fault500:
			writeOktaError(w, http.StatusInternalServerError, "E0000009", "Internal Server Error")
		default:
			writeOktaError(w, http.StatusServiceUnavailable, "E0000010", "Service is in read only mode")
		}
	case "graph":
		switch kind {
		case fault429:
			h.Set("Retry-After", "1")
			writeGraphFault(w, http.StatusTooManyRequests, "TooManyRequests", "Please retry again later.", now)
		case fault500:
			writeGraphFault(w, http.StatusInternalServerError, "UnknownError", "", now)
		default:
			h.Set("Retry-After", "1")
			writeGraphFault(w, http.StatusServiceUnavailable, "serviceNotAvailable", "Service Unavailable", now)
		}
	default:
		switch kind {
		case fault429:
			h.Set("Retry-After", "1")
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "temporarily_unavailable", "error_description": "AADSTS90055: The request is throttled temporarily."})
		default:
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "temporarily_unavailable", "error_description": "AADSTS90033: A transient error has occurred. Please try again."})
		}
	}
	return true
}

func writeGraphFault(w http.ResponseWriter, status int, code, msg string, now time.Time) {
	reqID := guid("req:" + randomToken(12))
	w.Header().Set("request-id", reqID)
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": msg,
		"innerError": map[string]any{"date": now.UTC().Format("2006-01-02T15:04:05"), "request-id": reqID, "client-request-id": reqID},
	}})
}
