package rest_test

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// linkRe matches one element of a Link header.
var linkRe = regexp.MustCompile(`<([^>]*)>; rel="(next|prev|first|last)"`)

// links parses a Link header into rel → URL, failing on anything else.
func links(t *testing.T, h string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, part := range strings.Split(h, ", ") {
		m := linkRe.FindStringSubmatch(part)
		if m == nil || m[0] != part {
			t.Fatalf("Link element %q of %q", part, h)
		}
		out[m[2]] = m[1]
	}
	return out
}

// walk reads a list the way pwclient does, following rel="next" from path
// (which sets per_page), and returns every id in order. Each page must
// hold its share of the n items and carry the Link of its position; the
// last page is fetched again by page=last and must match.
func (e *env) walk(path string, perPage, n int) []int64 {
	e.t.Helper()
	t := e.t
	numPages := max(1, (n+perPage-1)/perPage)
	var all, last []int64
	next := path
	for page := 1; next != ""; page++ {
		if page > numPages {
			t.Fatalf("%s: more than %d pages", path, numPages)
		}
		r := e.getRaw(next, "")
		got := ids(t, r.json(t))
		if want := min(perPage, n-(page-1)*perPage); len(got) != want {
			t.Errorf("%s page %d: %d items, want %d", path, page, len(got), want)
		}
		all, last = append(all, got...), got
		l := links(t, r.header.Get("Link"))
		if want := "page=" + strconv.Itoa(numPages); !strings.Contains(l["last"], want) || !strings.Contains(l["first"], "page=1") {
			t.Errorf("%s page %d: first %s, last %s, want %s", path, page, l["first"], l["last"], want)
		}
		if _, ok := l["prev"]; ok != (page > 1) {
			t.Errorf("%s page %d: prev %q", path, page, l["prev"])
		}
		next = l["next"]
		if (next != "") != (page < numPages) {
			t.Errorf("%s page %d of %d: next %q", path, page, numPages, next)
		}
		if next != "" {
			if !strings.HasPrefix(next, e.url) || !strings.Contains(next, "page="+strconv.Itoa(page+1)) {
				t.Fatalf("%s page %d: next %s", path, page, next)
			}
			next = strings.TrimPrefix(next, e.url)
		}
	}
	if got := ids(t, e.getOK(path+"&page=last", "")); fmt.Sprint(got) != fmt.Sprint(last) {
		t.Errorf("%s page=last: %v, want %v", path, got, last)
	}
	e.expect(e.get(path+"&page="+strconv.Itoa(numPages+1), ""), 404, `{"detail": "Invalid page."}`)
	return all
}

// item is what the spec orders a list by, modelled apart from the server.
type item struct {
	id        int64
	date      time.Time
	name      string
	submitter int64
	all       bool
}

// specOrder sorts items by an order parameter: every key, ties by id
// ascending (spec §4.4).
func specOrder(items []item, order string) []int64 {
	s := append([]item(nil), items...)
	keys := strings.Split(order, ",")
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i], s[j]
		for _, k := range keys {
			desc := strings.HasPrefix(k, "-")
			var c int
			switch strings.TrimPrefix(k, "-") {
			case "id":
				c = cmpI(a.id, b.id)
			case "date":
				c = a.date.Compare(b.date)
			case "name":
				c = strings.Compare(a.name, b.name)
			case "submitter":
				c = cmpI(a.submitter, b.submitter)
			case "received_all":
				c = cmpI(boolInt64(a.all), boolInt64(b.all))
			}
			if desc {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return a.id < b.id
	})
	out := make([]int64, len(s))
	for i, x := range s {
		out[i] = x.id
	}
	return out
}

func cmpI(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func boolInt64(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func TestListPagingOrders(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		ctx := context.Background()
		pa := &store.Project{LinkName: "pa", Name: "Paging A", ListID: "pa.example.com", ListEmail: "pa@example.com"}
		must(t, s.CreateProject(ctx, pa))
		pb := &store.Project{LinkName: "pb", Name: "Paging B", ListID: "pb.example.com", ListEmail: "pb@example.com"}
		must(t, s.CreateProject(ctx, pb))
		base := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
		// Dates tie in threes, then ten at once, so that runs of equal
		// keys straddle page edges and a run fills whole pages; names tie
		// in fives, submitters in twos.
		date := func(i int) time.Time {
			if i >= 15 {
				return base.Add(100 * time.Hour)
			}
			return base.Add(time.Duration(i/3) * time.Hour)
		}
		var seriesA, seriesAB, coversA, coversAB []item
		for i := range 28 {
			proj, sub := pa, f.person
			if i%7 == 3 {
				proj = pb
			}
			if i%2 == 1 {
				sub = f.person2
			}
			sr := &store.Series{ProjectID: proj.ID, Name: "series " + strconv.Itoa(i%5), Date: date(i), SubmitterID: sub.ID,
				Version: 1, Total: i % 2}
			must(t, s.CreateSeries(ctx, sr))
			it := item{sr.ID, sr.Date, sr.Name, sr.SubmitterID, sr.Total == 0}
			cv := &store.Cover{ProjectID: proj.ID, MsgID: fmt.Sprintf("<pc%d@example.com>", i), Name: "cover " + strconv.Itoa(i%5),
				Date: date(27 - i), SubmitterID: sub.ID, SeriesID: sr.ID}
			must(t, s.CreateCover(ctx, cv))
			ct := item{cv.ID, cv.Date, cv.Name, cv.SubmitterID, false}
			seriesAB, coversAB = append(seriesAB, it), append(coversAB, ct)
			if proj == pa {
				seriesA, coversA = append(seriesA, it), append(coversA, ct)
			}
		}

		// The database pages (one project) and the in-memory fallback (two
		// different projects) agree with the model on every page.
		for _, c := range []struct {
			res, q string
			items  []item
			orders []string
		}{
			{"series", "project=pa", seriesA, []string{"", "-date", "date", "-name", "name,-date", "-submitter,name", "-received_all", "-id"}},
			{"series", "project=pa&project=pb", seriesAB, []string{"-date", "name,-date"}},
			{"covers", "project=pa", coversA, []string{"", "-date", "date", "-name", "submitter,-date"}},
			{"covers", "project=pb&project=pa", coversAB, []string{"-date"}},
		} {
			for _, order := range c.orders {
				for _, per := range []int{4, 7, 30} {
					path := "/api/1.3/" + c.res + "/?" + c.q + "&per_page=" + strconv.Itoa(per)
					want := specOrder(c.items, "id")
					if order != "" {
						path += "&order=" + order
						want = specOrder(c.items, order)
					}
					if got := e.walk(path, per, len(c.items)); fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("%s:\n got %v\nwant %v", path, got, want)
					}
				}
			}
		}
		// A middle page, exactly: git-pw's series list.
		r := e.getRaw("/api/1.3/series/?project=pa&order=-date&per_page=4&page=3", "")
		eqIDs(t, ids(t, r.json(t)), specOrder(seriesA, "-date")[8:12]...)
		sl := e.url + "/api/1.3/series/?order=-date&"
		want := "<" + sl + "page=4&per_page=4&project=pa>; rel=\"next\", <" + sl + "page=2&per_page=4&project=pa>; rel=\"prev\", <" +
			sl + "page=1&per_page=4&project=pa>; rel=\"first\", <" + sl + "page=6&per_page=4&project=pa>; rel=\"last\""
		if got := r.header.Get("Link"); got != want {
			t.Errorf("series Link\n%s\nwant\n%s", got, want)
		}
		// Filters narrow the count as well as the rows.
		var janeA []item
		for _, it := range seriesA {
			if it.submitter == f.person.ID && it.name == "series 2" {
				janeA = append(janeA, it)
			}
		}
		if got := e.walk("/api/1.3/series/?project=pa&submitter=jane@example.com&q=series+2&order=-date&per_page=1", 1, len(janeA)); fmt.Sprint(got) != fmt.Sprint(specOrder(janeA, "-date")) {
			t.Errorf("filtered series %v, want %v", got, specOrder(janeA, "-date"))
		}
		e.listIDs("/api/1.3/series/?project=pa&since=2024-07-01", "")

		// Events: newest first with ties by id descending, or oldest first.
		var evs []item
		for i := range 23 {
			ev := &store.Event{Category: store.EventSeriesCreated, ProjectID: pa.ID, SeriesID: seriesA[i%len(seriesA)].id, Date: date(i)}
			must(t, s.CreateEvent(ctx, ev))
			evs = append(evs, item{id: ev.ID, date: ev.Date})
		}
		asc := specOrder(evs, "date")
		desc := append([]int64(nil), asc...)
		for i, j := 0, len(desc)-1; i < j; i, j = i+1, j-1 {
			desc[i], desc[j] = desc[j], desc[i]
		}
		for _, per := range []int{4, 5, 30} {
			p := "/api/1.3/events/?project=pa&per_page=" + strconv.Itoa(per)
			if got := e.walk(p, per, len(evs)); fmt.Sprint(got) != fmt.Sprint(desc) {
				t.Errorf("%s:\n got %v\nwant %v", p, got, desc)
			}
			if got := e.walk(p+"&order=date", per, len(evs)); fmt.Sprint(got) != fmt.Sprint(asc) {
				t.Errorf("%s&order=date:\n got %v\nwant %v", p, got, asc)
			}
		}
		// Two different projects: filtered in memory, same pages.
		if got := e.walk("/api/1.3/events/?project=pa&project=pb&category=series-created&per_page=6", 6, len(evs)); fmt.Sprint(got) != fmt.Sprint(desc) {
			t.Errorf("events of two projects:\n got %v\nwant %v", got, desc)
		}
		// A filter on one series counts only its events.
		sid := seriesA[0].id
		var ofSeries []int64
		for _, id := range desc {
			for j, ev := range evs {
				if ev.id == id && seriesA[j%len(seriesA)].id == sid {
					ofSeries = append(ofSeries, id)
				}
			}
		}
		if got := e.walk("/api/1.3/events/?series="+itoa(sid)+"&per_page=1", 1, len(ofSeries)); fmt.Sprint(got) != fmt.Sprint(ofSeries) {
			t.Errorf("events of series %d: %v, want %v", sid, got, ofSeries)
		}
	})
}
