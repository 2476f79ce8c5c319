package web_test

import (
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// element is one start tag of a parsed page, attributes entity-decoded.
type element struct {
	Name string
	Attr map[string]string
}

// doc is a page as a browser would see its structure: the elements and the
// decoded text. Tests look at this, not at the bytes, so that an escaped
// "&lt;script&gt;" (inert text) and a real <script> element are told apart.
type doc struct {
	Elems []element
	Text  string
}

// parseHTML parses a page with encoding/xml in its lenient HTML mode (void
// elements, unquoted and bare attributes, HTML entities). Our templates are
// well-formed, so a parse error means broken markup and fails the test.
func parseHTML(t testing.TB, body string) doc {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(body))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	var d doc
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("parse HTML: %v\n%.2000s", err, body)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := element{Name: strings.ToLower(tok.Name.Local), Attr: map[string]string{}}
			for _, a := range tok.Attr {
				name := strings.ToLower(a.Name.Local)
				if a.Name.Space != "" {
					name = strings.ToLower(a.Name.Space) + ":" + name
				}
				e.Attr[name] = a.Value
			}
			d.Elems = append(d.Elems, e)
		case xml.CharData:
			text.Write(tok)
		}
	}
	d.Text = text.String()
	return d
}

// links returns every href of the page, decoded.
func (d doc) links() []string {
	var out []string
	for _, e := range d.Elems {
		if h, ok := e.Attr["href"]; ok {
			out = append(out, h)
		}
	}
	return out
}

// hasLink reports a missing link.
func hasLink(t *testing.T, what string, d doc, hrefs ...string) {
	t.Helper()
	got := d.links()
	for _, h := range hrefs {
		if !slices.Contains(got, h) {
			t.Errorf("%s: no link to %q (links: %q)", what, h, got)
		}
	}
}

// Our templates' vocabulary. Anything else on a page was injected.
var (
	allowedElems = map[string]bool{
		"html": true, "head": true, "meta": true, "title": true, "link": true, "body": true, "header": true,
		"nav": true, "main": true, "a": true, "span": true, "h1": true, "h2": true, "h3": true, "p": true,
		"div": true, "form": true, "input": true, "select": true, "option": true, "button": true,
		"table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "pre": true,
		"section": true, "details": true, "summary": true, "time": true, "dl": true, "dt": true, "dd": true,
		"ul": true, "ol": true, "li": true, "code": true, "b": true, "strong": true, "em": true, "small": true,
	}
	allowedAttrs = map[string]bool{
		"lang": true, "charset": true, "name": true, "content": true, "rel": true, "href": true, "type": true,
		"class": true, "id": true, "title": true, "method": true, "action": true, "value": true,
		"placeholder": true, "aria-label": true, "selected": true, "colspan": true, "datetime": true,
		"open": true,
	}
)

// inert checks that nothing an attacker wrote became markup: only our
// elements and attributes, no event handlers, no script URLs.
func inert(t *testing.T, what string, d doc) {
	t.Helper()
	for _, e := range d.Elems {
		if !allowedElems[e.Name] {
			t.Errorf("%s: injected or unexpected element <%s %v>", what, e.Name, e.Attr)
		}
		for name, v := range e.Attr {
			if !allowedAttrs[name] || strings.HasPrefix(name, "on") {
				t.Errorf("%s: injected or unexpected attribute %s=%q on <%s>", what, name, v, e.Name)
			}
			lv := strings.ToLower(strings.TrimSpace(v))
			if (name == "href" || name == "action") && (strings.HasPrefix(lv, "javascript:") || strings.HasPrefix(lv, "data:") || strings.HasPrefix(lv, "vbscript:")) {
				t.Errorf("%s: script URL %s=%q on <%s>", what, name, v, e.Name)
			}
		}
	}
}
