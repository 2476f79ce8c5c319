package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

const patchCols = `p.id, p.project_id, p.msgid, p.name, p.msg_date, p.submitter_id, p.headers, p.content,
	p.diff, p.pull_url, p.hash, p.state_id, p.archived, p.delegate_id, p.commit_ref, p.series_id,
	p.number, p.related_id`

func scanPatch(r rowScanner) (store.Patch, error) {
	var p store.Patch
	err := r.Scan(&p.ID, &p.ProjectID, &p.MsgID, &p.Name, timeCol{&p.Date}, &p.SubmitterID,
		nullStr{&p.Headers}, nullStr{&p.Content}, nullStr{&p.Diff}, nullStr{&p.PullURL}, nullStr{&p.Hash},
		&p.StateID, &p.Archived, nullInt64{&p.DelegateID}, nullStr{&p.CommitRef}, nullInt64{&p.SeriesID},
		&p.Number, nullInt64{&p.RelatedID})
	return p, err
}

func scanPatchRows(r *sql.Rows) (store.Patch, error) { return scanPatch(r) }

// CreatePatch inserts a patch and its tag counts in one transaction.
//
// Series.ReceivedTotal is not stored: it is counted from the patches when a
// series is read (an indexed count), so it can never drift.
func (s *Store) CreatePatch(ctx context.Context, p *store.Patch, tags store.TagCounts) error {
	if p.StateID == 0 {
		states, err := s.states(ctx)
		if err != nil {
			return fmt.Errorf("create patch: %w", err)
		}
		if len(states) == 0 {
			return fmt.Errorf("create patch: no states (database not migrated?): %w", store.ErrUnavailable)
		}
		p.StateID = states[0].ID
	}
	if p.Date.IsZero() {
		p.Date = time.Now()
	}
	p.Date = p.Date.UTC().Truncate(time.Microsecond)
	p.Hash = strings.ToLower(p.Hash)
	return s.write(ctx, func(tx *Store) error {
		id, err := tx.insert(ctx, `INSERT INTO patches (project_id, msgid, name, msg_date, submitter_id,
			headers, content, diff, pull_url, hash, state_id, archived, delegate_id, commit_ref,
			series_id, number, related_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ProjectID, p.MsgID, p.Name, p.Date, p.SubmitterID, p.Headers, p.Content,
			nullString(p.Diff), nullString(p.PullURL), nullString(p.Hash), p.StateID, p.Archived,
			nullID(p.DelegateID), nullString(p.CommitRef), nullID(p.SeriesID), p.Number, nullID(p.RelatedID))
		if err != nil {
			return fmt.Errorf("create patch %s: %w", p.MsgID, err)
		}
		p.ID = id
		if err := tx.addPatchFiles(ctx, map[int64]string{id: p.Diff}); err != nil {
			return fmt.Errorf("create patch %s: %w", p.MsgID, err)
		}
		return tx.AddTagCounts(ctx, id, tags)
	})
}

// addPatchFiles stores the paths each patch's diff touches (the file:
// filter's rows), a hundred rows per statement.
func (s *Store) addPatchFiles(ctx context.Context, diffs map[int64]string) error {
	type row struct {
		patch int64
		path  string
	}
	var rows []row
	for _, id := range slices.Sorted(maps.Keys(diffs)) {
		for _, path := range store.DiffPaths(diffs[id]) {
			rows = append(rows, row{id, path})
		}
	}
	for _, chunk := range chunks(rows, 100) {
		args := make([]any, 0, 2*len(chunk))
		for _, r := range chunk {
			args = append(args, r.patch, r.path)
		}
		if err := s.execWrite(ctx, "INSERT INTO patch_files (patch_id, path) VALUES "+valuesRows(len(chunk), 2), args...); err != nil {
			return fmt.Errorf("paths of the diffs: %w", err)
		}
	}
	return nil
}

// GetPatch returns a patch by id.
func (s *Store) GetPatch(ctx context.Context, id int64) (*store.Patch, error) {
	p, err := scanPatch(s.queryRow(ctx, "SELECT "+patchCols+" FROM patches p WHERE p.id = ?", id))
	if err != nil {
		return nil, fmt.Errorf("get patch %d: %w", id, mapErr(err))
	}
	return &p, nil
}

// GetPatchByMsgID returns a project's patch by message id.
func (s *Store) GetPatchByMsgID(ctx context.Context, projectID int64, msgid string) (*store.Patch, error) {
	p, err := scanPatch(s.queryRow(ctx, "SELECT "+patchCols+" FROM patches p WHERE p.project_id = ? AND p.msgid = ?", projectID, msgid))
	if err != nil {
		return nil, fmt.Errorf("get patch %s: %w", msgid, mapErr(err))
	}
	return &p, nil
}

// FindPatchesByMsgID returns the patches with that message id in every
// project, by id.
func (s *Store) FindPatchesByMsgID(ctx context.Context, msgid string) ([]store.Patch, error) {
	out, err := collect(ctx, s, scanPatchRows, "SELECT "+patchCols+" FROM patches p WHERE p.msgid = ? ORDER BY p.id", msgid)
	if err != nil {
		return nil, fmt.Errorf("find patches %s: %w", msgid, err)
	}
	return out, nil
}

// GetPatchesByHash returns the project's patches with that hash, newest first.
// The unary + keeps SQLite, which has no statistics unless ANALYZE ran,
// from walking the project's date index to avoid a sort: the hash index
// finds the one or two rows at once.
func (s *Store) GetPatchesByHash(ctx context.Context, projectID int64, hash string) ([]store.Patch, error) {
	out, err := collect(ctx, s, scanPatchRows, "SELECT "+patchCols+
		" FROM patches p WHERE p.hash = ? AND +p.project_id = ? ORDER BY p.msg_date DESC, p.id DESC",
		strings.ToLower(hash), projectID)
	if err != nil {
		return nil, fmt.Errorf("patches by hash %s: %w", hash, err)
	}
	return out, nil
}

// CountByState counts a project's patches per state.
func (s *Store) CountByState(ctx context.Context, projectID int64, archived *bool) (map[int64]int, error) {
	q := "SELECT state_id, COUNT(*) FROM patches WHERE project_id = ?"
	args := []any{projectID}
	if archived != nil {
		q += " AND archived = ?"
		args = append(args, *archived)
	}
	rows, err := s.query(ctx, q+" GROUP BY state_id", args...)
	if err != nil {
		return nil, fmt.Errorf("count by state: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("count by state: %w", err)
		}
		out[id] = n
	}
	return out, mapErr(rows.Err())
}

// UpdatePatch applies u, records events and queues a notification, all in
// one transaction.
func (s *Store) UpdatePatch(ctx context.Context, id int64, u store.PatchUpdate, actorID int64) (*store.Patch, error) {
	var out *store.Patch
	err := s.write(ctx, func(tx *Store) error {
		old, err := scanPatch(tx.queryRow(ctx, "SELECT "+patchCols+" FROM patches p WHERE p.id = ?"+tx.d.forUpdate(), id))
		if err != nil {
			return mapErr(err)
		}
		where, wargs, fresh := expectClause(u.Expect, &old)
		if !fresh {
			return store.ErrStale
		}
		var sets []string
		var args []any
		stateChanged := u.StateID != nil && *u.StateID != old.StateID
		delegateChanged := u.DelegateID != nil && *u.DelegateID != old.DelegateID
		if stateChanged {
			sets, args = append(sets, "state_id = ?"), append(args, *u.StateID)
		}
		if delegateChanged {
			sets, args = append(sets, "delegate_id = ?"), append(args, nullID(*u.DelegateID))
		}
		if u.Archived != nil && *u.Archived != old.Archived {
			sets, args = append(sets, "archived = ?"), append(args, *u.Archived)
		}
		if u.CommitRef != nil && *u.CommitRef != old.CommitRef {
			sets, args = append(sets, "commit_ref = ?"), append(args, nullString(*u.CommitRef))
		}
		if u.PullURL != nil && *u.PullURL != old.PullURL {
			sets, args = append(sets, "pull_url = ?"), append(args, nullString(*u.PullURL))
		}
		if u.Name != nil && *u.Name != old.Name {
			sets, args = append(sets, "name = ?"), append(args, *u.Name)
		}
		if len(sets) > 0 {
			res, err := tx.exec(ctx, "UPDATE patches SET "+strings.Join(sets, ", ")+" WHERE id = ?"+where, append(append(args, id), wargs...)...)
			if err != nil {
				return err
			}
			if where != "" {
				// The row is locked since it was read; the condition is
				// the guarantee on a store that cannot lock it.
				if n, err := res.RowsAffected(); err != nil {
					return mapErr(err)
				} else if n == 0 {
					return store.ErrStale
				}
			}
		}
		// Changes besides state and delegate (which have events of their own).
		otherChanged := len(sets) > btoi(stateChanged)+btoi(delegateChanged)
		now := time.Now().UTC()
		if stateChanged {
			if err := tx.CreateEvent(ctx, &store.Event{Category: store.EventPatchStateChanged,
				ProjectID: old.ProjectID, Date: now, ActorID: actorID, PatchID: id,
				PreviousStateID: old.StateID, CurrentStateID: *u.StateID}); err != nil {
				return err
			}
			var notify bool
			if err := scanRow(tx.queryRow(ctx, "SELECT send_notifications FROM projects WHERE id = ?", old.ProjectID), &notify); err != nil {
				return err
			}
			if notify {
				// The original state stays that of the first unsent change.
				if _, err := tx.exec(ctx, "INSERT INTO notifications (patch_id, orig_state_id, last_modified) VALUES (?, ?, ?)"+
					tx.d.onConflict("patch_id", "last_modified"), id, old.StateID, now); err != nil {
					return err
				}
			}
		}
		if otherChanged {
			if err := tx.CreateEvent(ctx, &store.Event{Category: store.EventPatchUpdated,
				ProjectID: old.ProjectID, Date: now, ActorID: actorID, PatchID: id}); err != nil {
				return err
			}
		}
		if delegateChanged {
			if err := tx.CreateEvent(ctx, &store.Event{Category: store.EventPatchDelegated,
				ProjectID: old.ProjectID, Date: now, ActorID: actorID, PatchID: id,
				PreviousDelegateID: old.DelegateID, CurrentDelegateID: *u.DelegateID}); err != nil {
				return err
			}
		}
		out, err = tx.GetPatch(ctx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update patch %d: %w", id, err)
	}
	return out, nil
}

// expectClause is the WHERE condition of a conditional update (" AND ..."
// with its arguments), and whether the row as read already meets it.
func expectClause(e store.PatchExpect, old *store.Patch) (string, []any, bool) {
	var conds []string
	var args []any
	fresh := true
	if e.StateID != nil {
		conds, args = append(conds, "state_id = ?"), append(args, *e.StateID)
		fresh = fresh && old.StateID == *e.StateID
	}
	if e.DelegateID != nil {
		if *e.DelegateID == 0 {
			conds = append(conds, "delegate_id IS NULL")
		} else {
			conds, args = append(conds, "delegate_id = ?"), append(args, *e.DelegateID)
		}
		fresh = fresh && old.DelegateID == *e.DelegateID
	}
	if e.Archived != nil {
		conds, args = append(conds, "archived = ?"), append(args, *e.Archived)
		fresh = fresh && old.Archived == *e.Archived
	}
	if e.CommitRef != nil {
		if *e.CommitRef == "" {
			conds = append(conds, "(commit_ref IS NULL OR commit_ref = '')")
		} else {
			conds, args = append(conds, "commit_ref = ?"), append(args, *e.CommitRef)
		}
		fresh = fresh && old.CommitRef == *e.CommitRef
	}
	if len(conds) == 0 {
		return "", nil, true
	}
	return " AND " + strings.Join(conds, " AND "), args, fresh
}

// SetRelated puts the patches in one new relation, or takes a single patch
// out of its relation. Relations left with fewer than two patches dissolve.
// Every patch whose relation changes gets a patch-relation-changed event;
// as upstream, only ids[0]'s (the patch the request edited) names the
// actor, and it is written last: upstream saves the other patches first,
// without the request's user.
func (s *Store) SetRelated(ctx context.Context, ids []int64, actorID int64) error {
	ids = uniq(ids)
	if len(ids) == 0 {
		return fmt.Errorf("set related: no patches: %w", store.ErrInvalid)
	}
	err := s.write(ctx, func(tx *Store) error {
		type member struct{ project, related int64 }
		cur := map[int64]member{}
		rows, err := tx.query(ctx, "SELECT id, project_id, related_id FROM patches WHERE id IN ("+placeholders(len(ids))+")"+tx.d.forUpdate(), argsOf(ids)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var m member
			if err := rows.Scan(&id, &m.project, nullInt64{&m.related}); err != nil {
				rows.Close()
				return mapErr(err)
			}
			cur[id] = m
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return mapErr(err)
		}
		for _, id := range ids {
			if _, ok := cur[id]; !ok {
				return fmt.Errorf("patch %d: %w", id, store.ErrNotFound)
			}
		}
		now := time.Now().UTC()
		var edited *store.Event
		event := func(id, project, prev, next int64) error {
			e := &store.Event{Category: store.EventPatchRelationChanged,
				ProjectID: project, Date: now, PatchID: id,
				PreviousRelationID: prev, CurrentRelationID: next}
			if id == ids[0] {
				e.ActorID, edited = actorID, e
				return nil
			}
			return tx.CreateEvent(ctx, e)
		}
		var newRel int64
		if len(ids) > 1 {
			if newRel, err = tx.insert(ctx, "INSERT INTO patch_relations (created) VALUES (?)", now); err != nil {
				return err
			}
		}
		old := map[int64]bool{}
		for _, id := range ids {
			m := cur[id]
			if m.related == newRel {
				continue
			}
			if _, err := tx.exec(ctx, "UPDATE patches SET related_id = ? WHERE id = ?", nullID(newRel), id); err != nil {
				return err
			}
			if err := event(id, m.project, m.related, newRel); err != nil {
				return err
			}
			if m.related != 0 {
				old[m.related] = true
			}
		}
		// Dissolve the relations that lost members and have one left.
		for rel := range old {
			left, err := collect(ctx, tx, func(r *sql.Rows) ([2]int64, error) {
				var v [2]int64
				err := r.Scan(&v[0], &v[1])
				return v, err
			}, "SELECT id, project_id FROM patches WHERE related_id = ?", rel)
			if err != nil {
				return err
			}
			if len(left) >= 2 {
				continue
			}
			for _, l := range left {
				if _, err := tx.exec(ctx, "UPDATE patches SET related_id = NULL WHERE id = ?", l[0]); err != nil {
					return err
				}
				if err := event(l[0], l[1], rel, 0); err != nil {
					return err
				}
			}
			if _, err := tx.exec(ctx, "DELETE FROM patch_relations WHERE id = ?", rel); err != nil {
				return err
			}
		}
		if edited != nil {
			return tx.CreateEvent(ctx, edited)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set related %v: %w", ids, err)
	}
	return nil
}

// RelatedPatches returns the other patches of the patch's relation, by id.
func (s *Store) RelatedPatches(ctx context.Context, patchID int64) ([]store.PatchRow, error) {
	var rel int64
	if err := scanRow(s.queryRow(ctx, "SELECT related_id FROM patches WHERE id = ?", patchID), nullInt64{&rel}); err != nil {
		return nil, fmt.Errorf("related patches of %d: %w", patchID, err)
	}
	if rel == 0 {
		return nil, nil
	}
	ids, err := collect(ctx, s, scanInt64, "SELECT id FROM patches WHERE related_id = ? AND id <> ? ORDER BY id", rel, patchID)
	if err != nil {
		return nil, fmt.Errorf("related patches of %d: %w", patchID, err)
	}
	return s.GetPatchRows(ctx, ids)
}

// GetTagCounts returns a patch's non-zero tag counts.
func (s *Store) GetTagCounts(ctx context.Context, patchID int64) (store.TagCounts, error) {
	m, err := s.tagCounts(ctx, []int64{patchID})
	if err != nil {
		return nil, fmt.Errorf("tag counts of patch %d: %w", patchID, err)
	}
	if m[patchID] == nil {
		return store.TagCounts{}, nil
	}
	return m[patchID], nil
}

// AddTagCounts adds to a patch's tag counts, in one statement.
func (s *Store) AddTagCounts(ctx context.Context, patchID int64, tags store.TagCounts) error {
	return s.AddTagCountsMany(ctx, map[int64]store.TagCounts{patchID: tags})
}

// AddTagCountsMany adds to many patches' tag counts, a hundred rows per
// statement: an import counts tags on a third of its mails.
func (s *Store) AddTagCountsMany(ctx context.Context, counts map[int64]store.TagCounts) error {
	type row struct{ patch, tag int64 }
	var rows []row
	for patch, tags := range counts {
		for tag, n := range tags {
			if n != 0 {
				rows = append(rows, row{patch, tag})
			}
		}
	}
	// Sorted: one query text per number of rows, and concurrent imports
	// take the rows' locks in one order.
	slices.SortFunc(rows, func(a, b row) int {
		if a.patch != b.patch {
			return cmp.Compare(a.patch, b.patch)
		}
		return cmp.Compare(a.tag, b.tag)
	})
	for _, chunk := range chunks(rows, 100) {
		args := make([]any, 0, 3*len(chunk))
		for _, r := range chunk {
			args = append(args, r.patch, r.tag, counts[r.patch][r.tag])
		}
		err := s.execWrite(ctx, "INSERT INTO patch_tags (patch_id, tag_id, num) VALUES "+valuesRows(len(chunk), 3)+
			s.d.onConflictAdd("patch_id, tag_id", "patch_tags", "num"), args...)
		if err != nil {
			return fmt.Errorf("add tag counts to patches %d..%d: %w", chunk[0].patch, chunk[len(chunk)-1].patch, err)
		}
	}
	return nil
}

// tagCounts fetches the counts of many patches in one query.
func (s *Store) tagCounts(ctx context.Context, ids []int64) (map[int64]store.TagCounts, error) {
	out := map[int64]store.TagCounts{}
	for _, chunk := range chunks(uniq(ids), 500) {
		rows, err := s.query(ctx, "SELECT patch_id, tag_id, num FROM patch_tags WHERE patch_id IN ("+
			placeholders(len(chunk))+") AND num <> 0", argsOf(chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var pid, tid int64
			var n int
			if err := rows.Scan(&pid, &tid, &n); err != nil {
				rows.Close()
				return nil, mapErr(err)
			}
			if out[pid] == nil {
				out[pid] = store.TagCounts{}
			}
			out[pid][tid] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapErr(err)
		}
	}
	return out, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// MsgIDOwners tells, for each of msgids, which of the project's patch,
// cover and newest comment carry it (an archive import learns a batch's
// duplicates and the parents of its replies at once). Ids the project does
// not hold are absent.
func (s *Store) MsgIDOwners(ctx context.Context, projectID int64, msgids []string) (map[string]store.MsgIDOwner, error) {
	out := map[string]store.MsgIDOwner{}
	if err := s.readMany(ctx, s.ownersReads(projectID, msgids, out)); err != nil {
		return nil, fmt.Errorf("owners of message ids: %w", err)
	}
	return out, nil
}

// ownersReads are MsgIDOwners' reads, filling out.
func (s *Store) ownersReads(projectID int64, msgids []string, out map[string]store.MsgIDOwner) []readQuery {
	var qs []readQuery
	for _, chunk := range chunks(uniq(msgids), 200) {
		// The three tables in one statement.
		in, inArgs := inList(s.d, "msgid", chunk)
		args := append([]any{projectID}, inArgs...)
		qs = append(qs, readQuery{
			q: "SELECT 1, msgid, id, 0, 0, msg_date FROM patches WHERE project_id = ? AND " + in +
				" UNION ALL SELECT 2, msgid, id, 0, 0, msg_date FROM covers WHERE project_id = ? AND " + in +
				" UNION ALL SELECT 3, msgid, id, COALESCE(patch_id, 0), COALESCE(cover_id, 0), msg_date FROM comments WHERE project_id = ? AND " + in,
			args: append(append(args, args...), args...),
			scan: func(r rowScanner) error {
				var kind int
				var msgid string
				var id, patchID, coverID int64
				var date time.Time
				if err := r.Scan(&kind, &msgid, &id, &patchID, &coverID, timeCol{&date}); err != nil {
					return err
				}
				o := out[msgid]
				switch kind {
				case 1:
					o.PatchID = id
				case 2:
					o.CoverID = id
				default:
					o.AddComment(id, patchID, coverID, date)
				}
				out[msgid] = o
				return nil
			},
		})
	}
	return qs
}
