package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/query"
)

// pageSize is upstream's patch list page size.
const pageSize = 100

// row is a patch list row ready for the template.
type row struct {
	store.PatchRow
	Path       string
	SeriesHref string
	State      string
	TagCount   []int // counts of the shown tags, in listTags order
}

// filter is an active filter shown above the list, with a link that
// removes it.
type filter struct {
	Label, Value, Remove string
}

type listData struct {
	Project  *store.Project
	Rows     []row
	Tags     []store.Tag
	States   []store.State
	Filters  []filter
	Form     url.Values // current parameters, to refill the filter form
	QError   string
	Page     int
	Prev     string
	Next     string
	OrderURL map[string]string // column → link that sorts by it
	Order    string
	Series   *store.Series
}

// orders maps the upstream order parameter to store orders.
var orders = map[string]store.Order{
	"date": store.OrderDate, "name": store.OrderName, "state": store.OrderState,
	"submitter": store.OrderSubmitterName, "delegate": store.OrderDelegate,
}

func (h *handler) list(w http.ResponseWriter, r *http.Request, linkname string) {
	ctx := r.Context()
	p, err := h.store.GetProjectByLinkName(ctx, linkname)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := r.URL.Query()
	d := listData{Project: p, Form: v}
	if d.States, err = h.store.ListStates(ctx); err != nil {
		h.serverError(w, r, fmt.Errorf("list states: %w", err))
		return
	}
	if d.Tags, err = shownTags(ctx, h.store); err != nil {
		h.serverError(w, r, err)
		return
	}
	q, err := h.listQuery(ctx, p, v, &d)
	status := http.StatusOK
	switch {
	case errors.Is(err, store.ErrInvalid):
		d.QError = err.Error()
		status = http.StatusBadRequest
	case err != nil:
		h.serverError(w, r, err)
		return
	default:
		switch err := h.listRows(ctx, q, v, &d, "/project/"+pathEscape(p.LinkName)+"/list/"); {
		case errors.Is(err, errBusy), errors.Is(err, errTooSlow):
			d.QError = capitalize(err.Error()) + "."
			status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", "5")
		case errors.Is(err, errTooDeep):
			d.QError = capitalize(err.Error()) + "."
			status = http.StatusBadRequest
		case err != nil:
			h.serverError(w, r, err)
			return
		}
	}
	h.render(w, r, status, "list", page{
		Title: p.Name + " patches",
		Crumb: []crumb{{p.Name, "/project/" + pathEscape(p.LinkName) + "/"}, {"Patches", ""}},
		Data:  d,
	})
}

// listQuery turns the upstream parameters (spec web.md §5.2) and our query
// language in q into a store query, and records the active filters.
func (h *handler) listQuery(ctx context.Context, p *store.Project, v url.Values, d *listData) (store.PatchQuery, error) {
	base := "/project/" + pathEscape(p.LinkName) + "/list/"
	q := store.PatchQuery{Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{p.ID}}}}
	add := func(param, label, value string, c store.Cond) {
		q.Conds = append(q.Conds, c)
		if param != "" {
			d.Filters = append(d.Filters, filter{Label: label, Value: value, Remove: without(base, v, param)})
		}
	}

	// q: upstream's "name contains" is the plain-word case of our query
	// language, which also understands state:, from:, is:, has: ... A query
	// that names a state or the archived flag replaces the default filters
	// (action required, not archived): "state:accepted" must find accepted
	// patches without the reader also having to pick "any state".
	//
	// Plain words only (no key, no '-', no quotes) are upstream's search:
	// the whole text is one substring of the name, so the link upstream's
	// search box writes (?q=fix+build) finds the same rows. Any key,
	// negation or quote makes it our language, where every term must hold
	// ("fix" "build": both words anywhere).
	var named map[store.Field]bool
	if qv := strings.TrimSpace(v.Get("q")); qv != "" {
		var fe *store.FieldError
		if err := store.ValidateSearchText(qv); errors.As(err, &fe) {
			return q, fmt.Errorf("%s: %w", fe.Message, store.ErrInvalid)
		}
		parsed, err := query.Parse(qv)
		if err != nil {
			return q, fmt.Errorf("search %q: %w", qv, err)
		}
		conds, err := parsed.Conds(ctx, query.StoreResolver(h.store, nil))
		if err != nil {
			return q, fmt.Errorf("search %q: %w", qv, err)
		}
		if plainWords(parsed, qv) {
			conds = []store.Cond{{Field: store.FieldName, Strs: []string{qv}}}
		}
		named = map[store.Field]bool{}
		for _, c := range conds {
			named[c.Field] = true
		}
		q.Conds = append(q.Conds, conds...)
		d.Filters = append(d.Filters, filter{Label: "Search", Value: qv, Remove: without(base, v, "q")})
	}
	defaultState := !named[store.FieldState] && !named[store.FieldActionRequired]

	// state: a state id, "*" for any; otherwise Action Required.
	switch sv := v.Get("state"); {
	case sv == "*":
		d.Filters = append(d.Filters, filter{Label: "State", Value: "any", Remove: without(base, v, "state")})
	default:
		id, err := strconv.ParseInt(sv, 10, 64)
		if st, ok := store.StateByID(d.States, id); err == nil && ok {
			add("state", "State", st.Name, store.Cond{Field: store.FieldState, Ints: []int64{st.ID}})
		} else if defaultState {
			add("", "", "", store.Cond{Field: store.FieldActionRequired, Bool: true})
			d.Filters = append(d.Filters, filter{Label: "State", Value: "Action Required"})
		}
	}

	switch v.Get("archive") {
	case "true":
		add("archive", "Archived", "yes", store.Cond{Field: store.FieldArchived, Bool: true})
	case "both":
		d.Filters = append(d.Filters, filter{Label: "Archived", Value: "both", Remove: without(base, v, "archive")})
	default:
		if !named[store.FieldArchived] {
			q.Conds = append(q.Conds, store.Cond{Field: store.FieldArchived, Bool: false})
		}
	}

	if sv := strings.TrimSpace(v.Get("submitter")); sv != "" {
		if id, err := strconv.ParseInt(sv, 10, 64); err == nil {
			person, err := h.store.GetPerson(ctx, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return q, fmt.Errorf("submitter %d: %w", id, err)
			}
			if person != nil {
				add("submitter", "Submitter", personName(*person), store.Cond{Field: store.FieldSubmitter, Ints: []int64{id}})
			}
		} else {
			// Upstream matches names only, and a text that names nobody
			// filters nothing.
			people, err := h.store.ListPeople(ctx, store.PersonQuery{Text: sv, NameOnly: true, Limit: 1})
			if err != nil {
				return q, fmt.Errorf("submitter %q: %w", sv, err)
			}
			if len(people) > 0 {
				add("submitter", "Submitter", sv, store.Cond{Field: store.FieldSubmitterName, Strs: []string{sv}})
			}
		}
	}

	if dv := strings.TrimSpace(v.Get("delegate")); dv != "" {
		switch id, err := strconv.ParseInt(dv, 10, 64); {
		case dv == "Nobody":
			add("delegate", "Delegate", "Nobody", store.Cond{Field: store.FieldDelegate, Ints: []int64{0}})
		case err == nil:
			if u, err := h.store.GetUser(ctx, id); err == nil {
				add("delegate", "Delegate", u.Username, store.Cond{Field: store.FieldDelegate, Ints: []int64{id}})
			} else if !errors.Is(err, store.ErrNotFound) {
				return q, fmt.Errorf("delegate %d: %w", id, err)
			}
		default:
			users, err := h.store.ListUsers(ctx, store.UserQuery{Text: dv})
			if err != nil {
				return q, fmt.Errorf("delegate %q: %w", dv, err)
			}
			var ids []int64
			for _, u := range users {
				if strings.Contains(strings.ToLower(u.Username), strings.ToLower(dv)) {
					ids = append(ids, u.ID)
				}
			}
			if len(ids) > 0 {
				add("delegate", "Delegate", dv, store.Cond{Field: store.FieldDelegate, Ints: ids})
			}
		}
	}

	if sv := v.Get("series"); sv != "" {
		if id, err := strconv.ParseInt(sv, 10, 64); err == nil {
			s, err := h.store.GetSeries(ctx, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return q, fmt.Errorf("series %d: %w", id, err)
			}
			if s != nil && s.ProjectID == p.ID {
				d.Series = s
				add("series", "Series", s.DisplayName(), store.Cond{Field: store.FieldSeries, Ints: []int64{id}})
			}
		}
	}

	// order, default newest first.
	q.Order, q.Desc = store.OrderDate, true
	ov := v.Get("order")
	d.Order = "-date"
	if o, ok := orders[strings.TrimPrefix(ov, "-")]; ok {
		q.Order, q.Desc = o, strings.HasPrefix(ov, "-")
		d.Order = ov
	}
	// Upstream breaks ties of another order by date, the other way round.
	q.DateTieBreak = q.Order != store.OrderDate
	d.OrderURL = map[string]string{}
	for name := range orders {
		next := name
		if d.Order == name {
			next = "-" + name
		}
		d.OrderURL[name] = with(base, drop(v, "page", "after", "before"), "order", next)
	}
	return q, nil
}

// plainWords tells an upstream-style search (words only) from a query of
// our language.
func plainWords(q *query.Query, raw string) bool {
	if strings.ContainsRune(raw, '"') {
		return false
	}
	for _, t := range q.Terms {
		if t.Key != "" || t.Neg {
			return false
		}
	}
	return true
}

// listRows fetches one page: keyset paging (after/before = a patch id) for
// the date order, page numbers otherwise and for upstream's ?page=.
func (h *handler) listRows(ctx context.Context, q store.PatchQuery, v url.Values, d *listData, base string) (err error) {
	q.Limit = pageSize + 1
	keyset := q.Order == store.OrderDate && v.Get("page") == ""
	backwards := false
	if keyset {
		for _, k := range []string{"after", "before"} {
			id, err := strconv.ParseInt(v.Get(k), 10, 64)
			if err != nil {
				continue
			}
			rows, err := h.store.GetPatchRows(ctx, []int64{id})
			if err != nil {
				return fmt.Errorf("list cursor %d: %w", id, err)
			}
			if len(rows) == 1 {
				c := store.CursorOf(rows[0])
				if k == "after" {
					q.After = &c
				} else {
					q.Before, backwards = &c, true
				}
			}
			break
		}
	}
	d.Page = 1
	if !keyset || v.Get("page") != "" {
		if n, err := strconv.Atoi(v.Get("page")); err == nil && n > 1 {
			d.Page = n
		}
		q.Offset = (d.Page - 1) * pageSize
	}
	if expensive(q) {
		gctx, leave, gerr := h.enterGate(ctx)
		if gerr != nil {
			return gerr
		}
		defer func() { err = leave(err) }()
		ctx = gctx
	}
	if q.Order != store.OrderDate && d.Page > h.maxPages {
		// Beyond the end a short list shows its last page (upstream); a
		// long one is not sorted that deep.
		n, err := h.store.CountPatches(ctx, store.PatchQuery{Conds: q.Conds})
		if err != nil {
			return fmt.Errorf("count patches: %w", err)
		}
		last := max(1, (n+pageSize-1)/pageSize)
		if last > h.maxPages {
			return errTooDeep
		}
		d.Page = min(d.Page, last)
		q.Offset = (d.Page - 1) * pageSize
	}
	rows, err := h.store.ListPatches(ctx, q)
	if err != nil {
		return fmt.Errorf("list patches: %w", err)
	}
	if len(rows) == 0 && d.Page > 1 {
		// Beyond the end: show the last page (upstream).
		n, err := h.store.CountPatches(ctx, store.PatchQuery{Conds: q.Conds})
		if err != nil {
			return fmt.Errorf("count patches: %w", err)
		}
		d.Page = max(1, (n+pageSize-1)/pageSize)
		q.Offset = (d.Page - 1) * pageSize
		if rows, err = h.store.ListPatches(ctx, q); err != nil {
			return fmt.Errorf("list patches: %w", err)
		}
	}
	more := len(rows) > pageSize
	if more {
		if backwards {
			rows = rows[1:]
		} else {
			rows = rows[:pageSize]
		}
	}
	d.Rows = h.rows(d.Project, d.States, d.Tags, rows)
	if len(rows) == 0 {
		return nil
	}
	first, last := rows[0].ID, rows[len(rows)-1].ID
	if keyset && q.Offset == 0 {
		if more || q.Before != nil {
			d.Next = with(base, drop(v, "before", "after", "page"), "after", strconv.FormatInt(last, 10))
		}
		if q.After != nil || (backwards && more) {
			d.Prev = with(base, drop(v, "before", "after", "page"), "before", strconv.FormatInt(first, 10))
		}
		return nil
	}
	if more {
		d.Next = with(base, drop(v, "before", "after"), "page", strconv.Itoa(d.Page+1))
	}
	if d.Page > 1 {
		d.Prev = with(base, drop(v, "before", "after"), "page", strconv.Itoa(d.Page-1))
	}
	return nil
}

// rows prepares store rows for the templates.
func (h *handler) rows(p *store.Project, states []store.State, tags []store.Tag, in []store.PatchRow) []row {
	out := make([]row, len(in))
	for i, pr := range in {
		st, _ := store.StateByID(states, pr.StateID)
		counts := make([]int, len(tags))
		for j, t := range tags {
			counts[j] = pr.Tags[t.ID]
		}
		out[i] = row{PatchRow: pr, Path: patchPathFor(p, pr.MsgID), State: st.Name, TagCount: counts}
		if pr.SeriesID != 0 {
			out[i].SeriesHref = "/project/" + pathEscape(p.LinkName) + "/list/?series=" + strconv.FormatInt(pr.SeriesID, 10)
		}
	}
	return out
}

// shownTags are the tags with a list column (Acked-by, Reviewed-by,
// Tested-by: A/R/T).
func shownTags(ctx context.Context, s store.Store) ([]store.Tag, error) {
	all, err := s.ListTags(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	var shown []store.Tag
	for _, t := range all {
		if t.ShowColumn {
			shown = append(shown, t)
		}
	}
	return shown, nil
}

// drop returns a copy of v without the keys, and without paging.
func drop(v url.Values, keys ...string) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = vs
	}
	for _, k := range keys {
		delete(c, k)
	}
	return c
}

// without is base with v minus key and minus paging parameters.
func without(base string, v url.Values, key string) string {
	return with(base, drop(v, key, "page", "after", "before"), "", "")
}

// with is base with v plus key=value (replacing it); v is not changed.
func with(base string, v url.Values, key, value string) string {
	c := drop(v)
	if key != "" {
		c.Set(key, value)
	}
	if len(c) == 0 {
		return base
	}
	return base + "?" + c.Encode()
}
