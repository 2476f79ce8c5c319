package rest

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

const (
	defaultPerPage = 30
	maxPerPage     = 250
)

// perPage is the page size: default 30, clamped to 250; zero, negative or
// non-numeric values give the default.
func (c *call) perPage() int {
	n, err := strconv.Atoi(c.last("per_page"))
	switch {
	case err != nil || n <= 0:
		return defaultPerPage
	case n > maxPerPage:
		return maxPerPage
	}
	return n
}

// pageNumber resolves the page parameter against the number of pages:
// absent = 1, "last" = the last page, anything outside 1..numPages is 404.
func (c *call) pageNumber(numPages int) (int, error) {
	v, ok := c.q["page"]
	if !ok || len(v) == 0 {
		return 1, nil
	}
	s := v[len(v)-1]
	if s == "last" {
		return numPages, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > numPages {
		return 0, detail(http.StatusNotFound, msgInvalidPage)
	}
	return n, nil
}

// pageFor computes page number, size and the number of pages from a total.
func (c *call) pageFor(total int) (page, size, numPages int, err error) {
	size = c.perPage()
	numPages = (total + size - 1) / size
	if numPages < 1 {
		numPages = 1
	}
	page, err = c.pageNumber(numPages)
	return page, size, numPages, err
}

// setLink writes the Link header exactly as upstream (and pwclient's
// parser) expect: next, prev, first, last; ", " separated; the request URL
// with "page" replaced and keys sorted.
func (c *call) setLink(page, numPages int) {
	link := func(p int) string {
		q := url.Values{}
		for k, v := range c.q {
			q[k] = v
		}
		if p == 0 {
			q.Del("page")
		} else {
			q.Set("page", strconv.Itoa(p))
		}
		u := c.base + c.r.URL.Path
		if enc := q.Encode(); enc != "" {
			u += "?" + enc
		}
		return "<" + u + ">"
	}
	var parts []string
	if page < numPages {
		parts = append(parts, link(page+1)+`; rel="next"`)
	}
	if page > 1 {
		prev := page - 1
		if prev == 1 {
			prev = 0
		}
		parts = append(parts, link(prev)+`; rel="prev"`)
	}
	parts = append(parts, link(1)+`; rel="first"`, link(numPages)+`; rel="last"`)
	c.w.Header().Set("Link", strings.Join(parts, ", "))
}

// paginate cuts one page out of a fully loaded list, sets Link and returns
// the page's items.
func paginate[T any](c *call, all []T) ([]T, error) {
	page, size, numPages, err := c.pageFor(len(all))
	if err != nil {
		return nil, err
	}
	c.setLink(page, numPages)
	lo := (page - 1) * size
	hi := min(lo+size, len(all))
	if lo > len(all) {
		lo = len(all)
	}
	return all[lo:hi], nil
}

// emptyList answers a filter that names nothing: 200 with [] and the Link
// header of a single empty page.
func (c *call) emptyList() error {
	if _, err := c.pageNumber(1); err != nil {
		return err
	}
	c.setLink(1, 1)
	c.ok([]obj{})
	return nil
}

// storeList is a list the database pages: count is its length, fetch reads
// limit rows from offset in the store's order. same and less are set when
// that order is not the spec's: the store sorts by the first order key
// only and breaks its ties by id in that key's direction, the spec sorts
// by every key, then by id ascending. same says whether two rows tie on
// the first key, less is the spec's order.
type storeList[T any] struct {
	count func() (int, error)
	fetch func(limit, offset int) ([]T, error)
	same  func(a, b *T) bool
	less  func(a, b *T) bool
}

// storePage reads one page of l from the database and sets Link. The
// first page is read with one row more than it shows, so that the count
// (needed only for the last page of Link) is made only when there is a
// second page.
func storePage[T any](c *call, l storeList[T]) ([]T, error) {
	size := c.perPage()
	page, numPages := 1, 0
	if v := c.q["page"]; len(v) > 0 && v[len(v)-1] != "1" {
		total, err := l.count()
		if err != nil {
			return nil, err
		}
		numPages = max(1, (total+size-1)/size)
		if page, err = c.pageNumber(numPages); err != nil {
			return nil, err
		}
	}
	rows, more, err := l.window((page-1)*size, page*size)
	if err != nil {
		return nil, err
	}
	if numPages == 0 {
		numPages = 1
		if more {
			total, err := l.count()
			if err != nil {
				return nil, err
			}
			numPages = (total + size - 1) / size
		}
	}
	// A row added between count and fetch must not give a Link whose last
	// page precedes this one.
	c.setLink(page, max(numPages, page))
	return rows, nil
}

// window returns the rows at positions [lo, hi) in the spec's order and
// whether any row follows them. Rows tied on the first key occupy the
// same positions in both orders, so re-sorting each run of ties gives the
// spec's order; a run cut by the page edge is read whole by widening the
// window until the rows just outside it differ (or the list ends).
func (l storeList[T]) window(lo, hi int) ([]T, bool, error) {
	before, after := 0, 1
	if l.same != nil {
		before, after = min(lo, 4), 4
	}
	for {
		from, to := lo-before, hi+after
		rows, err := l.fetch(to-from, from)
		if err != nil {
			return nil, false, err
		}
		a, b := lo-from, min(hi-from, len(rows))
		if a >= len(rows) {
			return nil, false, nil
		}
		if l.same != nil {
			if from > 0 && l.same(&rows[0], &rows[a]) {
				before = min(lo, 2*before)
				continue
			}
			if len(rows) == to-from && l.same(&rows[len(rows)-1], &rows[b-1]) {
				after *= 2
				continue
			}
			for i := 0; i < len(rows); {
				j := i + 1
				for j < len(rows) && l.same(&rows[i], &rows[j]) {
					j++
				}
				run := rows[i:j]
				sort.SliceStable(run, func(x, y int) bool { return l.less(&run[x], &run[y]) })
				i = j
			}
		}
		return rows[a:b], len(rows) > hi-from, nil
	}
}

// needsTieSort reports whether the store's order (first key, ties by id in
// its direction) differs from the spec's for these keys.
func needsTieSort(keys []orderKey) bool {
	return len(keys) > 0 && keys[0].name != "id" && (keys[0].desc || len(keys) > 1)
}

// sortByKeys sorts list stably by the order keys of the request, ties by
// id; field compares two items on one key (0 for keys it does not know).
func sortByKeys[T any](list []T, keys []orderKey, field func(a, b *T, key string) int, id func(*T) int64) {
	slices.SortStableFunc(list, func(a, b T) int {
		for _, k := range keys {
			cmp := field(&a, &b, k.name)
			if k.desc {
				cmp = -cmp
			}
			if cmp != 0 {
				return cmp
			}
		}
		return cmpInt(id(&a), id(&b))
	})
}

// servePage answers the requested page of list, each item rendered by
// render.
func servePage[T any](c *call, list []T, render func(*T) (obj, error)) error {
	page, err := paginate(c, list)
	if err != nil {
		return err
	}
	out := make([]obj, 0, len(page))
	for i := range page {
		o, err := render(&page[i])
		if err != nil {
			return err
		}
		out = append(out, o)
	}
	c.ok(out)
	return nil
}
