package xmlrpc

import (
	"context"
	"errors"
	"fmt"

	"github.com/patchwork-go/patchwork/server/mbox"
	"github.com/patchwork-go/patchwork/store"
)

// lookups caches, for one request, the objects that many dicts share
// (projects, states), so a 100-patch list costs a handful of queries.
type lookups struct {
	s        store.Store
	states   []store.State
	projects map[int64]*store.Project
}

func newLookups(s store.Store) *lookups {
	return &lookups{s: s, projects: map[int64]*store.Project{}}
}

func (l *lookups) stateList(ctx context.Context) ([]store.State, error) {
	if l.states == nil {
		st, err := l.s.ListStates(ctx)
		if err != nil {
			return nil, fmt.Errorf("list states: %w", err)
		}
		l.states = st
	}
	return l.states, nil
}

// project returns the project or nil when it does not exist.
func (l *lookups) project(ctx context.Context, id int64) (*store.Project, error) {
	if p, ok := l.projects[id]; ok {
		return p, nil
	}
	p, err := l.s.GetProject(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		p, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get project %d: %w", id, err)
	}
	l.projects[id] = p
	return p, nil
}

func projectDict(p *store.Project) Struct {
	return Struct{{"id", p.ID}, {"linkname", p.LinkName}, {"name", p.Name}}
}

func stateDict(s store.State) Struct {
	return Struct{{"id", s.ID}, {"name", s.Name}}
}

// personName is the person's name, or the e-mail when it has none (upstream
// for null; [fix] for empty).
func personName(p store.Person) string {
	if p.Name != "" {
		return p.Name
	}
	return p.Email
}

// personString is Python's str(Person): "Name <email>" or the e-mail.
func personString(p store.Person) string {
	if p.Name != "" {
		return p.Name + " <" + p.Email + ">"
	}
	return p.Email
}

// personDicts serialises people; linked usernames are fetched in one go.
func personDicts(ctx context.Context, s store.Store, people []store.Person) ([]Struct, error) {
	var ids []int64
	for _, p := range people {
		if p.UserID != 0 {
			ids = append(ids, p.UserID)
		}
	}
	users := map[int64]store.User{}
	if len(ids) > 0 {
		var err error
		if users, err = s.GetUsers(ctx, ids); err != nil {
			return nil, fmt.Errorf("get users: %w", err)
		}
	}
	out := make([]Struct, len(people))
	for i, p := range people {
		user := "None"
		if u, ok := users[p.UserID]; ok && p.UserID != 0 {
			user = u.Username
		}
		out[i] = Struct{{"id", p.ID}, {"email", p.Email}, {"name", personName(p)}, {"user", Binary(user)}}
	}
	return out, nil
}

// patchDict is upstream's patch_to_dict: the 16 keys pwclient prints, in
// upstream's order, with the (B) fields as base64.
func (l *lookups) patchDict(ctx context.Context, r *store.PatchRow) (Struct, error) {
	projectName := "None"
	p, err := l.project(ctx, r.ProjectID)
	if err != nil {
		return nil, err
	}
	if p != nil {
		projectName = p.Name
	}
	states, err := l.stateList(ctx)
	if err != nil {
		return nil, err
	}
	stateName := "None"
	if st, ok := store.StateByID(states, r.StateID); ok {
		stateName = st.Name
	}
	delegate := "None"
	if r.DelegateID != 0 {
		delegate = r.DelegateUsername
	}
	return Struct{
		{"id", r.ID},
		{"date", Binary(pyDate(r.Date))},
		{"filename", mbox.Filename(r.Name)},
		{"msgid", r.MsgID},
		{"name", r.Name},
		{"project", Binary(projectName)},
		{"project_id", r.ProjectID},
		{"state", Binary(stateName)},
		{"state_id", r.StateID},
		{"archived", r.Archived},
		{"submitter", Binary(personString(r.Submitter))},
		{"submitter_id", r.Submitter.ID},
		{"delegate", Binary(delegate)},
		{"delegate_id", r.DelegateID},
		{"commit_ref", r.CommitRef},
		{"hash", r.Hash},
	}, nil
}

// patchDicts serialises rows.
func (l *lookups) patchDicts(ctx context.Context, rows []store.PatchRow) ([]Struct, error) {
	out := make([]Struct, 0, len(rows))
	for i := range rows {
		d, err := l.patchDict(ctx, &rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// checkDicts is upstream's check_to_dict over many checks: patch names and
// usernames are fetched in batches.
func checkDicts(ctx context.Context, s store.Store, checks []store.Check) ([]Struct, error) {
	if len(checks) == 0 {
		return []Struct{}, nil
	}
	var patchIDs, userIDs []int64
	seenP, seenU := map[int64]bool{}, map[int64]bool{}
	for _, c := range checks {
		if !seenP[c.PatchID] {
			seenP[c.PatchID] = true
			patchIDs = append(patchIDs, c.PatchID)
		}
		if !seenU[c.UserID] {
			seenU[c.UserID] = true
			userIDs = append(userIDs, c.UserID)
		}
	}
	rows, err := s.GetPatchRows(ctx, patchIDs)
	if err != nil {
		return nil, fmt.Errorf("get patch rows: %w", err)
	}
	names := make(map[int64]string, len(rows))
	for _, r := range rows {
		names[r.ID] = r.Name
	}
	users, err := s.GetUsers(ctx, userIDs)
	if err != nil {
		return nil, fmt.Errorf("get users: %w", err)
	}
	out := make([]Struct, len(checks))
	for i, c := range checks {
		username := "None"
		if u, ok := users[c.UserID]; ok {
			username = u.Username
		}
		out[i] = Struct{
			{"id", c.ID},
			{"date", Binary(pyDate(c.Date))},
			{"patch", Binary(names[c.PatchID])},
			{"patch_id", c.PatchID},
			{"user", Binary(username)},
			{"user_id", c.UserID},
			{"state", c.State.String()},
			{"target_url", c.TargetURL},
			{"description", c.Description},
			{"context", c.Context},
		}
	}
	return out, nil
}
