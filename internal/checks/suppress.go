package checks

import (
	"fmt"
	"strings"
	"time"
)

// Suppression accepts a known finding for a while: every finding of the
// check (Object "") or the findings about one object (its ID or name, any
// case), with the reason it is accepted, until Expires. A suppressed
// finding is never dropped: every output lists it as suppressed, and it no
// longer counts toward the check's status or the exit code. After Expires
// it is a finding again, its message saying the suppression expired.
type Suppression struct {
	Check   string
	Object  string
	Reason  string
	Expires time.Time // the end of that day, in UTC
	Line    int       // where it is in the config file
}

// Suppressed marks a finding a suppression accepts.
type Suppressed struct {
	Reason  string
	Expires time.Time
}

func (s Suppression) matches(checkID string, o Object) bool {
	if s.Check != checkID {
		return false
	}
	return s.Object == "" || strings.EqualFold(s.Object, o.ID) || strings.EqualFold(s.Object, o.Name)
}

// ApplySuppressions marks the findings the suppressions accept (the first
// that matches wins) and recomputes each result's status from the
// findings left: a check whose failures are all suppressed passes, and
// its message says how many were. Results that did not run (error,
// skipped) keep their status. An expired suppression marks nothing; the
// findings it matched say it expired.
func ApplySuppressions(results []Result, sups []Suppression, now time.Time) []Result {
	if len(sups) == 0 {
		return results
	}
	out := make([]Result, len(results))
	for i, r := range results {
		out[i] = r
		if len(r.Findings) == 0 || r.Status == StatusError || r.Status == StatusSkipped {
			continue
		}
		fs := make([]Finding, len(r.Findings))
		copy(fs, r.Findings)
		suppressed := 0
		status := StatusPass
		for j, f := range fs {
			if f.Status == StatusPass {
				continue
			}
			// A suppression in force wins over an expired one (a renewal
			// added below the old entry); an expired one only says so.
			var expired *Suppression
			for k, s := range sups {
				if !s.matches(r.CheckID, f.Object) {
					continue
				}
				if now.After(s.Expires) {
					if expired == nil {
						expired = &sups[k]
					}
					continue
				}
				fs[j].Suppressed = &Suppressed{Reason: s.Reason, Expires: s.Expires}
				suppressed++
				break
			}
			if fs[j].Suppressed == nil && expired != nil {
				fs[j].Message += fmt.Sprintf(" (its suppression, line %d of the config file, expired on %s)", expired.Line, expired.Expires.Format(time.DateOnly))
			}
			if fs[j].Suppressed == nil {
				status = Worst(status, f.Status)
			}
		}
		out[i].Findings = fs
		if suppressed > 0 {
			out[i].Status = status
			out[i].Suppressed = suppressed
			out[i].Message += fmt.Sprintf(" (%d finding(s) suppressed)", suppressed)
		}
	}
	return out
}
