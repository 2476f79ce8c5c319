package mailin

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

// seriesNames answers "this submitter's series with this base name" (how
// versions of a series find each other) for an archive batch without a
// query per series. When the batch locks a project, the names of its
// senders' series there are read at once, and the rows of those whose base
// name is one of its mails' go to the series rows cache; series the
// transaction creates or changes join them. A question about another
// submitter or name goes to the store. The project's lock keeps other
// writers out of its series.
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

// newSeriesNames starts what proj's batch may ask about: the base names
// of its mails' subjects, known before the project is locked.
func (ts *txState) newSeriesNames(proj *store.Project) *seriesNames {
	n := &seriesNames{bases: map[string]bool{}, subs: map[int64]bool{}, ids: map[int64]bool{}, fresh: len(ts.names) == 0}
	for _, m := range ts.mails {
		if b := baseName(cut255(ts.subject(proj, m).Name)); b != "" {
			n.bases[strings.ToLower(b)] = true
		}
	}
	return n
}

// know makes n the answer for proj's batch about the submitters subs.
func (ts *txState) know(proj *store.Project, n *seriesNames, subs []int64) {
	for _, id := range subs {
		n.subs[id] = true
	}
	ts.names[proj.ID] = n
}

// seriesNamesRead takes in the names of the submitters' series
// (SeriesNamesOf): the rows of those whose base name is one of the
// batch's are read.
func (ts *txState) seriesNamesRead(ctx context.Context, tx store.Store, n *seriesNames, names []store.SeriesName) error {
	var ids []int64
	for _, sn := range names {
		if n.bases[strings.ToLower(baseName(sn.Name))] {
			ids = append(ids, sn.ID)
			n.ids[sn.ID] = true
		}
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := ts.seriesByIDs(ctx, tx, ids)
	return err
}

// seriesNamed lists the project's series of the submitter whose base name
// is base (case-insensitive), by id, from the batch's rows where they
// cover the question.
func (ts *txState) seriesNamed(ctx context.Context, tx store.Store, projectID, submitterID int64, base string) ([]store.Series, error) {
	var out []store.Series
	n := ts.names[projectID]
	if n == nil || !(n.subs[submitterID] || n.fresh && ts.createdPeople[submitterID]) || !n.bases[strings.ToLower(base)] {
		all, err := tx.ListSeries(ctx, store.SeriesQuery{ProjectID: projectID, SubmitterID: []int64{submitterID}, NameLike: base})
		if err != nil {
			return nil, err
		}
		for _, s := range all {
			if strings.EqualFold(baseName(s.Name), base) {
				out = append(out, s)
			}
		}
		return out, nil
	}
	for id := range n.ids {
		s, err := ts.getSeries(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if s.ProjectID == projectID && s.SubmitterID == submitterID && strings.EqualFold(baseName(s.Name), base) {
			out = append(out, *s)
		}
	}
	slices.SortFunc(out, func(a, b store.Series) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// seriesChanged notes a series the transaction created or changed.
func (ts *txState) seriesChanged(s *store.Series) {
	if n := ts.names[s.ProjectID]; n != nil {
		n.ids[s.ID] = true
	}
}
