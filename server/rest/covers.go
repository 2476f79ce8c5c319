package rest

import (
	"fmt"
	"sort"

	"github.com/patchwork-go/patchwork/store"
)

func (c *call) coverObj(cv *store.Cover) (obj, error) {
	p, err := c.project(cv.ProjectID)
	if err != nil {
		return nil, err
	}
	sub, err := c.person(cv.SubmitterID)
	if err != nil {
		return nil, err
	}
	web := c.coverWebURL(p, cv.MsgID)
	o := obj{{"id", cv.ID}, {"url", c.api("covers/" + itoa(cv.ID) + "/")}}
	if c.since(1) {
		o = o.add("web_url", web)
	}
	o = o.add("project", c.embProject(p)).add("msgid", cv.MsgID)
	if c.since(2) {
		o = o.add("list_archive_url", listArchiveURL(p.ListArchiveURLFormat, cv.MsgID))
	}
	o = o.add("date", jsonDate(cv.Date)).add("name", cv.Name).add("submitter", c.embPerson(sub))
	if c.since(1) {
		o = o.add("mbox", web+"mbox/")
	}
	series := []obj{}
	if cv.SeriesID != 0 {
		s, err := c.getSeries(cv.SeriesID)
		if err != nil {
			return nil, err
		}
		so, err := c.embSeries(s)
		if err != nil {
			return nil, err
		}
		series = append(series, so)
	}
	o = o.add("series", series)
	if c.since(1) {
		o = o.add("comments", c.apiUnversioned("covers/"+itoa(cv.ID)+"/comments/"))
	}
	return o, nil
}

func (c *call) coverList() error {
	projects, err := c.projectFilter()
	if err != nil {
		return err
	}
	series, err := c.idFilter("series")
	if err != nil {
		return err
	}
	q := store.CoverQuery{}
	if q.SubmitterID, err = c.personFilter("submitter"); err != nil {
		return err
	}
	if v := c.values("msgid"); len(v) > 0 {
		q.MsgID = "<" + bareMsgID(v[len(v)-1]) + ">"
	}
	if q.Since, err = c.dateFilter("since"); err != nil {
		return err
	}
	if q.Before, err = c.dateFilter("before"); err != nil {
		return err
	}
	if id, one := onlyOne(projects); one {
		q.ProjectID = id
	}
	if id, one := onlyOne(series); one {
		q.SeriesID = id
	}
	terms := c.terms()
	if len(terms) > 0 {
		q.NameLike = terms[0]
	}
	all, err := c.h.store.ListCovers(c.ctx, q)
	if err != nil {
		return fmt.Errorf("list covers: %w", err)
	}
	list := all[:0]
	var people []int64
	for _, cv := range all {
		if (len(projects) == 0 || containsID(projects, cv.ProjectID)) &&
			(len(series) == 0 || containsID(series, cv.SeriesID)) &&
			matchTerms(terms, cv.Name) {
			list = append(list, cv)
			people = append(people, cv.SubmitterID)
		}
	}
	keys := c.orderKeys("id", "name", "date", "submitter")
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		for _, k := range keys {
			var cmp int
			switch k.name {
			case "id":
				cmp = cmpInt(a.ID, b.ID)
			case "name":
				cmp = cmpStr(a.Name, b.Name)
			case "date":
				cmp = a.Date.Compare(b.Date)
			case "submitter":
				cmp = cmpInt(a.SubmitterID, b.SubmitterID)
			}
			if k.desc {
				cmp = -cmp
			}
			if cmp != 0 {
				return cmp < 0
			}
		}
		return a.ID < b.ID
	})
	page, err := paginate(c, list)
	if err != nil {
		return err
	}
	if err := c.loadPeople(people); err != nil {
		return err
	}
	out := make([]obj, 0, len(page))
	for i := range page {
		o, err := c.coverObj(&page[i])
		if err != nil {
			return err
		}
		out = append(out, o)
	}
	c.ok(out)
	return nil
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (c *call) coverByPath() (*store.Cover, error) {
	id, ok := parseID(c.r.PathValue("id"))
	if !ok {
		return nil, notFound()
	}
	return c.h.store.GetCover(c.ctx, id)
}

func (c *call) coverDetail() error {
	cv, err := c.coverByPath()
	if err != nil {
		return err
	}
	o, err := c.coverObj(cv)
	if err != nil {
		return err
	}
	o = o.add("headers", parseHeaders(cv.Headers)).add("content", nullStr(cv.Content))
	c.ok(o)
	return nil
}
