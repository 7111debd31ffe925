package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/cli"
	"github.com/o365doctor/o365doctor/internal/lab"
)

// userRuns runs `user` on the lab's affected user and holds it to the
// scenario: identity.immutableid-match fails, no check ends in error.
func userRuns(t *testing.T, env map[string]string) (stdout, stderr string) {
	t.Helper()
	out, errOut, code := run(t, env, "user", env["O365DOCTOR_LAB_USER"], "--json")
	if code != 1 {
		t.Fatalf("user exited %d, want 1 (the scenario's failure): %s", code, errOut)
	}
	rep := decode(t, out)
	if r := result(t, rep, "identity.immutableid-match"); r.Status != "fail" {
		t.Fatalf("identity.immutableid-match = %s: %s", r.Status, r.Message)
	}
	for _, r := range rep.Results {
		if r.Status == "error" {
			t.Errorf("%s ended in error: %s", r.CheckID, r.Message)
		}
	}
	return out, errOut
}

func TestEverySignInFlowRunsUser(t *testing.T) {
	cases := []struct {
		name  string
		flags []string
		check func(t *testing.T, env map[string]string, stderr string)
	}{
		{"okta private key", []string{"--okta-auth", "private-key"}, nil},
		{"okta private key with DPoP", []string{"--okta-auth", "private-key", "--dpop"}, nil},
		{"graph certificate", []string{"--graph-auth", "certificate"}, nil},
		{"graph device code", []string{"--graph-auth", "device-code", "--auto-approve"}, func(t *testing.T, env map[string]string, stderr string) {
			if !strings.Contains(stderr, "https://microsoft.com/devicelogin") || !strings.Contains(stderr, "enter the code") {
				t.Errorf("the device code's instructions are not on stderr: %q", stderr)
			}
			// Nobody at a terminal (cron, CI): refused at once, not a
			// wait of the code's 15 minutes.
			env["O365DOCTOR_TIMEOUT"] = "5s"
			start := time.Now()
			_, errOut, code := runAs(t, env, cli.IOStreams{}, "auth", "status")
			if code != 2 || !strings.Contains(errOut, "needs a person at a terminal") || time.Since(start) > 10*time.Second {
				t.Errorf("device code without a terminal: exit %d after %s: %s", code, time.Since(start), errOut)
			}
		}},
		{"graph azure cli", []string{"--graph-auth", "azure-cli"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env, printed := serveLab(t, "immutableid-mismatch", tc.flags...)
			// The credential the asked-for flow replaces is not exported.
			gone := "AZURE_CLIENT_SECRET"
			if slices.Contains(tc.flags, "private-key") {
				gone = "OKTA_API_TOKEN"
			}
			if _, ok := env[gone]; ok {
				t.Fatalf("lab serve %v exported %s: the flow asked for would not be the one that runs\n%s", tc.flags, gone, printed)
			}
			if slices.Contains(tc.flags, "device-code") {
				env[ttyIn] = "1"
			}
			if p, ok := env["PATH"]; ok {
				// The stand-in az: azidentity runs it through /bin/sh
				// with the process's PATH.
				t.Setenv("PATH", strings.Replace(p, "$PATH", os.Getenv("PATH"), 1))
			}
			_, stderr := userRuns(t, env)
			if tc.check != nil {
				tc.check(t, env, stderr)
			}
			out, errOut, code := run(t, env, "auth", "status", "--json")
			if code != 0 {
				t.Fatalf("auth status exited %d: %s", code, errOut)
			}
			var st cli.AuthStatus
			if err := json.Unmarshal([]byte(out), &st); err != nil {
				t.Fatal(err)
			}
			for _, sys := range st.Systems {
				if !sys.SignedIn || !sys.Known || len(sys.Permissions) == 0 {
					t.Errorf("auth status: %+v", sys)
				}
			}
		})
	}
}

// A Graph app without AuditLog.Read.All: auth status names the checks that
// need it, and user skips them before any call (no 403 in the lab's log).
func TestMissingPermissionIsSkippedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	sc, err := lab.LoadScenario("immutableid-mismatch")
	if err != nil {
		t.Fatal(err)
	}
	sc.Tenant.AppRoles = []string{"User.Read.All", "Directory.Read.All", "Domain.Read.All", "Organization.Read.All",
		"Policy.Read.All", "GroupMember.Read.All", "RoleManagement.Read.Directory", "Policy.Read.AuthenticationMethod"}
	l, err := lab.Start(lab.Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	env := labEnv(t, l)
	var needing []string
	for _, c := range checks.All() {
		if strings.Contains(c.PermissionsOf(checks.Graph), "AuditLog.Read.All") && !strings.Contains(c.PermissionsOf(checks.Graph), "AuditLog.Read.All optional") {
			needing = append(needing, c.ID)
		}
	}
	if len(needing) == 0 {
		t.Fatal("no check needs AuditLog.Read.All")
	}
	out, errOut, code := run(t, env, "auth", "status", "--json")
	if code != 0 {
		t.Fatalf("auth status exited %d: %s", code, errOut)
	}
	var st cli.AuthStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	for _, n := range st.Needs {
		want := "ok"
		if slices.Contains(needing, n.ID) {
			want = "missing AuditLog.Read.All"
		}
		if n.Kind == "check" && n.Graph != want && n.Graph != "not needed" && n.Graph != "delegated sign-in only" {
			t.Errorf("auth status: %s graph = %q, want %q", n.ID, n.Graph, want)
		}
	}
	text, _, _ := run(t, env, "auth", "status")
	if !strings.Contains(text, "missing AuditLog.Read.All") || !strings.Contains(text, "credential   secret") {
		t.Errorf("auth status text:\n%s", text)
	}
	l.ResetRequests()
	out, errOut, _ = run(t, env, "user", l.AffectedUser(), "--json")
	rep := decode(t, out)
	for _, id := range needing {
		r := result(t, rep, id)
		if r.Status != "skipped" || !strings.Contains(r.Message, "AuditLog.Read.All") {
			t.Errorf("%s = %s: %s (want skipped, naming AuditLog.Read.All)", id, r.Status, r.Message)
		}
	}
	for _, req := range l.RequestLog() {
		if req.Status == 403 {
			t.Errorf("the lab answered 403 to %s", req.Route)
		}
	}
	if n := l.Requests("graph GET /v1.0/auditLogs/signIns"); n != 0 {
		t.Errorf("sign-ins were asked for %d time(s) with no permission to read them (%s)", n, errOut)
	}
}

func TestProfiles(t *testing.T) {
	t.Parallel()
	l, err := lab.Start(lab.Options{Scenario: mustScenario(t, "immutableid-mismatch"), OktaOAuth: &lab.OktaOAuthOptions{DPoP: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	dir := t.TempDir()
	ca, err := l.WriteCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "okta.pem")
	if err := os.WriteFile(key, l.OktaServiceApp().PrivateKeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	app := l.OktaServiceApp()
	conf := filepath.Join(dir, "config.yaml")
	body := `profiles:
  lab:
    domain: contoso.com
    okta:
      url: ` + l.OktaURL + `
      auth: private-key
      clientId: ` + app.ClientID + `
      keyId: ` + app.KeyID + `
      privateKey: file:` + key + `
    entra:
      tenant: ` + l.TenantID + `
      clientId: ` + l.ClientID + `
      clientSecret: env:LAB_GRAPH_SECRET
      graphUrl: ` + l.GraphURL + `
      loginUrl: ` + l.LoginURL + `
    caFile: ` + ca + `
    resolver: ` + l.DNSAddr + `
`
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"O365DOCTOR_CONFIG": conf, "LAB_GRAPH_SECRET": l.ClientSecret, "O365DOCTOR_JOURNAL": filepath.Join(dir, "j.jsonl"),
		"O365DOCTOR_LAB_NAMESERVERS": labEnv(t, l)["O365DOCTOR_LAB_NAMESERVERS"]}
	out, errOut, code := run(t, env, "user", l.AffectedUser(), "--profile", "lab", "--json")
	if code != 1 {
		t.Fatalf("user --profile lab exited %d: %s", code, errOut)
	}
	if r := result(t, decode(t, out), "identity.immutableid-match"); r.Status != "fail" {
		t.Fatalf("identity.immutableid-match = %s: %s", r.Status, r.Message)
	}
	if n := l.Requests("okta POST /oauth2/v1/token"); n < 3 {
		t.Errorf("%d Okta token requests: the profile's service app was not used", n)
	}
	// Bad profiles and config files: one line, exit 2, no secret.
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"user", "a@contoso.com", "--profile", "nope"}, env, "no such profile in " + conf + " (it has: lab)"},
		{[]string{"auth", "status", "--profile", "lab"}, map[string]string{"O365DOCTOR_CONFIG": conf}, "names $LAB_GRAPH_SECRET, which is not set"},
	} {
		_, errOut, code := run(t, tc.env, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	for _, tc := range []struct{ yaml, want string }{
		{"profiles:\n  a:\n    okta:\n      ulr: https://x.okta.com\n", `:4: unknown key "ulr" in profiles.a.okta`},
		{"profiles:\n  a:\n    okta:\n      token: literal-secret-value\n", ":4: profiles.a.okta.token is a secret written in the file"},
		{"profile:\n  a: {}\n", `:1: unknown key "profile"`},
	} {
		p := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(p, []byte(tc.yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		_, errOut, code := run(t, nil, "config", "validate", p)
		if code != 2 || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "literal-secret-value") {
			t.Errorf("config validate %q: exit %d, %q; want 2 and %q", tc.yaml, code, errOut, tc.want)
		}
	}
	// The literal secret is accepted once no one else can read the file.
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte("profiles:\n  a:\n    okta:\n      token: literal-secret-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := run(t, nil, "config", "validate", p); code != 0 || !strings.Contains(out, "1 profile(s): a") {
		t.Errorf("config validate of a private file: %d %q %q", code, out, errOut)
	}
	// config init writes a file that validates.
	initPath := filepath.Join(t.TempDir(), "o365doctor", "config.yaml")
	if _, errOut, code := run(t, nil, "config", "init", initPath); code != 0 {
		t.Fatalf("config init: %d %s", code, errOut)
	}
	if st, err := os.Stat(initPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("config init wrote %v, %v", st.Mode(), err)
	}
	if out, errOut, code := run(t, map[string]string{"CONTOSO": "x"}, "config", "validate", initPath); code != 2 || !strings.Contains(errOut, "contoso-okta.pem") {
		t.Errorf("config validate of the example: %d %q %q (its key file does not exist here)", code, out, errOut)
	}
}

func mustScenario(t *testing.T, name string) *lab.Scenario {
	t.Helper()
	sc, err := lab.LoadScenario(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// labProfile is a profile block for a lab, its secrets referenced through
// environment variables named after the profile.
func labProfile(t *testing.T, name string, l *lab.Lab, env map[string]string) string {
	t.Helper()
	ca, err := l.WriteCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	up := strings.ToUpper(name)
	env[up+"_OKTA_TOKEN"], env[up+"_GRAPH_SECRET"] = l.OktaToken, l.ClientSecret
	return `  ` + name + `:
    domain: ` + l.Scenario.Domain + `
    okta:
      url: ` + l.OktaURL + `
      token: env:` + up + `_OKTA_TOKEN
    entra:
      tenant: ` + l.TenantID + `
      clientId: ` + l.ClientID + `
      clientSecret: env:` + up + `_GRAPH_SECRET
      graphUrl: ` + l.GraphURL + `
      loginUrl: ` + l.LoginURL + `
    caFile: ` + ca + `
    resolver: ` + l.DNSAddr + `
`
}

func TestSeveralTenantsOneReport(t *testing.T) {
	t.Parallel()
	healthy := labtestStart(t, "healthy")
	broken := labtestStart(t, "cert-mismatch")
	env := map[string]string{"O365DOCTOR_JOURNAL": filepath.Join(t.TempDir(), "j.jsonl")}
	body := "profiles:\n" + labProfile(t, "alpha", healthy, env) + labProfile(t, "beta", broken, env)
	conf := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	env["O365DOCTOR_CONFIG"] = conf
	// The labs' nameservers share their names: DNS is skipped below, each
	// profile's resolver answers the rest.
	env["O365DOCTOR_LAB_NAMESERVERS"] = labEnv(t, healthy)["O365DOCTOR_LAB_NAMESERVERS"]
	out, errOut, code := run(t, env, "preflight", "--all-profiles", "--json", "--skip", "dns")
	if code != 1 {
		t.Fatalf("preflight --all-profiles exited %d, want 1 (beta fails): %s", code, errOut)
	}
	var reps []map[string]any
	if err := json.Unmarshal([]byte(out), &reps); err != nil || len(reps) != 2 {
		t.Fatalf("want a JSON array of two reports: %v\n%s", err, out)
	}
	if reps[0]["tenant"] != healthy.TenantID || reps[1]["tenant"] != broken.TenantID {
		t.Fatalf("tenants %v, %v; want alpha's then beta's", reps[0]["tenant"], reps[1]["tenant"])
	}
	fails := func(rep map[string]any) int {
		n := 0
		for _, r := range rep["results"].([]any) {
			if r.(map[string]any)["status"] == "fail" {
				n++
			}
		}
		return n
	}
	if fails(reps[0]) != 0 || fails(reps[1]) == 0 {
		t.Errorf("failures: alpha %d, beta %d; want none in alpha and some in beta", fails(reps[0]), fails(reps[1]))
	}
	md, _, _ := run(t, env, "preflight", "--profile", "alpha,beta", "--format", "markdown", "--skip", "dns")
	if !strings.Contains(md, "# Tenant: profile alpha") || !strings.Contains(md, "# Tenant: profile beta") {
		t.Errorf("markdown has no section per tenant:\n%.600s", md)
	}
	if _, errOut, code := run(t, env, "preflight", "--profile", "alpha,beta", "--format", "junit"); code != 2 || !strings.Contains(errOut, "junit is for one tenant") {
		t.Errorf("junit with two tenants: %d %q", code, errOut)
	}
}

func labtestStart(t *testing.T, name string) *lab.Lab {
	t.Helper()
	l, err := lab.Start(lab.Options{Scenario: mustScenario(t, name)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

// --token-cache: a second run signs in to neither system again (no device
// code, no Okta token request), and the cache file holds no token in clear.
func TestTokenCacheSkipsTheSecondSignIn(t *testing.T) {
	l, err := lab.Start(lab.Options{Scenario: mustScenario(t, "immutableid-mismatch"),
		OktaOAuth: &lab.OktaOAuthOptions{}, GraphAuth: &lab.GraphAuthOptions{AutoApprove: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	dir := t.TempDir()
	env := labEnv(t, l)
	key := filepath.Join(dir, "okta.pem")
	writePrivate(t, key, l.OktaServiceApp().PrivateKeyPEM)
	delete(env, "OKTA_API_TOKEN")
	delete(env, "AZURE_CLIENT_SECRET")
	env["O365DOCTOR_OKTA_AUTH"], env["OKTA_CLIENT_CLIENTID"], env["OKTA_CLIENT_PRIVATEKEY"] = "private-key", l.OktaServiceApp().ClientID, key
	env["O365DOCTOR_GRAPH_AUTH"], env[ttyIn] = "device-code", "1"
	env["O365DOCTOR_JOURNAL"] = filepath.Join(dir, "state", "journal.jsonl")
	_, errOut, code := run(t, env, "user", l.AffectedUser(), "--json", "--token-cache")
	if strings.Contains(errOut, "--token-cache:") {
		t.Skipf("no OS keyring here: %s", errOut)
	}
	if code != 1 || strings.Count(errOut, "enter the code") != 1 {
		t.Fatalf("first run: exit %d, %s", code, errOut)
	}
	codes, tokens := l.Requests("login POST /{tenant}/oauth2/v2.0/devicecode"), l.Requests("okta POST /oauth2/v1/token")
	_, errOut, code = run(t, env, "user", l.AffectedUser(), "--json", "--token-cache")
	if code != 1 || strings.Contains(errOut, "enter the code") {
		t.Fatalf("second run asked again: exit %d, %s", code, errOut)
	}
	if n := l.Requests("login POST /{tenant}/oauth2/v2.0/devicecode"); n != codes {
		t.Errorf("%d device codes after the second run, %d after the first", n, codes)
	}
	if n := l.Requests("okta POST /oauth2/v1/token"); n != tokens {
		t.Errorf("%d Okta token requests after the second run, %d after the first", n, tokens)
	}
	b, err := os.ReadFile(filepath.Join(dir, "state", "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range l.Secrets() {
		for _, piece := range secretPieces(s) {
			if strings.Contains(string(b), piece) {
				t.Fatalf("a credential (%.12s…) is in the cache file in clear", piece)
			}
		}
	}
	// Without --token-cache nothing is read from it: a device code again.
	if _, errOut, _ := run(t, env, "user", l.AffectedUser(), "--json"); !strings.Contains(errOut, "enter the code") {
		t.Errorf("without --token-cache the cache was used: %s", errOut)
	}
}

// A service app's key, key ID or client ID that Okta does not hold is a
// configuration error: one line naming what to check, exit 2, before any
// check runs.
func TestServiceAppRefusedIsAConfigurationError(t *testing.T) {
	t.Parallel()
	l, err := lab.Start(lab.Options{Scenario: mustScenario(t, "immutableid-mismatch"), OktaOAuth: &lab.OktaOAuthOptions{DPoP: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	env := labEnv(t, l)
	key := filepath.Join(t.TempDir(), "okta.pem")
	writePrivate(t, key, l.OktaServiceApp().PrivateKeyPEM)
	delete(env, "OKTA_API_TOKEN")
	env["OKTA_CLIENT_AUTHORIZATIONMODE"], env["OKTA_CLIENT_CLIENTID"], env["OKTA_CLIENT_PRIVATEKEY"] = "PrivateKey", l.OktaServiceApp().ClientID, key
	out, errOut, code := run(t, env, "user", l.AffectedUser(), "--json", "--okta-key-id", "not-the-kid")
	if code != 2 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "The client_assertion JWT kid is invalid.") || !strings.Contains(errOut, "--okta-key-id") || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if n := l.Requests("okta GET /api/v1/users/{id}"); n != 0 {
		t.Fatalf("%d user reads after the refusal", n)
	}
}
