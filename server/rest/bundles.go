package rest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

func (c *call) bundleWebURL(b *store.Bundle, owner string) string {
	return c.web("/bundle/" + escapeSegment(owner) + "/" + escapeSegment(b.Name) + "/")
}

func (c *call) bundleObj(b *store.Bundle) (obj, error) {
	p, err := c.project(b.ProjectID)
	if err != nil {
		return nil, err
	}
	if err := c.loadUsers([]int64{b.OwnerID}); err != nil {
		return nil, err
	}
	owner := c.c.users[b.OwnerID]
	ids, err := c.h.store.BundlePatchIDs(c.ctx, b.ID)
	if err != nil {
		return nil, fmt.Errorf("patches of bundle %d: %w", b.ID, err)
	}
	// A bundle made before the limit existed may hold more: embed the
	// first max_bundle_patches of them (in bundle order), so one anonymous
	// request costs what a bundle may cost. Its mbox has them all.
	if limit := store.BundleLimit(c.h.store); len(ids) > limit {
		ids = ids[:limit]
	}
	var rows []store.PatchRow
	if len(ids) > 0 {
		if rows, err = c.h.store.GetPatchRows(c.ctx, ids); err != nil {
			return nil, fmt.Errorf("patches of bundle %d: %w", b.ID, err)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if !rows[i].Date.Equal(rows[j].Date) {
			return rows[i].Date.Before(rows[j].Date)
		}
		return rows[i].ID < rows[j].ID
	})
	patches := make([]obj, 0, len(rows))
	for _, r := range rows {
		e, err := c.embPatchRow(r)
		if err != nil {
			return nil, err
		}
		patches = append(patches, e)
	}
	web := c.bundleWebURL(b, owner.Username)
	o := obj{{"id", b.ID}, {"url", c.api("bundles/" + itoa(b.ID) + "/")}}
	if c.since(1) {
		o = o.add("web_url", web)
	}
	return o.add("project", c.embProject(p)).
		add("name", b.Name).
		add("owner", c.embUser(owner)).
		add("patches", patches).
		add("public", b.Public).
		add("mbox", web+"mbox/"), nil
}

func (c *call) viewerID() int64 {
	if c.user == nil {
		return 0
	}
	return c.user.ID
}

func (c *call) bundleList() error {
	projects, err := c.projectFilter()
	if err != nil {
		return err
	}
	q := store.BundleQuery{ViewerID: c.viewerID(), Public: c.boolFilter("public")}
	if q.OwnerID, err = c.userFilter("owner"); err != nil {
		return err
	}
	if id, one := onlyOne(projects); one {
		q.ProjectID = id
	}
	terms := c.terms()
	if len(terms) > 0 {
		q.NameLike = terms[0]
	}
	all, err := c.h.store.ListBundles(c.ctx, q)
	if err != nil {
		return fmt.Errorf("list bundles: %w", err)
	}
	list := all[:0]
	var owners []int64
	for _, b := range all {
		visible := service.MaySeeBundle(c.user, &b)
		if visible && (len(projects) == 0 || containsID(projects, b.ProjectID)) && matchTerms(terms, b.Name) {
			list = append(list, b)
			owners = append(owners, b.OwnerID)
		}
	}
	if err := c.loadUsers(owners); err != nil {
		return err
	}
	keys := c.orderKeys("id", "name", "owner")
	sortByKeys(list, keys, func(a, b *store.Bundle, key string) int {
		switch key {
		case "id":
			return cmpInt(a.ID, b.ID)
		case "name":
			return strings.Compare(a.Name, b.Name)
		case "owner":
			return strings.Compare(c.c.users[a.OwnerID].Username, c.c.users[b.OwnerID].Username)
		}
		return 0
	}, func(x *store.Bundle) int64 { return x.ID })
	return servePage(c, list, c.bundleObj)
}

// bundleByPath finds a bundle the requester may see: public or their own.
func (c *call) bundleByPath() (*store.Bundle, error) {
	id, ok := parseID(c.r.PathValue("id"))
	if !ok {
		return nil, notFound()
	}
	b, err := c.h.store.GetBundle(c.ctx, id)
	if err != nil {
		return nil, err
	}
	if !service.MaySeeBundle(c.user, b) {
		return nil, notFound()
	}
	return b, nil
}

func (c *call) bundleDetail() error {
	b, err := c.bundleByPath()
	if err != nil {
		return err
	}
	return c.writeBundle(b, 200)
}

func (c *call) writeBundle(b *store.Bundle, status int) error {
	o, err := c.bundleObj(b)
	if err != nil {
		return err
	}
	if status == 201 {
		c.w.Header().Set("Location", c.api("bundles/"+itoa(b.ID)+"/"))
	}
	c.h.writeJSON(c.w, c.r, status, o)
	return nil
}
