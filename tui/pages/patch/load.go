package patch

import (
	"fmt"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui/common"
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
}

// version is this patch's counterpart in another version of its series.
type version struct {
	series  store.Series
	patchID int64 // 0 when that version has no patch with this number
}

type loadedMsg struct {
	gen int
	d   *data
	err error
}

func load(c *common.Common, id int64, gen int) tea.Cmd {
	return func() tea.Msg {
		d, err := fetch(c, id)
		return loadedMsg{gen: gen, d: d, err: err}
	}
}

// fetch reads the patch, then everything else it needs in parallel: a
// dozen reads one after the other are a dozen database round trips before
// the page shows, and opening a patch should take one frame.
func fetch(c *common.Common, id int64) (*data, error) {
	ctx, s := c.Ctx, c.Store
	d := &data{}
	var err error
	if d.patch, err = s.GetPatch(ctx, id); err != nil {
		return nil, fmt.Errorf("patch %d: %w", id, err)
	}
	var (
		wg   sync.WaitGroup
		errs [6]error // one per reader, reported in this order
	)
	read := func(i int, fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn()
		}()
	}
	read(0, func() error {
		rows, err := s.GetPatchRows(ctx, []int64{id})
		if err != nil || len(rows) == 0 {
			return fmt.Errorf("patch row %d: %w", id, err)
		}
		d.row = rows[0]
		return nil
	})
	read(1, func() (err error) {
		if d.project, err = s.GetProject(ctx, d.patch.ProjectID); err != nil {
			return fmt.Errorf("project of patch %d: %w", id, err)
		}
		return nil
	})
	read(2, func() (err error) {
		if d.states, err = s.ListStates(ctx); err != nil {
			return fmt.Errorf("states: %w", err)
		}
		if d.tags, err = s.ListTags(ctx); err != nil {
			return fmt.Errorf("tags: %w", err)
		}
		return nil
	})
	read(3, func() (err error) {
		if d.comments, err = s.ListComments(ctx, store.CommentQuery{PatchID: id, Order: "date"}); err != nil {
			return fmt.Errorf("comments of patch %d: %w", id, err)
		}
		pids := []int64{d.patch.SubmitterID}
		for _, cm := range d.comments {
			pids = append(pids, cm.SubmitterID)
		}
		if d.people, err = s.GetPeople(ctx, pids); err != nil {
			return fmt.Errorf("people: %w", err)
		}
		return nil
	})
	read(4, func() (err error) {
		if d.checks, err = s.UniqueChecks(ctx, id); err != nil {
			return fmt.Errorf("checks of patch %d: %w", id, err)
		}
		return nil
	})
	if d.patch.SeriesID != 0 {
		read(5, func() error { return fetchSeries(c, d) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return d, nil
}

// fetchSeries reads the patch's series, its patches and the same patch in
// the series' other versions.
func fetchSeries(c *common.Common, d *data) (err error) {
	ctx, s := c.Ctx, c.Store
	if d.series, err = s.GetSeries(ctx, d.patch.SeriesID); err != nil {
		return fmt.Errorf("series %d: %w", d.patch.SeriesID, err)
	}
	if d.siblings, err = s.SeriesPatches(ctx, d.series.ID); err != nil {
		return fmt.Errorf("patches of series %d: %w", d.series.ID, err)
	}
	vs, err := s.SeriesVersions(ctx, d.series.ID)
	if err != nil {
		return fmt.Errorf("versions of series %d: %w", d.series.ID, err)
	}
	for _, v := range vs {
		if v.ID == d.series.ID {
			continue
		}
		ps, err := s.SeriesPatches(ctx, v.ID)
		if err != nil {
			return fmt.Errorf("patches of series %d: %w", v.ID, err)
		}
		ver := version{series: v}
		for _, p := range ps {
			if p.Number == d.patch.Number {
				ver.patchID = p.ID
				break
			}
		}
		d.versions = append(d.versions, ver)
	}
	return nil
}
