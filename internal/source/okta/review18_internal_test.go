package okta

import (
	"crypto/rand"
	"crypto/rsa"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/jws"
)

// TestRevChallengeOf: a WWW-Authenticate challenge is read into its
// parameters, cleaned, and no header (cut short, unquoted, control
// characters, 10 000 parameters) panics.
func TestRevChallengeOf(t *testing.T) {
	for h, want := range map[string]map[string]string{
		`Bearer error="insufficient_scope", scope="okta.users.read okta.apps.read"`: {"error": "insufficient_scope", "scope": "okta.users.read okta.apps.read"},
		`Bearer error="a",error_description=b c, scope="okta.x"`:                    {"error": "a", "error_description": "b c", "scope": "okta.x"},
		`DPoP a="b", error="x` + "\ny" + `", error_description="a` + "\x00" + `b"`:  {"a": "b", "error": "x y", "error_description": "ab"},
		`Bearer error="`: {},
		"":               {},
	} {
		if got := challengeOf(h); !maps.Equal(got, want) {
			t.Errorf("%q: %q, want %q", h, got, want)
		}
	}
	for _, h := range []string{"Bearer", "Bearer ", `Bearer error=`, `Bearer =,=,=`, strings.Repeat(`a="b", `, 10000)} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%.60q panics %v", h, r)
				}
			}()
			challengeOf(h)
		}()
	}
}

// The guard retries a GET that met a 5xx below the OAuth transport: the
// same DPoP proof (same jti) is sent twice.
func TestRevGuardRetryReplaysDPoPProof(t *testing.T) {
	var mu sync.Mutex
	var jtis []string
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth2/v1/token" {
			if r.Header.Get("DPoP") == "" {
				w.WriteHeader(400)
				w.Write([]byte(`{"error":"invalid_dpop_proof","error_description":"missing"}`))
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"token_type":"DPoP","expires_in":3600,"access_token":"tok123456","scope":"okta.users.read"}`))
			return
		}
		p, err := jws.Parse(r.Header.Get("DPoP"))
		if err != nil {
			t.Errorf("no proof: %v", err)
		}
		mu.Lock()
		jtis = append(jtis, p.String("jti"))
		n++
		first := n == 1
		mu.Unlock()
		if first {
			w.WriteHeader(503)
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	s := config.Settings{Timeout: 10 * time.Second}
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	ts := &tokenSource{orgURL: srv.URL, clientID: "0oa", key: key, scopes: []string{"okta.users.read"}, http: s.HTTPClientFor(config.Okta), now: time.Now}
	// As okta.New builds it: the OAuth transport under the guard's retries.
	c := s.HTTPClientWith(config.Okta, func(rt http.RoundTripper) http.RoundTripper { return oauthTransport{next: rt, ts: ts} })
	resp, err := c.Get(srv.URL + "/api/v1/users/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(jtis) != 2 || jtis[0] == jtis[1] {
		t.Errorf("the retried GET re-sent the same DPoP proof (jti %s twice): a server that keeps jtis (RFC 9449 §11.1) refuses it", jtis[0])
	}
}

// Hostile token endpoint answers.
func TestRevHostileTokenEndpoint(t *testing.T) {
	bodies := []struct {
		status int
		body   string
	}{
		{200, `not json SECRETVALUE`},
		{200, `{"token_type":"Bearer","expires_in":9223372036854775807,"access_token":"abcdefgh"}`},
		{200, `{"token_type":"Bearer","expires_in":30,"access_token":"abcdefgh"}`},
		{200, `{"token_type":"Bearer","expires_in":"3600","access_token":"abcdefgh"}`},
		{200, `{"token_type":"mac","expires_in":3600,"access_token":"abcdefgh"}`},
		{400, `{"error":"invalid_scope","error_description":"The following scopes are not allowed: okta.users.read"}`},
		{400, `{"error":"x\u001b[31m\nred","error_description":"line1\nline2 Bearer abc.def"}`},
		{401, `<html>nope</html>`},
	}
	for i, b := range bodies {
		count := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/oauth2/v1/token" {
				count++
				w.WriteHeader(b.status)
				w.Write([]byte(b.body))
				return
			}
			w.Write([]byte(`{}`))
		}))
		s := config.Settings{Timeout: 10 * time.Second}
		key, _ := rsa.GenerateKey(rand.Reader, 2048)
		ts := &tokenSource{orgURL: srv.URL, clientID: "0oa", key: key, scopes: []string{"okta.users.read", "okta.apps.read"}, http: s.HTTPClientFor(config.Okta), now: time.Now}
		// As okta.New builds it: the OAuth transport under the guard's retries.
		c := s.HTTPClientWith(config.Okta, func(rt http.RoundTripper) http.RoundTripper { return oauthTransport{next: rt, ts: ts} })
		var errs []string
		for j := 0; j < 3; j++ {
			resp, err := c.Get(srv.URL + "/api/v1/users/me")
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			resp.Body.Close()
		}
		t.Logf("case %d: token requests %d, errs %q", i, count, errs)
		srv.Close()
	}
}
