package xsdlite

import (
	"os"
	"strings"
	"testing"
)

func loadJUnit(t *testing.T) *Schema {
	t.Helper()
	data, err := os.ReadFile("testdata/jenkins-junit-10.xsd")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse(jenkins-junit-10.xsd): %v", err)
	}
	return s
}

const validReport = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="o365doctor preflight" tests="3" failures="1" errors="0" time="1.234">
  <testsuite name="preflight" tests="3" failures="1" errors="0" skipped="1" time="1.234"
      timestamp="2024-05-01T12:00:00" hostname="ci-1" id="0" package="o365doctor">
    <properties>
      <property name="tenant" value="contoso.onmicrosoft.com"/>
    </properties>
    <testcase name="dns/mx" classname="preflight.dns" time="0.012"/>
    <testcase name="dns/spf" classname="preflight.dns" time="0.5">
      <failure message="SPF record missing" type="DNS">no TXT record with v=spf1 &amp; friends</failure>
      <system-out><![CDATA[looked up <contoso.com>]]></system-out>
    </testcase>
    <testcase name="graph/licenses" classname="preflight.graph" time="0">
      <skipped message="no credentials"/>
    </testcase>
    <system-out>3 checks</system-out>
    <system-err></system-err>
  </testsuite>
</testsuites>
`

func TestRealSchemaValidDocuments(t *testing.T) {
	s := loadJUnit(t)
	docs := map[string]string{
		"full report":         validReport,
		"bare testsuite root": `<testsuite name="x" tests="0" failures="0" errors="0"/>`,
		"empty testsuites":    `<testsuites/>`,
		"nested suites and rerun": `<testsuite name="a" tests="1" failures="0" errors="0" time="1,234.5">
			<testsuite name="b" tests="1" failures="0" errors="0"/>
			<testcase name="t"><flakyFailure type="x" message="m">trace text<stackTrace>st</stackTrace><system-err>e</system-err></flakyFailure></testcase>
			</testsuite>`,
		"schemaLocation":             `<testsuites xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="junit.xsd"/>`,
		"testcase time is xs:string": `<testcase name="t" time="1.5s"/>`,
	}
	for name, doc := range docs {
		if errs := s.Validate([]byte(doc)); errs != nil {
			t.Errorf("%s: unexpected errors: %v", name, errs)
		}
	}
}

func TestRealSchemaInvalidDocuments(t *testing.T) {
	s := loadJUnit(t)
	suite := func(attrs, body string) string {
		return `<testsuites><testsuite name="s" tests="1" failures="0" errors="0"` + attrs + `>` + body + `</testsuite></testsuites>`
	}
	cases := []struct{ name, doc, want string }{
		{"unknown attribute on testcase", suite("", `<testcase name="a" file="x.go"/>`),
			`/testsuites/testsuite[1]/testcase[1]: attribute "file" is not allowed`},
		{"unknown attribute on testsuites", `<testsuites skipped="0"/>`, `/testsuites: attribute "skipped" is not allowed`},
		{"unknown attribute on testsuite", suite(` disabled="0"`, ""), `attribute "disabled" is not allowed`},
		{"namespaced attribute", suite(` xml:lang="en"`, ""), `is not allowed`},
		{"missing required attribute on testsuite", `<testsuites><testsuite name="s" tests="1" failures="0"/></testsuites>`,
			`/testsuites/testsuite[1]: missing required attribute "errors"`},
		{"missing testcase name", suite("", `<testcase classname="c"/>`), `missing required attribute "name"`},
		{"missing property value", suite("", `<properties><property name="p"/></properties>`), `missing required attribute "value"`},
		{"missing rerun type", suite("", `<testcase name="a"><rerunFailure/></testcase>`), `missing required attribute "type"`},
		{"element out of order", suite("", `<testcase name="a"><flakyError type="t"><system-out/><stackTrace/></flakyError></testcase>`),
			`flakyError[1]/stackTrace[1]: element <stackTrace> is not allowed here`},
		{"too many in sequence", suite("", `<testcase name="a"><flakyError type="t"><stackTrace/><stackTrace/></flakyError></testcase>`),
			`element <stackTrace> is not allowed here`},
		{"bad number in suite time", suite(` time="1.5s"`, ""), `attribute "time": value "1.5s" does not match the pattern of type SUREFIRE_TIME`},
		{"four decimals in suite time", suite(` time="0.0001"`, ""), `does not match the pattern`},
		{"exponent in suite time", suite(` time="1e-3"`, ""), `does not match the pattern`},
		{"negative suite time", `<testsuites time="-1"/>`, `does not match the pattern`},
		{"unknown element in testcase", suite("", `<testcase name="a"><output/></testcase>`),
			`testcase[1]/output[1]: element <output> is not allowed in <testcase>`},
		{"properties directly in testsuites", `<testsuites><properties/></testsuites>`, `element <properties> is not allowed in <testsuites>`},
		{"text in element-only content", `<testsuites>hello</testsuites>`, `text "hello" not allowed`},
		{"whitespace in empty property", suite("", `<properties><property name="a" value="b"> </property></properties>`), `must be empty`},
		{"child element in failure", suite("", `<testcase name="a"><failure><b/></failure></testcase>`), `element <b> is not allowed in <failure>`},
		{"attribute on system-out", suite("", `<system-out level="1">x</system-out>`), `attribute "level" is not allowed`},
		{"child in system-out", suite("", `<system-out><line/></system-out>`), `child element <line> not allowed`},
		{"unknown root", `<report/>`, `root element <report> is not a global element`},
		{"namespaced root", `<testsuites xmlns="urn:x"/>`, `root element <{urn:x}testsuites>`},
		{"not well-formed", `<testsuites><testsuite>`, `not well-formed`},
	}
	for _, c := range cases {
		errs := s.Validate([]byte(c.doc))
		if len(errs) == 0 {
			t.Errorf("%s: no errors, want one containing %q", c.name, c.want)
			continue
		}
		found := false
		for _, e := range errs {
			if strings.Contains(e.Error(), "\n") {
				t.Errorf("%s: multi-line error %q", c.name, e)
			}
			found = found || strings.Contains(e.Error(), c.want)
		}
		if !found {
			t.Errorf("%s: errors %v, want one containing %q", c.name, errs, c.want)
		}
	}
}

// A synthetic schema exercising the supported constructs junit-10.xsd does not use.
const testSchema = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:annotation><xs:documentation>test</xs:documentation></xs:annotation>
  <xs:simpleType name="level">
    <xs:restriction base="xs:token"><xs:enumeration value="low"/><xs:enumeration value="high"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="code">
    <xs:restriction base="xs:string"><xs:pattern value="[A-Z]{2}\d+$?"/><xs:pattern value="-"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="shortCode">
    <xs:restriction base="code"><xs:whiteSpace value="collapse"/><xs:pattern value=".{1,3}"/></xs:restriction>
  </xs:simpleType>
  <xs:element name="root">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="head" minOccurs="2" maxOccurs="3" type="xs:boolean"/>
        <xs:sequence minOccurs="0" maxOccurs="unbounded">
          <xs:element name="a" type="xs:string"/><xs:element name="b" type="xs:decimal" minOccurs="0"/>
        </xs:sequence>
        <xs:choice minOccurs="0"><xs:element ref="when"/><xs:element name="code" type="shortCode"/></xs:choice>
      </xs:sequence>
      <xs:attribute name="level" type="level" use="required"/>
      <xs:attribute name="n" type="xs:nonNegativeInteger"/>
      <xs:attribute name="i" type="xs:int"/>
      <xs:attribute name="big" type="xs:long"/>
      <xs:attribute name="tok" type="xs:NMTOKEN"/>
      <xs:attribute name="any"/>
    </xs:complexType>
  </xs:element>
  <xs:element name="when" type="xs:dateTime"/>
</xs:schema>`

func TestSyntheticSchema(t *testing.T) {
	s, err := Parse([]byte(testSchema))
	if err != nil {
		t.Fatal(err)
	}
	ok := []string{
		`<root level=" high "><head>true</head><head>0</head></root>`,
		`<root level="low" n="-0" i="-2147483648" big="9223372036854775807" tok="a.b-c" any="&#10;?">
		  <head>1</head><head>1</head><head>false</head><a/><b> -1.5 </b><a>x</a><when>2024-02-29T23:59:59.5+01:00</when></root>`,
		`<root level="low"><head>1</head><head>1</head><code> AB1 </code></root>`,
		`<root level="low"><head>1</head><head>1</head><code>-</code></root>`,
		`<when>2024-01-01T00:00:00Z</when>`,
	}
	for _, doc := range ok {
		if errs := s.Validate([]byte(doc)); errs != nil {
			t.Errorf("unexpected errors for %s: %v", doc, errs)
		}
	}
	const heads = `<head>1</head><head>1</head>`
	bad := map[string]string{
		`<root level="medium">` + heads + `</root>`:                                     `is not one of`,
		`<root level="low" i="2147483648">` + heads + `</root>`:                         `not a valid xs:int`,
		`<root level="low" i="1.5">` + heads + `</root>`:                                `not a valid xs:int`,
		`<root level="low" n="-1">` + heads + `</root>`:                                 `not a valid xs:nonNegativeInteger`,
		`<root level="low" big="9223372036854775808">` + heads + `</root>`:              `not a valid xs:long`,
		`<root level="low" tok="a b">` + heads + `</root>`:                              `not a valid xs:NMTOKEN`,
		`<root level="low"><head>1</head></root>`:                                       `content incomplete`,
		`<root level="low">` + heads + `<head>1</head><head>1</head></root>`:            `head[4]: element <head> is not allowed here`,
		`<root level="low"><head>yes</head><head>1</head></root>`:                       `not a valid xs:boolean`,
		`<root level="low">` + heads + `<b>1</b></root>`:                                `b[1]: element <b> is not allowed here`,
		`<root level="low">` + heads + `<a/><b>one</b></root>`:                          `not a valid xs:decimal`,
		`<root level="low">` + heads + `<when>2023-02-29T00:00:00</when></root>`:        `not a valid xs:dateTime`,
		`<root level="low">` + heads + `<when>2023-02-28 00:00:00</when></root>`:        `not a valid xs:dateTime`,
		`<root level="low">` + heads + `<when>2023-01-01T00:00:00</when><code/></root>`: `code[1]: element <code> is not allowed here`,
		`<root level="low">` + heads + `<code>ab1</code></root>`:                        `does not match the pattern of type code`,
		`<root level="low">` + heads + `<code>AB12</code></root>`:                       `does not match the pattern of type shortCode`,
		`<root level="low">` + heads + `<when><x/></when></root>`:                       `child element <x> not allowed`,
	}
	for doc, want := range bad {
		errs := s.Validate([]byte(doc))
		if len(errs) == 0 || !strings.Contains(strings.Join(errStrings(errs), "\n"), want) {
			t.Errorf("for %s: got %v, want an error containing %q", doc, errs, want)
		}
	}
}

func errStrings(errs []error) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func TestUnsupportedConstructsAreRejected(t *testing.T) {
	wrap := func(body string) string {
		return `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">` + body + `</xs:schema>`
	}
	cases := map[string]string{
		"xs:any":                            wrap(`<xs:element name="r"><xs:complexType><xs:sequence><xs:any/></xs:sequence></xs:complexType></xs:element>`),
		"xs:anyAttribute":                   wrap(`<xs:element name="r"><xs:complexType><xs:anyAttribute/></xs:complexType></xs:element>`),
		"xs:group":                          wrap(`<xs:group name="g"><xs:sequence/></xs:group>`),
		"xs:complexContent":                 wrap(`<xs:element name="r"><xs:complexType><xs:complexContent/></xs:complexType></xs:element>`),
		"xs:list":                           wrap(`<xs:simpleType name="l"><xs:list itemType="xs:int"/></xs:simpleType>`),
		"targetNamespace":                   `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x"/>`,
		"default=":                          wrap(`<xs:element name="r"><xs:complexType><xs:attribute name="a" type="xs:string" default="x"/></xs:complexType></xs:element>`),
		"nillable=":                         wrap(`<xs:element name="r" type="xs:string" nillable="true"/>`),
		"xs:anyType":                        wrap(`<xs:element name="r"/>`),
		"xs:QName":                          wrap(`<xs:element name="r" type="xs:QName"/>`),
		"xs:totalDigits":                    wrap(`<xs:simpleType name="t"><xs:restriction base="xs:decimal"><xs:totalDigits value="3"/></xs:restriction></xs:simpleType>`),
		"xs:all":                            wrap(`<xs:element name="r"><xs:complexType><xs:all/></xs:complexType></xs:element>`),
		"xs:simpleContent":                  wrap(`<xs:complexType name="c"><xs:simpleContent/></xs:complexType>`),
		"xs:minInclusive":                   wrap(`<xs:simpleType name="t"><xs:restriction base="xs:int"><xs:minInclusive value="3"/></xs:restriction></xs:simpleType>`),
		"xs:double":                         wrap(`<xs:element name="r" type="xs:double"/>`),
		"xs:attribute":                      wrap(`<xs:attribute name="a"/>`),
		"xs:simpleType inside xs:attribute": wrap(`<xs:complexType name="c"><xs:attribute name="a"><xs:simpleType/></xs:attribute></xs:complexType>`),
		"ref=":                              wrap(`<xs:complexType name="c"><xs:attribute ref="a"/></xs:complexType>`),
		"use=prohibited":                    wrap(`<xs:complexType name="c"><xs:attribute name="a" use="prohibited"/></xs:complexType>`),
		"\\i":                               wrap(`<xs:simpleType name="t"><xs:restriction base="xs:string"><xs:pattern value="\i\c*"/></xs:restriction></xs:simpleType>`),
		"subtraction":                       wrap(`<xs:simpleType name="t"><xs:restriction base="xs:string"><xs:pattern value="[a-z-[aeiou]]"/></xs:restriction></xs:simpleType>`),
		"undefined type":                    wrap(`<xs:element name="r" type="nope"/>`),
		"no such global":                    wrap(`<xs:element name="r"><xs:complexType><xs:sequence><xs:element ref="nope"/></xs:sequence></xs:complexType></xs:element>`),
		"derives from itself": wrap(`<xs:simpleType name="a"><xs:restriction base="b"/></xs:simpleType>` +
			`<xs:simpleType name="b"><xs:restriction base="a"/></xs:simpleType>`),
	}
	for want, schema := range cases {
		_, err := Parse([]byte(schema))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s): got %v, want an error mentioning %q", schema, err, want)
		}
	}
}

func TestRegexIsAnchoredAndLiteralDollar(t *testing.T) {
	re, err := translateRegex(`a$b|^c.`)
	if err != nil {
		t.Fatal(err)
	}
	for s, want := range map[string]bool{"a$b": true, "^cx": true, "xa$bx": false, "^c\n": false, "ab": false} {
		if re.MatchString(s) != want {
			t.Errorf("match %q = %v, want %v", s, !want, want)
		}
	}
}
