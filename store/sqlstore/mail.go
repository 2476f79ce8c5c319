package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// SaveFailedMail keeps a mail that could not be parsed, byte for byte, so an
// operator can retry it once the parser or the configuration is fixed.
func (s *Store) SaveFailedMail(ctx context.Context, m *store.FailedMail) error {
	if m.Received.IsZero() {
		m.Received = time.Now()
	}
	m.Received = m.Received.UTC().Truncate(time.Microsecond)
	raw := m.Raw
	if raw == nil {
		raw = []byte{}
	}
	id, err := s.insert(ctx, "INSERT INTO failed_mails (received, error_msg, raw) VALUES (?, ?, ?)", m.Received, m.Error, raw)
	if err != nil {
		return fmt.Errorf("save failed mail: %w", err)
	}
	m.ID = id
	return nil
}

// ListFailedMails returns every failed mail, oldest first.
func (s *Store) ListFailedMails(ctx context.Context) ([]store.FailedMail, error) {
	out, err := collect(ctx, s, func(r *sql.Rows) (store.FailedMail, error) {
		var m store.FailedMail
		err := r.Scan(&m.ID, timeCol{&m.Received}, &m.Error, &m.Raw)
		return m, err
	}, "SELECT id, received, error_msg, raw FROM failed_mails ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list failed mails: %w", err)
	}
	return out, nil
}

// DeleteFailedMail removes a failed mail (after a successful retry).
func (s *Store) DeleteFailedMail(ctx context.Context, id int64) error {
	res, err := s.exec(ctx, "DELETE FROM failed_mails WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("delete failed mail %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete failed mail %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// PendingNotifications lists queued notifications last modified before the
// cut-off, oldest first.
func (s *Store) PendingNotifications(ctx context.Context, before time.Time) ([]store.Notification, error) {
	out, err := collect(ctx, s, func(r *sql.Rows) (store.Notification, error) {
		var n store.Notification
		err := r.Scan(&n.PatchID, &n.OrigStateID, timeCol{&n.LastModified})
		return n, err
	}, "SELECT patch_id, orig_state_id, last_modified FROM notifications WHERE last_modified < ? ORDER BY last_modified, patch_id", before)
	if err != nil {
		return nil, fmt.Errorf("pending notifications: %w", err)
	}
	return out, nil
}

// DeleteNotifications removes notifications that were sent. A row modified
// after it was read (a newer state change) no longer matches its read
// last_modified and stays queued for the next run.
func (s *Store) DeleteNotifications(ctx context.Context, sent []store.Notification) error {
	if len(sent) == 0 {
		return nil
	}
	err := s.write(ctx, func(tx *Store) error {
		for _, n := range sent {
			if _, err := tx.exec(ctx, "DELETE FROM notifications WHERE patch_id = ? AND last_modified = ?", n.PatchID, n.LastModified); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete notifications: %w", err)
	}
	return nil
}

// FindChecks implements store.CheckSearcher (XML-RPC check_list).
func (s *Store) FindChecks(ctx context.Context, q store.CheckSearch) ([]store.Check, error) {
	sqlq := "SELECT c.id, c.patch_id, c.user_id, c.created, c.state, c.target_url, c.context, c.description, c.target_url_given, c.description_given FROM checks c"
	var where []string
	var args []any
	if q.ProjectID != 0 {
		sqlq += " JOIN patches p ON p.id = c.patch_id"
		where, args = append(where, "p.project_id = ?"), append(args, q.ProjectID)
	}
	if q.PatchID != 0 {
		where, args = append(where, "c.patch_id = ?"), append(args, q.PatchID)
	}
	if q.UserID != 0 {
		where, args = append(where, "c.user_id = ?"), append(args, q.UserID)
	}
	for i, w := range where {
		if i == 0 {
			sqlq += " WHERE " + w
		} else {
			sqlq += " AND " + w
		}
	}
	sqlq += " ORDER BY c.id"
	out, err := collect(ctx, s, scanCheckRows, sqlq, args...)
	if err != nil {
		return nil, fmt.Errorf("find checks: %w", err)
	}
	return out, nil
}

// HoldMail keeps a reply that arrived before its parent, with one row per
// id it references so that the parent's arrival finds it by index.
func (s *Store) HoldMail(ctx context.Context, m *store.HeldMail) (bool, error) {
	if m.Received.IsZero() {
		m.Received = time.Now()
	}
	m.Received = m.Received.UTC().Truncate(time.Microsecond)
	var n int
	if err := s.queryRow(ctx, "SELECT COUNT(*) FROM held_mails WHERE project_id = ? AND msgid = ?", m.ProjectID, m.MsgID).Scan(&n); err != nil {
		return false, fmt.Errorf("hold mail %s: %w", m.MsgID, mapErr(err))
	}
	if n > 0 {
		return false, nil
	}
	raw := m.Raw
	if raw == nil {
		raw = []byte{}
	}
	id, err := s.insert(ctx, "INSERT INTO held_mails (project_id, msgid, received, raw) VALUES (?, ?, ?, ?)",
		m.ProjectID, m.MsgID, m.Received, raw)
	if err != nil {
		return false, fmt.Errorf("hold mail %s: %w", m.MsgID, err)
	}
	m.ID = id
	seen := map[string]bool{}
	for _, ref := range m.References {
		if seen[ref] {
			continue
		}
		seen[ref] = true
		if _, err := s.exec(ctx, "INSERT INTO held_references (held_id, project_id, msgid) VALUES (?, ?, ?)", id, m.ProjectID, ref); err != nil {
			return false, fmt.Errorf("hold mail %s: reference %s: %w", m.MsgID, ref, err)
		}
	}
	return true, nil
}

func (s *Store) heldMails(ctx context.Context, q string, args ...any) ([]store.HeldMail, error) {
	out, err := collect(ctx, s, func(r *sql.Rows) (store.HeldMail, error) {
		var m store.HeldMail
		err := r.Scan(&m.ID, &m.ProjectID, &m.MsgID, timeCol{&m.Received}, &m.Raw)
		return m, err
	}, "SELECT h.id, h.project_id, h.msgid, h.received, h.raw FROM held_mails h "+q+" ORDER BY h.id", args...)
	if err != nil {
		return nil, err
	}
	for k := range out {
		refs, err := collect(ctx, s, func(r *sql.Rows) (string, error) {
			var id string
			err := r.Scan(&id)
			return id, err
		}, "SELECT msgid FROM held_references WHERE held_id = ? ORDER BY msgid", out[k].ID)
		if err != nil {
			return nil, err
		}
		out[k].References = refs
	}
	return out, nil
}

// HeldMailsReferencing lists the project's held mails that name msgid.
func (s *Store) HeldMailsReferencing(ctx context.Context, projectID int64, msgid string) ([]store.HeldMail, error) {
	out, err := s.heldMails(ctx, "JOIN held_references r ON r.held_id = h.id WHERE r.project_id = ? AND r.msgid = ?", projectID, msgid)
	if err != nil {
		return nil, fmt.Errorf("held mails referencing %s: %w", msgid, err)
	}
	return out, nil
}

// ListHeldMails lists held mails, of one project or (0) of all.
func (s *Store) ListHeldMails(ctx context.Context, projectID int64) ([]store.HeldMail, error) {
	var out []store.HeldMail
	var err error
	if projectID == 0 {
		out, err = s.heldMails(ctx, "")
	} else {
		out, err = s.heldMails(ctx, "WHERE h.project_id = ?", projectID)
	}
	if err != nil {
		return nil, fmt.Errorf("list held mails: %w", err)
	}
	return out, nil
}

// DeleteHeldMail removes a held mail once it is placed (its references go
// with it).
func (s *Store) DeleteHeldMail(ctx context.Context, id int64) error {
	if _, err := s.exec(ctx, "DELETE FROM held_references WHERE held_id = ?", id); err != nil {
		return fmt.Errorf("delete held mail %d: %w", id, err)
	}
	res, err := s.exec(ctx, "DELETE FROM held_mails WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("delete held mail %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete held mail %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// ExpireHeldMails deletes held mails received before the cut-off.
func (s *Store) ExpireHeldMails(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *Store) error {
		if _, err := tx.exec(ctx, "DELETE FROM held_references WHERE held_id IN (SELECT id FROM held_mails WHERE received < ?)", before); err != nil {
			return err
		}
		res, err := tx.exec(ctx, "DELETE FROM held_mails WHERE received < ?", before)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("expire held mails: %w", err)
	}
	return int(n), nil
}

// heldQuery counts 1 when the project holds a mail, else 0.
const heldQuery = "SELECT COUNT(*) FROM (SELECT 1 FROM held_mails WHERE project_id = ? LIMIT 1) h"

// HasHeldMails tells whether the project holds any mail.
func (s *Store) HasHeldMails(ctx context.Context, projectID int64) (bool, error) {
	var n int
	if err := scanRow(s.queryRow(ctx, heldQuery, projectID), &n); err != nil {
		return false, fmt.Errorf("held mails of project %d: %w", projectID, err)
	}
	return n > 0, nil
}
