package okta_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

// The key rollover's calls against answers in wrong shapes: one line naming
// the call, never a panic, never a PUT of an app read wrong.
func TestKeyCallsWrongShapes(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"empty body": "",
		"null":       "null",
		"a list":     `[{"id":"0oa1"}]`,
		"another id": `{"id":"0oa2","credentials":{"signing":{"kid":"k1"}}}`,
		"no creds":   `{"id":"0oa1"}`,
		"no x5c":     `{"id":"0oa1","kid":"k2"}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var puts atomic.Int32
			srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPut {
					puts.Add(1)
				}
				sourcetest.Raw(w, http.StatusOK, "application/json", body)
			}))
			c, s := client(t, srv, 5*time.Second)
			ctx := context.Background()
			checkLine(t, c.SetSigningKid(ctx, "0oa1", "k2"), "okta: set the signing key of app 0oa1: ", "", s)
			if _, err := c.GenerateAppKey(ctx, "0oa1"); err == nil {
				t.Fatal("a generated key from a wrong answer")
			}
			if n := puts.Load(); n != 0 {
				t.Fatalf("%d PUT(s) of an app read as %s", n, name)
			}
		})
	}
}
