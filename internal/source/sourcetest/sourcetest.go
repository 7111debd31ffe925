// Package sourcetest serves the source adapters' tests the answers a real
// server should never give: redirects, long rate limits, credentials echoed
// back, bodies of the wrong shape or size, pagers that never end. Each
// server is a loopback TLS server (httptest) that remembers every request
// it received, so a test can show that a credential never reached it.
package sourcetest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/config"
)

// Server is a TLS server on loopback that records what it receives.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	requests []Request
}

// Request is one request a Server received.
type Request struct {
	Method string
	URL    string // path and query
	Header http.Header
	Body   string
}

// Start serves h over TLS until the test ends, recording each request
// (with its body, up to 1 MiB) before h sees it.
func Start(t testing.TB, h http.Handler) *Server {
	t.Helper()
	s := &Server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, URL: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(body)})
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// Requests returns what the server received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Received reports whether any request carried text (in its URL, a header
// or its body).
func (s *Server) Received(text string) bool {
	for _, r := range s.Requests() {
		if strings.Contains(r.URL, text) || strings.Contains(r.Body, text) {
			return true
		}
		for _, vs := range r.Header {
			for _, v := range vs {
				if strings.Contains(v, text) {
					return true
				}
			}
		}
	}
	return false
}

// CAPEM is the servers' certificate (every httptest TLS server has the
// same), to trust as an extra CA.
func (s *Server) CAPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
}

// Random returns a random credential-like value with a prefix, registered
// with the masker as the CLI registers real ones.
func Random(prefix string) string {
	v := Token(prefix)
	config.RegisterSecret(v)
	return v
}

// Token returns a random value with a prefix that nobody registered with
// the masker, as a server issues an access token.
func Token(prefix string) string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Settings points the adapters at the servers (nil ones stay empty), with
// fresh random credentials and the given timeout.
func Settings(okta, graph, login *Server, timeout time.Duration) config.Settings {
	s := config.Settings{
		OktaToken:    config.NewSecret(Random("00okta")),
		TenantID:     "6b3f5a0e-0000-4000-8000-00000000c0de",
		ClientID:     "0a1b2c3d-0000-4000-8000-00000000a99d",
		ClientSecret: config.NewSecret(Random("secret~")),
		Timeout:      timeout,
	}
	for _, srv := range []*Server{okta, graph, login} {
		if srv != nil {
			s.ExtraCAPEM = srv.CAPEM()
		}
	}
	if okta != nil {
		s.OktaURL = okta.URL
	}
	if graph != nil {
		s.GraphURL = graph.URL + "/v1.0"
	}
	if login != nil {
		s.LoginURL = login.URL
	}
	return s
}

// JSON writes v as an application/json answer.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Raw writes body as it is, with the content type.
func Raw(w http.ResponseWriter, status int, contentType, body string) {
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// Huge writes a JSON answer of n bytes, streamed (no Content-Length): an
// object whose one string grows until n.
func Huge(w http.ResponseWriter, n int64) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	_, _ = io.WriteString(w, `{"id":"`)
	for written := int64(7); written < n; written += int64(len(chunk)) {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
	_, _ = io.WriteString(w, `"}`)
}

// Login serves the two Microsoft identity platform endpoints azidentity's
// client-secret flow uses: the tenant's OpenID configuration (issuer,
// authorization and token endpoints on this server, as MSAL requires) and
// the token endpoint, which hands out token for any client credentials.
// token == nil leaves the token endpoint to the caller's mux.
func Login(mux *http.ServeMux, token func() string) {
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		base := "https://" + r.Host + "/" + r.PathValue("tenant")
		JSON(w, http.StatusOK, map[string]any{
			"issuer":                 base + "/v2.0",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize",
			"token_endpoint":         base + "/oauth2/v2.0/token",
			"jwks_uri":               base + "/discovery/v2.0/keys",
		})
	})
	if token != nil {
		mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
			JSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "access_token": token()})
		})
	}
}
