package spf_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/spf"
)

// zone is a fake DNS: "TXT name" → texts; a name absent from it is
// missing (NXDOMAIN); "TXT name" → nil with a key in fail is unanswered.
type zone struct {
	records map[string][]string
	fail    map[string]bool
	asked   []string
}

func (z *zone) lookup(_ context.Context, name, qtype string) spf.Answer {
	k := qtype + " " + name
	z.asked = append(z.asked, k)
	if z.fail[k] {
		return spf.Answer{Err: errors.New("SERVFAIL")}
	}
	v, ok := z.records[k]
	if !ok || len(v) == 0 {
		return spf.Answer{Missing: true}
	}
	return spf.Answer{Values: v}
}

func newZone(kv ...string) *zone {
	z := &zone{records: map[string][]string{}, fail: map[string]bool{}}
	for i := 0; i+1 < len(kv); i += 2 {
		z.records[kv[i]] = append(z.records[kv[i]], kv[i+1])
	}
	return z
}

func kinds(ps []spf.Problem) []spf.Kind {
	var out []spf.Kind
	for _, p := range ps {
		out = append(out, p.Kind)
	}
	return out
}

// microsoft is the chain include:spf.protection.outlook.com leads to in the
// lab (two lookups: the include and its nested spfd include).
var microsoft = []string{
	"TXT spf.protection.outlook.com", "v=spf1 ip4:40.92.0.0/15 ip6:2a01:111:f400::/48 include:spfd.protection.outlook.com -all",
	"TXT spfd.protection.outlook.com", "v=spf1 ip4:51.4.72.0/24 -all",
}

func TestIsSPF(t *testing.T) {
	for txt, want := range map[string]bool{
		"v=spf1": true, "v=spf1 -all": true, "V=SPF1 -all": true,
		"v=spf10 -all": false, "v=spf1-all": false, "MS=ms123": false, "": false, " v=spf1 -all": false,
	} {
		if got := spf.IsSPF(txt); got != want {
			t.Errorf("IsSPF(%q) = %v", txt, got)
		}
	}
}

func TestParse(t *testing.T) {
	rec, err := spf.Parse("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.example.com/24//64 ~include:_spf.example.com exists:%{i}._spf.example.com ?ptr redirect=_spf.example.net exp=explain.%{d} foo=bar -all")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tm := range rec.Terms {
		q := tm.Qualifier
		if tm.Modifier {
			q = '='
		}
		got = append(got, fmt.Sprintf("%c%s:%s:%v:%v", q, tm.Name, tm.Target, tm.Macro, tm.Lookup()))
	}
	want := []string{"+ip4:192.0.2.0/24:false:false", "+ip6:2001:db8::/32:false:false", "+a::false:true",
		"+mx:mail.example.com:false:true", "~include:_spf.example.com:false:true", "+exists:%{i}._spf.example.com:true:true",
		"?ptr::false:true", "=redirect:_spf.example.net:false:true", "=exp:explain.%{d}:true:false", "=foo:bar:false:false", "-all::false:false"}
	if !slices.Equal(got, want) {
		t.Errorf("terms:\n got %q\nwant %q", got, want)
	}
	if r, ok := rec.Redirect(); !ok || r.Target != "_spf.example.net" {
		t.Errorf("redirect = %+v", r)
	}
}

func TestParseRejectsMalformedTerms(t *testing.T) {
	for txt, want := range map[string]string{
		"v=spf1 include":                               "needs :domain",
		"v=spf1 include:":                              "needs :domain",
		"v=spf1 ip4:300.1.1.1":                         "not an IPv4",
		"v=spf1 ip4:2001:db8::1":                       "not an IPv4",
		"v=spf1 ip6:192.0.2.1":                         "not an IPv6",
		"v=spf1 ip4:192.0.2.0/33":                      "0 to 32",
		"v=spf1 ip6:2001:db8::/129":                    "0 to 128",
		"v=spf1 a/40":                                  "0 to 32",
		"v=spf1 mx//200":                               "0 to 128",
		"v=spf1 all:foo":                               "no argument",
		"v=spf1 foo:bar":                               "unknown mechanism",
		"v=spf1 +":                                     "qualifier without",
		"v=spf1 include:%{z}.example.com":              "unknown macro letter",
		"v=spf1 include:%{i.example.com":               "unterminated macro",
		"v=spf1 include:50%.example.com":               "must start a macro",
		"v=spf1 include:localhost":                     "fully qualified",
		"v=spf1 include:example.123":                   "top label",
		"v=spf1 redirect=a.example redirect=b.example": "twice",
		"v=spf1 redirect=":                             "needs a domain",
		"v=spf1 1x=y":                                  "modifier name",
		"v=spf1 include:exa\u00e9mple.com":             "invalid character",
		"spf1 -all":                                    "v=spf1",
	} {
		_, err := spf.Parse(txt)
		var se *spf.SyntaxError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want a SyntaxError mentioning %q", txt, err, want)
		}
	}
}

func TestMicrosoftOnly(t *testing.T) {
	z := newZone(microsoft...)
	r := spf.EvaluateTXT(context.Background(), "Contoso.com.", []string{"MS=ms48213377", "v=spf1 include:spf.protection.outlook.com -all"}, z.lookup)
	if r.Domain != "contoso.com" || r.Lookups != 2 || r.VoidLookups != 0 || len(r.Problems) != 0 {
		t.Fatalf("result = %+v", r)
	}
	if chain, ok := r.Reaches("SPF.protection.outlook.com"); !ok || !slices.Equal(chain, []string{"contoso.com", "spf.protection.outlook.com"}) {
		t.Errorf("Reaches = %v %v", chain, ok)
	}
	want := []spf.Step{
		{Domain: "contoso.com", Record: "v=spf1 include:spf.protection.outlook.com -all", Lookups: 1, Subtotal: 2},
		{Domain: "spf.protection.outlook.com", Via: "include", Depth: 1, Record: microsoft[1], Lookups: 1, Subtotal: 1},
		{Domain: "spfd.protection.outlook.com", Via: "include", Depth: 2, Record: microsoft[3], Lookups: 0, Subtotal: 0},
	}
	if !slices.Equal(r.Steps, want) {
		t.Errorf("steps:\n got %+v\nwant %+v", r.Steps, want)
	}
}

// chain builds a record with n lookup terms spread over nested includes:
// the top has an include of a.example, which has n-1 a: terms... so the
// count is exact and crosses records.
func nestedZone(n int) *zone {
	z := newZone("TXT a.example.com", "", "A host.example.com", "192.0.2.1")
	var terms []string
	for i := 1; i < n; i++ {
		terms = append(terms, "a:host.example.com")
	}
	z.records["TXT a.example.com"] = []string{"v=spf1 " + strings.Join(terms, " ") + " -all"}
	return z
}

func TestTenLookupsExactlyIsTheLimit(t *testing.T) {
	for _, tc := range []struct {
		n    int
		fail bool
	}{{9, false}, {10, false}, {11, true}, {12, true}} {
		z := nestedZone(tc.n)
		r := spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 include:a.example.com -all"}, z.lookup)
		if r.Lookups != tc.n {
			t.Errorf("%d terms: counted %d", tc.n, r.Lookups)
		}
		got := slices.Contains(kinds(r.PermErrors()), spf.TooManyLookups)
		if got != tc.fail {
			t.Errorf("%d terms: too many = %v, problems %v", tc.n, got, r.Problems)
		}
		if tc.fail && !strings.Contains(r.PermErrors()[0].Detail, "number 11") {
			t.Errorf("%d terms: detail %q", tc.n, r.PermErrors()[0].Detail)
		}
		if r.Steps[0].Subtotal != tc.n || r.Steps[1].Lookups != tc.n-1 {
			t.Errorf("%d terms: steps %+v", tc.n, r.Steps)
		}
	}
	// The same host asked ten times is one DNS question: receivers cache,
	// and so does the evaluator; the count is of terms, not of questions.
	z := nestedZone(10)
	spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 include:a.example.com -all"}, z.lookup)
	if len(z.asked) != 2 {
		t.Errorf("asked %v", z.asked)
	}
}

func TestRedirectCountsAndIsFollowed(t *testing.T) {
	z := newZone(append(microsoft, "TXT _spf.contoso.com", "v=spf1 mx include:spf.protection.outlook.com -all",
		"MX contoso.com", "contoso-com.mail.protection.outlook.com")...)
	r := spf.EvaluateTXT(context.Background(), "contoso.com", []string{"v=spf1 redirect=_spf.contoso.com"}, z.lookup)
	if r.Lookups != 4 || len(r.Problems) != 0 {
		t.Fatalf("lookups %d, problems %v", r.Lookups, r.Problems)
	}
	if chain, ok := r.Reaches("spf.protection.outlook.com"); !ok || len(chain) != 3 || r.Steps[1].Via != "redirect" {
		t.Errorf("chain %v, steps %+v", chain, r.Steps)
	}
	// With an all mechanism, redirect= is ignored and not counted.
	r = spf.EvaluateTXT(context.Background(), "contoso.com", []string{"v=spf1 -all redirect=_spf.contoso.com"}, z.lookup)
	if r.Lookups != 0 || !slices.Equal(kinds(r.Problems), []spf.Kind{spf.RedirectIgnored}) {
		t.Errorf("lookups %d, problems %v", r.Lookups, r.Problems)
	}
}

func TestLoopsAreDetected(t *testing.T) {
	z := newZone("TXT a.example.com", "v=spf1 include:b.example.com -all",
		"TXT b.example.com", "v=spf1 redirect=a.example.com")
	r := spf.EvaluateTXT(context.Background(), "a.example.com", z.records["TXT a.example.com"], z.lookup)
	loops := r.PermErrors()
	if len(loops) != 1 || loops[0].Kind != spf.Loop || !strings.Contains(loops[0].Detail, "a.example.com -> b.example.com -> a.example.com") {
		t.Fatalf("problems = %v", r.Problems)
	}
	// Including oneself.
	r = spf.EvaluateTXT(context.Background(), "self.example.com", []string{"v=spf1 include:SELF.example.com. -all"}, z.lookup)
	if !slices.Equal(kinds(r.Problems), []spf.Kind{spf.Loop}) {
		t.Errorf("self include: %v", r.Problems)
	}
	// The same include twice is no loop: it counts twice.
	z = newZone(microsoft...)
	r = spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 include:spf.protection.outlook.com include:spf.protection.outlook.com -all"}, z.lookup)
	if r.Lookups != 4 || len(r.Problems) != 0 {
		t.Errorf("twice: lookups %d, problems %v", r.Lookups, r.Problems)
	}
}

func TestVoidLookups(t *testing.T) {
	z := newZone("TXT empty.example.com", "not spf", "A host.example.com", "192.0.2.1")
	// Two void lookups are allowed, the third is a permerror; an include
	// target without SPF is a permerror of its own.
	r := spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 a:gone1.example.com a:gone2.example.com a:host.example.com -all"}, z.lookup)
	if r.VoidLookups != 2 || len(r.Problems) != 0 {
		t.Errorf("two voids: %d %v", r.VoidLookups, r.Problems)
	}
	r = spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 a:gone1.example.com mx:gone2.example.com exists:gone3.example.com -all"}, z.lookup)
	if r.VoidLookups != 3 || !slices.Equal(kinds(r.PermErrors()), []spf.Kind{spf.TooManyVoid}) || r.Steps[0].Void != 3 {
		t.Errorf("three voids: %d %v %+v", r.VoidLookups, r.Problems, r.Steps)
	}
	r = spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 include:nxdomain.example.com include:empty.example.com -all"}, z.lookup)
	if r.VoidLookups != 1 || !slices.Equal(kinds(r.PermErrors()), []spf.Kind{spf.MissingInclude, spf.MissingInclude}) {
		t.Errorf("includes without SPF: %d %v", r.VoidLookups, r.Problems)
	}
}

func TestMacrosAndPtrAreNamedNotFollowed(t *testing.T) {
	z := newZone()
	r := spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 exists:%{i}._spf.example.com include:%{d}.spf.example.net ptr redirect=%{d2}.example.org"}, z.lookup)
	if len(z.asked) != 0 {
		t.Errorf("asked DNS for %v", z.asked)
	}
	if r.Lookups != 4 || len(r.PermErrors()) != 0 {
		t.Errorf("lookups %d, permerrors %v", r.Lookups, r.PermErrors())
	}
	notes := r.Notes()
	if len(notes) != 4 || notes[0].Term != "exists:%{i}._spf.example.com" || !strings.Contains(notes[0].Detail, "macro") || !strings.Contains(notes[2].Detail, "ptr") {
		t.Errorf("notes %v", notes)
	}
}

func TestMultipleAndMissingRecords(t *testing.T) {
	z := newZone("TXT two.example.com", "v=spf1 -all", "TXT two.example.com", "v=spf1 ~all")
	r := spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 -all", "v=spf1 include:spf.protection.outlook.com -all"}, z.lookup)
	if !slices.Equal(kinds(r.PermErrors()), []spf.Kind{spf.MultipleRecords}) {
		t.Errorf("two at the top: %v", r.Problems)
	}
	r = spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 include:two.example.com -all"}, z.lookup)
	if !slices.Equal(kinds(r.PermErrors()), []spf.Kind{spf.MultipleRecords}) || r.PermErrors()[0].Domain != "two.example.com" {
		t.Errorf("two at an include: %v", r.Problems)
	}
	r = spf.EvaluateTXT(context.Background(), "example.com", []string{"MS=ms1", "google-site-verification=x"}, z.lookup)
	if !slices.Equal(kinds(r.PermErrors()), []spf.Kind{spf.NoRecord}) {
		t.Errorf("none: %v", r.Problems)
	}
	r = spf.Evaluate(context.Background(), "two.example.com", z.lookup)
	if !slices.Equal(kinds(r.PermErrors()), []spf.Kind{spf.MultipleRecords}) {
		t.Errorf("Evaluate: %v", r.Problems)
	}
}

func TestSyntaxErrorInAnInclude(t *testing.T) {
	z := newZone("TXT bad.example.com", "v=spf1 ip4:10.0.0.0/99 -all")
	r := spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 include:bad.example.com -all"}, z.lookup)
	p := r.PermErrors()
	if len(p) != 1 || p[0].Kind != spf.Syntax || p[0].Domain != "bad.example.com" || !strings.Contains(p[0].Detail, "0 to 32") {
		t.Errorf("problems %v", r.Problems)
	}
}

func TestUnansweredLookupIsATempError(t *testing.T) {
	z := newZone(microsoft...)
	z.fail["TXT spfd.protection.outlook.com"] = true
	r := spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 include:spf.protection.outlook.com -all"}, z.lookup)
	te := r.TempErrors()
	if len(te) != 1 || len(r.PermErrors()) != 0 || !strings.Contains(te[0].String(), "TXT spfd.protection.outlook.com: SERVFAIL") {
		t.Errorf("problems %v", r.Problems)
	}
	z.fail["TXT example.com"] = true
	r = spf.Evaluate(context.Background(), "example.com", z.lookup)
	if len(r.TempErrors()) != 1 || len(r.Steps) != 0 {
		t.Errorf("top unanswered: %+v", r)
	}
	// A cancelled run asks nothing more.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	z = newZone(microsoft...)
	r = spf.EvaluateTXT(ctx, "example.com", []string{"v=spf1 include:spf.protection.outlook.com -all"}, z.lookup)
	if len(z.asked) != 0 || len(r.TempErrors()) != 1 {
		t.Errorf("cancelled: asked %v, problems %v", z.asked, r.Problems)
	}
}

func TestPlusAllAndTooManyMX(t *testing.T) {
	var hosts []string
	for i := range 11 {
		hosts = append(hosts, fmt.Sprintf("mx%d.example.com", i))
	}
	z := &zone{records: map[string][]string{"MX example.com": hosts}, fail: map[string]bool{}}
	r := spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 mx +all"}, z.lookup)
	if !slices.Equal(kinds(r.Problems), []spf.Kind{spf.TooManyMX, spf.PlusAll}) || len(r.PermErrors()) != 1 {
		t.Errorf("problems %v", r.Problems)
	}
}

// A hostile chain: every record includes ten fresh names, forever. The
// evaluator stops at MaxExpand terms, says so, and does not run away.
func TestHostileFanOutIsBounded(t *testing.T) {
	n := 0
	lookup := func(_ context.Context, name, qtype string) spf.Answer {
		n++
		var terms []string
		for i := range 10 {
			terms = append(terms, fmt.Sprintf("include:x%d.%s", i, name))
		}
		if len(name) > 200 {
			return spf.Answer{Missing: true}
		}
		return spf.Answer{Values: []string{"v=spf1 " + strings.Join(terms, " ") + " -all"}}
	}
	r := spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 include:evil.example.com -all"}, lookup)
	if !r.Stopped || r.Lookups != spf.MaxExpand || n > spf.MaxExpand || !slices.Contains(kinds(r.PermErrors()), spf.TooManyLookups) {
		t.Errorf("stopped %v, lookups %d, questions %d, problems %d", r.Stopped, r.Lookups, n, len(r.Problems))
	}
}

// A 4000-byte record of ip4 terms parses and costs no lookup.
func TestLongRecord(t *testing.T) {
	var b strings.Builder
	b.WriteString("v=spf1")
	for i := 0; b.Len() < 4000; i++ {
		fmt.Fprintf(&b, " ip4:10.%d.%d.0/24", i/256, i%256)
	}
	b.WriteString(" include:spf.protection.outlook.com -all")
	z := newZone(microsoft...)
	r := spf.EvaluateTXT(context.Background(), "example.com", []string{b.String()}, z.lookup)
	if r.Lookups != 2 || len(r.Problems) != 0 {
		t.Errorf("lookups %d problems %v", r.Lookups, r.Problems)
	}
	// Garbage of the same size is a syntax error, shown short.
	_, err := spf.Parse("v=spf1 " + strings.Repeat("x", 4000) + ":y")
	if err == nil || len(err.Error()) > 200 {
		t.Errorf("garbage: %v", err)
	}
}

// Section 5.1: mechanisms after all are never tested: not followed, not
// counted, so they cannot make a permerror; they are noted.
func TestTermsAfterAllAreIgnored(t *testing.T) {
	z := newZone(microsoft...)
	r := spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 include:spf.protection.outlook.com -all a a a a a a a a a a"}, z.lookup)
	if r.Lookups != 2 || r.VoidLookups != 0 || len(r.PermErrors()) != 0 {
		t.Errorf("lookups %d void %d problems %v", r.Lookups, r.VoidLookups, r.Problems)
	}
	if n := len(r.Notes()); n != 10 || r.Notes()[0].Kind != spf.AfterAll || !strings.Contains(r.Notes()[0].Detail, "after -all") {
		t.Errorf("notes %v", r.Notes())
	}
	for _, k := range z.asked {
		if strings.HasPrefix(k, "A ") {
			t.Errorf("asked %s after all", k)
		}
	}
	// An include after all is not reached at all.
	z = newZone(microsoft...)
	r = spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 -all include:spf.protection.outlook.com"}, z.lookup)
	if _, ok := r.BestReach("spf.protection.outlook.com"); ok || r.Lookups != 0 || len(z.asked) != 0 {
		t.Errorf("after all: reached, lookups %d, asked %v", r.Lookups, z.asked)
	}
	// In a nested record too.
	z = newZone(append(microsoft, "TXT a.example.com", "v=spf1 ~all include:spf.protection.outlook.com")...)
	r = spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 include:a.example.com -all"}, z.lookup)
	if _, ok := r.BestReach("spf.protection.outlook.com"); ok || r.Lookups != 1 {
		t.Errorf("nested after all: lookups %d, problems %v", r.Lookups, r.Problems)
	}
}

// An include authorises its senders only when every include on the way is
// qualified +: the best way wins, and says which term leads there.
func TestReachQualifiers(t *testing.T) {
	extra := []string{
		"TXT soft.example.com", "v=spf1 ~include:spf.protection.outlook.com -all",
		"TXT plain.example.com", "v=spf1 include:spf.protection.outlook.com -all",
		"TXT redir.example.com", "v=spf1 redirect=plain.example.com",
	}
	for _, tc := range []struct {
		top  string
		qual byte
		term string
	}{
		{"v=spf1 include:spf.protection.outlook.com -all", '+', "include:spf.protection.outlook.com"},
		{"v=spf1 +include:spf.protection.outlook.com -all", '+', "+include:spf.protection.outlook.com"},
		{"v=spf1 -include:spf.protection.outlook.com ~all", '-', "-include:spf.protection.outlook.com"},
		{"v=spf1 ~include:spf.protection.outlook.com -all", '~', "~include:spf.protection.outlook.com"},
		{"v=spf1 ?include:spf.protection.outlook.com -all", '?', "?include:spf.protection.outlook.com"},
		{"v=spf1 include:soft.example.com -all", '~', "include:soft.example.com"},
		{"v=spf1 -include:plain.example.com -all", '-', "-include:plain.example.com"},
		{"v=spf1 include:redir.example.com -all", '+', "include:redir.example.com"},
		{"v=spf1 -include:spf.protection.outlook.com include:plain.example.com -all", '+', "include:plain.example.com"},
		{"v=spf1 redirect=soft.example.com", '~', "redirect=soft.example.com"},
	} {
		z := newZone(append(slices.Clone(microsoft), extra...)...)
		r := spf.EvaluateTXT(context.Background(), "example.com", []string{tc.top}, z.lookup)
		w, ok := r.BestReach("SPF.protection.outlook.com")
		if !ok || w.Qualifier != tc.qual || w.Term != tc.term || w.Authorises() != (tc.qual == '+') {
			t.Errorf("%q: reach %+v %v, want %c via %s", tc.top, w, ok, tc.qual, tc.term)
		}
	}
}

// ?all is neutral, not "anyone may send"; +all is.
func TestNeutralAllIsNotPlusAll(t *testing.T) {
	r := spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 ip4:192.0.2.1 ?all"}, newZone().lookup)
	if !slices.Equal(kinds(r.Problems), []spf.Kind{spf.NeutralAll}) || strings.Contains(r.Problems[0].Detail, "any server") {
		t.Errorf("?all: %v", r.Problems)
	}
	r = spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 +all"}, newZone().lookup)
	if !slices.Equal(kinds(r.Problems), []spf.Kind{spf.PlusAll}) {
		t.Errorf("+all: %v", r.Problems)
	}
}

// Section 4.6.4: an mx term looks up its hosts' addresses; a host without
// any is a void lookup, and past two the record is a permerror.
func TestMXHostsCountVoidLookups(t *testing.T) {
	z := newZone("MX example.com", "mx1.example.com", "MX example.com", "mx2.example.com", "MX example.com", "mx3.example.com",
		"A mx1.example.com", "192.0.2.1")
	r := spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 mx -all"}, z.lookup)
	if r.Lookups != 1 || r.VoidLookups != 2 || len(r.PermErrors()) != 0 {
		t.Errorf("two hosts without addresses: lookups %d void %d problems %v", r.Lookups, r.VoidLookups, r.Problems)
	}
	if !slices.Contains(z.asked, "AAAA mx2.example.com") || slices.Contains(z.asked, "AAAA mx1.example.com") {
		t.Errorf("asked %v", z.asked)
	}
	z.records["MX example.com"] = append(z.records["MX example.com"], "mx4.example.com")
	z.asked = nil
	r = spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 mx -all"}, z.lookup)
	if r.VoidLookups != 3 || !slices.Equal(kinds(r.PermErrors()), []spf.Kind{spf.TooManyVoid}) {
		t.Errorf("three hosts without addresses: void %d problems %v", r.VoidLookups, r.Problems)
	}
	// An unanswered address lookup is a temperror.
	z.fail["A mx2.example.com"] = true
	r = spf.EvaluateTXT(context.Background(), "example.com", []string{"v=spf1 mx -all"}, z.lookup)
	if len(r.TempErrors()) != 1 {
		t.Errorf("unanswered host: %v", r.Problems)
	}
}
