package xmlrpc

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/patchwork-go/patchwork/server/mbox"
	"github.com/patchwork-go/patchwork/store"
)

// method is one entry of the method table.
type method struct {
	name     string
	params   []string // Python parameter names, "user" first when auth
	optional int      // trailing parameters with defaults
	auth     bool
	doc      string
	fn       func(r *request, args []any) (any, error)
}

// methodTable lists every method of API 1.3.0 (spec §5).
func (h *Handler) methodTable() map[string]*method {
	ms := []*method{
		{name: "pw_rpc_version", fn: pwRPCVersion,
			doc: "Return the API version as [major, minor, patch]."},
		{name: "project_list", params: []string{"search_str", "max_count"}, optional: 2, fn: projectList,
			doc: "List projects whose linkname contains search_str (all when empty), ordered by linkname."},
		{name: "project_get", params: []string{"project_id"}, fn: projectGet,
			doc: "Get a project by id ({} when it does not exist)."},
		{name: "person_list", params: []string{"search_str", "max_count"}, optional: 2, fn: personList,
			doc: "List people whose name or e-mail contains search_str, ordered by id."},
		{name: "person_get", params: []string{"person_id"}, fn: personGet,
			doc: "Get a person by id ({} when it does not exist)."},
		{name: "patch_list", params: []string{"filt"}, optional: 1, fn: patchList,
			doc: "List patches matching a filter struct (FIELD or FIELD__LOOKUP keys, max_count), ordered by date."},
		{name: "patch_get", params: []string{"patch_id"}, fn: patchGet,
			doc: "Get a patch by id ({} when it does not exist)."},
		{name: "patch_get_by_hash", params: []string{"hash"}, fn: patchGetByHash,
			doc: "Get the newest patch with this hash in any project ({} when none)."},
		{name: "patch_get_by_project_hash", params: []string{"project", "hash"}, fn: patchGetByProjectHash,
			doc: "Get the newest patch with this hash in the project with this linkname ({} when none)."},
		{name: "patch_get_mbox", params: []string{"patch_id"}, fn: patchGetMbox,
			doc: "Get a patch as an mbox, as the web download ('' when it does not exist)."},
		{name: "patch_get_diff", params: []string{"patch_id"}, fn: patchGetDiff,
			doc: "Get a patch's diff ('' when it does not exist or has none)."},
		{name: "patch_set", params: []string{"user", "patch_id", "params"}, auth: true, fn: patchSet,
			doc: "Set state (id), commit_ref and/or archived of a patch. Needs HTTP Basic authentication."},
		{name: "state_list", params: []string{"search_str", "max_count"}, optional: 2, fn: stateList,
			doc: "List states whose name contains search_str, in state order."},
		{name: "state_get", params: []string{"state_id"}, fn: stateGet,
			doc: "Get a state by id ({} when it does not exist)."},
		{name: "check_list", params: []string{"filt"}, optional: 1, fn: checkList,
			doc: "List checks matching a filter struct (id, user, project_id, patch_id, max_count), by id."},
		{name: "check_get", params: []string{"check_id"}, fn: checkGet,
			doc: "Get a check by id ({} when it does not exist)."},
		{name: "check_create", params: []string{"user", "patch_id", "context", "state", "target_url", "description"}, optional: 2, auth: true, fn: checkCreate,
			doc: "Create a check (state pending, success, warning or fail) on a patch. Needs HTTP Basic authentication."},
		{name: "patch_check_get", params: []string{"patch_id"}, fn: patchCheckGet,
			doc: "Get a patch's combined check state, count and unique checks ({} when it does not exist)."},
	}
	out := make(map[string]*method, len(ms))
	for _, m := range ms {
		out[m.name] = m
	}
	return out
}

// sortedMethods returns the table in name order (for the GET page).
func (h *Handler) sortedMethods() []*method {
	out := make([]*method, 0, len(h.methods))
	for _, m := range h.methods {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func pwRPCVersion(*request, []any) (any, error) { return []any{1, 3, 0}, nil }

// applyCount is upstream's max_count rule: > 0 the first n, < 0 the last
// |n| (the whole list when |n| is larger [fix]), 0 everything.
func applyCount[T any](list []T, n int64) []T {
	switch {
	case n > 0 && int64(len(list)) > n:
		return list[:n]
	case n < 0 && n != math.MinInt64 && int64(len(list)) > -n:
		return list[int64(len(list))+n:]
	}
	return list
}

// searchArg reads an optional search string; "" and nil mean "no filter".
func searchArg(v any) string {
	s, _ := stringArg(v)
	return s
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func projectList(r *request, args []any) (any, error) {
	n, err := countArg(args[1])
	if err != nil {
		return nil, err
	}
	search := searchArg(args[0])
	projects, err := r.store().ListProjects(r.ctx)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	out := []Struct{}
	for i := range projects {
		if search == "" || containsFold(projects[i].LinkName, search) {
			out = append(out, projectDict(&projects[i]))
		}
	}
	return applyCount(out, n), nil
}

func projectGet(r *request, args []any) (any, error) {
	id, ok, err := idArg(args[0], "id")
	if err != nil || !ok {
		return Struct{}, err
	}
	p, err := r.l.project(r.ctx, id)
	if err != nil || p == nil {
		return Struct{}, err
	}
	return projectDict(p), nil
}

func personList(r *request, args []any) (any, error) {
	n, err := countArg(args[1])
	if err != nil {
		return nil, err
	}
	q := store.PersonQuery{Text: searchArg(args[0]), Order: "id"}
	if n > 0 {
		q.Limit = int(n)
	}
	people, err := r.h.svc.People(r.ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	out, err := personDicts(r.ctx, r.store(), applyCount(people, n))
	if err != nil {
		return nil, err
	}
	return out, nil
}

func personGet(r *request, args []any) (any, error) {
	id, ok, err := idArg(args[0], "id")
	if err != nil || !ok {
		return Struct{}, err
	}
	p, err := r.store().GetPerson(r.ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Struct{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get person %d: %w", id, err)
	}
	out, err := personDicts(r.ctx, r.store(), []store.Person{*p})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// patchRow fetches one patch's list row; nil when it does not exist.
func (r *request) patchRow(id int64) (*store.PatchRow, error) {
	rows, err := r.store().GetPatchRows(r.ctx, []int64{id})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get patch %d: %w", id, err)
	}
	for i := range rows {
		if rows[i].ID == id {
			return &rows[i], nil
		}
	}
	return nil, nil
}

func (r *request) patchDictByID(id int64) (any, error) {
	row, err := r.patchRow(id)
	if err != nil || row == nil {
		return Struct{}, err
	}
	return r.l.patchDict(r.ctx, row)
}

func patchGet(r *request, args []any) (any, error) {
	id, ok, err := idArg(args[0], "id")
	if err != nil || !ok {
		return Struct{}, err
	}
	return r.patchDictByID(id)
}

// patchGetByHash returns the newest patch with exactly this hash in any
// project [fix: upstream faults when there are several].
func patchGetByHash(r *request, args []any) (any, error) {
	hash, ok := stringArg(args[0])
	if !ok || hash == "" {
		return Struct{}, nil
	}
	rows, err := r.store().ListPatches(r.ctx, store.PatchQuery{
		Conds: []store.Cond{{Field: store.FieldHash, Strs: []string{hash}}},
		Order: store.OrderDate, Desc: true, Limit: 50, NoTags: true, NoChecks: true,
	})
	if err != nil {
		return nil, fmt.Errorf("patches by hash: %w", err)
	}
	for i := range rows {
		if rows[i].Hash == hash { // the store compares case-insensitively
			return r.l.patchDict(r.ctx, &rows[i])
		}
	}
	return Struct{}, nil
}

// patchGetByProjectHash is what pwclient's -h option calls.
func patchGetByProjectHash(r *request, args []any) (any, error) {
	linkname, _ := stringArg(args[0])
	hash, ok := stringArg(args[1])
	if !ok || hash == "" {
		return Struct{}, nil
	}
	p, err := r.store().GetProjectByLinkName(r.ctx, linkname)
	if errors.Is(err, store.ErrNotFound) {
		return Struct{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get project %q: %w", linkname, err)
	}
	patches, err := r.store().GetPatchesByHash(r.ctx, p.ID, hash)
	if err != nil {
		return nil, fmt.Errorf("patches by hash: %w", err)
	}
	// Newest first: latest date, then highest id [fix].
	var best *store.Patch
	for i := range patches {
		q := &patches[i]
		if q.Hash != hash {
			continue
		}
		if best == nil || q.Date.After(best.Date) || (q.Date.Equal(best.Date) && q.ID > best.ID) {
			best = q
		}
	}
	if best == nil {
		return Struct{}, nil
	}
	return r.patchDictByID(best.ID)
}

func patchGetMbox(r *request, args []any) (any, error) {
	id, ok, err := idArg(args[0], "id")
	if err != nil || !ok {
		return "", err
	}
	s, err := mbox.PatchString(r.ctx, r.store(), id)
	if mbox.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return nil, fmt.Errorf("mbox of patch %d: %w", id, err)
	}
	return s, nil
}

func patchGetDiff(r *request, args []any) (any, error) {
	id, ok, err := idArg(args[0], "id")
	if err != nil || !ok {
		return "", err
	}
	p, err := r.store().GetPatch(r.ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return nil, fmt.Errorf("get patch %d: %w", id, err)
	}
	return p.Diff, nil
}

func stateList(r *request, args []any) (any, error) {
	n, err := countArg(args[1])
	if err != nil {
		return nil, err
	}
	search := searchArg(args[0])
	states, err := r.l.stateList(r.ctx)
	if err != nil {
		return nil, err
	}
	out := []Struct{}
	for _, st := range states {
		if search == "" || containsFold(st.Name, search) {
			out = append(out, stateDict(st))
		}
	}
	return applyCount(out, n), nil
}

func stateGet(r *request, args []any) (any, error) {
	id, ok, err := idArg(args[0], "id")
	if err != nil || !ok {
		return Struct{}, err
	}
	states, err := r.l.stateList(r.ctx)
	if err != nil {
		return nil, err
	}
	if st, found := store.StateByID(states, id); found {
		return stateDict(st), nil
	}
	return Struct{}, nil
}
