package series

import (
	"fmt"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/tui/common"
	replypage "github.com/patchwork-go/patchwork/tui/pages/reply"
)

// data is what the series view shows, read in one command.
type data struct {
	series    *store.Series
	submitter store.Person
	cover     *store.Cover     // nil without a cover letter
	sent      []replypage.Sent // mail sent to the cover the list has not carried back yet
	patches   []store.PatchRow
	versions  []store.Series // the whole chain, oldest first
	states    []store.State
	tags      []store.Tag
	deps      []int64 // series this one depends on
	// The replies to the cover letter, their authors, and the tags they
	// give the whole series (counted on every patch).
	coverComments []store.Comment
	people        map[int64]store.Person
	coverTags     store.TagCounts
}

func fetch(c *common.Common, id int64) (*data, error) {
	ctx, s := c.Ctx, c.Store
	d := &data{}
	var err error
	if d.series, err = s.GetSeries(ctx, id); err != nil {
		return nil, fmt.Errorf("series %d: %w", id, err)
	}
	if p, err := s.GetPerson(ctx, d.series.SubmitterID); err == nil {
		d.submitter = *p
	}
	if d.series.CoverID != 0 {
		if d.cover, err = s.GetCover(ctx, d.series.CoverID); err != nil {
			return nil, fmt.Errorf("cover of series %d: %w", id, err)
		}
		d.sent = replypage.Pending(c, service.ReplyTarget{CoverID: d.cover.ID})
	}
	if d.patches, err = s.SeriesPatches(ctx, id); err != nil {
		return nil, fmt.Errorf("patches of series %d: %w", id, err)
	}
	if d.versions, err = s.SeriesVersions(ctx, id); err != nil {
		return nil, fmt.Errorf("versions of series %d: %w", id, err)
	}
	if d.deps, err = s.SeriesDependencies(ctx, id); err != nil {
		return nil, fmt.Errorf("dependencies of series %d: %w", id, err)
	}
	if d.states, err = s.ListStates(ctx); err != nil {
		return nil, fmt.Errorf("states: %w", err)
	}
	if d.tags, err = s.ListTags(ctx); err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	if d.cover != nil {
		if d.coverComments, d.people, d.coverTags, err = c.CoverConversation(d.cover.ID, d.tags); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// neighbour is the series before (older) or after (newer) this one in its
// version chain; nil when there is none.
func (d *data) neighbour(newer bool) *store.Series {
	for i, v := range d.versions {
		if v.ID != d.series.ID {
			continue
		}
		j := i - 1
		if newer {
			j = i + 1
		}
		if j >= 0 && j < len(d.versions) {
			return &d.versions[j]
		}
	}
	return nil
}
