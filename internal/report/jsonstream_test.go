package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/report"
)

// encoderJSON is what WriteJSON wrote before it streamed: json.Encoder
// with a two-space indent.
func encoderJSON(t *testing.T, r report.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestWriteJSONIsTheEncoders holds the streamed JSON to json.Encoder's
// bytes: every kind of evidence, a fix, a timeline, suppressed findings,
// nil and empty lists, strings that look like structure or like the
// markers the stream splits at, HTML and line separators, and every field
// of Report and Result set (so a field added later is covered too).
func TestWriteJSONIsTheEncoders(t *testing.T) {
	tricky := `a "quoted" \ back\slash \\" ,"results":null,"findings":null {}[]: <b>&</b> ` + "\u2028 tab\t nul\x00 é"
	base := report.New(meta(), sample(t, tricky))
	ev := report.TimelineEvent{CheckID: "loginloop.x"}
	fillEvery(reflect.ValueOf(&ev).Elem(), tricky)
	base.Timeline = []report.TimelineEvent{ev, ev}
	filled := base
	fillEvery(reflect.ValueOf(&filled).Elem(), tricky)
	filled.Results = append([]report.Result(nil), base.Results...)
	extra := base.Results[0]
	fillEvery(reflect.ValueOf(&extra).Elem(), tricky)
	extra.Findings = base.Results[0].Findings
	filled.Results = append(filled.Results, extra)

	suppressed := base
	suppressed.Results = append([]report.Result(nil), base.Results...)
	f := base.Results[0].Findings[0]
	f.Suppressed = &report.Suppressed{Reason: tricky, Expires: "2027-01-01"}
	suppressed.Results[0].Findings = []report.Finding{f, f}
	suppressed.Results[0].Suppressed = 2

	lists := base
	lists.Results = []report.Result{
		{CheckID: "a.nil-lists"},
		{CheckID: "a.empty-lists", Findings: []report.Finding{}, References: []string{}},
		{CheckID: "a.empty-evidence", Findings: []report.Finding{{Object: report.Object{Kind: "user"}, Evidence: []report.Evidence{}, Fixes: nil}}},
	}
	none := base
	none.Results = nil
	empty := base
	empty.Results = []report.Result{}

	many := base
	many.Results = append([]report.Result(nil), base.Results...)
	for i := range 400 {
		g := f
		g.Message = fmt.Sprintf("user%05d@contoso.com %s", i, strings.Repeat("x", i%97))
		many.Results[0].Findings = append(many.Results[0].Findings, g)
	}

	for name, r := range map[string]report.Report{"sample": base, "every field": filled, "suppressed": suppressed,
		"nil and empty lists": lists, "no results": none, "empty results": empty, "400 findings": many} {
		var got bytes.Buffer
		if err := report.WriteJSON(&got, r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := encoderJSON(t, r)
		if !bytes.Equal(got.Bytes(), want) {
			i := 0
			for i < min(got.Len(), len(want)) && got.Bytes()[i] == want[i] {
				i++
			}
			t.Errorf("%s: differs from json.Encoder at byte %d:\n got …%q…\nwant …%q…", name, i,
				got.Bytes()[max(0, i-60):min(got.Len(), i+60)], want[max(0, i-60):min(len(want), i+60)])
		}
	}
}

// fillEvery sets every settable string, bool, integer and time field of v
// (a struct), recursively through structs and pointers to them, leaving
// slices as they are.
func fillEvery(v reflect.Value, s string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s + v.Type().Name())
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(42)
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fillEvery(v.Elem(), s)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2026, 11, 30, 1, 2, 3, 4, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillEvery(v.Field(i), s)
			}
		}
	}
}

// TestWriteJSONStopsAtAWriteError: a closed pipe or a full disk is the
// writer's error, not a half report said to be written.
func TestWriteJSONStopsAtAWriteError(t *testing.T) {
	r := report.New(meta(), sample(t, strings.Repeat("long ", 40000)))
	if err := report.WriteJSON(failingWriter{}, r); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the writer's", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

// TestNewConvertsManyFindingsInOrder: a tenant check's thousands of
// findings are converted side by side; each stays in its place, and
// redaction names each person the same way in its object and its message.
func TestNewConvertsManyFindingsInOrder(t *testing.T) {
	res := checks.Result{CheckID: "identity.tenant-x", Status: checks.StatusFail}
	for i := range 5000 {
		upn := fmt.Sprintf("u%04d@contoso.com", i)
		res.Findings = append(res.Findings, checks.Finding{Object: checks.Object{Kind: checks.ObjUser, ID: fmt.Sprintf("id-%d", i), Name: upn},
			Status: checks.StatusFail, Message: upn + " is locked out"})
	}
	m := meta()
	m.Subject = checks.TenantSubject("contoso.com")
	for _, redact := range []bool{false, true} {
		m.Redact = redact
		r := report.New(m, []checks.Result{res})
		seen := map[string]bool{}
		for i, f := range r.Results[0].Findings {
			want := fmt.Sprintf("u%04d@contoso.com", i)
			if redact {
				if f.Object.Name == want || seen[f.Object.Name] {
					t.Fatalf("finding %d: name %q (redacted: a new token for each person)", i, f.Object.Name)
				}
				seen[f.Object.Name] = true
				want = f.Object.Name
			}
			if f.Object.Name != want || f.Message != want+" is locked out" {
				t.Fatalf("redact=%v: finding %d is %q / %q", redact, i, f.Object.Name, f.Message)
			}
		}
	}
}
