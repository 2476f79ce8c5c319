package rest

import (
	"fmt"

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
	q.ProjectIDs, q.SeriesIDs, q.NameTerms = projects, series, c.terms()
	keys := c.orderKeys("id", "name", "date", "submitter")
	q.Order = storeOrder(keys)
	l := storeList[store.Cover]{
		count: func() (int, error) {
			n, err := c.h.store.CountCovers(c.ctx, q)
			if err != nil {
				return 0, fmt.Errorf("count covers: %w", err)
			}
			return n, nil
		},
		fetch: func(limit, offset int) ([]store.Cover, error) {
			q := q
			q.Limit, q.Offset = limit, offset
			rows, err := c.h.store.ListCovers(c.ctx, q)
			if err != nil {
				return nil, fmt.Errorf("list covers: %w", err)
			}
			return rows, nil
		},
	}
	if needsTieSort(keys) {
		l.same = func(a, b *store.Cover) bool { return coverKeyCmp(keys[0].name, a, b) == 0 }
		l.less = func(a, b *store.Cover) bool { return coverCmp(keys, a, b) < 0 }
	}
	page, err := storePage(c, l)
	if err != nil {
		return err
	}
	people := make([]int64, 0, len(page))
	for _, cv := range page {
		people = append(people, cv.SubmitterID)
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

// coverKeyCmp compares two covers by one order key, ascending.
func coverKeyCmp(key string, a, b *store.Cover) int {
	switch key {
	case "id":
		return cmpInt(a.ID, b.ID)
	case "name":
		return cmpStr(a.Name, b.Name)
	case "date":
		return a.Date.Compare(b.Date)
	case "submitter":
		return cmpInt(a.SubmitterID, b.SubmitterID)
	}
	return 0
}

// coverCmp is the spec's cover order: every key, then id ascending.
func coverCmp(keys []orderKey, a, b *store.Cover) int {
	for _, k := range keys {
		cmp := coverKeyCmp(k.name, a, b)
		if k.desc {
			cmp = -cmp
		}
		if cmp != 0 {
			return cmp
		}
	}
	return cmpInt(a.ID, b.ID)
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
