package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/server/mbox"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/style.css
var styleCSS []byte

//go:embed static/favicon.svg
var faviconSVG []byte

// styleETag lets browsers keep the stylesheet.
var (
	styleETag   = `"` + strconv.FormatUint(fnv64(styleCSS), 16) + `"`
	faviconETag = `"` + strconv.FormatUint(fnv64(faviconSVG), 16) + `"`
)

func fnv64(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// serveStatic serves the embedded stylesheet and icon; it reports whether
// path was one of them.
func serveStatic(w http.ResponseWriter, r *http.Request, path string) bool {
	var body []byte
	var ctype, etag string
	switch path {
	case "/static/style.css":
		body, ctype, etag = styleCSS, "text/css; charset=utf-8", styleETag
	case "/static/favicon.svg", "/favicon.ico":
		body, ctype, etag = faviconSVG, "image/svg+xml", faviconETag
	default:
		return false
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	w.Write(body)
	return true
}

// templates holds one parsed template set per page, each with the layout.
type templates struct {
	pages map[string]*template.Template
}

var funcs = template.FuncMap{
	"patchPath": mbox.PatchPath,
	"coverPath": mbox.CoverPath,
	"bareMsgID": bareMsgID,
	"date":      func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") },
	"datetime":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"iso":       func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"person":    personName,
	"pathEsc":   url.PathEscape,
	"queryEsc":  url.QueryEscape,
	"diffLines": diffLines,
	"add":       func(a, b int) int { return a + b },
	"formatURL": formatURL,
	"rowsHTML":  rowsHTML,
}

func mustParseTemplates() *templates {
	t := &templates{pages: map[string]*template.Template{}}
	entries, err := templateFS.ReadDir("templates")
	if err != nil {
		panic(err) // embedded at build time: cannot fail at run time
	}
	for _, e := range entries {
		name := e.Name()
		if name == "layout.html" {
			continue
		}
		pt := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name))
		t.pages[strings.TrimSuffix(name, ".html")] = pt
	}
	return t
}

// page is what every template gets: the title and page-specific data.
type page struct {
	Title string
	Crumb []crumb
	Data  any
}

type crumb struct {
	Text, Href string
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := h.tmpl.pages[name]
	if !ok {
		h.serverError(w, r, fmt.Errorf("no template %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		h.serverError(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (h *handler) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	t := h.tmpl.pages["error"]
	var buf bytes.Buffer
	if err := t.Execute(&buf, page{Title: http.StatusText(status), Data: msg}); err != nil {
		h.log.Error("render error page", "err", err)
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.errorPage(w, r, http.StatusNotFound, "There is nothing at this address.")
}

func (h *handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Error("web request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	h.errorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side.")
}

// fail maps a store error to 404, 429 (the service's limits) or 500.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	if errors.Is(err, service.ErrRateLimited) {
		w.Header().Set("Retry-After", strconv.Itoa(service.RetryAfter(err)))
		h.errorPage(w, r, http.StatusTooManyRequests, service.Message(err))
		return
	}
	h.serverError(w, r, err)
}

func bareMsgID(m string) string { return strings.TrimSuffix(strings.TrimPrefix(m, "<"), ">") }

func personName(p store.Person) string {
	if p.Name != "" {
		return p.Name
	}
	return p.Email
}

// formatURL fills a project's "{}" URL format; "" when the format is unset.
// html/template still checks the scheme of the result in href attributes.
func formatURL(format, value string) string {
	if format == "" || value == "" {
		return ""
	}
	return strings.ReplaceAll(format, "{}", url.PathEscape(value))
}

// diffLine is one line of a diff with its CSS class.
type diffLine struct {
	Class, Text string
}

// diffLines classifies diff lines for colouring: file headers ("dh"), hunk
// headers ("dk"), additions ("da") and removals ("dd"). A "--- " line is a
// file header only when a "+++ " line follows, so a removed line that starts
// with "-- " stays a removal.
func diffLines(diff string) []diffLine {
	lines := strings.Split(strings.TrimSuffix(diff, "\n"), "\n")
	out := make([]diffLine, len(lines))
	inHeader := false
	for i, l := range lines {
		class := ""
		switch {
		case strings.HasPrefix(l, "diff "), strings.HasPrefix(l, "Index: "):
			class, inHeader = "dh", true
		case strings.HasPrefix(l, "@@"):
			class, inHeader = "dk", false
		case strings.HasPrefix(l, "--- ") && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "+++ "):
			class, inHeader = "dh", true
		case inHeader && !strings.HasPrefix(l, " "):
			class = "dh"
		case strings.HasPrefix(l, "+"):
			class = "da"
		case strings.HasPrefix(l, "-"):
			class = "dd"
		}
		out[i] = diffLine{Class: class, Text: l}
	}
	return out
}
