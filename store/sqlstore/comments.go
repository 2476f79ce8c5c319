package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

const commentCols = "id, patch_id, cover_id, project_id, msgid, msg_date, submitter_id, headers, content, addressed, alias_id"

func scanComment(r rowScanner) (store.Comment, error) {
	var c store.Comment
	err := r.Scan(&c.ID, nullInt64{&c.PatchID}, nullInt64{&c.CoverID}, &c.ProjectID, &c.MsgID,
		timeCol{&c.Date}, &c.SubmitterID, nullStr{&c.Headers}, nullStr{&c.Content}, nullBoolPtr{&c.Addressed}, nullInt64{&c.Alias})
	return c, err
}

func scanCommentRows(r *sql.Rows) (store.Comment, error) { return scanComment(r) }

func boolPtrArg(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

// CreateComment inserts a comment on a patch or a cover and sets c.ID.
func (s *Store) CreateComment(ctx context.Context, c *store.Comment) error {
	if (c.PatchID == 0) == (c.CoverID == 0) {
		return fmt.Errorf("create comment %s: exactly one of patch and cover must be set: %w", c.MsgID, store.ErrInvalid)
	}
	if c.Date.IsZero() {
		c.Date = time.Now()
	}
	c.Date = c.Date.UTC().Truncate(time.Microsecond)
	id, err := s.insert(ctx, `INSERT INTO comments (patch_id, cover_id, project_id, msgid, msg_date, submitter_id, headers, content, addressed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, nullID(c.PatchID), nullID(c.CoverID), c.ProjectID, c.MsgID, c.Date,
		c.SubmitterID, c.Headers, c.Content, boolPtrArg(c.Addressed))
	if err != nil {
		return fmt.Errorf("create comment %s: %w", c.MsgID, err)
	}
	c.ID = id
	return nil
}

// GetComment returns a comment by id.
func (s *Store) GetComment(ctx context.Context, id int64) (*store.Comment, error) {
	c, err := scanComment(s.queryRow(ctx, "SELECT "+commentCols+" FROM comments WHERE id = ?", id))
	if err != nil {
		return nil, fmt.Errorf("get comment %d: %w", id, mapErr(err))
	}
	return &c, nil
}

// CommentByNumber finds a comment by the number clients see under its
// parent: an imported cover comment by its upstream number, any other by id.
func (s *Store) CommentByNumber(ctx context.Context, patchID, coverID, number int64) (*store.Comment, error) {
	q := "SELECT " + commentCols + " FROM comments WHERE patch_id = ? AND id = ?"
	args := []any{patchID, number}
	if patchID == 0 {
		q = "SELECT " + commentCols + " FROM comments WHERE cover_id = ? AND (alias_id = ? OR (alias_id IS NULL AND id = ?))"
		args = []any{coverID, number, number}
	}
	c, err := scanComment(s.queryRow(ctx, q, args...))
	if err != nil {
		return nil, fmt.Errorf("comment %d of patch %d/cover %d: %w", number, patchID, coverID, mapErr(err))
	}
	return &c, nil
}

// ResolveComment finds the comment /comment/N/ names. Patch comments win
// over an imported cover comment of the same number, as upstream looks in
// its patch comments first.
func (s *Store) ResolveComment(ctx context.Context, number int64) (*store.Comment, error) {
	c, err := scanComment(s.queryRow(ctx, "SELECT "+commentCols+
		" FROM comments WHERE (id = ? AND alias_id IS NULL) OR alias_id = ?"+
		" ORDER BY CASE WHEN patch_id IS NULL THEN 1 ELSE 0 END, id"+s.d.limit(1, 0), number, number))
	if err != nil {
		return nil, fmt.Errorf("resolve comment %d: %w", number, mapErr(err))
	}
	return &c, nil
}

// ListComments returns the comments of one patch or cover (by date unless
// ordered otherwise).
func (s *Store) ListComments(ctx context.Context, q store.CommentQuery) ([]store.Comment, error) {
	var where []string
	var args []any
	switch {
	case q.PatchID != 0:
		where, args = append(where, "patch_id = ?"), append(args, q.PatchID)
	case q.CoverID != 0:
		where, args = append(where, "cover_id = ?"), append(args, q.CoverID)
	default:
		return nil, fmt.Errorf("list comments: no patch or cover: %w", store.ErrInvalid)
	}
	if q.SubjectLike != "" {
		// The subject lives in the headers; a substring of them is close
		// enough for a filter.
		where, args = append(where, contains("headers")), append(args, containsArg(q.SubjectLike))
	}
	order := q.Order
	if order == "" {
		order = "date"
	}
	query := "SELECT " + commentCols + " FROM comments" + whereSQL(where) +
		orderBy(order, map[string]string{"id": "id", "date": "msg_date", "submitter": "submitter_id", "subject": "msgid"}, "date", "id") +
		s.d.limit(q.Limit, q.Offset)
	out, err := collect(ctx, s, scanCommentRows, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	return out, nil
}

// FindCommentParent returns the patch or cover a comment with that message
// id hangs off (the newest such comment wins).
func (s *Store) FindCommentParent(ctx context.Context, projectID int64, msgid string) (int64, int64, error) {
	var patchID, coverID int64
	err := scanRow(s.queryRow(ctx, "SELECT patch_id, cover_id FROM comments WHERE project_id = ? AND msgid = ? ORDER BY msg_date DESC, id DESC"+s.d.limit(1, 0),
		projectID, msgid), nullInt64{&patchID}, nullInt64{&coverID})
	if err != nil {
		return 0, 0, fmt.Errorf("comment parent %s: %w", msgid, err)
	}
	return patchID, coverID, nil
}

// SetAddressed sets or clears a comment's addressed flag.
func (s *Store) SetAddressed(ctx context.Context, commentID int64, addressed *bool) error {
	res, err := s.exec(ctx, "UPDATE comments SET addressed = ? WHERE id = ?", boolPtrArg(addressed), commentID)
	if err != nil {
		return fmt.Errorf("set addressed %d: %w", commentID, err)
	}
	return s.mustExist(ctx, res, "comments", commentID, "set addressed")
}
