package mailin

import (
	"context"
	"slices"

	"github.com/patchwork-go/patchwork/store"
)

// seriesRefs is what a transaction knows of one project's series
// references: every mail of a thread looks its ids up, and records them,
// which was two round trips per mail. The transaction holds the project's
// lock, and only holders of that lock record references, so what was read
// of an id stays true but for what this transaction adds itself: those
// additions are kept here and written when the transaction ends.
type seriesRefs struct {
	loaded  map[string]bool    // ids whose stored references were read
	byMsg   map[string][]int64 // series per id, in the order they recorded it
	pending []store.SeriesRef  // recorded by this transaction, not written yet
}

// refsOf is the transaction's knowledge of a project's references.
func (ts *txState) refsOf(projectID int64) *seriesRefs {
	r := ts.refs[projectID]
	if r == nil {
		r = &seriesRefs{loaded: map[string]bool{}, byMsg: map[string][]int64{}}
		ts.refs[projectID] = r
	}
	return r
}

// load reads the stored references of the ids not read yet, in one query
// per 200 ids. Only under the project's lock: references read before it
// could be outdated by the time it is taken.
func (r *seriesRefs) load(ctx context.Context, tx store.Store, projectID int64, ids []string) error {
	var missing []string
	for _, id := range ids {
		if !r.loaded[id] {
			r.loaded[id] = true
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	stored, err := tx.SeriesRefsIn(ctx, projectID, missing)
	if err != nil {
		for _, id := range missing {
			delete(r.loaded, id)
		}
		return err
	}
	for id, sids := range stored {
		// Read before any addition of this transaction: stored ones come first.
		r.byMsg[id] = append(sids, r.byMsg[id]...)
	}
	return nil
}

// takeStored takes in what SeriesRefsIn read of ids (under the project's
// lock), as load would have.
func (r *seriesRefs) takeStored(ids []string, stored map[string][]int64) {
	var missing []string
	for _, id := range ids {
		if !r.loaded[id] {
			r.loaded[id] = true
			missing = append(missing, id)
		}
	}
	for _, id := range missing {
		if sids, ok := stored[id]; ok {
			r.byMsg[id] = append(slices.Clone(sids), r.byMsg[id]...)
		}
	}
}

// seriesByRefs is every series that recorded each of the ids, in the
// order they recorded it (ids no series recorded are left out). The series
// themselves are read afresh: their counts change as patches join them.
func seriesByRefs(ctx context.Context, tx store.Store, ts *txState, projectID int64, ids []string) (map[string][]store.Series, error) {
	r := ts.refsOf(projectID)
	if err := r.load(ctx, tx, projectID, ids); err != nil {
		return nil, err
	}
	var sids []int64
	for _, id := range ids {
		sids = append(sids, r.byMsg[id]...)
	}
	out := map[string][]store.Series{}
	if len(sids) == 0 {
		return out, nil
	}
	rows, err := ts.seriesByIDs(ctx, tx, sids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, done := out[id]; done {
			continue
		}
		for _, sid := range r.byMsg[id] {
			if s, ok := rows[sid]; ok {
				out[id] = append(out[id], s)
			}
		}
	}
	return out, nil
}

// addRefs records the ids as references of the series, in the order
// given, unless the series has them already.
func addRefs(ctx context.Context, tx store.Store, ts *txState, projectID, seriesID int64, ids []string) error {
	r := ts.refsOf(projectID)
	// What is stored of the ids must be known first, or a series that
	// recorded one before would be missed by the lookups that follow.
	if err := r.load(ctx, tx, projectID, ids); err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.Contains(r.byMsg[id], seriesID) {
			r.byMsg[id] = append(r.byMsg[id], seriesID)
			r.pending = append(r.pending, store.SeriesRef{SeriesID: seriesID, MsgID: id})
		}
	}
	return nil
}

// flushRefs writes the references the transaction recorded.
func flushRefs(ctx context.Context, tx store.Store, ts *txState) error {
	for pid, r := range ts.refs {
		if len(r.pending) == 0 {
			continue
		}
		if err := tx.AddSeriesReferences(ctx, pid, r.pending); err != nil {
			return err
		}
		r.pending = nil
	}
	return nil
}
