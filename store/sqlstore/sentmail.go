package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// The comment a sent mail became is found by Message-ID at read time, so
// every way a list copy comes in (parsemail, parsearchive, the mail
// socket) links it without being told; comments_project_msgid serves it.
const sentMailCols = `m.id, m.msgid, m.user_id, m.project_id, m.patch_id, m.cover_id, m.kind, m.status,
	m.subject, m.rcpt, m.raw, m.error_msg, m.created, m.sent,
	(SELECT MIN(c.id) FROM comments c WHERE c.project_id = m.project_id AND c.msgid = m.msgid)`

func scanSentMail(sc interface{ Scan(...any) error }) (store.SentMail, error) {
	var m store.SentMail
	var rcpt string
	err := sc.Scan(&m.ID, &m.MsgID, &m.UserID, &m.ProjectID, nullInt64{&m.PatchID}, nullInt64{&m.CoverID},
		&m.Kind, &m.Status, &m.Subject, &rcpt, &m.Raw, &m.Error, timeCol{&m.Created}, timeCol{&m.Sent},
		nullInt64{&m.CommentID})
	if rcpt != "" {
		m.Rcpt = strings.Split(rcpt, ",")
	}
	return m, err
}

// CreateSentMail implements store.SentMailStore.
func (s *Store) CreateSentMail(ctx context.Context, m *store.SentMail) error {
	if m.Created.IsZero() {
		m.Created = time.Now()
	}
	m.Created = m.Created.UTC().Truncate(time.Microsecond)
	raw := m.Raw
	if raw == nil {
		raw = []byte{}
	}
	id, err := s.insert(ctx, `INSERT INTO sent_mails (msgid, user_id, project_id, patch_id, cover_id, kind, status,
		subject, rcpt, raw, error_msg, created, sent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.MsgID, m.UserID, m.ProjectID, nullID(m.PatchID), nullID(m.CoverID), m.Kind, m.Status,
		m.Subject, strings.Join(m.Rcpt, ","), raw, m.Error, m.Created, nullTime(m.Sent))
	if err != nil {
		return fmt.Errorf("create sent mail %s: %w", m.MsgID, err)
	}
	m.ID = id
	return nil
}

// UpdateSentMail implements store.SentMailStore.
func (s *Store) UpdateSentMail(ctx context.Context, m *store.SentMail) error {
	raw := m.Raw
	if raw == nil {
		raw = []byte{}
	}
	res, err := s.exec(ctx, `UPDATE sent_mails SET status = ?, error_msg = ?, sent = ?, subject = ?, rcpt = ?, raw = ?
		WHERE id = ?`, m.Status, m.Error, nullTime(m.Sent), m.Subject, strings.Join(m.Rcpt, ","), raw, m.ID)
	if err != nil {
		return fmt.Errorf("update sent mail %d: %w", m.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// MySQL counts only changed rows: tell "same values" from "no row".
		if _, err := s.GetSentMail(ctx, m.ID); err != nil {
			return err
		}
	}
	return nil
}

// ClaimSentMail implements store.SentMailStore.
func (s *Store) ClaimSentMail(ctx context.Context, id int64) (bool, error) {
	res, err := s.exec(ctx, "UPDATE sent_mails SET status = ? WHERE id = ? AND status = ?", store.SentSending, id, store.SentDraft)
	if err != nil {
		return false, fmt.Errorf("claim sent mail %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim sent mail %d: %w", id, err)
	}
	return n == 1, nil
}

// GetSentMail implements store.SentMailStore.
func (s *Store) GetSentMail(ctx context.Context, id int64) (*store.SentMail, error) {
	m, err := scanSentMail(s.queryRow(ctx, "SELECT "+sentMailCols+" FROM sent_mails m WHERE m.id = ?", id))
	if err != nil {
		return nil, fmt.Errorf("sent mail %d: %w", id, mapErr(err))
	}
	return &m, nil
}

// ListSentMails implements store.SentMailStore.
func (s *Store) ListSentMails(ctx context.Context, q store.SentMailQuery) ([]store.SentMail, error) {
	var where []string
	var args []any
	if q.PatchID != 0 {
		where, args = append(where, "m.patch_id = ?"), append(args, q.PatchID)
	}
	if q.CoverID != 0 {
		where, args = append(where, "m.cover_id = ?"), append(args, q.CoverID)
	}
	if q.UserID != 0 {
		where, args = append(where, "m.user_id = ?"), append(args, q.UserID)
	}
	if q.Undelivered {
		where = append(where, "NOT EXISTS (SELECT 1 FROM comments c WHERE c.project_id = m.project_id AND c.msgid = m.msgid)")
	}
	sqlq := "SELECT " + sentMailCols + " FROM sent_mails m"
	if len(where) > 0 {
		sqlq += " WHERE " + strings.Join(where, " AND ")
	}
	sqlq += " ORDER BY m.created, m.id"
	out, err := collect(ctx, s, func(r *sql.Rows) (store.SentMail, error) { return scanSentMail(r) }, sqlq, args...)
	if err != nil {
		return nil, fmt.Errorf("list sent mails: %w", err)
	}
	return out, nil
}

// CountSentSince implements store.SentMailStore.
func (s *Store) CountSentSince(ctx context.Context, userID int64, since time.Time) (int, error) {
	var n int
	err := scanRow(s.queryRow(ctx, "SELECT COUNT(*) FROM sent_mails WHERE user_id = ? AND sent >= ?", userID, since), &n)
	if err != nil {
		return 0, fmt.Errorf("count mails sent by user %d: %w", userID, err)
	}
	return n, nil
}

// GetReplySettings implements store.SentMailStore.
func (s *Store) GetReplySettings(ctx context.Context, projectID int64) (store.ReplySettings, error) {
	r := store.ReplySettings{ProjectID: projectID}
	err := scanRow(s.queryRow(ctx, "SELECT allow_replies, thanks FROM reply_settings WHERE project_id = ?", projectID),
		&r.AllowReplies, &r.Thanks)
	if isNotFound(err) {
		return store.DefaultReplySettings(projectID), nil
	}
	if err != nil {
		return r, fmt.Errorf("reply settings of project %d: %w", projectID, err)
	}
	return r, nil
}

// SetReplySettings implements store.SentMailStore.
func (s *Store) SetReplySettings(ctx context.Context, r store.ReplySettings) error {
	switch r.Thanks {
	case store.ThanksAsk, store.ThanksAlways, store.ThanksNever:
	default:
		return fmt.Errorf("thanks %q: want ask, always or never: %w", r.Thanks, store.ErrInvalid)
	}
	_, err := s.exec(ctx, "INSERT INTO reply_settings (project_id, allow_replies, thanks) VALUES (?, ?, ?)"+
		s.d.onConflict("project_id", "allow_replies", "thanks"), r.ProjectID, r.AllowReplies, r.Thanks)
	if err != nil {
		return fmt.Errorf("set reply settings of project %d: %w", r.ProjectID, err)
	}
	return nil
}

// nullTime stores the zero time as NULL (a mail not sent yet).
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
