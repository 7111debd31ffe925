package checks

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/o365doctor/o365doctor/internal/model"
)

// A tenant-wide listing of 100 000 users takes Okta's rate limit minutes:
// an interrupted one (Ctrl-C, a lost network) can continue where it
// stopped. Each page read is appended to a snapshot file, one JSON line a
// page: the side (okta or entra), when it was read, the link to the next
// page and the compact records (what the checks compare: user names,
// anchors, statuses, licenses; no secret, no token, no cursor that
// carries one). With --resume a run reads the records back and asks each
// side only from its saved link on. The file is the user's (mode 0600 in
// a 0700 directory under the state directory) and is deleted after a run
// that read both sides to the end, unless kept (--keep-snapshot).

// SnapshotOptions say where the tenant listing keeps its snapshot.
type SnapshotOptions struct {
	// Dir is the snapshots' directory; "" keeps none.
	Dir string
	// Resume continues from the snapshot of an interrupted run.
	Resume bool
	// Keep keeps the snapshot after a run that completed.
	Keep bool
}

// snapshotVersion is the file format; another version is not resumed.
const snapshotVersion = 1

type snapshotHeader struct {
	Version int       `json:"version"`
	Domain  string    `json:"domain"`
	AppID   string    `json:"appId"`
	Started time.Time `json:"started"`
}

type snapshotLine struct {
	Side string    `json:"side"` // okta | entra
	At   time.Time `json:"at"`
	Next string    `json:"next"`
	// Budget is Okta's rate-limit bucket after the page: a resumed run
	// waits for its reset first when the interrupted one used its share.
	Budget *model.RateBudget `json:"budget,omitempty"`
	Count  int               `json:"count,omitempty"` // Graph's @odata.count, entra's first page
	Okta   []TenantOkta      `json:"okta,omitempty"`
	Entra  []TenantEntra     `json:"entra,omitempty"`
}

// snapshotSide is what a snapshot holds of one side.
type snapshotSide struct {
	since  time.Time         // when its first page was read
	budget *model.RateBudget // the last page's
	next   string            // where to go on
	done   bool              // the last page was read
	pages  int
	count  int
	okta   []TenantOkta
	entra  []TenantEntra
}

// snapshot is the open file of one listing.
type snapshot struct {
	path string
	mu   sync.Mutex
	f    *os.File
	w    *bufio.Writer
	err  error // the first write error: the run goes on without a snapshot
}

// snapshotPath names the listing's file: one per domain (its header
// names the app; a snapshot of another app is not resumed).
func snapshotPath(dir, domain string) string {
	sum := sha256.Sum256([]byte(domain))
	return filepath.Join(dir, "tenant-"+hex.EncodeToString(sum[:8])+".jsonl")
}

// waitForSnapshotBudget, when resuming, waits until the Okta bucket the
// interrupted run used up to its share has reset, before the run's first
// request: the run that resumes must not be the one that trips a 429.
func waitForSnapshotBudget(ctx context.Context, opts SnapshotOptions, domain string, now func() time.Time, progress func(Progress)) error {
	if !opts.Resume || opts.Dir == "" || domain == "" {
		return nil
	}
	f, err := os.Open(snapshotPath(opts.Dir, domain))
	if err != nil {
		return nil // no snapshot: nothing to wait for
	}
	defer f.Close()
	var last *model.RateBudget
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		// Only the budget: the records are read once, by loadTenant.
		var l struct {
			Budget *model.RateBudget `json:"budget"`
		}
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Budget != nil {
			last = l.Budget
		}
	}
	if last == nil || last.Limit == 0 {
		return nil
	}
	share := last.Share
	if share <= 0 || share > 1 {
		share = 1
	}
	allowed := max(int(math.Floor(share*float64(last.Limit))), 1)
	wait := last.Reset.Sub(now()) + time.Second // the reset is whole seconds
	// The budget is the last page the interrupted run kept; it had asked
	// for up to two more, and the resumed run asks for the app first.
	const unseen = 3
	if last.Limit-last.Remaining+unseen < allowed || wait <= 0 {
		return nil
	}
	if progress != nil {
		progress(Progress{What: "waiting for Okta's rate-limit window the interrupted run used", ETA: wait, Waiting: true})
	}
	return model.Sleep(ctx, min(wait, 2*time.Minute))
}

// readSnapshot reads a snapshot back: each side's records and where it
// stopped. A last line cut short (the run was killed mid-write) is
// dropped; a file of another listing or version is no snapshot of this
// one (ok false).
func readSnapshot(path, domain, appID string) (okta, entra snapshotSide, header snapshotHeader, ok bool, err error) {
	okta, entra, header, ok, _, err = readSnapshotAt(path, domain, appID)
	return okta, entra, header, ok, err
}

// readSnapshotAt is readSnapshot with the offset where the good lines end:
// a resumed run appends there, over a line a kill cut short.
func readSnapshotAt(path, domain, appID string) (okta, entra snapshotSide, header snapshotHeader, ok bool, goodEnd int64, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return okta, entra, header, false, 0, nil
	}
	if err != nil {
		return okta, entra, header, false, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	if !sc.Scan() || json.Unmarshal(sc.Bytes(), &header) != nil || header.Version != snapshotVersion ||
		header.Domain != domain || header.AppID != appID {
		return okta, entra, header, false, 0, nil
	}
	goodEnd = int64(len(sc.Bytes())) + 1
	for sc.Scan() {
		var l snapshotLine
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			break // cut short by a kill: the pages before it stand
		}
		goodEnd += int64(len(sc.Bytes())) + 1
		side := &okta
		if l.Side == "entra" {
			side = &entra
		} else if l.Side != "okta" {
			break
		}
		if side.pages == 0 {
			side.since = l.At
		}
		side.pages++
		side.next, side.done = l.Next, l.Next == ""
		if l.Budget != nil {
			side.budget = l.Budget
		}
		side.okta = append(side.okta, l.Okta...)
		side.entra = append(side.entra, l.Entra...)
		if l.Count > 0 {
			side.count = l.Count
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, bufio.ErrTooLong) {
		return okta, entra, header, false, 0, err
	}
	return okta, entra, header, true, goodEnd, nil
}

// createSnapshot starts a new file for the listing, or, resuming, opens
// the existing one to append after its good lines (goodEnd). The directory
// is made the user's alone (0700); a file that is a symbolic link is
// refused, never followed.
func createSnapshot(dir, domain, appID string, resume bool, now time.Time, goodEnd int64) (*snapshot, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// Made private if it is not: an existing private directory is left as
	// it is (it may not be ours to chmod).
	if fi, err := os.Stat(dir); err != nil {
		return nil, err
	} else if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, err
		}
	}
	path := snapshotPath(dir, domain)
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s is a symbolic link; remove it", path)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if resume {
		flags = os.O_WRONLY
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil { // an older file of looser mode
		f.Close()
		return nil, err
	}
	if resume {
		// Over a line a kill cut short, not after it; a last good line
		// whose newline was not written gets one.
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		end := min(goodEnd, fi.Size())
		if err := f.Truncate(end); err == nil {
			_, err = f.Seek(end, io.SeekStart)
		}
		if err == nil && end < goodEnd {
			_, err = f.Write([]byte{'\n'})
		}
		if err != nil {
			f.Close()
			return nil, err
		}
	}
	s := &snapshot{path: path, f: f, w: bufio.NewWriterSize(f, 256<<10)}
	if !resume {
		s.write(snapshotHeader{Version: snapshotVersion, Domain: domain, AppID: appID, Started: now.UTC()})
	}
	return s, nil
}

// write appends one line and flushes it: a kill loses at most the line
// being written.
func (s *snapshot) write(v any) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return
	}
	err := json.NewEncoder(s.w).Encode(v) // a line, and its newline
	if err == nil {
		err = s.w.Flush()
	}
	if err != nil {
		s.err = fmt.Errorf("snapshot %s: %w", s.path, err)
	}
}

// close closes the file, deleting it when remove is set.
func (s *snapshot) close(remove bool) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.w.Flush()
	_ = s.f.Close()
	if remove {
		_ = os.Remove(s.path)
	}
}
