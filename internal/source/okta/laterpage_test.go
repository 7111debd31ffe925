package okta_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

// A failure on a later page is reported as what it is (the HTTP status and
// Okta's code, or the rate limit and its reset), not as a page of the
// wrong shape: the pagers once lost every error after the first page.
func TestALaterPageFailureIsReportedAsItIs(t *testing.T) {
	appUser := []map[string]any{{"id": "00u1", "credentials": map[string]any{"userName": "a@contoso.com"}, "scope": "USER", "status": "ACTIVE"}}
	app := []map[string]any{{"id": "0oa1", "name": "office365", "label": "O365", "status": "ACTIVE", "signOnMode": "SAML_1_1",
		"settings": map[string]any{"app": map[string]any{"domain": "contoso.com"}}}}
	failures := map[string]struct {
		fail func(w http.ResponseWriter)
		want string
	}{
		"500": {func(w http.ResponseWriter) {
			sourcetest.JSON(w, 500, map[string]any{"errorCode": "E0000009", "errorSummary": "Internal Server Error", "errorId": "oae1", "errorCauses": []any{}})
		}, "HTTP 500 E0000009"},
		"429 for an hour": {func(w http.ResponseWriter) {
			w.Header().Set("X-Rate-Limit-Limit", "100")
			w.Header().Set("X-Rate-Limit-Remaining", "0")
			w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
			w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
			sourcetest.JSON(w, 429, map[string]any{"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests."})
		}, "rate limited (HTTP 429 E0000047)"},
	}
	for name, tc := range failures {
		t.Run(name, func(t *testing.T) {
			srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("after") == "page2" {
					tc.fail(w)
					return
				}
				w.Header().Add("Link", fmt.Sprintf(`<https://%s%s?after=page2&limit=500>; rel="next"`, r.Host, r.URL.Path))
				if strings.HasSuffix(r.URL.Path, "/users") {
					sourcetest.JSON(w, 200, appUser)
				} else {
					sourcetest.JSON(w, 200, app)
				}
			}))
			c, _ := client(t, srv, 5*time.Second)
			pages, last := 0, error(nil)
			for page, err := range c.AppUserPages(context.Background(), "0oa1") {
				if err != nil {
					last = err
					break
				}
				pages += len(page)
			}
			if pages != 1 || last == nil || !strings.Contains(last.Error(), tc.want) || strings.Contains(last.Error(), "not a") {
				t.Errorf("app users: %d read, then %v; want %q", pages, last, tc.want)
			}
			if _, err := c.Office365Apps(context.Background()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("apps: %v; want %q", err, tc.want)
			}
		})
	}
}
