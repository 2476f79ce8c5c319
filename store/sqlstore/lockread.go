package sqlstore

import (
	"context"
	"fmt"

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
	if len(qs) == 0 {
		return out, nil
	}
	if err := s.readMany(ctx, qs); err != nil {
		return store.LockedReads{}, fmt.Errorf("lock project %d and read: %w", q.ProjectID, err)
	}
	return out, nil
}
