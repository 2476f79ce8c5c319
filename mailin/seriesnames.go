package mailin

import (
	"context"
	"slices"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

// seriesNames answers "this submitter's series whose name contains base"
// (how versions of a series find each other) for an archive batch without
// a query per series. When the batch locks a project, the series of its
// senders whose names contain any of its mails' base names are read at
// once into the series rows cache; series the transaction creates or
// changes join them. A question about another submitter or name goes to
// the store. The project's lock keeps other writers out of its series.
type seriesNames struct {
	bases map[string]bool // lower-cased base names read
	subs  map[int64]bool  // submitters whose series were read
	ids   map[int64]bool  // series read, created or changed here
	// fresh: people this transaction creates have no series here yet.
	// True for the first project it locks: the people it found missing
	// were missing after that lock, so only its holder gave them series.
	// (A later project's series could come from another writer that
	// created such a person in between.)
	fresh bool
}

// loadSeriesNames reads what proj's batch may ask about.
func (ts *txState) loadSeriesNames(ctx context.Context, tx store.Store, proj *store.Project, subs []int64) error {
	n := &seriesNames{bases: map[string]bool{}, subs: map[int64]bool{}, ids: map[int64]bool{}, fresh: len(ts.names) == 0}
	ts.names[proj.ID] = n
	var bases []string
	for _, m := range ts.mails {
		b := baseName(cut255(ParseSubject(m.RawSubject, proj.LinkName).Name))
		if k := strings.ToLower(b); b != "" && !n.bases[k] {
			n.bases[k] = true
			bases = append(bases, b)
		}
	}
	for _, id := range subs {
		n.subs[id] = true
	}
	if len(bases) == 0 || len(subs) == 0 {
		return nil
	}
	rows, err := tx.ListSeries(ctx, store.SeriesQuery{ProjectID: proj.ID, SubmitterID: slices.Compact(slices.Sorted(slices.Values(subs))), NamesLike: bases})
	if err != nil {
		return err
	}
	for _, r := range rows {
		n.ids[r.ID] = true
		if _, ok := ts.series[r.ID]; !ok {
			ts.series[r.ID] = r
		}
	}
	return nil
}

// seriesNamed is ListSeries by project, submitter and name substring,
// answered from the batch's rows where they cover the question.
func (ts *txState) seriesNamed(ctx context.Context, tx store.Store, projectID, submitterID int64, base string) ([]store.Series, error) {
	n := ts.names[projectID]
	if n == nil || !(n.subs[submitterID] || n.fresh && ts.createdPeople[submitterID]) || !n.bases[strings.ToLower(base)] {
		return tx.ListSeries(ctx, store.SeriesQuery{ProjectID: projectID, SubmitterID: []int64{submitterID}, NameLike: base})
	}
	lower := strings.ToLower(base)
	var out []store.Series
	for id := range n.ids {
		s, err := ts.getSeries(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if s.ProjectID == projectID && s.SubmitterID == submitterID && strings.Contains(strings.ToLower(s.Name), lower) {
			out = append(out, *s)
		}
	}
	slices.SortFunc(out, func(a, b store.Series) int { return int(a.ID - b.ID) })
	return out, nil
}

// seriesChanged notes a series the transaction created or changed.
func (ts *txState) seriesChanged(s *store.Series) {
	if n := ts.names[s.ProjectID]; n != nil {
		n.ids[s.ID] = true
	}
}
