package rest

import (
	"fmt"

	"github.com/patchwork-go/patchwork/store"
)

// cache holds what one request has already looked up, so that building a
// list of 100 patches costs a handful of queries instead of hundreds.
type cache struct {
	projectList []store.Project
	projects    map[int64]*store.Project
	people      map[int64]store.Person
	users       map[int64]store.User
	states      []store.State
	series      map[int64]*store.Series
	// seriesPatches holds the patches of series preloaded by a list.
	seriesPatches map[int64][]store.PatchRow

	// Embedded objects built once per request: a list page repeats one
	// project and a few series on every row. Encoding only reads them.
	embProjects  map[int64]rawJSON
	embSeries    map[int64]obj
	embSeriesRaw map[int64]rawJSON
	urls         *urlPrefixes
}

func newCache() *cache {
	return &cache{
		people: map[int64]store.Person{},
		users:  map[int64]store.User{},
		series: map[int64]*store.Series{},

		seriesPatches: map[int64][]store.PatchRow{},
		embProjects:   map[int64]rawJSON{},
		embSeries:     map[int64]obj{},
		embSeriesRaw:  map[int64]rawJSON{},
	}
}

// allProjects loads every project once per request (instances have few).
func (c *call) allProjects() ([]store.Project, error) {
	if c.c.projects == nil {
		list, err := c.h.store.ListProjects(c.ctx)
		if err != nil {
			return nil, fmt.Errorf("list projects: %w", err)
		}
		c.c.projectList = list
		c.c.projects = make(map[int64]*store.Project, len(list))
		for i := range list {
			c.c.projects[list[i].ID] = &list[i]
		}
	}
	return c.c.projectList, nil
}

// project returns a project by id.
func (c *call) project(id int64) (*store.Project, error) {
	if _, err := c.allProjects(); err != nil {
		return nil, err
	}
	if p, ok := c.c.projects[id]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("project %d: %w", id, store.ErrNotFound)
}

// loadPeople fetches the people not cached yet in one query.
func (c *call) loadPeople(ids []int64) error {
	var need []int64
	for _, id := range ids {
		if _, ok := c.c.people[id]; !ok && id != 0 {
			need = append(need, id)
		}
	}
	if len(need) == 0 {
		return nil
	}
	m, err := c.h.store.GetPeople(c.ctx, need)
	if err != nil {
		return fmt.Errorf("get people: %w", err)
	}
	for id, p := range m {
		c.c.people[id] = p
	}
	return nil
}

func (c *call) person(id int64) (store.Person, error) {
	if err := c.loadPeople([]int64{id}); err != nil {
		return store.Person{}, err
	}
	return c.c.people[id], nil
}

// loadUsers fetches the users not cached yet in one query.
func (c *call) loadUsers(ids []int64) error {
	var need []int64
	for _, id := range ids {
		if _, ok := c.c.users[id]; !ok && id != 0 {
			need = append(need, id)
		}
	}
	if len(need) == 0 {
		return nil
	}
	m, err := c.h.store.GetUsers(c.ctx, need)
	if err != nil {
		return fmt.Errorf("get users: %w", err)
	}
	for id, u := range m {
		c.c.users[id] = u
	}
	return nil
}

// userOrNil is the embedded user, or nil when id is 0 or unknown.
func (c *call) userOrNil(id int64) (any, error) {
	if id == 0 {
		return nil, nil
	}
	if err := c.loadUsers([]int64{id}); err != nil {
		return nil, err
	}
	u, ok := c.c.users[id]
	if !ok {
		return nil, nil
	}
	return c.embUser(u), nil
}

func (c *call) states() ([]store.State, error) {
	if c.c.states == nil {
		st, err := c.h.store.ListStates(c.ctx)
		if err != nil {
			return nil, fmt.Errorf("list states: %w", err)
		}
		c.c.states = st
	}
	return c.c.states, nil
}

// stateSlug is the slug of a state id ("" when unknown).
func (c *call) stateSlug(id int64) (string, error) {
	st, err := c.states()
	if err != nil {
		return "", err
	}
	if s, ok := store.StateByID(st, id); ok {
		return s.Slug, nil
	}
	return "", nil
}

func (c *call) getSeries(id int64) (*store.Series, error) {
	if s, ok := c.c.series[id]; ok {
		return s, nil
	}
	s, err := c.h.store.GetSeries(c.ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get series %d: %w", id, err)
	}
	c.c.series[id] = s
	return s, nil
}
