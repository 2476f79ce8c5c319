package xmlrpc

import (
	"errors"
	"fmt"
	"sort"

	"github.com/patchwork-go/patchwork/store"
)

// checkListFields are the FIELDs of check_list filters (spec §7).
var checkListFields = map[string]bool{"id": true, "user": true, "project_id": true, "patch_id": true, "max_count": true}

// checkList lists checks (all of them, not only the unique ones) in id
// order.
func checkList(r *request, args []any) (any, error) {
	var filt Struct
	switch t := args[0].(type) {
	case nil:
	case Struct:
		filt = t
	default:
		return nil, fault("AttributeError", "'%s' object has no attribute 'keys'", pyTypeName(args[0]))
	}
	var (
		q     store.CheckSearch
		tests []func(*store.Check) bool
		count int64
	)
	for _, key := range filt.Keys() {
		v, _ := filt.Get(key)
		field, lookup, ok := splitKey(key)
		if !ok || !checkListFields[field] {
			return []Struct{}, nil
		}
		switch field {
		case "max_count":
			n, err := countArg(v)
			if err != nil {
				return nil, err
			}
			count = n
		case "patch_id", "project_id": // [fix] unknown ids give [] (upstream: IndexError)
			id, ok, err := idArg(v, "id")
			if err != nil {
				return nil, err
			}
			if !ok || id <= 0 {
				return []Struct{}, nil
			}
			if field == "patch_id" {
				q.PatchID = id
			} else {
				q.ProjectID = id
			}
		case "user":
			// [fix] an id or a username (pwclient check-list -u NAME).
			id, found, err := r.checkUser(v, lookup)
			if err != nil {
				return nil, err
			}
			if !found {
				return []Struct{}, nil
			}
			if lookup == "" || lookup == "iexact" {
				q.UserID = id
				continue
			}
			test, err := intLookup("user", lookup, v)
			if err != nil {
				return nil, err
			}
			tests = append(tests, func(c *store.Check) bool { return test(c.UserID) })
		case "id":
			test, err := intLookup("id", lookup, v)
			if err != nil {
				return nil, err
			}
			tests = append(tests, func(c *store.Check) bool { return test(c.ID) })
		}
	}
	checks, err := r.findChecks(q)
	if err != nil {
		return nil, err
	}
	kept := checks[:0]
	for i := range checks {
		ok := true
		for _, t := range tests {
			ok = ok && t(&checks[i])
		}
		if ok {
			kept = append(kept, checks[i])
		}
	}
	return checkDicts(r.ctx, r.store(), applyCount(kept, count))
}

// findChecks runs the search on a store that can search across patches;
// other stores can only answer for one patch (CheckStore.ListChecks).
func (r *request) findChecks(q store.CheckSearch) ([]store.Check, error) {
	if cs, ok := r.store().(store.CheckSearcher); ok {
		checks, err := cs.FindChecks(r.ctx, q)
		if err != nil {
			return nil, fmt.Errorf("find checks: %w", err)
		}
		return checks, nil
	}
	if q.PatchID == 0 {
		return nil, fault("Exception", "check_list needs a patch_id filter on this server")
	}
	cq := store.CheckQuery{PatchID: q.PatchID, Order: "id"}
	if q.UserID != 0 {
		cq.UserID = []int64{q.UserID}
	}
	checks, err := r.store().ListChecks(r.ctx, cq)
	if err != nil {
		return nil, fmt.Errorf("checks of patch %d: %w", q.PatchID, err)
	}
	if q.ProjectID != 0 {
		row, err := r.patchRow(q.PatchID)
		if err != nil {
			return nil, err
		}
		if row == nil || row.ProjectID != q.ProjectID {
			return nil, nil
		}
	}
	return checks, nil
}

// checkUser resolves the user filter value for an exact match: a user id
// (int or numeric string) or a username. Other lookups compare ids and
// need no resolution (found is true).
func (r *request) checkUser(v any, lookup string) (id int64, found bool, err error) {
	if lookup != "" && lookup != "iexact" {
		return 0, true, nil
	}
	if s, ok := v.(string); ok {
		if _, err := parseInt(s); err != nil {
			u, err := r.store().GetUserByName(r.ctx, s)
			if errors.Is(err, store.ErrNotFound) {
				return 0, false, nil
			}
			if err != nil {
				return 0, false, fmt.Errorf("get user %q: %w", s, err)
			}
			return u.ID, true, nil
		}
	}
	id, ok, err := idArg(v, "id")
	if err != nil || !ok {
		return 0, false, err
	}
	if _, err := r.store().GetUser(r.ctx, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return 0, false, nil
		}
		return 0, false, fmt.Errorf("get user %d: %w", id, err)
	}
	return id, true, nil
}

func checkGet(r *request, args []any) (any, error) {
	id, ok, err := idArg(args[0], "id")
	if err != nil || !ok {
		return Struct{}, err
	}
	c, err := r.store().GetCheck(r.ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Struct{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get check %d: %w", id, err)
	}
	ds, err := checkDicts(r.ctx, r.store(), []store.Check{*c})
	if err != nil {
		return nil, err
	}
	return ds[0], nil
}

// patchCheckGet is the combined state of a patch's unique checks (the
// newest per user and context).
func patchCheckGet(r *request, args []any) (any, error) {
	id, ok, err := idArg(args[0], "id")
	if err != nil || !ok {
		return Struct{}, err
	}
	row, err := r.patchRow(id)
	if err != nil || row == nil {
		return Struct{}, err
	}
	checks, err := r.store().UniqueChecks(r.ctx, id)
	if err != nil {
		return nil, fmt.Errorf("unique checks of patch %d: %w", id, err)
	}
	sort.Slice(checks, func(i, j int) bool { return checks[i].ID < checks[j].ID })
	var sum store.CheckSummary
	for _, c := range checks {
		switch c.State {
		case store.CheckPending:
			sum.Pending++
		case store.CheckSuccess:
			sum.Success++
		case store.CheckWarning:
			sum.Warning++
		case store.CheckFail:
			sum.Fail++
		}
	}
	ds, err := checkDicts(r.ctx, r.store(), checks)
	if err != nil {
		return nil, err
	}
	return Struct{{"state", sum.Combined().String()}, {"total", len(checks)}, {"checks", ds}}, nil
}
