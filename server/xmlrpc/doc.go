package xmlrpc

import (
	"html/template"
	"net/http"
	"strings"
)

// docPage documents the methods for people who open /xmlrpc/ in a browser;
// no client reads it.
var docPage = template.Must(template.New("doc").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Patchwork XML-RPC API</title></head>
<body>
<h1>Patchwork XML-RPC API 1.3.0</h1>
<p>POST XML-RPC calls to <code>{{.URL}}</code>. <code>patch_set</code> and
<code>check_create</code> need HTTP Basic authentication; everything else is
anonymous. pwclient works with this endpoint unchanged.</p>
<dl>
{{range .Methods}}<dt><code>{{.Signature}}</code></dt><dd>{{.Doc}}</dd>
{{end}}</dl>
</body></html>
`))

type docMethod struct{ Signature, Doc string }

func (h *Handler) serveDoc(w http.ResponseWriter, r *http.Request) {
	var ms []docMethod
	for _, m := range h.sortedMethods() {
		params := m.params
		if m.auth {
			params = params[1:]
		}
		ms = append(ms, docMethod{Signature: m.name + "(" + strings.Join(params, ", ") + ")", Doc: m.doc})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r.Method == http.MethodHead {
		return
	}
	_ = docPage.Execute(w, struct {
		URL     string
		Methods []docMethod
	}{strings.TrimRight(h.baseURL, "/") + "/xmlrpc/", ms})
}
