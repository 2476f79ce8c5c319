package web

import (
	"fmt"
	"net/http"

	"github.com/patchwork-go/patchwork/store"
)

// home lists the projects; with exactly one project it goes straight to
// that project's patch list (upstream).
func (h *handler) home(w http.ResponseWriter, r *http.Request) {
	projects, err := h.store.ListProjects(r.Context())
	if err != nil {
		h.serverError(w, r, fmt.Errorf("list projects: %w", err))
		return
	}
	if len(projects) == 1 {
		h.redirect(w, r, "/project/"+pathEscape(projects[0].LinkName)+"/list/")
		return
	}
	h.render(w, r, http.StatusOK, "projects", page{Title: "Projects", Data: projects})
}

type projectData struct {
	Project     *store.Project
	Maintainers []store.User
	Active      int
	Archived    int
	APIURL      string
	RCURL       string
}

func (h *handler) project(w http.ResponseWriter, r *http.Request, linkname string) {
	ctx := r.Context()
	p, err := h.store.GetProjectByLinkName(ctx, linkname)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := projectData{Project: p, APIURL: h.baseURL(r) + "/api/", RCURL: "/project/" + pathEscape(p.LinkName) + "/pwclientrc/"}
	if d.Maintainers, err = h.store.ListMaintainers(ctx, p.ID); err != nil {
		h.serverError(w, r, fmt.Errorf("maintainers of %s: %w", linkname, err))
		return
	}
	for _, archived := range []bool{false, true} {
		counts, err := h.watcher.Counts(ctx, p.ID, archived)
		if err != nil {
			h.serverError(w, r, fmt.Errorf("count patches of %s: %w", linkname, err))
			return
		}
		n := 0
		for _, c := range counts {
			n += c
		}
		if archived {
			d.Archived = n
		} else {
			d.Active = n
		}
	}
	h.render(w, r, http.StatusOK, "project", page{Title: p.Name, Crumb: []crumb{{p.Name, ""}}, Data: d})
}

type aboutData struct {
	Version string
	REST    bool
	XMLRPC  bool
	BaseURL string
}

func (h *handler) about(w http.ResponseWriter, r *http.Request) {
	v := h.opts.Version
	if v == "" {
		v = "development"
	}
	h.render(w, r, http.StatusOK, "about", page{Title: "About", Data: aboutData{
		Version: v, REST: !h.opts.NoREST, XMLRPC: h.opts.XMLRPC, BaseURL: h.baseURL(r),
	}})
}

// baseURL is the configured public base URL, or the request's scheme and
// host.
func (h *handler) baseURL(r *http.Request) string {
	if h.opts.BaseURL != "" {
		return h.opts.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
