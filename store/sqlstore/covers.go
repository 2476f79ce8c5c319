package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

const coverCols = "id, project_id, msgid, name, msg_date, submitter_id, headers, content, series_id"

func scanCover(r rowScanner) (store.Cover, error) {
	var c store.Cover
	err := r.Scan(&c.ID, &c.ProjectID, &c.MsgID, &c.Name, timeCol{&c.Date}, &c.SubmitterID,
		nullStr{&c.Headers}, nullStr{&c.Content}, nullInt64{&c.SeriesID})
	return c, err
}

func scanCoverRows(r *sql.Rows) (store.Cover, error) { return scanCover(r) }

// CreateCover inserts a cover letter and sets c.ID.
func (s *Store) CreateCover(ctx context.Context, c *store.Cover) error {
	if c.Date.IsZero() {
		c.Date = time.Now()
	}
	c.Date = c.Date.UTC().Truncate(time.Microsecond)
	id, err := s.insert(ctx, `INSERT INTO covers (project_id, msgid, name, msg_date, submitter_id, headers, content, series_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ProjectID, c.MsgID, c.Name, c.Date, c.SubmitterID, c.Headers, c.Content, nullID(c.SeriesID))
	if err != nil {
		return fmt.Errorf("create cover %s: %w", c.MsgID, err)
	}
	c.ID = id
	return nil
}

// GetCover returns a cover by id.
func (s *Store) GetCover(ctx context.Context, id int64) (*store.Cover, error) {
	c, err := scanCover(s.queryRow(ctx, "SELECT "+coverCols+" FROM covers WHERE id = ?", id))
	if err != nil {
		return nil, fmt.Errorf("get cover %d: %w", id, mapErr(err))
	}
	return &c, nil
}

// GetCoverByMsgID returns a project's cover by message id.
func (s *Store) GetCoverByMsgID(ctx context.Context, projectID int64, msgid string) (*store.Cover, error) {
	c, err := scanCover(s.queryRow(ctx, "SELECT "+coverCols+" FROM covers WHERE project_id = ? AND msgid = ?", projectID, msgid))
	if err != nil {
		return nil, fmt.Errorf("get cover %s: %w", msgid, mapErr(err))
	}
	return &c, nil
}

// FindCoversByMsgID returns the covers with that message id in every project.
func (s *Store) FindCoversByMsgID(ctx context.Context, msgid string) ([]store.Cover, error) {
	out, err := collect(ctx, s, scanCoverRows, "SELECT "+coverCols+" FROM covers WHERE msgid = ? ORDER BY id", msgid)
	if err != nil {
		return nil, fmt.Errorf("find covers %s: %w", msgid, err)
	}
	return out, nil
}

// coverWhere renders the conditions of a cover query.
func coverWhere(q store.CoverQuery) ([]string, []any) {
	var where []string
	var args []any
	if q.ProjectID != 0 {
		where, args = append(where, "project_id = ?"), append(args, q.ProjectID)
	}
	if q.SeriesID != 0 {
		where, args = append(where, "series_id = ?"), append(args, q.SeriesID)
	}
	where, args = anyOf(where, args, "project_id", q.ProjectIDs)
	where, args = anyOf(where, args, "series_id", q.SeriesIDs)
	where, args = anyOf(where, args, "submitter_id", q.SubmitterID)
	if q.MsgID != "" {
		where, args = append(where, "msgid = ?"), append(args, q.MsgID)
	}
	if !q.Since.IsZero() {
		where, args = append(where, "msg_date >= ?"), append(args, q.Since)
	}
	if !q.Before.IsZero() {
		where, args = append(where, "msg_date < ?"), append(args, q.Before)
	}
	where, args = allContained(where, args, "name", q.NameLike, q.NameTerms)
	return where, args
}

// CountCovers counts what ListCovers would return without paging.
func (s *Store) CountCovers(ctx context.Context, q store.CoverQuery) (int, error) {
	where, args := coverWhere(q)
	var n int
	if err := scanRow(s.queryRow(ctx, "SELECT COUNT(*) FROM covers"+whereSQL(where), args...), &n); err != nil {
		return 0, fmt.Errorf("count covers: %w", err)
	}
	return n, nil
}

// ListCovers selects covers.
// CountCoversNamed reads only the names: a cover mail in a thread asks,
// and whole rows (headers, content) were a tenth of an import's CPU.
// MySQL's collation ignores trailing spaces in "=": names are compared
// again here.
func (s *Store) CountCoversNamed(ctx context.Context, name string) (int, error) {
	names, err := collect(ctx, s, func(r *sql.Rows) (string, error) {
		var n string
		err := r.Scan(&n)
		return n, err
	}, "SELECT name FROM covers WHERE name = ?", name)
	if err != nil {
		return 0, fmt.Errorf("covers named %q: %w", name, err)
	}
	name = cleanString(name)
	n := 0
	for _, x := range names {
		if x == name {
			n++
		}
	}
	return n, nil
}

func (s *Store) ListCovers(ctx context.Context, q store.CoverQuery) ([]store.Cover, error) {
	where, args := coverWhere(q)
	query := "SELECT " + coverCols + " FROM covers" + whereSQL(where) +
		orderBy(q.Order, map[string]string{"id": "id", "name": "name", "date": "msg_date", "submitter": "submitter_id"}, "id", "id") +
		s.d.limit(q.Limit, q.Offset)
	out, err := collect(ctx, s, scanCoverRows, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list covers: %w", err)
	}
	return out, nil
}
