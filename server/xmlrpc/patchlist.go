package xmlrpc

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// patchFilter is a patch_list filter turned into store conditions (which
// the database evaluates with its indexes) and, for lookups the store has
// no condition for, row tests applied while scanning.
type patchFilter struct {
	conds []store.Cond
	tests []func(*store.PatchRow) bool
	count int64 // max_count
	none  bool  // the filter matches nothing (unknown key, missing object)
}

// patchListFields are the FIELDs upstream allows, plus series [fix].
var patchListFields = map[string]bool{
	"id": true, "name": true, "project_id": true, "submitter_id": true, "delegate_id": true,
	"archived": true, "state_id": true, "date": true, "commit_ref": true, "hash": true,
	"msgid": true, "max_count": true, "series": true,
}

// parsePatchFilter reads the filter struct of patch_list (spec §6).
func (r *request) parsePatchFilter(filt Struct) (*patchFilter, error) {
	f := &patchFilter{}
	for _, key := range filt.Keys() {
		v, _ := filt.Get(key)
		field, lookup, ok := splitKey(key)
		if !ok || !patchListFields[field] {
			f.none = true
			return f, nil
		}
		if err := r.addPatchCond(f, field, lookup, v); err != nil {
			return nil, err
		}
		if f.none {
			return f, nil
		}
	}
	return f, nil
}

// addPatchCond adds one key's test to f.
func (r *request) addPatchCond(f *patchFilter, field, lookup string, v any) error {
	idOf := func() (int64, bool, error) { return idArg(v, "id") }
	switch field {
	case "max_count":
		n, err := countArg(v)
		f.count = n
		return err
	case "project_id": // any lookup is ignored, as upstream does
		id, ok, err := idOf()
		if err != nil || !ok {
			f.none = !ok
			return err
		}
		p, err := r.l.project(r.ctx, id)
		if err != nil {
			return err
		}
		if p == nil {
			f.none = true
			return nil
		}
		f.conds = append(f.conds, store.Cond{Field: store.FieldProject, Ints: []int64{id}})
	case "submitter_id":
		id, ok, err := idOf()
		if err != nil || !ok {
			f.none = !ok
			return err
		}
		if _, err := r.store().GetPerson(r.ctx, id); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				f.none = true
				return nil
			}
			return fmt.Errorf("get person %d: %w", id, err)
		}
		f.conds = append(f.conds, store.Cond{Field: store.FieldSubmitter, Ints: []int64{id}})
	case "delegate_id":
		// [fix] The value is a Person id (what person_list returned to
		// pwclient); the delegate is that person's linked user.
		id, ok, err := idOf()
		if err != nil || !ok {
			f.none = !ok
			return err
		}
		p, err := r.store().GetPerson(r.ctx, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && p.UserID == 0) {
			f.none = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("get person %d: %w", id, err)
		}
		f.conds = append(f.conds, store.Cond{Field: store.FieldDelegate, Ints: []int64{p.UserID}})
	case "state_id":
		id, ok, err := idOf()
		if err != nil || !ok {
			f.none = !ok
			return err
		}
		states, err := r.l.stateList(r.ctx)
		if err != nil {
			return err
		}
		if _, found := store.StateByID(states, id); !found {
			f.none = true
			return nil
		}
		f.conds = append(f.conds, store.Cond{Field: store.FieldState, Ints: []int64{id}})
	case "series": // [fix]
		var ids []int64
		switch lookup {
		case "":
			id, ok, err := idOf()
			if err != nil || !ok {
				f.none = !ok
				return err
			}
			ids = []int64{id}
		case "in":
			list, err := listArg(v)
			if err != nil {
				return err
			}
			for _, e := range list {
				id, ok, err := idArg(e, "id")
				if err != nil {
					return err
				}
				if ok {
					ids = append(ids, id)
				}
			}
		default:
			f.none = true
			return nil
		}
		if len(ids) == 0 {
			f.none = true
			return nil
		}
		f.conds = append(f.conds, store.Cond{Field: store.FieldSeries, Ints: ids})
	case "id":
		return f.addIDCond(lookup, v)
	case "archived":
		return f.addArchivedCond(lookup, v)
	case "date":
		return f.addDateCond(lookup, v)
	default: // name, msgid, commit_ref, hash
		return f.addTextCond(field, lookup, v)
	}
	return nil
}

func (f *patchFilter) addIDCond(lookup string, v any) error {
	test, err := intLookup("id", lookup, v)
	if err != nil {
		return err
	}
	switch lookup {
	case "", "iexact":
		id, ok, _ := idArg(v, "id")
		if !ok {
			f.none = true
			return nil
		}
		f.conds = append(f.conds, store.Cond{Field: store.FieldID, Ints: []int64{id}})
		return nil
	case "in":
		list, _ := listArg(v)
		ids := []int64{}
		for _, e := range list {
			if id, ok, _ := idArg(e, "id"); ok {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			f.none = true
			return nil
		}
		f.conds = append(f.conds, store.Cond{Field: store.FieldID, Ints: ids})
		return nil
	case "gt", "gte", "lt", "lte":
		// An indexed range says it all: without a row test, max_count
		// limits the query itself instead of a scan of scanPage rows.
		if id, ok, _ := idArg(v, "id"); ok {
			op := map[string]store.Op{"gt": store.OpGt, "gte": store.OpGe, "lt": store.OpLt, "lte": store.OpLe}[lookup]
			f.conds = append(f.conds, store.Cond{Field: store.FieldID, Op: op, Ints: []int64{id}})
			return nil
		}
	}
	f.tests = append(f.tests, func(p *store.PatchRow) bool { return test(p.ID) })
	return nil
}

func (f *patchFilter) addArchivedCond(lookup string, v any) error {
	test, err := boolLookup("archived", lookup, v)
	if err != nil {
		return err
	}
	if lookup == "" || lookup == "iexact" {
		b, _ := boolArg(v)
		f.conds = append(f.conds, store.Cond{Field: store.FieldArchived, Bool: b})
		return nil
	}
	f.tests = append(f.tests, func(p *store.PatchRow) bool { return test(p.Archived) })
	return nil
}

func (f *patchFilter) addDateCond(lookup string, v any) error {
	test, err := dateLookup("date", lookup, v)
	if err != nil {
		return err
	}
	switch lookup {
	case "gt", "gte", "lt":
		if t, err := timeArg(v); err == nil {
			op := map[string]store.Op{"gt": store.OpGt, "gte": store.OpGe, "lt": store.OpLt}[lookup]
			f.conds = append(f.conds, store.Cond{Field: store.FieldDate, Op: op, Time: t})
			return nil
		}
	case "range":
		list, _ := listArg(v)
		if len(list) == 2 {
			lo, err1 := timeArg(list[0])
			hi, err2 := timeArg(list[1])
			if err1 == nil && err2 == nil {
				f.conds = append(f.conds,
					store.Cond{Field: store.FieldDate, Op: store.OpGe, Time: lo},
					store.Cond{Field: store.FieldDate, Op: store.OpLe, Time: hi})
				return nil
			}
		}
	case "year":
		// Narrow the scan to the year with the index; the test is exact.
		if n, ok, _ := idArg(v, "date"); ok && n > 0 && n < 10000 {
			lo := time.Date(int(n), 1, 1, 0, 0, 0, 0, time.UTC)
			f.conds = append(f.conds,
				store.Cond{Field: store.FieldDate, Op: store.OpGe, Time: lo},
				store.Cond{Field: store.FieldDate, Op: store.OpLt, Time: lo.AddDate(1, 0, 0)})
			return nil
		}
	}
	f.tests = append(f.tests, func(p *store.PatchRow) bool { return test(p.Date) })
	return nil
}

func (f *patchFilter) addTextCond(field, lookup string, v any) error {
	test, err := stringLookup(field, lookup, v)
	if err != nil {
		return err
	}
	s, isStr := stringArg(v)
	switch {
	case field == "name" && lookup == "icontains" && isStr:
		// pwclient's "list WORD": the store's substring match.
		f.conds = append(f.conds, store.Cond{Field: store.FieldName, Strs: []string{s}})
		return nil
	case field == "msgid" && lookup == "" && isStr:
		f.conds = append(f.conds, store.Cond{Field: store.FieldMsgID, Strs: []string{s}})
		return nil
	case field == "hash" && lookup == "" && isStr:
		if s == "" {
			f.none = true
			return nil
		}
		// The store compares hashes case-insensitively; upstream is exact.
		f.conds = append(f.conds, store.Cond{Field: store.FieldHash, Strs: []string{s}})
		if s != strings.ToLower(s) {
			f.tests = append(f.tests, func(p *store.PatchRow) bool { return p.Hash == s })
		}
		return nil
	case field == "commit_ref" && lookup == "isnull":
		f.conds = append(f.conds, store.Cond{Field: store.FieldHasCommitRef, Bool: !truthy(v)})
		return nil
	}
	var get func(p *store.PatchRow) (string, bool)
	switch field {
	case "name":
		get = func(p *store.PatchRow) (string, bool) { return p.Name, false }
	case "msgid":
		get = func(p *store.PatchRow) (string, bool) { return p.MsgID, false }
	case "commit_ref":
		get = func(p *store.PatchRow) (string, bool) { return p.CommitRef, p.CommitRef == "" }
	case "hash":
		get = func(p *store.PatchRow) (string, bool) { return p.Hash, p.Hash == "" }
	}
	f.tests = append(f.tests, func(p *store.PatchRow) bool { return test(get(p)) })
	return nil
}

// match applies the row tests.
func (f *patchFilter) match(p *store.PatchRow) bool {
	for _, t := range f.tests {
		if !t(p) {
			return false
		}
	}
	return true
}

// scanPage is the page size when patch_list has to read more rows than it
// returns (no max_count, or tests the store cannot evaluate).
const scanPage = 1000
