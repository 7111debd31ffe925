// Package xsdlite validates XML documents against the small subset of W3C XML
// Schema 1.0 used by the Jenkins xunit-plugin JUnit schema (junit-10.xsd).
// Parse rejects every construct outside that subset with an error naming it,
// so a schema is never half-understood.
//
// Supported: schemas without targetNamespace; global xs:element,
// xs:complexType and xs:simpleType; local elements and element refs;
// xs:sequence and xs:choice (nested, with minOccurs/maxOccurs, "unbounded");
// xs:attribute with name, type and use="optional"/"required"; mixed content;
// element-only and empty content; simple-typed elements; xs:simpleType as an
// xs:restriction with xs:pattern, xs:enumeration and xs:whiteSpace; the
// built-in types listed in builtinWS; xsi:schemaLocation and
// xsi:noNamespaceSchemaLocation in documents. xs:annotation is ignored.
package xsdlite

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	xsdNS = "http://www.w3.org/2001/XMLSchema"
	xsiNS = "http://www.w3.org/2001/XMLSchema-instance"
)

// Schema is a compiled schema.
type Schema struct{ elems map[string]*elemDecl }

type elemDecl struct {
	name string
	ct   *complexType // exactly one of ct and st is set
	st   *simpleType
}

type complexType struct {
	mixed   bool
	content *particle // nil: empty content
	attrs   map[string]*attrDecl
	decls   map[string]*elemDecl // child element name -> declaration
}

type attrDecl struct {
	st       *simpleType
	required bool
}

type particle struct {
	kind     string // element, sequence or choice
	elem     *elemDecl
	kids     []*particle
	min, max int // max < 0: unbounded
}

type simpleType struct {
	name, builtin string // builtin is set on built-in types only
	base          *simpleType
	ws            string           // whiteSpace facet, "" if not set here
	patterns      []*regexp.Regexp // alternatives (patterns of one restriction)
	patSrc        []string
	enums         []string // compared as (whitespace-normalized) strings
}

// builtinWS lists the supported built-in types with their whiteSpace facet.
var builtinWS = map[string]string{
	"anySimpleType": "preserve", "string": "preserve", "normalizedString": "replace",
	"token": "collapse", "NMTOKEN": "collapse", "boolean": "collapse", "decimal": "collapse",
	"integer": "collapse", "long": "collapse", "int": "collapse",
	"nonNegativeInteger": "collapse", "dateTime": "collapse",
}

// lexical holds the lexical-space check of the non-string built-ins. dateTime
// is further checked by time.Parse; years outside 0000-9999 and 24:00:00 are
// not supported.
var lexical = map[string]*regexp.Regexp{
	"NMTOKEN":            regexp.MustCompile(`^[\p{L}\p{N}\p{M}._:\-·]+$`),
	"boolean":            regexp.MustCompile(`^(true|false|1|0)$`),
	"decimal":            regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`),
	"integer":            regexp.MustCompile(`^[+-]?\d+$`),
	"long":               regexp.MustCompile(`^[+-]?\d+$`),
	"int":                regexp.MustCompile(`^[+-]?\d+$`),
	"nonNegativeInteger": regexp.MustCompile(`^(\+?\d+|-0+)$`),
	"dateTime":           regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-](0\d|1[0-4]):[0-5]\d)?$`),
}

// node is a generic element tree, used for both schemas and documents.
type node struct {
	name  xml.Name
	attrs []xml.Attr // without namespace declarations
	kids  []*node
	text  string            // direct character data, concatenated
	ns    map[string]string // in-scope prefix -> namespace ("" = default)
}

func parseTree(data []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var root *node
	var stack []*node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name, ns: map[string]string{}}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.kids = append(parent.kids, n)
				n.ns = parent.ns
			} else if root != nil {
				return nil, errors.New("more than one root element")
			} else {
				root = n
			}
			copied := false
			for _, a := range t.Attr {
				if a.Name.Space != "xmlns" && (a.Name.Space != "" || a.Name.Local != "xmlns") {
					n.attrs = append(n.attrs, a)
					continue
				}
				if !copied { // copy-on-write: most nodes share their parent's map
					n.ns, copied = maps.Clone(n.ns), true
				}
				n.ns[strings.TrimPrefix(a.Name.Local, "xmlns")] = a.Value
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

func (n *node) attr(name string) string {
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *node) has(name string) bool {
	return slices.ContainsFunc(n.attrs, func(a xml.Attr) bool { return a.Name.Space == "" && a.Name.Local == name })
}

// ---------------------------------------------------------------- Parse

type compiler struct {
	elems map[string]*elemDecl
	cts   map[string]*complexType
	sts   map[string]*simpleType
	err   error // the first error; Parse returns it
}

func (c *compiler) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("xsdlite: "+format, args...)
	}
}

func (c *compiler) unsupported(n *node, what string) {
	c.fail("unsupported XSD construct: %s (in xs:%s name=%q)", what, n.name.Local, n.attr("name"))
}

// children checks that n carries only the allowed unqualified attributes and
// returns its child elements, minus xs:annotation.
func (c *compiler) children(n *node, allowed ...string) []*node {
	for _, a := range n.attrs {
		if a.Name.Space == "" && !slices.Contains(allowed, a.Name.Local) {
			c.unsupported(n, fmt.Sprintf("attribute %s=%q on xs:%s", a.Name.Local, a.Value, n.name.Local))
		}
	}
	var out []*node
	for _, k := range n.kids {
		if k.name.Space != xsdNS {
			c.unsupported(n, "foreign element "+k.name.Local)
		} else if k.name.Local != "annotation" {
			out = append(out, k)
		}
	}
	return out
}

// Parse compiles an XSD document.
func Parse(schema []byte) (*Schema, error) {
	root, err := parseTree(schema)
	if err != nil {
		return nil, fmt.Errorf("xsdlite: schema is not well-formed: %w", err)
	}
	if root.name != (xml.Name{Space: xsdNS, Local: "schema"}) {
		return nil, errors.New("xsdlite: root element is not xs:schema")
	}
	c := &compiler{elems: map[string]*elemDecl{}, cts: map[string]*complexType{}, sts: map[string]*simpleType{}}
	tops := c.children(root, "elementFormDefault", "attributeFormDefault", "version", "id")
	for _, k := range tops { // pass 1: declare names, so references may point forward
		name, kind := k.attr("name"), k.name.Local
		switch {
		case kind != "element" && kind != "complexType" && kind != "simpleType":
			c.unsupported(root, "top-level xs:"+kind)
		case name == "" || kind == "element" && c.elems[name] != nil || kind != "element" && (c.cts[name] != nil || c.sts[name] != nil):
			c.fail("top-level xs:%s has a missing or duplicate name %q", kind, name)
		case kind == "element":
			c.elems[name] = &elemDecl{name: name}
		case kind == "complexType":
			c.cts[name] = &complexType{}
		default:
			c.sts[name] = &simpleType{name: name}
		}
	}
	for _, k := range tops { // pass 2: fill them in
		if name := k.attr("name"); c.err == nil && k.name.Local == "element" {
			c.element(c.elems[name], k, "name", "type", "id")
		} else if c.err == nil && k.name.Local == "complexType" {
			c.complex(c.cts[name], k)
		} else if c.err == nil {
			c.simple(c.sts[name], k)
		}
	}
	for name, st := range c.sts {
		for i := 0; c.err == nil && st.builtin == ""; i++ {
			if st = st.base; i > len(c.sts) {
				c.fail("simple type %q derives from itself", name)
			}
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	return &Schema{c.elems}, nil
}

// qname resolves a QName-valued attribute value in the scope of n.
func (c *compiler) qname(n *node, q string) (ns, local string) {
	prefix, local, ok := strings.Cut(q, ":")
	if !ok {
		prefix, local = "", q
	}
	ns, found := n.ns[prefix]
	if prefix != "" && !found {
		c.fail("undeclared namespace prefix in %q", q)
	}
	return ns, local
}

// lookup resolves a type reference to a complex or a simple type.
func (c *compiler) lookup(n *node, q string) (*complexType, *simpleType) {
	ns, local := c.qname(n, q)
	switch {
	case ns == xsdNS && builtinWS[local] != "":
		return nil, &simpleType{name: "xs:" + local, builtin: local}
	case ns == xsdNS:
		c.unsupported(n, "built-in type xs:"+local)
	case ns != "":
		c.unsupported(n, "type reference into namespace "+ns)
	case c.cts[local] != nil:
		return c.cts[local], nil
	case c.sts[local] != nil:
		return nil, c.sts[local]
	default:
		c.fail("undefined type %q", q)
	}
	return nil, nil
}

func (c *compiler) lookupSimple(n *node, q string) *simpleType {
	ct, st := c.lookup(n, q)
	if ct != nil {
		c.unsupported(n, "complex type "+q+" where a simple type is required")
	}
	return st
}

func (c *compiler) element(d *elemDecl, n *node, allowed ...string) {
	kids := c.children(n, allowed...)
	switch {
	case n.has("type") && len(kids) == 0:
		d.ct, d.st = c.lookup(n, n.attr("type"))
	case !n.has("type") && len(kids) == 1 && kids[0].name.Local == "complexType" && !kids[0].has("name"):
		d.ct = &complexType{}
		c.complex(d.ct, kids[0])
	case len(kids) == 0:
		c.unsupported(n, "element without a type (xs:anyType)")
	default:
		c.unsupported(n, "xs:"+kids[0].name.Local+" inside xs:element")
	}
}

func (c *compiler) complex(ct *complexType, n *node) {
	kids := c.children(n, "name", "mixed", "id")
	switch m := n.attr("mixed"); m {
	case "true", "1":
		ct.mixed = true
	case "", "false", "0":
	default:
		c.fail("bad mixed=%q", m)
	}
	ct.attrs, ct.decls = map[string]*attrDecl{}, map[string]*elemDecl{}
	for _, k := range kids {
		switch kind := k.name.Local; {
		case (kind == "sequence" || kind == "choice") && ct.content == nil && len(ct.attrs) == 0:
			ct.content = c.particle(k)
		case kind == "attribute":
			c.attribute(ct, k)
		default:
			c.unsupported(n, "xs:"+kind+" (or its position) inside xs:complexType")
		}
	}
	var collect func(p *particle)
	collect = func(p *particle) {
		if p == nil || c.err != nil {
			return
		}
		if p.kind == "element" {
			if d := ct.decls[p.elem.name]; d != nil && d != p.elem {
				c.unsupported(n, "two declarations of element "+p.elem.name+" in one content model")
			}
			ct.decls[p.elem.name] = p.elem
		}
		for _, k := range p.kids {
			collect(k)
		}
	}
	collect(ct.content)
}

func (c *compiler) attribute(ct *complexType, n *node) {
	kids := c.children(n, "name", "type", "use", "id")
	name, use := n.attr("name"), n.attr("use")
	switch {
	case len(kids) > 0:
		c.unsupported(n, "xs:"+kids[0].name.Local+" inside xs:attribute")
	case name == "" || ct.attrs[name] != nil:
		c.fail("xs:attribute with a missing or duplicate name %q", name)
	case use != "" && use != "optional" && use != "required":
		c.unsupported(n, "use="+use)
	}
	a := &attrDecl{st: &simpleType{name: "xs:anySimpleType", builtin: "anySimpleType"}, required: use == "required"}
	if n.has("type") {
		a.st = c.lookupSimple(n, n.attr("type"))
	}
	ct.attrs[name] = a
}

func (c *compiler) occurs(n *node, name string) int {
	v := n.attr(name)
	if v == "" {
		return 1
	} else if v == "unbounded" && name == "maxOccurs" {
		return -1
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 {
		c.fail("bad %s=%q", name, v)
	}
	return i
}

func (c *compiler) particle(n *node) *particle {
	p := &particle{kind: n.name.Local, min: c.occurs(n, "minOccurs"), max: c.occurs(n, "maxOccurs")}
	if p.max >= 0 && p.min > p.max {
		c.fail("minOccurs > maxOccurs on xs:%s", p.kind)
	}
	switch {
	case p.kind == "element" && n.has("ref"):
		if len(c.children(n, "ref", "minOccurs", "maxOccurs", "id")) > 0 {
			c.unsupported(n, "content inside xs:element ref")
		}
		ns, local := c.qname(n, n.attr("ref"))
		if p.elem = c.elems[local]; p.elem == nil || ns != "" {
			c.fail("xs:element ref=%q: no such global element", n.attr("ref"))
			p.elem = &elemDecl{}
		}
	case p.kind == "element":
		if p.elem = (&elemDecl{name: n.attr("name")}); p.elem.name == "" {
			c.fail("local xs:element without name or ref")
		}
		c.element(p.elem, n, "name", "type", "minOccurs", "maxOccurs", "id")
	default: // sequence or choice
		for _, k := range c.children(n, "minOccurs", "maxOccurs", "id") {
			if kind := k.name.Local; kind == "element" || kind == "sequence" || kind == "choice" {
				p.kids = append(p.kids, c.particle(k))
			} else {
				c.unsupported(n, "xs:"+kind+" inside xs:"+p.kind)
			}
		}
	}
	return p
}

func (c *compiler) simple(st *simpleType, n *node) {
	kids := c.children(n, "name", "id")
	if len(kids) != 1 || kids[0].name.Local != "restriction" || !kids[0].has("base") {
		c.unsupported(n, "xs:simpleType other than one xs:restriction base=... (xs:list, xs:union)")
		return
	}
	r := kids[0]
	facets := c.children(r, "base", "id")
	st.base = c.lookupSimple(r, r.attr("base"))
	for _, f := range facets {
		c.children(f, "value", "fixed", "id")
		switch v := f.attr("value"); f.name.Local {
		case "pattern":
			re, err := translateRegex(v)
			if err != nil {
				c.unsupported(f, fmt.Sprintf("pattern %q: %v", v, err))
			}
			st.patterns, st.patSrc = append(st.patterns, re), append(st.patSrc, v)
		case "enumeration":
			st.enums = append(st.enums, v)
		case "whiteSpace":
			if v != "preserve" && v != "replace" && v != "collapse" {
				c.fail("bad xs:whiteSpace value %q", v)
			}
			st.ws = v
		default:
			c.unsupported(f, "facet xs:"+f.name.Local)
		}
	}
}

// translateRegex turns an XSD regular expression (implicitly anchored, ^ and
// $ ordinary characters, . excluding \n and \r) into a Go regexp.
func translateRegex(src string) (*regexp.Regexp, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(src); i++ {
		ch := src[i]
		switch {
		case ch == '\\' && i+1 < len(src):
			i++
			switch e := src[i]; {
			case e == 'd':
				b.WriteString(`\p{Nd}`)
			case e == 'D':
				b.WriteString(`\P{Nd}`)
			case e == 's' && inClass:
				b.WriteString(` \t\n\r`)
			case e == 's':
				b.WriteString(`[ \t\n\r]`)
			case e == 'S' && !inClass:
				b.WriteString(`[^ \t\n\r]`)
			case strings.IndexByte(`nrt\|.-^?*+{}()[]`, e) >= 0:
				b.WriteString(src[i-1 : i+1])
			default: // \i \c \w \p{...} and \S inside [...]
				return nil, fmt.Errorf(`escape \%c is not supported`, e)
			}
		case inClass && ch == '[':
			return nil, errors.New("character-class subtraction is not supported")
		case inClass:
			inClass = ch != ']'
			b.WriteByte(ch)
		case ch == '[':
			inClass = true
			b.WriteByte(ch)
			if strings.HasPrefix(src[i+1:], "^") { // negation, not a literal ^
				b.WriteByte('^')
				i++
			}
		case ch == '^' || ch == '$':
			b.WriteString(`\` + string(ch))
		case ch == '.':
			b.WriteString(`[^\n\r]`)
		case ch == '(' && strings.HasPrefix(src[i+1:], "?"):
			return nil, errors.New("(? is not XSD regex syntax")
		default:
			b.WriteByte(ch)
		}
	}
	return regexp.Compile(`^(?:` + b.String() + `)$`)
}

// ---------------------------------------------------------------- Validate

func isXMLSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// check validates a value: whitespace-normalizes it per the type, then checks
// the facets of every derivation step and the lexical space of the built-in.
func (st *simpleType) check(v string) error {
	var ws string // "" (not found) means preserve
	for t := st; t != nil; t = t.base {
		if ws = cmp.Or(t.ws, builtinWS[t.builtin]); ws != "" {
			break
		}
	}
	switch ws {
	case "replace":
		v = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(v)
	case "collapse":
		v = strings.Join(strings.FieldsFunc(v, isXMLSpace), " ")
	}
	for t := st; t != nil; t = t.base {
		if t.builtin != "" && !builtinOK(t.builtin, v) {
			return fmt.Errorf("value %q is not a valid xs:%s", v, t.builtin)
		}
		if len(t.patterns) > 0 && !slices.ContainsFunc(t.patterns, func(re *regexp.Regexp) bool { return re.MatchString(v) }) {
			return fmt.Errorf("value %q does not match the pattern of type %s: %s", v, t.name, strings.Join(t.patSrc, " | "))
		}
		if len(t.enums) > 0 && !slices.Contains(t.enums, v) {
			return fmt.Errorf("value %q is not one of %q (type %s)", v, t.enums, t.name)
		}
	}
	return nil
}

func builtinOK(name, v string) bool {
	re := lexical[name]
	if re == nil {
		return true // string types: any (normalized) value
	}
	m := re.FindStringSubmatch(v)
	switch {
	case m == nil:
		return false
	case name == "int":
		_, err := strconv.ParseInt(v, 10, 32)
		return err == nil
	case name == "long":
		_, err := strconv.ParseInt(v, 10, 64)
		return err == nil
	case name == "dateTime":
		_, err := time.Parse("2006-01-02T15:04:05", m[1])
		return err == nil
	}
	return true
}

type validator struct{ errs []error }

func (v *validator) errorf(path, format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

func display(n xml.Name) string {
	if n.Space != "" {
		return "{" + n.Space + "}" + n.Local
	}
	return n.Local
}

// Validate returns the validation errors of doc, or nil when it is valid.
// Each error is one line starting with the element path, e.g.
// "/testsuites/testsuite[1]/testcase[2]: ...". Like XSD itself, any global
// element of the schema is accepted as the document root.
func (s *Schema) Validate(doc []byte) []error {
	root, err := parseTree(doc)
	if err != nil {
		return []error{fmt.Errorf("document is not well-formed XML: %w", err)}
	}
	var v validator
	path := "/" + display(root.name)
	if d := s.elems[root.name.Local]; d == nil || root.name.Space != "" {
		v.errorf(path, "root element <%s> is not a global element of the schema", display(root.name))
	} else {
		v.element(d, root, path)
	}
	return v.errs
}

func (v *validator) element(d *elemDecl, n *node, path string) {
	var decls map[string]*attrDecl
	if d.ct != nil {
		decls = d.ct.attrs
	}
	for _, a := range n.attrs {
		if a.Name.Space == xsiNS && (a.Name.Local == "schemaLocation" || a.Name.Local == "noNamespaceSchemaLocation") {
			continue
		}
		if ad := decls[a.Name.Local]; ad == nil || a.Name.Space != "" {
			v.errorf(path, "attribute %q is not allowed (not declared in the schema)", display(a.Name))
		} else if err := ad.st.check(a.Value); err != nil {
			v.errorf(path, "attribute %q: %v", a.Name.Local, err)
		}
	}
	for _, name := range sortedKeys(decls) {
		if decls[name].required && !n.has(name) {
			v.errorf(path, "missing required attribute %q", name)
		}
	}

	if d.st != nil {
		if len(n.kids) > 0 {
			v.errorf(path, "child element <%s> not allowed: the element has simple content (%s)", display(n.kids[0].name), d.st.name)
		} else if err := d.st.check(n.text); err != nil {
			v.errorf(path, "text content: %v", err)
		}
		return
	}
	ct := d.ct
	if !ct.mixed && ct.content == nil && n.text != "" {
		v.errorf(path, "text not allowed: the element must be empty (not even whitespace)")
	} else if !ct.mixed && strings.TrimFunc(n.text, isXMLSpace) != "" {
		v.errorf(path, "text %q not allowed: the element has element-only content", strings.TrimFunc(n.text, isXMLSpace))
	}
	names, paths := make([]string, len(n.kids)), make([]string, len(n.kids))
	count := map[xml.Name]int{}
	allKnown := true
	for i, k := range n.kids {
		count[k.name]++
		names[i] = display(k.name)
		paths[i] = fmt.Sprintf("%s/%s[%d]", path, names[i], count[k.name])
		if kd := ct.decls[k.name.Local]; kd != nil && k.name.Space == "" {
			v.element(kd, k, paths[i])
		} else {
			allKnown = false
			v.errorf(paths[i], "element <%s> is not allowed in <%s> (allowed: %s)", names[i], d.name, list(sortedKeys(ct.decls), "none"))
		}
	}
	if !allKnown || ct.content == nil {
		return
	}
	m := &matcher{names: names, memo: map[mkey]map[int]bool{}, tried: map[int]map[string]bool{}}
	if m.match(ct.content, 0)[len(names)] {
		return
	}
	if f := m.furthest; f < len(names) {
		v.errorf(paths[f], "element <%s> is not allowed here (out of order or too many; expected: %s)", names[f], list(sortedKeys(m.tried[f]), "no more child elements"))
	} else {
		v.errorf(path, "content incomplete: missing child element (expected: %s)", list(sortedKeys(m.tried[f]), "no more child elements"))
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func list(s []string, empty string) string {
	if len(s) == 0 {
		return empty
	}
	return strings.Join(s, ", ")
}

// matcher matches a list of child names against a content model by computing,
// for each (particle, start position), the set of possible end positions.
type matcher struct {
	names    []string
	memo     map[mkey]map[int]bool
	tried    map[int]map[string]bool // position -> element names tried there
	furthest int                     // furthest position reached or tried
}

type mkey struct {
	p   *particle
	pos int
}

// match matches p with its minOccurs/maxOccurs, starting at pos.
func (m *matcher) match(p *particle, pos int) map[int]bool {
	k := mkey{p, pos}
	if r, ok := m.memo[k]; ok {
		return r
	}
	res, seen, cur := map[int]bool{}, map[int]bool{}, map[int]bool{pos: true}
	if p.min == 0 {
		res[pos], seen[pos] = true, true
	}
	for i := 1; (p.max < 0 || i <= p.max) && len(cur) > 0; i++ {
		next := map[int]bool{}
		for q := range cur {
			for e := range m.once(p, q) {
				next[e] = true
			}
		}
		if i >= p.min {
			for e := range next { // reached before with more repetitions left: nothing new
				if seen[e] {
					delete(next, e)
				}
				seen[e], res[e] = true, true
			}
		}
		cur = next
	}
	m.memo[k] = res
	return res
}

// once matches exactly one occurrence of p, starting at pos.
func (m *matcher) once(p *particle, pos int) map[int]bool {
	out := map[int]bool{}
	switch p.kind {
	case "element":
		if m.tried[pos] == nil {
			m.tried[pos] = map[string]bool{}
		}
		m.tried[pos][p.elem.name] = true
		m.furthest = max(m.furthest, pos)
		if pos < len(m.names) && m.names[pos] == p.elem.name {
			out[pos+1] = true
			m.furthest = max(m.furthest, pos+1)
		}
	case "sequence":
		out[pos] = true
		for _, k := range p.kids {
			next := map[int]bool{}
			for q := range out {
				for e := range m.match(k, q) {
					next[e] = true
				}
			}
			out = next
		}
	case "choice":
		for _, k := range p.kids {
			for e := range m.match(k, pos) {
				out[e] = true
			}
		}
	}
	return out
}
