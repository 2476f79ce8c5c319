package rest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

// projectFull is the project representation of projects/ (spec §6.1).
func (c *call) projectFull(p *store.Project) (obj, error) {
	maint, err := c.h.store.ListMaintainers(c.ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("maintainers of %s: %w", p.LinkName, err)
	}
	ms := make([]obj, 0, len(maint))
	for _, u := range maint {
		ms = append(ms, c.embUser(u))
	}
	o := obj{
		{"id", p.ID},
		{"url", c.api("projects/" + itoa(p.ID) + "/")},
		{"name", p.Name},
		{"link_name", p.LinkName},
		{"list_id", p.ListID},
		{"list_email", p.ListEmail},
		{"web_url", p.WebURL},
		{"scm_url", p.SCMURL},
		{"webscm_url", p.WebSCMURL},
		{"maintainers", ms},
	}
	if c.since(1) {
		o = o.add("subject_match", p.SubjectMatch)
	}
	if c.since(2) {
		o = o.add("list_archive_url", p.ListArchiveURL).
			add("list_archive_url_format", p.ListArchiveURLFormat).
			add("commit_url_format", p.CommitURLFormat)
	}
	if c.since(4) {
		o = o.add("show_dependencies", p.ShowDependencies)
	}
	return o, nil
}

func (c *call) projectList() error {
	all, err := c.allProjects()
	if err != nil {
		return err
	}
	terms := c.terms()
	var list []store.Project
	for _, p := range all {
		if matchTerms(terms, p.LinkName, p.ListID, p.ListEmail, p.WebURL, p.SCMURL, p.WebSCMURL,
			p.ListArchiveURL, p.ListArchiveURLFormat, p.CommitURLFormat) {
			list = append(list, p)
		}
	}
	keys := c.orderKeys("id", "name", "link_name", "list_id")
	sortByKeys(list, keys, func(a, b *store.Project, key string) int {
		switch key {
		case "id":
			return cmpInt(a.ID, b.ID)
		case "name":
			return strings.Compare(a.Name, b.Name)
		case "link_name":
			return strings.Compare(a.LinkName, b.LinkName)
		case "list_id":
			return strings.Compare(a.ListID, b.ListID)
		}
		return 0
	}, func(x *store.Project) int64 { return x.ID })
	return servePage(c, list, c.projectFull)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// projectByPathValue finds the project of projects/<id or linkname>/: a
// decimal value is tried as an id first, then as a linkname.
func (c *call) projectByPathValue() (*store.Project, error) {
	v := c.r.PathValue("id")
	all, err := c.allProjects()
	if err != nil {
		return nil, err
	}
	if id, ok := parseID(v); ok {
		for i := range all {
			if all[i].ID == id {
				return &all[i], nil
			}
		}
	}
	for i := range all {
		if all[i].LinkName == v {
			return &all[i], nil
		}
	}
	return nil, notFound()
}

func (c *call) projectDetail() error {
	p, err := c.projectByPathValue()
	if err != nil {
		return err
	}
	o, err := c.projectFull(p)
	if err != nil {
		return err
	}
	c.ok(o)
	return nil
}

// projectUpdate changes the writable project fields (maintainers only).
func (c *call) projectUpdate() error {
	p, err := c.projectByPathValue()
	if err != nil {
		return err
	}
	if err := c.permit(c.h.svc.MayEditProject(c.ctx, c.user, p, service.UpstreamPolicy)); err != nil {
		return err
	}
	b, err := c.readBody()
	if err != nil {
		return err
	}
	upd := *p
	fields := []struct {
		name  string
		minor int
		dst   *string
	}{
		{"web_url", 0, &upd.WebURL},
		{"scm_url", 0, &upd.SCMURL},
		{"webscm_url", 0, &upd.WebSCMURL},
		{"list_archive_url", 2, &upd.ListArchiveURL},
		{"list_archive_url_format", 2, &upd.ListArchiveURLFormat},
		{"commit_url_format", 2, &upd.CommitURLFormat},
	}
	for _, f := range fields {
		if !c.since(f.minor) {
			continue
		}
		if err := c.stringFields(b, f.name); err != nil {
			return err
		}
		if s, present, null := b.strField(f.name); present {
			if null {
				return fieldError(f.name, "This field may not be null.")
			}
			if len(s) > 2000 {
				return fieldError(f.name, "Ensure this field has no more than 2000 characters.")
			}
			*f.dst = s
		}
	}
	if c.since(4) {
		v, err := b.boolField("show_dependencies")
		if err != nil {
			return err
		}
		if v != nil {
			upd.ShowDependencies = *v
		}
	}
	if err := c.h.svc.UpdateProject(c.ctx, c.user, &upd, service.UpstreamPolicy); err != nil {
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrInvalid) {
			return detail(400, service.Message(err))
		}
		return fmt.Errorf("update project %d: %w", p.ID, err)
	}
	o, err := c.projectFull(&upd)
	if err != nil {
		return err
	}
	c.ok(o)
	return nil
}
