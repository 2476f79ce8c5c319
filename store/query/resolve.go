package query

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

// Resolver turns the names in a query into ids. store.Store provides the
// first three methods; StoreResolver adds the session's user.
type Resolver interface {
	ListStates(ctx context.Context) ([]store.State, error)
	ListTags(ctx context.Context) ([]store.Tag, error)
	GetUserByName(ctx context.Context, username string) (*store.User, error)
	// Me is the user "delegate:me" stands for; nil when anonymous.
	Me() *store.User
}

// ProjectResolver is implemented by resolvers that can also resolve
// "project:linkname" (StoreResolver does).
type ProjectResolver interface {
	GetProjectByLinkName(ctx context.Context, linkname string) (*store.Project, error)
}

// StoreResolver resolves names with s; me is the current user (nil when
// anonymous).
func StoreResolver(s store.Store, me *store.User) Resolver {
	return storeResolver{Store: s, me: me}
}

type storeResolver struct {
	store.Store
	me *store.User
}

func (r storeResolver) Me() *store.User { return r.me }

// Unwrap makes errors.Is(err, store.ErrInvalid) true for query errors.
func (e *Error) Unwrap() error { return store.ErrInvalid }

// Conds turns the query into store conditions (ANDed). States and tags are
// read once per call.
func (q *Query) Conds(ctx context.Context, r Resolver) ([]store.Cond, error) {
	if q.Empty() {
		return nil, nil
	}
	c := resolver{r: r}
	out := make([]store.Cond, 0, len(q.Terms))
	for _, t := range q.Terms {
		cond, err := c.cond(ctx, t)
		if err != nil {
			return nil, err
		}
		cond.Not = t.Neg
		out = append(out, cond)
	}
	return out, nil
}

// resolver caches the lists it reads for the duration of one Conds call.
type resolver struct {
	r      Resolver
	states []store.State
	tags   []store.Tag
}

func texts(vs []Value) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Text
	}
	return out
}

func (c *resolver) cond(ctx context.Context, t Term) (store.Cond, error) {
	switch t.Key {
	case "":
		return store.Cond{Field: store.FieldName, Strs: texts(t.Values)}, nil
	case "from":
		return store.Cond{Field: store.FieldSubmitterText, Strs: texts(t.Values)}, nil
	case "file":
		return store.Cond{Field: store.FieldFile, Strs: texts(t.Values)}, nil
	case "hash":
		return store.Cond{Field: store.FieldHash, Strs: lower(texts(t.Values))}, nil
	case "msgid":
		strs := texts(t.Values)
		for i, s := range strs {
			if !strings.HasPrefix(s, "<") {
				strs[i] = "<" + s + ">"
			}
		}
		return store.Cond{Field: store.FieldMsgID, Strs: strs}, nil
	case "series", "id":
		field := store.FieldSeries
		if t.Key == "id" {
			field = store.FieldID
		}
		ids := make([]int64, len(t.Values))
		for i, v := range t.Values {
			ids[i], _ = parseID(v.Text) // checked by Parse
		}
		return store.Cond{Field: field, Ints: ids}, nil
	case "check":
		ids := make([]int64, len(t.Values))
		for i, v := range t.Values {
			cs, _ := parseCheck(v.Text)
			ids[i] = int64(cs)
		}
		return store.Cond{Field: store.FieldCheck, Ints: ids}, nil
	case "date":
		op, tm, err := parseDate(t.Values[0])
		return store.Cond{Field: store.FieldDate, Op: op, Time: tm}, err
	case "is":
		return c.is(t)
	case "state":
		return c.state(ctx, t)
	case "has":
		return c.has(ctx, t)
	case "delegate":
		return c.delegate(ctx, t)
	case "project":
		return c.project(ctx, t)
	}
	return store.Cond{}, errAt(t.Col, "unknown key %q", t.Key)
}

func lower(ss []string) []string {
	for i := range ss {
		ss[i] = strings.ToLower(ss[i])
	}
	return ss
}

// is: with several values would need OR across fields, so it takes one.
func (c *resolver) is(t Term) (store.Cond, error) {
	if len(t.Values) != 1 {
		return store.Cond{}, errAt(t.Values[1].Col, "is: takes one value; write several is: terms")
	}
	iv := isValues[strings.ToLower(t.Values[0].Text)]
	return store.Cond{Field: iv.field, Bool: iv.val}, nil
}

func (c *resolver) state(ctx context.Context, t Term) (store.Cond, error) {
	if c.states == nil {
		st, err := c.r.ListStates(ctx)
		if err != nil {
			return store.Cond{}, fmt.Errorf("query states: %w", err)
		}
		c.states = st
	}
	ids := make([]int64, 0, len(t.Values))
	for _, v := range t.Values {
		st, ok := store.FindState(c.states, v.Text)
		if !ok {
			return store.Cond{}, errAt(v.Col, "unknown state %q (want %s)", v.Text, stateList(c.states))
		}
		ids = append(ids, st.ID)
	}
	return store.Cond{Field: store.FieldState, Ints: ids}, nil
}

func stateList(states []store.State) string {
	slugs := make([]string, len(states))
	for i, s := range states {
		slugs[i] = s.Slug
	}
	return strings.Join(slugs, ", ")
}

// has: accepts a tag name or its slug ("Reviewed-by", "reviewed-by"), and
// "commit-ref" for patches with a commit.
func (c *resolver) has(ctx context.Context, t Term) (store.Cond, error) {
	if len(t.Values) == 1 && strings.EqualFold(t.Values[0].Text, "commit-ref") {
		return store.Cond{Field: store.FieldHasCommitRef, Bool: true}, nil
	}
	if c.tags == nil {
		tags, err := c.r.ListTags(ctx)
		if err != nil {
			return store.Cond{}, fmt.Errorf("query tags: %w", err)
		}
		c.tags = tags
	}
	ids := make([]int64, 0, len(t.Values))
	for _, v := range t.Values {
		id := int64(0)
		for _, tag := range c.tags {
			if strings.EqualFold(tag.Name, v.Text) || store.Slugify(tag.Name) == strings.ToLower(v.Text) {
				id = tag.ID
				break
			}
		}
		if id == 0 {
			names := make([]string, len(c.tags))
			for i, tag := range c.tags {
				names[i] = store.Slugify(tag.Name)
			}
			return store.Cond{}, errAt(v.Col, "unknown tag %q (want %s or commit-ref)", v.Text, strings.Join(names, ", "))
		}
		ids = append(ids, id)
	}
	return store.Cond{Field: store.FieldHasTag, Ints: ids}, nil
}

func (c *resolver) delegate(ctx context.Context, t Term) (store.Cond, error) {
	ids := make([]int64, 0, len(t.Values))
	for _, v := range t.Values {
		switch name := strings.ToLower(v.Text); name {
		case "none", "nobody":
			ids = append(ids, 0)
		case "me":
			me := c.r.Me()
			if me == nil {
				return store.Cond{}, errAt(v.Col, "delegate:me needs a logged-in user")
			}
			ids = append(ids, me.ID)
		default:
			u, err := c.r.GetUserByName(ctx, v.Text)
			if errors.Is(err, store.ErrNotFound) {
				return store.Cond{}, errAt(v.Col, "unknown user %q", v.Text)
			}
			if err != nil {
				return store.Cond{}, fmt.Errorf("query delegate %q: %w", v.Text, err)
			}
			ids = append(ids, u.ID)
		}
	}
	return store.Cond{Field: store.FieldDelegate, Ints: ids}, nil
}

func (c *resolver) project(ctx context.Context, t Term) (store.Cond, error) {
	pr, ok := c.r.(ProjectResolver)
	if !ok {
		return store.Cond{}, errAt(t.Col, "project: is not supported here")
	}
	ids := make([]int64, 0, len(t.Values))
	for _, v := range t.Values {
		p, err := pr.GetProjectByLinkName(ctx, v.Text)
		if errors.Is(err, store.ErrNotFound) {
			return store.Cond{}, errAt(v.Col, "unknown project %q", v.Text)
		}
		if err != nil {
			return store.Cond{}, fmt.Errorf("query project %q: %w", v.Text, err)
		}
		ids = append(ids, p.ID)
	}
	return store.Cond{Field: store.FieldProject, Ints: ids}, nil
}
