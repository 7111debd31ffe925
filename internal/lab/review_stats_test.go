package lab_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// rateLimited is "429s served": a request over the limit that is answered
// 401 (bad token) is no 429; a fault-injected 429 is one.
func TestStatsCountThe429sServed(t *testing.T) {
	l := labtest.StartWith(t, "healthy", lab.Options{RateLimits: map[string]int{"/api/v1/apps": 1}, RateWindow: time.Minute})
	hc := l.Settings().HTTPClient()
	served429 := 0
	for range 3 {
		req, _ := http.NewRequest("GET", l.OktaURL+"/api/v1/apps", nil)
		req.Header.Set("Authorization", "SSWS wrong")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 429 {
			served429++
		}
	}
	if st := l.Stats(); st["okta"].RateLimited != served429 {
		t.Fatalf("429s served %d, stats say %d", served429, st["okta"].RateLimited)
	}
}
