package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/report/reporttest"
)

// labEnv is the environment `lab serve` would export, for a lab started in
// the test (so the test can read its request log).
func labEnv(t *testing.T, l *lab.Lab) []string {
	t.Helper()
	dir := t.TempDir()
	ca, err := l.WriteCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "O365DOCTOR_JOURNAL=" + filepath.Join(dir, "journal.jsonl")}
	for _, line := range l.Exports(ca) {
		env = append(env, strings.TrimPrefix(line, "export "))
	}
	return env
}

// Interrupt: a run against a lab answering in 3 s, SIGINT after 1 s. The
// process exits 130 within a second, prints no report of "context
// canceled" (or, with --json, one marked interrupted), and the lab sees no
// request start after the signal.
func TestInterruptStopsEveryRequest(t *testing.T) {
	bin := build(t)
	l := labtest.StartWith(t, "immutableid-mismatch", lab.Options{Latency: 3 * time.Second})
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			l.ResetRequests()
			cmd := exec.Command(bin, "user", "alice@contoso.com", "--format", format)
			cmd.Env = labEnv(t, l)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second) // the run is under way: the lab holds its requests for 3 s
			started := len(l.RequestLog())
			signalled := time.Now()
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			took := time.Since(signalled)
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 130 {
				t.Fatalf("exit %v, want 130\nstdout: %s\nstderr: %s", err, out.String(), errb.String())
			}
			if took > time.Second {
				t.Errorf("exited %v after SIGINT, want within a second", took)
			}
			if started == 0 {
				t.Fatal("no request had reached the lab before the signal: the test proves nothing")
			}
			for _, r := range l.RequestLog() {
				if r.Start.After(signalled) {
					t.Errorf("request %s started %v after the signal", r.Route, r.Start.Sub(signalled))
				}
			}
			if strings.Contains(out.String()+errb.String(), "context canceled") {
				t.Errorf("output reports cancellation as errors:\n%s%s", out.String(), errb.String())
			}
			switch format {
			case "text":
				if out.Len() != 0 || !strings.Contains(errb.String(), "interrupted") {
					t.Errorf("text: stdout %q, stderr %q", out.String(), errb.String())
				}
			case "json":
				reporttest.Validate(t, out.Bytes())
				var r struct {
					Interrupted bool `json:"interrupted"`
				}
				if json.Unmarshal(out.Bytes(), &r) != nil || !r.Interrupted {
					t.Errorf("json: not marked interrupted:\n%s", out.String())
				}
			}
		})
	}
}

// The SDKs read variables on their own: a malformed OKTA_CLIENT_* number
// makes the Okta SDK print to stdout (breaking --json), AZURE_SDK_GO_LOGGING
// logs every request to stderr, proxies would take the traffic elsewhere.
// The program removes them before any client exists. (The region variables,
// which would send the token request to a regional host, are left to the
// cli package's unit test: a regression here must not reach for a host
// outside this machine.)
func TestSDKEnvironmentDoesNotSteerTheClients(t *testing.T) {
	bin := build(t)
	l := labtest.Start(t, "healthy")
	cmd := exec.Command(bin, "user", "bob@contoso.com", "--json")
	cmd.Env = append(labEnv(t, l), "OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES=notanumber", "OKTA_CLIENT_CONNECTION_TIMEOUT=soon",
		"AZURE_SDK_GO_LOGGING=all", "HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v after %v\nstdout: %s\nstderr: %s", err, time.Since(start), out.String(), errb.String())
	}
	reporttest.Validate(t, out.Bytes())
	var r struct {
		Summary struct{ Pass int } `json:"summary"`
		Results []any              `json:"results"`
	}
	if json.Unmarshal(out.Bytes(), &r) != nil || r.Summary.Pass != len(r.Results) || errb.Len() != 0 {
		t.Fatalf("stdout: %s\nstderr: %s", out.String(), errb.String())
	}
}

// Ctrl-C while a fix is being written: the executor rolls the step back,
// the journal says so, and the exit code is the interrupt's (130), not a
// failed fix's (1).
func TestInterruptedFixIsRolledBackAndExits130(t *testing.T) {
	bin := build(t)
	l := labtest.StartWith(t, "immutableid-mismatch", lab.Options{
		RouteLatency: map[string]time.Duration{"okta POST /api/v1/apps/{appId}/users/{userId}": 3 * time.Second}})
	env := labEnv(t, l)
	cmd := exec.Command(bin, "fix", "identity.immutableid-match", "--user", "alice@contoso.com", "--yes")
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for l.Requests("okta POST /api/v1/apps/{appId}/users/{userId}") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the fix never reached its write\n%s%s", out.String(), errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit %v, want 130\nstdout: %s\nstderr: %s", err, out.String(), errb.String())
	}
	// The value is Okta's old one again: the diagnosis still fails the same way.
	check := exec.Command(bin, "user", "alice@contoso.com", "--json", "--only", "identity.immutableid-match")
	check.Env = env
	var checkErr bytes.Buffer
	check.Stderr = &checkErr
	res, cerr := check.Output()
	if !strings.Contains(string(res), "BNt9M4fu8Ek8RSuc9LAS2g==") || !strings.Contains(string(res), `"status": "fail"`) {
		t.Fatalf("after the interrupted fix (%v):\n%s\nstderr: %s\nthe fix's stderr: %s", cerr, res, checkErr.String(), errb.String())
	}
	journal := exec.Command(bin, "journal", "--json")
	journal.Env = env
	j, jerr := journal.CombinedOutput()
	if jerr != nil {
		t.Logf("journal: %v", jerr)
	}
	if !strings.Contains(string(j), `"state": "failed"`) || strings.Contains(string(j), `"state": "applied"`) {
		t.Errorf("journal after the interrupted fix:\n%s", j)
	}
}

// A process killed (SIGKILL: no handler runs) between step 2's "started"
// and its outcome, in the UPN move: `journal` shows the entry INCOMPLETE,
// a plain `undo` reverses what the journal and the live values show was
// made, and the user ends with the original UPN and immutableID.
func TestKilledMidPlanIsReversedByUndo(t *testing.T) {
	bin := build(t)
	const patch = "graph PATCH /v1.0/users/{id}"
	l := labtest.StartWith(t, "immutableid-mismatch", lab.Options{RouteLatency: map[string]time.Duration{patch: 1500 * time.Millisecond}})
	// The call in flight at the kill may land later: undo waits the
	// timeout after it was sent before it reads the live values.
	env := append(labEnv(t, l), "O365DOCTOR_TIMEOUT=4s")
	src, _ := labtest.Sources(t, l.Settings())
	const upn = "alice@contoso.com"
	before, err := src.Graph.User(context.Background(), upn)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "fix", "identity.immutableid-match", "--user", upn, "--plan", "graph.set-onpremises-immutableid", "--yes")
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once step 2's call is on its way (the second PATCH).
	deadline := time.Now().Add(20 * time.Second)
	for l.Requests(patch) < 2 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the fix never reached its second step\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait() //nolint:errcheck // killed
	run := func(args ...string) (string, int) {
		c := exec.Command(bin, args...)
		c.Env = env
		b, err := c.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return string(b), ee.ExitCode()
		}
		return string(b), 0
	}
	if j, _ := run("journal"); !strings.Contains(j, "INCOMPLETE") {
		t.Fatalf("journal after the kill:\n%s\nthe fix printed:\n%s", j, out.String())
	}
	u, code := run("undo")
	if code != 0 || !strings.Contains(u, "call under way; waiting") {
		t.Fatalf("undo: exit %d\n%s", code, u)
	}
	after, err := src.Graph.User(context.Background(), before.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.UserPrincipalName != before.UserPrincipalName || after.OnPremisesImmutableID != before.OnPremisesImmutableID {
		t.Fatalf("after undo: UPN %s immutableID %s, want %s %s", after.UserPrincipalName, after.OnPremisesImmutableID, before.UserPrincipalName, before.OnPremisesImmutableID)
	}
	if j, _ := run("journal"); !strings.Contains(j, "INCOMPLETE, reversed by") || strings.Contains(j, "INCOMPLETE (") {
		t.Fatalf("journal after undo still shows an incomplete entry:\n%s", j)
	}
}

// A preflight killed (SIGKILL) half way through its tenant listing, then
// run again with --resume: the same findings as an uninterrupted run, with
// fewer app-user pages asked, and no snapshot left afterwards.
func TestKilledPreflightResumes(t *testing.T) {
	bin := build(t)
	const pages = "okta GET /api/v1/apps/{appId}/users"
	// 30 ms a page: the 41 pages take over a second, time to kill it.
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 20000, RouteLatency: map[string]time.Duration{pages: 30 * time.Millisecond}})
	env := labEnv(t, l)
	run := func(args ...string) ([]byte, int) {
		c := exec.Command(bin, args...)
		c.Env = env
		b, err := c.Output()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return b, ee.ExitCode()
		}
		return b, 0
	}
	args := []string{"preflight", "--domain", "contoso.com", "--json", "--only", "identity.entra-without-okta,identity.tenant-immutableid"}
	findings := func(b []byte) string {
		var r struct {
			Results []struct {
				CheckID  string
				Status   string
				Findings []struct{ Status, Message string }
			}
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, b)
		}
		var out []string
		for _, res := range r.Results {
			for _, f := range res.Findings {
				out = append(out, res.CheckID+" "+f.Status+" "+f.Message)
			}
		}
		return strings.Join(out, "\n")
	}
	want, _ := run(args...)
	full := l.Requests(pages)

	l.ResetRequests()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for l.Requests(pages) < full/2 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the listing never got half way")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait() //nolint:errcheck // killed
	snaps, _ := filepath.Glob(filepath.Join(filepath.Dir(envValue(env, "O365DOCTOR_JOURNAL")), "snapshots", "*.jsonl"))
	if len(snaps) != 1 {
		t.Fatalf("snapshots after the kill: %v", snaps)
	}

	l.ResetRequests()
	got, _ := run(append(args, "--resume")...)
	resumed := l.Requests(pages)
	if findings(got) != findings(want) {
		t.Fatalf("the resumed run's findings differ from an uninterrupted run's")
	}
	if resumed >= full || !strings.Contains(string(got), "(resumed: Okta's app users ") {
		t.Fatalf("resumed run: %d pages asked, an uninterrupted one %d; resumed note: %v", resumed, full, strings.Contains(string(got), "resumed"))
	}
	if snaps, _ := filepath.Glob(filepath.Join(filepath.Dir(envValue(env, "O365DOCTOR_JOURNAL")), "snapshots", "*.jsonl")); len(snaps) != 0 {
		t.Fatalf("a snapshot is left after the complete run: %v", snaps)
	}
}

func envValue(env []string, key string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}
