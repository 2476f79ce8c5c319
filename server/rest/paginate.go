package rest

import (
	"net/http"
	"net/url"
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
	n, err := strconv.Atoi(c.q.Get("per_page"))
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
