package patch

import (
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/tui/common"
	replypage "github.com/patchwork-go/patchwork/tui/pages/reply"
)

// data is everything the patch view shows, read in one command.
type data struct {
	patch    *store.Patch
	row      store.PatchRow
	project  *store.Project
	states   []store.State
	tags     []store.Tag
	comments []store.Comment
	people   map[int64]store.Person
	checks   []store.Check
	series   *store.Series
	siblings []store.PatchRow // the patches of the series, in order
	versions []version        // other versions of this patch
	// The replies to the series' cover letter and the tags they give
	// every patch of the series.
	seriesComments []store.Comment
	seriesPeople   map[int64]store.Person
	coverTags      store.TagCounts
	sent           []replypage.Sent // mail sent from here the list has not carried back yet
}

// version is this patch's counterpart in another version of its series.
type version struct {
	series  store.Series
	patchID int64 // 0 when that version has no patch with this number
}

func fetch(c *common.Common, id int64) (*data, error) {
	// About ten queries, most of them independent: they run in rounds of
	// concurrent queries instead of one after another, so that when the
	// pool is busy an open waits for a connection a few times, not ten
	// (each waiting query held back the ones after it).
	s := c.Store
	d := &data{}
	g, ctx := errgroup.WithContext(c.Ctx)
	g.Go(func() (err error) {
		if d.patch, err = s.GetPatch(ctx, id); err != nil {
			return fmt.Errorf("patch %d: %w", id, err)
		}
		return nil
	})
	g.Go(func() error {
		rows, err := s.GetPatchRows(ctx, []int64{id})
		if err != nil || len(rows) == 0 {
			return fmt.Errorf("patch row %d: %w", id, err)
		}
		d.row = rows[0]
		return nil
	})
	g.Go(func() (err error) {
		if d.states, err = s.ListStates(ctx); err != nil {
			return fmt.Errorf("states: %w", err)
		}
		return nil
	})
	g.Go(func() (err error) {
		if d.tags, err = s.ListTags(ctx); err != nil {
			return fmt.Errorf("tags: %w", err)
		}
		return nil
	})
	g.Go(func() (err error) {
		if d.comments, err = s.ListComments(ctx, store.CommentQuery{PatchID: id, Order: "date"}); err != nil {
			return fmt.Errorf("comments of patch %d: %w", id, err)
		}
		return nil
	})
	g.Go(func() (err error) {
		if d.checks, err = s.UniqueChecks(ctx, id); err != nil {
			return fmt.Errorf("checks of patch %d: %w", id, err)
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	d.sent = replypage.Pending(c, service.ReplyTarget{PatchID: id})

	// What the patch and its comments point to.
	var vs []store.Series
	g, ctx2 := errgroup.WithContext(c.Ctx)
	g.Go(func() (err error) {
		if d.project, err = s.GetProject(ctx2, d.patch.ProjectID); err != nil {
			return fmt.Errorf("project of patch %d: %w", id, err)
		}
		return nil
	})
	g.Go(func() (err error) {
		pids := []int64{d.patch.SubmitterID}
		for _, cm := range d.comments {
			pids = append(pids, cm.SubmitterID)
		}
		if d.people, err = s.GetPeople(ctx2, pids); err != nil {
			return fmt.Errorf("people: %w", err)
		}
		return nil
	})
	if sid := d.patch.SeriesID; sid != 0 {
		g.Go(func() (err error) {
			if d.series, err = s.GetSeries(ctx2, sid); err != nil {
				return fmt.Errorf("series %d: %w", sid, err)
			}
			return nil
		})
		g.Go(func() (err error) {
			if d.siblings, err = s.SeriesPatches(ctx2, sid); err != nil {
				return fmt.Errorf("patches of series %d: %w", sid, err)
			}
			return nil
		})
		g.Go(func() (err error) {
			if vs, err = s.SeriesVersions(ctx2, sid); err != nil {
				return fmt.Errorf("versions of series %d: %w", sid, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if d.series == nil {
		return d, nil
	}
	if d.series.CoverID != 0 {
		var err error
		if d.seriesComments, d.seriesPeople, d.coverTags, err = c.CoverConversation(d.series.CoverID, d.tags); err != nil {
			return nil, err
		}
	}

	// The other versions' patches in one query: only their numbers count.
	var others []int64
	for _, v := range vs {
		if v.ID != d.series.ID {
			others = append(others, v.ID)
		}
	}
	numbered := map[int64]int64{} // series → its patch with this number
	if len(others) > 0 {
		ps, err := s.ListPatches(c.Ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldSeries, Ints: others}},
			Order: store.OrderDate, NoTags: true, NoChecks: true}) // the first by date, as the series lists it
		if err != nil {
			return nil, fmt.Errorf("patches of other versions of series %d: %w", d.series.ID, err)
		}
		for _, p := range ps {
			if _, ok := numbered[p.SeriesID]; !ok && p.Number == d.patch.Number {
				numbered[p.SeriesID] = p.ID
			}
		}
	}
	for _, v := range vs {
		if v.ID != d.series.ID {
			d.versions = append(d.versions, version{series: v, patchID: numbered[v.ID]})
		}
	}
	return d, nil
}
