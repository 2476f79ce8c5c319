package patch

import (
	"fmt"

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
	ctx, s := c.Ctx, c.Store
	d := &data{}
	var err error
	if d.patch, err = s.GetPatch(ctx, id); err != nil {
		return nil, fmt.Errorf("patch %d: %w", id, err)
	}
	rows, err := s.GetPatchRows(ctx, []int64{id})
	if err != nil || len(rows) == 0 {
		return nil, fmt.Errorf("patch row %d: %w", id, err)
	}
	d.row = rows[0]
	if d.project, err = s.GetProject(ctx, d.patch.ProjectID); err != nil {
		return nil, fmt.Errorf("project of patch %d: %w", id, err)
	}
	if d.states, err = s.ListStates(ctx); err != nil {
		return nil, fmt.Errorf("states: %w", err)
	}
	if d.tags, err = s.ListTags(ctx); err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	if d.comments, err = s.ListComments(ctx, store.CommentQuery{PatchID: id, Order: "date"}); err != nil {
		return nil, fmt.Errorf("comments of patch %d: %w", id, err)
	}
	pids := []int64{d.patch.SubmitterID}
	for _, cm := range d.comments {
		pids = append(pids, cm.SubmitterID)
	}
	if d.people, err = s.GetPeople(ctx, pids); err != nil {
		return nil, fmt.Errorf("people: %w", err)
	}
	if d.checks, err = s.UniqueChecks(ctx, id); err != nil {
		return nil, fmt.Errorf("checks of patch %d: %w", id, err)
	}
	d.sent = replypage.Pending(c, service.ReplyTarget{PatchID: id})
	if d.patch.SeriesID == 0 {
		return d, nil
	}
	if d.series, err = s.GetSeries(ctx, d.patch.SeriesID); err != nil {
		return nil, fmt.Errorf("series %d: %w", d.patch.SeriesID, err)
	}
	if d.series.CoverID != 0 {
		if d.seriesComments, d.seriesPeople, d.coverTags, err = c.CoverConversation(d.series.CoverID, d.tags); err != nil {
			return nil, err
		}
	}
	if d.siblings, err = s.SeriesPatches(ctx, d.series.ID); err != nil {
		return nil, fmt.Errorf("patches of series %d: %w", d.series.ID, err)
	}
	vs, err := s.SeriesVersions(ctx, d.series.ID)
	if err != nil {
		return nil, fmt.Errorf("versions of series %d: %w", d.series.ID, err)
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
		ps, err := s.ListPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldSeries, Ints: others}},
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
