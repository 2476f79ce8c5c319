package mailin

import (
	"context"

	"github.com/patchwork-go/patchwork/store"
)

// The series rows a transaction read or wrote are kept, up to date, in
// txState.series: every patch of a thread reads its series again, which
// was a third of an archive import's statements. The transaction holds
// the project's lock, so only its own writes change the rows, and they all
// pass through here: CreateSeries, UpdateSeries and patches joining
// (ReceivedTotal). NextID depends on other rows' links: entries it may
// have changed are dropped and read again when needed.

// getSeries is tx.GetSeries through the cache.
func (ts *txState) getSeries(ctx context.Context, tx store.Store, id int64) (*store.Series, error) {
	if s, ok := ts.series[id]; ok {
		return &s, nil
	}
	s, err := tx.GetSeries(ctx, id)
	if err != nil {
		return nil, err
	}
	ts.series[id] = *s
	return s, nil
}

// seriesByIDs is tx.GetSeriesByIDs through the cache.
func (ts *txState) seriesByIDs(ctx context.Context, tx store.Store, ids []int64) (map[int64]store.Series, error) {
	out := make(map[int64]store.Series, len(ids))
	var missing []int64
	for _, id := range ids {
		if s, ok := ts.series[id]; ok {
			out[id] = s
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	read, err := tx.GetSeriesByIDs(ctx, missing)
	if err != nil {
		return nil, err
	}
	for id, s := range read {
		ts.series[id] = s
		out[id] = s
	}
	return out, nil
}

// createSeries is tx.CreateSeries, remembering the new row.
func (ts *txState) createSeries(ctx context.Context, tx store.Store, s *store.Series) error {
	if err := tx.CreateSeries(ctx, s); err != nil {
		return err
	}
	ts.linkChanged(s.ID, s.PreviousID)
	ts.seriesChanged(s)
	c := *s
	c.ReceivedTotal, c.NextID = 0, 0
	ts.series[s.ID] = c
	return nil
}

// updateSeries is tx.UpdateSeries, applying the written columns to the
// remembered row (whose counts may be newer than the caller's copy).
func (ts *txState) updateSeries(ctx context.Context, tx store.Store, s *store.Series) error {
	if err := tx.UpdateSeries(ctx, s); err != nil {
		return err
	}
	ts.linkChanged(s.ID, s.PreviousID)
	ts.seriesChanged(s)
	if c, ok := ts.series[s.ID]; ok {
		c.Name, c.Version, c.Total, c.CoverID, c.PreviousID = s.Name, s.Version, s.Total, s.CoverID, s.PreviousID
		ts.series[s.ID] = c
	}
	return nil
}

// linkChanged drops the rows whose NextID a change of id's previous
// version may change: the new previous one, and any that had id as next.
func (ts *txState) linkChanged(id, previousID int64) {
	if previousID != 0 {
		delete(ts.series, previousID)
	}
	for k, c := range ts.series {
		if c.NextID == id {
			delete(ts.series, k)
		}
	}
}

// patchJoined counts a patch stored in the series.
func (ts *txState) patchJoined(seriesID int64) {
	if c, ok := ts.series[seriesID]; ok {
		c.ReceivedTotal++
		ts.series[seriesID] = c
	}
}
