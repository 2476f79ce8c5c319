package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

const eventCols = `id, category, project_id, created, actor_id, patch_id, series_id, cover_id, comment_id, check_id,
	previous_state_id, current_state_id, previous_delegate_id, current_delegate_id, previous_relation_id, current_relation_id`

func scanEvent(r rowScanner) (store.Event, error) {
	var e store.Event
	err := r.Scan(&e.ID, &e.Category, &e.ProjectID, timeCol{&e.Date}, nullInt64{&e.ActorID}, nullInt64{&e.PatchID},
		nullInt64{&e.SeriesID}, nullInt64{&e.CoverID}, nullInt64{&e.CommentID}, nullInt64{&e.CheckID},
		nullInt64{&e.PreviousStateID}, nullInt64{&e.CurrentStateID}, nullInt64{&e.PreviousDelegateID},
		nullInt64{&e.CurrentDelegateID}, nullInt64{&e.PreviousRelationID}, nullInt64{&e.CurrentRelationID})
	return e, err
}

func scanEventRows(r *sql.Rows) (store.Event, error) { return scanEvent(r) }

// eventInsert is the INSERT of events up to VALUES; eventArgs gives one
// row's values for it (eventInsertCols of them).
const eventInsert = `INSERT INTO events (category, project_id, created, actor_id, patch_id, series_id, cover_id,
	comment_id, check_id, previous_state_id, current_state_id, previous_delegate_id, current_delegate_id,
	previous_relation_id, current_relation_id) VALUES `

const eventInsertCols = 15

// eventArgs checks an event, dates it now when undated and returns its
// row's values.
func eventArgs(e *store.Event) ([]any, error) {
	if e.Category == "" || e.ProjectID == 0 {
		return nil, fmt.Errorf("category and project are required: %w", store.ErrInvalid)
	}
	if e.Date.IsZero() {
		e.Date = time.Now()
	}
	e.Date = e.Date.UTC().Truncate(time.Microsecond)
	return []any{e.Category, e.ProjectID, e.Date, nullID(e.ActorID), nullID(e.PatchID), nullID(e.SeriesID),
		nullID(e.CoverID), nullID(e.CommentID), nullID(e.CheckID), nullID(e.PreviousStateID), nullID(e.CurrentStateID),
		nullID(e.PreviousDelegateID), nullID(e.CurrentDelegateID), nullID(e.PreviousRelationID), nullID(e.CurrentRelationID)}, nil
}

// CreateEvent appends to the event log (sets e.ID). Callers that change
// something call it in the same transaction as the change, so an event
// exists exactly when the change does.
func (s *Store) CreateEvent(ctx context.Context, e *store.Event) error {
	args, err := eventArgs(e)
	if err != nil {
		return fmt.Errorf("create event: %w", err)
	}
	id, err := s.insert(ctx, eventInsert+valuesRows(1, eventInsertCols), args...)
	if err != nil {
		return fmt.Errorf("create %s event: %w", e.Category, err)
	}
	e.ID = id
	return nil
}

// eventWhere renders the conditions of an event query.
func eventWhere(q store.EventQuery) ([]string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if q.ProjectID != 0 {
		add("project_id = ?", q.ProjectID)
	}
	if len(q.Categories) > 0 {
		cats := make([]any, len(q.Categories))
		for i, c := range q.Categories {
			cats[i] = c
		}
		add("category IN ("+placeholders(len(cats))+")", cats...)
	}
	if q.SeriesID != 0 {
		add("series_id = ?", q.SeriesID)
	}
	if q.PatchID != 0 {
		add("patch_id = ?", q.PatchID)
	}
	if q.CoverID != 0 {
		add("cover_id = ?", q.CoverID)
	}
	where, args = anyOf(where, args, "actor_id", q.ActorID)
	where, args = anyOf(where, args, "project_id", q.ProjectIDs)
	where, args = anyOf(where, args, "series_id", q.SeriesIDs)
	where, args = anyOf(where, args, "patch_id", q.PatchIDs)
	where, args = anyOf(where, args, "cover_id", q.CoverIDs)
	if !q.Since.IsZero() {
		add("created >= ?", q.Since)
	}
	if !q.Before.IsZero() {
		add("created < ?", q.Before)
	}
	if q.AfterID != 0 {
		add("id > ?", q.AfterID)
	}
	return where, args
}

// CountEvents counts what ListEvents would return without paging.
func (s *Store) CountEvents(ctx context.Context, q store.EventQuery) (int, error) {
	where, args := eventWhere(q)
	var n int
	if err := scanRow(s.queryRow(ctx, "SELECT COUNT(*) FROM events"+whereSQL(where), args...), &n); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}

// ListEvents selects events, newest first unless q.Asc.
func (s *Store) ListEvents(ctx context.Context, q store.EventQuery) ([]store.Event, error) {
	where, args := eventWhere(q)
	sqlq := "SELECT " + eventCols + " FROM events" + whereSQL(where)
	if q.Asc {
		sqlq += " ORDER BY created ASC, id ASC"
	} else {
		sqlq += " ORDER BY created DESC, id DESC"
	}
	sqlq += s.d.limit(q.Limit, q.Offset)
	out, err := collect(ctx, s, scanEventRows, sqlq, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return out, nil
}

// EventProjectsSince maps each project with events after afterID to its
// newest event id (a range of the primary key: cheap when few are new).
func (s *Store) EventProjectsSince(ctx context.Context, afterID int64) (map[int64]int64, error) {
	rows, err := s.query(ctx, "SELECT project_id, MAX(id) FROM events WHERE id > ? GROUP BY project_id", afterID)
	if err != nil {
		return nil, fmt.Errorf("event projects since %d: %w", afterID, err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var p, id int64
		if err := rows.Scan(&p, &id); err != nil {
			return nil, fmt.Errorf("event projects since %d: %w", afterID, mapErr(err))
		}
		out[p] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("event projects since %d: %w", afterID, mapErr(err))
	}
	return out, nil
}

// LatestEventID is the newest event id, 0 when the log is empty.
func (s *Store) LatestEventID(ctx context.Context) (int64, error) {
	var id int64
	if err := scanRow(s.queryRow(ctx, "SELECT MAX(id) FROM events"), nullInt64{&id}); err != nil {
		return 0, fmt.Errorf("latest event: %w", err)
	}
	return id, nil
}

// CreateEvents appends events in order, 100 rows per statement.
func (s *Store) CreateEvents(ctx context.Context, es []store.Event) error {
	for _, chunk := range chunks(es, 100) {
		args := make([]any, 0, eventInsertCols*len(chunk))
		for k := range chunk {
			a, err := eventArgs(&chunk[k])
			if err != nil {
				return fmt.Errorf("create events: %w", err)
			}
			args = append(args, a...)
		}
		if err := s.execWrite(ctx, eventInsert+valuesRows(len(chunk), eventInsertCols), args...); err != nil {
			return fmt.Errorf("create events: %w", err)
		}
	}
	return nil
}
