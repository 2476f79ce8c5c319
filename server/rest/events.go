package rest

import (
	"errors"
	"fmt"

	"github.com/patchwork-go/patchwork/store"
)

// commentCategories are listed only from 1.3 on.
var commentCategories = map[string]bool{
	store.EventCoverCommentCreated: true,
	store.EventPatchCommentCreated: true,
}

func (c *call) eventList() error {
	projects, err := c.projectFilter()
	if err != nil {
		return err
	}
	q := store.EventQuery{}
	for _, cat := range c.values("category") {
		known := false
		for _, k := range store.EventCategories {
			known = known || k == cat
		}
		if !known || (commentCategories[cat] && !c.since(3)) {
			return errEmpty
		}
		q.Categories = append(q.Categories, cat)
	}
	// Always name the categories: the store also logs our own kinds
	// (patch-updated), which the API does not show.
	if len(q.Categories) == 0 {
		for _, k := range store.EventCategories {
			if !commentCategories[k] || c.since(3) {
				q.Categories = append(q.Categories, k)
			}
		}
	}
	if q.SeriesIDs, err = c.idFilter("series"); err != nil {
		return err
	}
	if q.PatchIDs, err = c.idFilter("patch"); err != nil {
		return err
	}
	if q.CoverIDs, err = c.idFilter("cover"); err != nil {
		return err
	}
	if c.since(2) {
		if q.ActorID, err = c.userFilter("actor"); err != nil {
			return err
		}
	}
	if q.Since, err = c.dateFilter("since"); err != nil {
		return err
	}
	if q.Before, err = c.dateFilter("before"); err != nil {
		return err
	}
	q.ProjectIDs = projects
	if keys := c.orderKeys("date"); len(keys) > 0 && !keys[0].desc {
		q.Asc = true
	}
	// The store's order is the spec's: date, ties by id, both in the
	// direction asked for.
	page, err := storePage(c, storeList[store.Event]{
		count: func() (int, error) {
			n, err := c.h.store.CountEvents(c.ctx, q)
			if err != nil {
				return 0, fmt.Errorf("count events: %w", err)
			}
			return n, nil
		},
		fetch: func(limit, offset int) ([]store.Event, error) {
			q := q
			q.Limit, q.Offset = limit, offset
			rows, err := c.h.store.ListEvents(c.ctx, q)
			if err != nil {
				return nil, fmt.Errorf("list events: %w", err)
			}
			return rows, nil
		},
	})
	if err != nil {
		return err
	}
	out, err := c.eventObjs(page)
	if err != nil {
		return err
	}
	c.ok(out)
	return nil
}

// eventObjs renders events, fetching their patches in one query.
func (c *call) eventObjs(events []store.Event) ([]obj, error) {
	var patchIDs, users []int64
	for _, e := range events {
		if e.PatchID != 0 {
			patchIDs = append(patchIDs, e.PatchID)
		}
		users = append(users, e.ActorID, e.PreviousDelegateID, e.CurrentDelegateID)
	}
	if err := c.loadUsers(users); err != nil {
		return nil, err
	}
	patches := map[int64]store.PatchRow{}
	if len(patchIDs) > 0 {
		rows, err := c.h.store.GetPatchRows(c.ctx, patchIDs)
		if err != nil {
			return nil, fmt.Errorf("patches of events: %w", err)
		}
		for _, r := range rows {
			patches[r.ID] = r
		}
	}
	out := make([]obj, 0, len(events))
	for _, e := range events {
		o, err := c.eventObj(e, patches)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

func (c *call) eventObj(e store.Event, patches map[int64]store.PatchRow) (obj, error) {
	p, err := c.project(e.ProjectID)
	if err != nil {
		return nil, err
	}
	actor, err := c.userOrNil(e.ActorID)
	if err != nil {
		return nil, err
	}
	payload := obj{}
	patch := func() error {
		var v any
		if r, ok := patches[e.PatchID]; ok {
			o, err := c.embPatchRow(r)
			if err != nil {
				return err
			}
			v = o
		}
		payload = payload.add("patch", v)
		return nil
	}
	series := func() error {
		var v any
		if e.SeriesID != 0 {
			s, err := c.getSeries(e.SeriesID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if s != nil {
				if v, err = c.embSeries(s); err != nil {
					return err
				}
			}
		}
		payload = payload.add("series", v)
		return nil
	}
	cover := func() error {
		var v any
		if e.CoverID != 0 {
			cv, err := c.h.store.GetCover(c.ctx, e.CoverID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if cv != nil {
				if v, err = c.embCover(cv); err != nil {
					return err
				}
			}
		}
		payload = payload.add("cover", v)
		return nil
	}
	comment := func() error {
		var v any
		if e.CommentID != 0 {
			cm, err := c.h.store.GetComment(c.ctx, e.CommentID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if cm != nil {
				if v, err = c.embComment(cm); err != nil {
					return err
				}
			}
		}
		payload = payload.add("comment", v)
		return nil
	}
	var steps []func() error
	switch e.Category {
	case store.EventCoverCreated:
		steps = []func() error{cover}
	case store.EventPatchCreated:
		steps = []func() error{patch}
	case store.EventPatchCompleted:
		steps = []func() error{patch, series}
	case store.EventPatchStateChanged:
		steps = []func() error{patch, func() error {
			prev, err := c.stateSlug(e.PreviousStateID)
			if err != nil {
				return err
			}
			cur, err := c.stateSlug(e.CurrentStateID)
			if err != nil {
				return err
			}
			payload = payload.add("previous_state", nullStr(prev)).add("current_state", nullStr(cur))
			return nil
		}}
	case store.EventPatchDelegated:
		steps = []func() error{patch, func() error {
			prev, err := c.userOrNil(e.PreviousDelegateID)
			if err != nil {
				return err
			}
			cur, err := c.userOrNil(e.CurrentDelegateID)
			if err != nil {
				return err
			}
			payload = payload.add("previous_delegate", prev).add("current_delegate", cur)
			return nil
		}}
	case store.EventPatchRelationChanged:
		steps = []func() error{patch, func() error {
			payload = payload.add("previous_relation", nil).add("current_relation", nil)
			return nil
		}}
	case store.EventCheckCreated:
		steps = []func() error{patch, func() error {
			var v any
			if e.CheckID != 0 {
				ch, err := c.h.store.GetCheck(c.ctx, e.CheckID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				if ch != nil {
					v = c.embCheck(ch)
				}
			}
			payload = payload.add("check", v)
			return nil
		}}
	case store.EventSeriesCreated, store.EventSeriesCompleted:
		steps = []func() error{series}
	case store.EventCoverCommentCreated:
		steps = []func() error{cover, comment}
	case store.EventPatchCommentCreated:
		steps = []func() error{patch, comment}
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return obj{
		{"id", e.ID},
		{"category", e.Category},
		{"project", c.embProject(p)},
		{"date", jsonDate(e.Date)},
		{"actor", actor},
		{"payload", payload},
	}, nil
}
