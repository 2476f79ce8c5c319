package sqlstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/patchwork-go/patchwork/store"
)

var _ store.LockReader = (*Store)(nil)

// LockAndRead takes the project's lock and reads what q asks in the same
// round trip (see readMany): the statements run in order, so every read
// runs once the lock is held.
func (s *Store) LockAndRead(ctx context.Context, q store.LockRead) (store.LockedReads, error) {
	out := store.LockedReads{Owners: map[string]store.MsgIDOwner{}, Refs: map[string][]int64{}, People: map[string]store.Person{}}
	var qs []readQuery
	if s.tx != nil && s.d.name != "sqlite" {
		qs = append(qs, readQuery{q: "SELECT id FROM projects WHERE id = ?" + s.d.forUpdate(), args: []any{q.ProjectID},
			scan: func(r rowScanner) error { var id int64; return r.Scan(&id) }})
	}
	if q.Held {
		qs = append(qs, readQuery{q: heldQuery, args: []any{q.ProjectID}, scan: func(r rowScanner) error {
			var n int
			err := r.Scan(&n)
			out.Held = n > 0
			return err
		}})
	}
	qs = append(qs, s.ownersReads(q.ProjectID, q.MsgIDs, out.Owners)...)
	qs = append(qs, s.refsReads(q.ProjectID, q.MsgIDs, out.Refs)...)
	qs = append(qs, s.peopleReads(q.Emails, out.People)...)
	for _, chunk := range emailKeys(q.SeriesOf) {
		in, inArgs := s.emailIn(chunk)
		qs = append(qs, seriesNamesRead(q.ProjectID, "submitter_id IN (SELECT id FROM people WHERE "+in+")", inArgs, &out.SeriesNames))
	}
	if q.RefSeries {
		out.Series, out.Numbers = map[int64]store.Series{}, map[int64][]int{}
		for _, chunk := range chunks(uniq(q.MsgIDs), 200) {
			in, inArgs := inList(s.d, "r.msgid", chunk)
			recorded := "(SELECT r.series_id FROM series_references r WHERE r.project_id = ? AND " + in + ")"
			args := append([]any{q.ProjectID}, inArgs...)
			qs = append(qs, readQuery{q: "SELECT " + seriesCols + " FROM series s WHERE s.id IN " + recorded, args: args,
				scan: func(r rowScanner) error {
					x, err := scanSeries(r)
					out.Series[x.ID] = x
					if _, ok := out.Numbers[x.ID]; !ok {
						out.Numbers[x.ID] = nil // SeriesNumbers of a series without patches
					}
					return err
				}},
				readQuery{q: "SELECT DISTINCT p.series_id, p.number FROM patches p WHERE p.series_id IN " + recorded +
					" ORDER BY p.series_id, p.number", args: slices.Clone(args),
					scan: func(r rowScanner) error {
						var sid int64
						var n int
						err := r.Scan(&sid, &n)
						out.Numbers[sid] = append(out.Numbers[sid], n)
						return err
					}})
		}
	}
	if len(qs) == 0 {
		return out, nil
	}
	if err := s.readMany(ctx, qs); err != nil {
		return store.LockedReads{}, fmt.Errorf("lock project %d and read: %w", q.ProjectID, err)
	}
	return out, nil
}
