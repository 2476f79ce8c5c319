package rest

import (
	"fmt"
	"sort"

	"github.com/patchwork-go/patchwork/store"
)

func (c *call) seriesObj(s *store.Series) (obj, error) {
	p, err := c.project(s.ProjectID)
	if err != nil {
		return nil, err
	}
	sub, err := c.person(s.SubmitterID)
	if err != nil {
		return nil, err
	}
	o := obj{{"id", s.ID}, {"url", c.api("series/" + itoa(s.ID) + "/")}}
	if c.since(1) {
		web, err := c.seriesWebURL(s)
		if err != nil {
			return nil, err
		}
		o = o.add("web_url", web)
	}
	o = o.add("project", c.embProject(p)).
		add("name", nullStr(s.Name)).
		add("date", jsonDate(s.Date)).
		add("submitter", c.embPerson(sub)).
		add("version", s.Version).
		add("total", s.Total).
		add("received_total", s.ReceivedTotal).
		add("received_all", s.ReceivedAll()).
		add("mbox", c.web("/series/"+itoa(s.ID)+"/mbox/"))
	var cover any
	if s.CoverID != 0 {
		cv, err := c.h.store.GetCover(c.ctx, s.CoverID)
		if err != nil {
			return nil, fmt.Errorf("cover of series %d: %w", s.ID, err)
		}
		if cover, err = c.embCover(cv); err != nil {
			return nil, err
		}
	}
	o = o.add("cover_letter", cover)
	rows, ok := c.c.seriesPatches[s.ID]
	if !ok {
		if rows, err = c.h.store.SeriesPatches(c.ctx, s.ID); err != nil {
			return nil, fmt.Errorf("patches of series %d: %w", s.ID, err)
		}
		sort.SliceStable(rows, func(i, j int) bool {
			if !rows[i].Date.Equal(rows[j].Date) {
				return rows[i].Date.Before(rows[j].Date)
			}
			return rows[i].ID < rows[j].ID
		})
	}
	patches := make([]obj, 0, len(rows))
	for _, r := range rows {
		e, err := c.embPatchRow(r)
		if err != nil {
			return nil, err
		}
		patches = append(patches, e)
	}
	o = o.add("patches", patches)
	if c.since(4) && p.ShowDependencies {
		deps, err := c.h.store.SeriesDependencies(c.ctx, s.ID)
		if err != nil {
			return nil, fmt.Errorf("dependencies of series %d: %w", s.ID, err)
		}
		dents, err := c.h.store.SeriesDependents(c.ctx, s.ID)
		if err != nil {
			return nil, fmt.Errorf("dependents of series %d: %w", s.ID, err)
		}
		o = o.add("dependencies", c.seriesURLs(deps)).add("dependents", c.seriesURLs(dents))
	}
	return o, nil
}

func (c *call) seriesURLs(ids []int64) []string {
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, c.api("series/"+itoa(id)+"/"))
	}
	return out
}

func (c *call) seriesList() error {
	projects, err := c.projectFilter()
	if err != nil {
		return err
	}
	q := store.SeriesQuery{}
	if q.SubmitterID, err = c.personFilter("submitter"); err != nil {
		return err
	}
	if q.Since, err = c.dateFilter("since"); err != nil {
		return err
	}
	if q.Before, err = c.dateFilter("before"); err != nil {
		return err
	}
	q.ProjectIDs, q.NameTerms = projects, c.terms()
	keys := c.orderKeys("id", "name", "date", "submitter", "received_all")
	q.Order = storeOrder(keys)
	l := storeList[store.Series]{
		count: func() (int, error) {
			n, err := c.h.store.CountSeries(c.ctx, q)
			if err != nil {
				return 0, fmt.Errorf("count series: %w", err)
			}
			return n, nil
		},
		fetch: func(limit, offset int) ([]store.Series, error) {
			q := q
			q.Limit, q.Offset = limit, offset
			rows, err := c.h.store.ListSeries(c.ctx, q)
			if err != nil {
				return nil, fmt.Errorf("list series: %w", err)
			}
			return rows, nil
		},
	}
	if needsTieSort(keys) {
		l.same = func(a, b *store.Series) bool { return seriesKeyCmp(keys[0].name, a, b) == 0 }
		l.less = func(a, b *store.Series) bool { return seriesCmp(keys, a, b) < 0 }
	}
	page, err := storePage(c, l)
	if err != nil {
		return err
	}
	people := make([]int64, 0, len(page))
	for _, s := range page {
		people = append(people, s.SubmitterID)
	}
	if err := c.loadPeople(people); err != nil {
		return err
	}
	if err := c.preloadSeriesPatches(page); err != nil {
		return err
	}
	out := make([]obj, 0, len(page))
	for i := range page {
		c.c.series[page[i].ID] = &page[i]
		o, err := c.seriesObj(&page[i])
		if err != nil {
			return err
		}
		out = append(out, o)
	}
	c.ok(out)
	return nil
}

// preloadSeriesPatches fetches the patches of a page of series in one
// query instead of one per series, ordered by date then id.
func (c *call) preloadSeriesPatches(list []store.Series) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	for i, s := range list {
		ids[i] = s.ID
		c.c.seriesPatches[s.ID] = nil
	}
	rows, err := c.h.store.ListPatches(c.ctx, store.PatchQuery{
		Conds:  []store.Cond{{Field: store.FieldSeries, Ints: ids}},
		Order:  store.OrderDate,
		NoTags: true, // series embed their patches without counts
	})
	if err != nil {
		return fmt.Errorf("patches of %d series: %w", len(ids), err)
	}
	for _, r := range rows {
		c.c.seriesPatches[r.SeriesID] = append(c.c.seriesPatches[r.SeriesID], r)
	}
	return nil
}

// seriesKeyCmp compares two series by one order key, ascending.
func seriesKeyCmp(key string, a, b *store.Series) int {
	switch key {
	case "id":
		return cmpInt(a.ID, b.ID)
	case "name":
		return cmpStr(a.Name, b.Name)
	case "date":
		return a.Date.Compare(b.Date)
	case "submitter":
		return cmpInt(a.SubmitterID, b.SubmitterID)
	case "received_all":
		return cmpBool(a.ReceivedAll(), b.ReceivedAll())
	}
	return 0
}

// seriesCmp is the spec's series order: every key, then id ascending.
func seriesCmp(keys []orderKey, a, b *store.Series) int {
	for _, k := range keys {
		cmp := seriesKeyCmp(k.name, a, b)
		if k.desc {
			cmp = -cmp
		}
		if cmp != 0 {
			return cmp
		}
	}
	return cmpInt(a.ID, b.ID)
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func (c *call) seriesByPath() (*store.Series, error) {
	id, ok := parseID(c.r.PathValue("id"))
	if !ok {
		return nil, notFound()
	}
	return c.h.store.GetSeries(c.ctx, id)
}

func (c *call) seriesDetail() error {
	s, err := c.seriesByPath()
	if err != nil {
		return err
	}
	o, err := c.seriesObj(s)
	if err != nil {
		return err
	}
	c.ok(o)
	return nil
}
