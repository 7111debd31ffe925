package cli_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// federate converts the lab's managed contoso.com to federated through
// Graph, as an admin's script would: a token from the lab's login
// service, then POST /domains/contoso.com/federationConfiguration.
func federate(t *testing.T, l *lab.Lab, passive string) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(l.CAPEM)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	resp, err := c.PostForm(l.LoginURL+"/"+l.TenantID+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {l.ClientID}, "client_secret": {l.ClientSecret},
		"scope": {"https://graph.microsoft.com/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	body, _ := json.Marshal(map[string]any{"displayName": "Okta", "issuerUri": "https://exk1watch", "passiveSignInUri": passive,
		"signingCertificate": caCert(l), "preferredAuthenticationProtocol": "wsFed"})
	req, _ := http.NewRequest(http.MethodPost, l.GraphURL+"/domains/contoso.com/federationConfiguration", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST federationConfiguration: %s", resp.Status)
	}
}

// caCert is the lab CA's certificate as base64 DER: a certificate the
// lab's Graph accepts as a signing certificate.
func caCert(l *lab.Lab) string {
	s := string(l.CAPEM)
	s = s[strings.Index(s, "-----\n")+6:]
	s = s[:strings.Index(s, "-----END")]
	return strings.Join(strings.Fields(s), "")
}

func TestWatch(t *testing.T) {
	healthy := labEnv(t, labtest.Start(t, "healthy"))

	out, _, code := run(t, healthy, "watch", "contoso.com", "--expect", "federated")
	if code != 0 || !strings.Contains(out, "contoso.com is federated after 0s") || !strings.Contains(out, "/app/office365/") {
		t.Errorf("federated healthy lab: exit %d\n%s", code, out)
	}
	// Without --expect it waits for what Entra ID says.
	out, _, code = run(t, healthy, "watch", "CONTOSO.com.")
	if code != 0 || !strings.Contains(out, "expected by Entra ID") {
		t.Errorf("no --expect: exit %d\n%s", code, out)
	}
	out, _, code = run(t, healthy, "watch", "contoso.com", "--expect", "managed", "--every", "1s", "--for", "1500ms")
	if code != 1 || !strings.Contains(out, "still not managed after 1.5s") || strings.Count(out, "\n+") != 1 {
		t.Errorf("never managed: exit %d (want 1), one line per change\n%s", code, out)
	}
	for _, bad := range [][]string{
		{"watch", "contoso.com", "--expect", "sideways"},
		{"watch", "contoso.com", "--expect", "managed", "--every", "10ms"},
		{"watch", "contoso.com", "--expect", "managed", "--for", "0s"},
		{"watch", "not a domain", "--expect", "managed"},
	} {
		if _, stderr, code := run(t, healthy, bad...); code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
			t.Errorf("%v: exit %d, %q", bad, code, stderr)
		}
	}
	// No Graph credentials and no --expect: nothing says what to wait for.
	if _, stderr, code := run(t, map[string]string{"O365DOCTOR_LOGIN_URL": healthy["O365DOCTOR_LOGIN_URL"], "O365DOCTOR_CA_FILE": healthy["O365DOCTOR_CA_FILE"]},
		"watch", "contoso.com"); code != 2 || !strings.Contains(stderr, "--expect") {
		t.Errorf("no Graph, no --expect: exit %d, %q", code, stderr)
	}

	// A managed domain federated while watch runs: the change shows with
	// its elapsed time, and watch ends 0.
	l := labtest.Start(t, "swa-sign-on")
	env := labEnv(t, l)
	go func() {
		time.Sleep(1200 * time.Millisecond)
		federate(t, l, l.OktaURL+"/app/office365/exk1watch/sso/wsfed/passive")
	}()
	out, stderr, code := run(t, env, "watch", "contoso.com", "--expect", "federated", "--every", "1s", "--for", "20s", "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 {
		t.Fatalf("exit %d, %d lines (want 2: managed, then federated)\n%s\n%s", code, len(lines), out, stderr)
	}
	var first, last struct {
		Elapsed, Realm, Entra string
		Holds                 bool
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &last); err != nil {
		t.Fatal(err)
	}
	if first.Realm != "Managed" || first.Holds || last.Realm != "Federated" || last.Entra != "Federated" || !last.Holds || last.Elapsed == "0s" {
		t.Errorf("observations %+v then %+v", first, last)
	}

	// Federated, but to a leftover ADFS: not what "federated" means here,
	// and the line says why; with --json the last line carries the result.
	adfs := labEnv(t, labtest.Start(t, "federated-to-adfs"))
	out, _, code = run(t, adfs, "watch", "contoso.com", "--expect", "federated", "--every", "1s", "--for", "1500ms")
	if code != 1 || !strings.Contains(out, "sts.contoso.com/adfs/ls/), not an Okta Office 365 app") {
		t.Errorf("ADFS: exit %d\n%s", code, out)
	}
	out, _, code = run(t, adfs, "watch", "contoso.com", "--expect", "federated", "--every", "1s", "--for", "1500ms", "--json")
	lines = strings.Split(strings.TrimSpace(out), "\n")
	var final struct{ Result string }
	if code != 1 || json.Unmarshal([]byte(lines[len(lines)-1]), &final) != nil || final.Result != "timeout" {
		t.Errorf("ADFS --json: exit %d, last line %q", code, lines[len(lines)-1])
	}
	// Realm discovery that never answers is not "not yet": exit 4.
	dead := map[string]string{"O365DOCTOR_LOGIN_URL": "https://127.0.0.1:9"}
	out, _, code = run(t, dead, "watch", "contoso.com", "--expect", "federated", "--every", "1s", "--for", "1m")
	if code != 4 || !strings.Contains(out, "failed 5 times in a row") {
		t.Errorf("dead realm discovery: exit %d\n%s", code, out)
	}
}
