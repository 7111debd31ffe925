package labtests

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// A tenant listing interrupted after half its pages and resumed gives the
// findings of an uninterrupted run, asking only for the pages it had not
// read; the snapshot is the user's alone (0600) and is gone after the run
// that completed, unless kept.
func TestTenantListingResumes(t *testing.T) {
	const users = 5000 // 10 Okta pages, 6 Entra pages
	l := labtest.StartWith(t, "bulk", lab.Options{Users: users})
	list := tenantChecks(t)
	subject := checks.TenantSubject("contoso.com")
	findings := func(rs []checks.Result) map[string][]string {
		out := map[string][]string{}
		for _, r := range rs {
			for _, f := range r.Findings {
				out[r.CheckID] = append(out[r.CheckID], string(f.Status)+" "+f.Object.Name+" "+f.Message)
			}
			slices.Sort(out[r.CheckID])
		}
		return out
	}
	run := func(ctx context.Context, opts checks.RunOptions) []checks.Result {
		src, _ := labtest.Sources(t, l.Settings())
		return checks.Run(ctx, list, subject, src, opts, nil)
	}

	l.ResetRequests()
	want := findings(run(context.Background(), checks.RunOptions{}))
	fullOkta, fullEntra := l.Requests("okta GET /api/v1/apps/{appId}/users"), l.Requests("graph GET /v1.0/users")

	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	l.ResetRequests()
	interrupted := run(ctx, checks.RunOptions{Snapshot: checks.SnapshotOptions{Dir: dir}, OnProgress: func(p checks.Progress) {
		if p.What == "Okta app users" && p.Done >= users/2 {
			once.Do(cancel) // Ctrl-C half way
		}
	}})
	for _, r := range interrupted {
		if r.Status != checks.StatusError {
			t.Fatalf("%s after the interruption: %s %s", r.CheckID, r.Status, r.Message)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("snapshots: %v", files)
	}
	if fi, err := os.Stat(files[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("snapshot mode: %v %v", fi.Mode(), err)
	}
	snap, _ := os.ReadFile(files[0])
	if s := l.Settings(); strings.Contains(string(snap), s.OktaToken.Reveal()) || strings.Contains(string(snap), s.ClientSecret.Reveal()) {
		t.Fatal("the snapshot holds a credential")
	}

	l.ResetRequests()
	resumed := run(context.Background(), checks.RunOptions{Snapshot: checks.SnapshotOptions{Dir: dir, Resume: true}})
	if got := findings(resumed); !mapsEqual(got, want) {
		for k := range want {
			if !slices.Equal(got[k], want[k]) {
				t.Errorf("%s (%s %s): %d findings resumed, %d uninterrupted; first %q vs %q", k, status(resumed, k), msg(resumed, k), len(got[k]), len(want[k]), first(got[k]), first(want[k]))
			}
		}
		t.Fatalf("the resumed run's findings differ from an uninterrupted run's")
	}
	okta, entra := l.Requests("okta GET /api/v1/apps/{appId}/users"), l.Requests("graph GET /v1.0/users")
	if okta >= fullOkta || okta == 0 || entra > fullEntra {
		t.Fatalf("resumed: %d Okta and %d Entra pages asked, an uninterrupted run %d and %d", okta, entra, fullOkta, fullEntra)
	}
	for _, r := range resumed {
		if !strings.Contains(r.Message, "(resumed: Okta's app users ") {
			t.Fatalf("%s does not say the data is resumed: %s", r.CheckID, r.Message)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl")); len(files) != 0 {
		t.Fatalf("the snapshot is left after a complete run: %v", files)
	}

	// Kept on request; a resume of a complete snapshot asks for no page.
	run(context.Background(), checks.RunOptions{Snapshot: checks.SnapshotOptions{Dir: dir, Keep: true}})
	if files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl")); len(files) != 1 {
		t.Fatalf("--keep-snapshot: %v", files)
	}
	l.ResetRequests()
	again := run(context.Background(), checks.RunOptions{Snapshot: checks.SnapshotOptions{Dir: dir, Resume: true, Keep: true}})
	if got := findings(again); !mapsEqual(got, want) {
		t.Fatal("a run from a complete snapshot gives other findings")
	}
	if n := l.Requests("okta GET /api/v1/apps/{appId}/users") + l.Requests("graph GET /v1.0/users"); n != 0 {
		t.Fatalf("%d pages asked again from a complete snapshot", n)
	}
}

func mapsEqual(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func status(rs []checks.Result, id string) checks.Status {
	for _, r := range rs {
		if r.CheckID == id {
			return r.Status
		}
	}
	return ""
}

func msg(rs []checks.Result, id string) string {
	for _, r := range rs {
		if r.CheckID == id {
			return r.Message
		}
	}
	return ""
}

// A state directory that cannot be written costs the snapshot, not the
// run: the listing runs and the checks conclude.
func TestTenantListingRunsWithoutASnapshotDir(t *testing.T) {
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 600})
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	src, _ := labtest.Sources(t, l.Settings())
	for _, r := range checks.Run(context.Background(), tenantChecks(t), checks.TenantSubject("contoso.com"), src,
		checks.RunOptions{Snapshot: checks.SnapshotOptions{Dir: filepath.Join(blocker, "snapshots")}}, nil) {
		if r.Status == checks.StatusError {
			t.Fatalf("%s: %s", r.CheckID, r.Message)
		}
	}
}
