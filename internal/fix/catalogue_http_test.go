package fix_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/lab"
)

// labPost posts body to the lab's Graph with an app token, as another
// admin's tool would.
func labPost(t *testing.T, l *lab.Lab, path, body string) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(l.CAPEM)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {l.ClientID}, "client_secret": {l.ClientSecret},
		"scope": {"https://graph.microsoft.com/.default"}}
	resp, err := c.PostForm(l.LoginURL+"/"+l.TenantID+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	req, _ := http.NewRequest("POST", l.GraphURL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
	}
}
