package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/patchwork-go/patchwork/store"
)

// ListStates returns the states by ordering.
func (s *Store) ListStates(ctx context.Context) ([]store.State, error) {
	// Every page and request asks; no Store method changes states, so the
	// cached list answers (a copy: callers may sort or edit theirs).
	list, err := s.states(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(list), nil
}

// loadStates reads the states from the database.
func (s *Store) loadStates(ctx context.Context) ([]store.State, error) {
	out, err := collect(ctx, s, func(r *sql.Rows) (store.State, error) {
		var st store.State
		err := r.Scan(&st.ID, &st.Name, &st.Slug, &st.Ordering, &st.ActionRequired)
		return st, err
	}, "SELECT id, name, slug, ordering, action_required FROM states ORDER BY ordering, id")
	if err != nil {
		return nil, fmt.Errorf("list states: %w", err)
	}
	return out, nil
}

// states returns the cached state list (no Store method changes states).
func (s *Store) states(ctx context.Context) ([]store.State, error) {
	s.cache.mu.Lock()
	cached := s.cache.states
	s.cache.mu.Unlock()
	if cached != nil {
		return cached, nil
	}
	list, err := s.loadStates(ctx)
	if err != nil {
		return nil, err
	}
	if len(list) > 0 {
		s.cache.mu.Lock()
		s.cache.states = list
		s.cache.mu.Unlock()
	}
	return list, nil
}

// ListTags returns the tags by id. Like states, no Store method changes
// them, and every patch view asks: the list is read once (a copy each).
func (s *Store) ListTags(ctx context.Context) ([]store.Tag, error) {
	s.cache.mu.Lock()
	cached := s.cache.tags
	s.cache.mu.Unlock()
	if cached != nil {
		return slices.Clone(cached), nil
	}
	out, err := collect(ctx, s, func(r *sql.Rows) (store.Tag, error) {
		var t store.Tag
		err := r.Scan(&t.ID, &t.Name, &t.Pattern, &t.Abbrev, &t.ShowColumn)
		return t, err
	}, "SELECT id, name, pattern, abbrev, show_column FROM tags ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	if len(out) > 0 {
		s.cache.mu.Lock()
		s.cache.tags = slices.Clone(out)
		s.cache.mu.Unlock()
	}
	return out, nil
}
