package graph_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

// The revocation's answer in wrong shapes: one line naming the call, never
// a panic, never "revoked" without Graph's {"value": true}.
func TestRevokeSessionsWrongShapes(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"empty body":  "",
		"null":        "null",
		"value false": `{"value":false}`,
		"no value":    `{}`,
		"a list":      `[true]`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tn := start(t, func(w http.ResponseWriter, r *http.Request) {
				sourcetest.Raw(w, http.StatusOK, "application/json", body)
			}, nil, nil, 5*time.Second)
			tn.check(t, tn.client.RevokeSessions(context.Background(), "0c1d2e3f-0000-4000-8000-000000000001"),
				"graph: revoke the sign-in sessions of user 0c1d2e3f-0000-4000-8000-000000000001: ", "")
		})
	}
}
