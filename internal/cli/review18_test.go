package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/cli"
	"github.com/o365doctor/o365doctor/internal/lab"
)

// The lab's service app is granted every manage scope; auth status should
// not call the Okta fixes' permissions missing.
func TestRevAuthStatusServiceAppFixes(t *testing.T) {
	env, _ := serveLab(t, "immutableid-mismatch", "--okta-auth", "private-key")
	out, errOut, code := run(t, env, "auth", "status", "--json")
	t.Logf("exit %d %s", code, errOut)
	var st cli.AuthStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	t.Logf("okta perms: %v", st.Systems[0].Permissions)
	for _, n := range st.Needs {
		if n.Kind == "fix" && strings.HasPrefix(n.ID, "okta.") {
			t.Logf("fix %s: okta=%s", n.ID, n.Okta)
			if n.Okta != "ok" {
				t.Errorf("fix %s: %q though the lab's app is granted it", n.ID, n.Okta)
			}
		}
	}
}

func TestRevBadKeyInEnv(t *testing.T) {
	env, _ := serveLab(t, "immutableid-mismatch", "--okta-auth", "private-key")
	secret := "c2VjcmV0LXByaXZhdGUtZXhwb25lbnQtdmFsdWUtMTIzNDU2"
	for _, bad := range []string{
		`{"kty":"RSA","n":"AQAB","e":"AQAB","d":"` + secret + `","p":"` + secret + `","q":"AQ"}`,
		"-----BEGIN PRIVATE KEY-----\n" + secret + "\n-----END PRIVATE KEY-----",
		`{"kty":"RSA", "d": "` + secret + `" garbage`,
	} {
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		e["OKTA_CLIENT_PRIVATEKEY"] = bad
		for _, args := range [][]string{{"auth", "status"}, {"user", env["O365DOCTOR_LAB_USER"], "--json", "--debug"}} {
			out, errOut, code := run(t, e, args...)
			t.Logf("%v: exit %d stderr %q", args, code, errOut)
			if strings.Contains(out+errOut, secret) || strings.Contains(out+errOut, secret[:20]) {
				t.Errorf("secret leaked")
			}
			if code != 2 {
				t.Errorf("%v exit %d, want 2", args, code)
			}
		}
	}
}

// The environment's credentials belong to another tenant: under --profile
// they should not matter.
func TestRevEnvKeyBreaksProfile(t *testing.T) {
	l, err := lab.Start(lab.Options{Scenario: mustScenario(t, "immutableid-mismatch")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	env := map[string]string{"O365DOCTOR_JOURNAL": filepath.Join(t.TempDir(), "j.jsonl")}
	body := "profiles:\n" + labProfile(t, "alpha", l, env)
	conf := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(conf, []byte(body), 0o600)
	env["O365DOCTOR_CONFIG"] = conf
	env["O365DOCTOR_LAB_NAMESERVERS"] = labEnv(t, l)["O365DOCTOR_LAB_NAMESERVERS"]
	_, errOut, code := run(t, env, "auth", "status", "--profile", "alpha")
	t.Logf("baseline exit %d %q", code, errOut)
	other := filepath.Join(t.TempDir(), "other-tenant.pem")
	os.WriteFile(other, []byte("x"), 0o644)
	for k, v := range map[string]string{"OKTA_CLIENT_PRIVATEKEY": other, "O365DOCTOR_GRAPH_AUTH": "Certificat"} {
		e := map[string]string{}
		for a, b := range env {
			e[a] = b
		}
		e[k] = v
		_, errOut, code := run(t, e, "auth", "status", "--profile", "alpha")
		if code != 0 {
			t.Errorf("%s of another tenant breaks --profile alpha: exit %d %q", k, code, errOut)
		}
	}
	// Several tenants, one of them broken: the JSON array.
	body += "  beta:\n    domain: contoso.com\n    okta:\n      url: https://x.okta.com\n      token: env:NOT_SET_ANYWHERE\n"
	os.WriteFile(conf, []byte(body), 0o600)
	out, errOut, code := run(t, env, "preflight", "--all-profiles", "--json", "--skip", "dns")
	var reps []map[string]any
	err = json.Unmarshal([]byte(out), &reps)
	t.Logf("all-profiles: exit %d, %d reports (%v), stderr %q", code, len(reps), err, errOut)
	if len(reps) != 2 {
		t.Errorf("the JSON array holds %d reports for 2 tenants; beta's failure is only on stderr", len(reps))
	}
}

// Nobody at a keyboard (stdin not a terminal, as in cron/CI): a device-code
// sign-in (or auto falling through to it) waits for a person.
func TestRevDeviceCodeWithoutPerson(t *testing.T) {
	env, _ := serveLab(t, "immutableid-mismatch", "--graph-auth", "device-code")
	env["O365DOCTOR_TIMEOUT"] = "5s"
	done := make(chan string, 1)
	start := time.Now()
	go func() {
		_, errOut, code := run(t, env, "auth", "status", "--json")
		done <- fmt.Sprintf("exit %d after %v: %q", code, time.Since(start).Round(time.Second), errOut)
	}()
	select {
	case s := <-done:
		t.Log(s)
	case <-time.After(45 * time.Second):
		t.Errorf("auth status with --graph-auth device-code and no terminal still waiting after 45s (O365DOCTOR_TIMEOUT=5s)")
	}
}
