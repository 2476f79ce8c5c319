package rest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

// patchOrders maps the order names of patches/ to store orders.
var patchOrders = map[string]store.Order{
	"id":        store.OrderID,
	"name":      store.OrderName,
	"project":   store.OrderProject,
	"date":      store.OrderDate,
	"state":     store.OrderState,
	"archived":  store.OrderArchived,
	"submitter": store.OrderSubmitter,
	"check":     store.OrderCheck,
}

// patchConds turns the filters of patches/ into store conditions.
func (c *call) patchConds() ([]store.Cond, error) {
	var conds []store.Cond
	addInts := func(f store.Field, get func() ([]int64, error)) error {
		ids, err := get()
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			conds = append(conds, store.Cond{Field: f, Ints: ids})
		}
		return nil
	}
	if err := addInts(store.FieldProject, c.projectFilter); err != nil {
		return nil, err
	}
	if err := addInts(store.FieldSeries, func() ([]int64, error) { return c.idFilter("series") }); err != nil {
		return nil, err
	}
	if err := addInts(store.FieldSubmitter, func() ([]int64, error) { return c.personFilter("submitter") }); err != nil {
		return nil, err
	}
	if err := addInts(store.FieldDelegate, func() ([]int64, error) { return c.userFilter("delegate") }); err != nil {
		return nil, err
	}
	if err := addInts(store.FieldState, c.stateFilter); err != nil {
		return nil, err
	}
	if b := c.boolFilter("archived"); b != nil {
		conds = append(conds, store.Cond{Field: store.FieldArchived, Bool: *b})
	}
	if c.since(2) {
		// Single-valued upstream (CharFilter): the last value counts, and
		// an empty one filters nothing.
		if v := strings.TrimSpace(c.last("hash")); v != "" {
			conds = append(conds, store.Cond{Field: store.FieldHash, Strs: []string{v}})
		}
		if v := strings.TrimSpace(c.last("msgid")); v != "" {
			conds = append(conds, store.Cond{Field: store.FieldMsgID, Strs: []string{"<" + bareMsgID(v) + ">"}})
		}
	}
	since, err := c.dateFilter("since")
	if err != nil {
		return nil, err
	}
	if !since.IsZero() {
		conds = append(conds, store.Cond{Field: store.FieldDate, Op: store.OpGe, Time: since})
	}
	before, err := c.dateFilter("before")
	if err != nil {
		return nil, err
	}
	if !before.IsZero() {
		conds = append(conds, store.Cond{Field: store.FieldDate, Op: store.OpLt, Time: before})
	}
	qc, err := c.searchConds()
	if err != nil {
		return nil, err
	}
	return append(conds, qc...), nil
}

// patchList: patches/. The first page of a project's list is one indexed
// query; the total (needed only for the Link header's last page) is
// counted only when there is more than one page.
func (c *call) patchList() (err error) {
	conds, err := c.patchConds()
	if err != nil {
		return err
	}
	// Upstream's lists carry "tags": {} whatever the counts; the combined
	// check state is the one stored with each patch (CheckState).
	q := store.PatchQuery{Conds: conds, Order: store.OrderID, NoTags: true, NoChecks: true, Lean: true}
	if keys := c.orderKeys("id", "name", "project", "date", "state", "archived", "submitter", "check"); len(keys) > 0 {
		q.Order, q.Desc = patchOrders[keys[0].name], keys[0].desc
	}
	if c.expensivePatchList(q) {
		leave, gerr := c.enterGate()
		if gerr != nil {
			return gerr
		}
		defer leave(&err) // the named result: a cut query becomes a 503
	}
	size := c.perPage()
	var rows []store.PatchRow
	page, numPages := 1, 1
	if p := c.q["page"]; len(p) == 0 || p[len(p)-1] == "1" {
		q.Limit = size + 1
		if rows, err = c.h.store.ListPatches(c.ctx, q); err != nil {
			return fmt.Errorf("list patches: %w", err)
		}
		if len(rows) > size {
			rows = rows[:size]
			total, err := c.countPatches(q)
			if err != nil {
				return err
			}
			numPages = (total + size - 1) / size
		}
	} else {
		total, err := c.countPatches(q)
		if err != nil {
			return err
		}
		numPages = max(1, (total+size-1)/size)
		if page, err = c.pageNumber(numPages); err != nil {
			return err
		}
		q.Limit, q.Offset = size, (page-1)*size
		if rows, err = c.h.store.ListPatches(c.ctx, q); err != nil {
			return fmt.Errorf("list patches: %w", err)
		}
	}
	if q.Desc {
		ascendingTies(rows, q.Order)
	}
	c.setLink(page, max(numPages, page))
	return c.okWrite(func(b *bytes.Buffer) error { return c.writePatches(b, rows) })
}

// ascendingTies reverses each run of rows with equal sort keys: the store
// breaks ties in the direction of the order (which keeps its keyset paging
// exact), the spec wants ties by id ascending whatever the direction. The
// rows of one run are in descending id order, so reversing sorts them.
// A run cut by a page boundary stays split across pages, in store order.
func ascendingTies(rows []store.PatchRow, order store.Order) {
	same := func(a, b *store.PatchRow) bool {
		switch order {
		case store.OrderDate:
			return a.Date.Equal(b.Date)
		case store.OrderName:
			return a.Name == b.Name
		case store.OrderState:
			return a.StateID == b.StateID
		case store.OrderSubmitter:
			return a.Submitter.ID == b.Submitter.ID
		case store.OrderProject:
			return a.ProjectID == b.ProjectID
		case store.OrderArchived:
			return a.Archived == b.Archived
		case store.OrderCheck:
			return a.CheckState == b.CheckState
		case store.OrderDelegate:
			return a.DelegateID == b.DelegateID
		}
		return false
	}
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && same(&rows[i], &rows[j]) {
			j++
		}
		slices.Reverse(rows[i:j])
		i = j
	}
}

func (c *call) patchByPath() (*store.Patch, error) {
	id, ok := parseID(c.r.PathValue("id"))
	if !ok {
		return nil, notFound()
	}
	return c.h.store.GetPatch(c.ctx, id)
}

func (c *call) patchDetail() error {
	p, err := c.patchByPath()
	if err != nil {
		return err
	}
	return c.writePatchDetail(p)
}

// writePatchDetail answers with the detail representation of a patch.
func (c *call) writePatchDetail(p *store.Patch) error {
	rows, err := c.h.store.ListPatches(c.ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldID, Ints: []int64{p.ID}}},
		Order: store.OrderID, Limit: 1, NoTags: true, NoChecks: true, Lean: true})
	if err != nil {
		return fmt.Errorf("patch row %d: %w", p.ID, err)
	}
	if len(rows) != 1 {
		return notFound()
	}
	if err := c.loadUsers([]int64{rows[0].DelegateID}); err != nil {
		return err
	}
	related, err := c.patchRelations(rows)
	if err != nil {
		return err
	}
	proj, err := c.project(p.ProjectID)
	if err != nil {
		return err
	}
	return c.okWrite(func(b *bytes.Buffer) error {
		if err := c.writePatch(b, &rows[0], related[rows[0].RelatedID]); err != nil {
			return err
		}
		b.Truncate(b.Len() - 1) // the closing brace: the detail adds fields
		b.WriteString(`, "headers": `)
		encode(b, parseHeaders(p.Headers))
		b.WriteString(`, "content": `)
		writeNullStr(b, p.Content)
		b.WriteString(`, "diff": `)
		writeNullStr(b, p.Diff)
		b.WriteString(`, "prefixes": `)
		encode(b, prefixes(p.Name, proj.LinkName))
		b.WriteByte('}')
		return nil
	})
}

// parseHeaders turns the stored header block into an object: name → value,
// or an array of values for a repeated header. Folded lines keep their
// newline and leading whitespace.
func parseHeaders(raw string) obj {
	type hdr struct {
		name string
		vals []string
	}
	var hs []*hdr
	idx := map[string]*hdr{}
	var last *hdr
	for _, line := range strings.Split(strings.ReplaceAll(raw, "\r\n", "\n"), "\n") {
		if line == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && last != nil {
			last.vals[len(last.vals)-1] += "\n" + line
			continue
		}
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val = strings.TrimLeft(val, " \t")
		h := idx[name]
		if h == nil {
			h = &hdr{name: name}
			idx[name] = h
			hs = append(hs, h)
		}
		h.vals = append(h.vals, val)
		last = h
	}
	o := make(obj, 0, len(hs))
	for _, h := range hs {
		if len(h.vals) == 1 {
			o = o.add(h.name, h.vals[0])
		} else {
			o = o.add(h.name, h.vals)
		}
	}
	return o
}

// prefixes re-parses the bracket prefixes of a stored name with the
// parser's rules: "[RFC,1/2] meep" → ["RFC", "1/2"].
func prefixes(name, linkname string) []string {
	out := []string{}
	s := strings.TrimSpace(name)
	for strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 || strings.Contains(s[1:end], "[") {
			break
		}
		for _, tok := range strings.FieldsFunc(s[1:end], func(r rune) bool {
			return r == ',' || r == ' ' || r == '\t'
		}) {
			if strings.EqualFold(tok, "patch") || strings.EqualFold(tok, linkname) {
				continue
			}
			out = append(out, tok)
		}
		s = strings.TrimLeft(s[end+1:], " \t")
	}
	return out
}
