package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/patchwork-go/patchwork/store"
)

const projectCols = `id, linkname, name, listid, listemail, subject_match, web_url, scm_url,
	webscm_url, list_archive_url, list_archive_url_format, commit_url_format,
	send_notifications, use_tags, show_dependencies, supersede_old_versions, hint_senders`

type rowScanner interface{ Scan(dest ...any) error }

func scanProject(r rowScanner) (store.Project, error) {
	var p store.Project
	err := r.Scan(&p.ID, &p.LinkName, &p.Name, &p.ListID, &p.ListEmail, &p.SubjectMatch,
		&p.WebURL, &p.SCMURL, &p.WebSCMURL, &p.ListArchiveURL, &p.ListArchiveURLFormat,
		&p.CommitURLFormat, &p.SendNotifications, &p.UseTags, &p.ShowDependencies,
		&p.SupersedeOldVersions, &p.HintSenders)
	return p, err
}

func projectArgs(p *store.Project) []any {
	return []any{p.LinkName, p.Name, p.ListID, p.ListEmail, p.SubjectMatch, p.WebURL,
		p.SCMURL, p.WebSCMURL, p.ListArchiveURL, p.ListArchiveURLFormat, p.CommitURLFormat,
		p.SendNotifications, p.UseTags, p.ShowDependencies, p.SupersedeOldVersions, p.HintSenders}
}

// CreateProject inserts a project and sets p.ID.
func (s *Store) CreateProject(ctx context.Context, p *store.Project) error {
	id, err := s.insert(ctx, `INSERT INTO projects (linkname, name, listid, listemail,
		subject_match, web_url, scm_url, webscm_url, list_archive_url, list_archive_url_format,
		commit_url_format, send_notifications, use_tags, show_dependencies, supersede_old_versions,
		hint_senders)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, projectArgs(p)...)
	if err != nil {
		return fmt.Errorf("create project %q: %w", p.LinkName, err)
	}
	p.ID = id
	return nil
}

// UpdateProject writes every field of p.
func (s *Store) UpdateProject(ctx context.Context, p *store.Project) error {
	args := append(projectArgs(p), p.ID)
	res, err := s.exec(ctx, `UPDATE projects SET linkname = ?, name = ?, listid = ?, listemail = ?,
		subject_match = ?, web_url = ?, scm_url = ?, webscm_url = ?, list_archive_url = ?,
		list_archive_url_format = ?, commit_url_format = ?, send_notifications = ?, use_tags = ?,
		show_dependencies = ?, supersede_old_versions = ?, hint_senders = ? WHERE id = ?`, args...)
	if err != nil {
		return fmt.Errorf("update project %d: %w", p.ID, err)
	}
	return s.mustExist(ctx, res, "projects", p.ID, "update project")
}

// mustExist turns "no row changed" into ErrNotFound when the row is missing
// (MySQL reports 0 affected rows for an update that changes nothing).
func (s *Store) mustExist(ctx context.Context, res sql.Result, table string, id int64, what string) error {
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		return nil
	}
	var one int
	err := scanRow(s.queryRow(ctx, "SELECT 1 FROM "+table+" WHERE id = ?", id), &one)
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	return nil
}

// GetProject returns a project by id.
func (s *Store) GetProject(ctx context.Context, id int64) (*store.Project, error) {
	p, err := scanProject(s.queryRow(ctx, "SELECT "+projectCols+" FROM projects WHERE id = ?", id))
	if err != nil {
		return nil, fmt.Errorf("get project %d: %w", id, mapErr(err))
	}
	return &p, nil
}

// GetProjectByLinkName returns a project by linkname.
func (s *Store) GetProjectByLinkName(ctx context.Context, linkname string) (*store.Project, error) {
	p, err := scanProject(s.queryRow(ctx, "SELECT "+projectCols+" FROM projects WHERE linkname = ?", linkname))
	if err != nil {
		return nil, fmt.Errorf("get project %q: %w", linkname, mapErr(err))
	}
	return &p, nil
}

// ListProjects returns every project by linkname.
func (s *Store) ListProjects(ctx context.Context) ([]store.Project, error) {
	out, err := collect(ctx, s, func(r *sql.Rows) (store.Project, error) { return scanProject(r) },
		"SELECT "+projectCols+" FROM projects ORDER BY linkname")
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return out, nil
}

// AddMaintainer makes a user maintain a project (idempotent).
func (s *Store) AddMaintainer(ctx context.Context, projectID, userID int64) error {
	_, err := s.exec(ctx, "INSERT INTO maintainers (project_id, user_id) VALUES (?, ?)"+
		s.d.onConflict("project_id, user_id"), projectID, userID)
	if err != nil {
		return fmt.Errorf("add maintainer %d to project %d: %w", userID, projectID, err)
	}
	return nil
}

// RemoveMaintainer removes a maintainer; removing a non-maintainer is fine.
func (s *Store) RemoveMaintainer(ctx context.Context, projectID, userID int64) error {
	if _, err := s.exec(ctx, "DELETE FROM maintainers WHERE project_id = ? AND user_id = ?", projectID, userID); err != nil {
		return fmt.Errorf("remove maintainer %d from project %d: %w", userID, projectID, err)
	}
	return nil
}

// ListMaintainers returns a project's maintainers by username.
func (s *Store) ListMaintainers(ctx context.Context, projectID int64) ([]store.User, error) {
	out, err := collect(ctx, s, func(r *sql.Rows) (store.User, error) { return scanUser(r) },
		"SELECT "+userColsU+" FROM users u JOIN maintainers m ON m.user_id = u.id WHERE m.project_id = ? ORDER BY u.username", projectID)
	if err != nil {
		return nil, fmt.Errorf("list maintainers of project %d: %w", projectID, err)
	}
	return out, nil
}

// IsMaintainer reports whether the user maintains the project.
func (s *Store) IsMaintainer(ctx context.Context, projectID, userID int64) (bool, error) {
	var n int
	err := scanRow(s.queryRow(ctx, "SELECT COUNT(*) FROM maintainers WHERE project_id = ? AND user_id = ?", projectID, userID), &n)
	if err != nil {
		return false, fmt.Errorf("is maintainer: %w", err)
	}
	return n > 0, nil
}

// MaintainedProjects lists the projects a user maintains, by id.
func (s *Store) MaintainedProjects(ctx context.Context, userID int64) ([]int64, error) {
	out, err := collect(ctx, s, scanInt64, "SELECT project_id FROM maintainers WHERE user_id = ? ORDER BY project_id", userID)
	if err != nil {
		return nil, fmt.Errorf("maintained projects of user %d: %w", userID, err)
	}
	return out, nil
}

func scanInt64(r *sql.Rows) (int64, error) {
	var v int64
	err := r.Scan(&v)
	return v, err
}

// AddDelegationRule inserts a rule and sets r.ID.
func (s *Store) AddDelegationRule(ctx context.Context, r *store.DelegationRule) error {
	id, err := s.insert(ctx, "INSERT INTO delegation_rules (project_id, user_id, path, priority) VALUES (?, ?, ?, ?)",
		r.ProjectID, r.UserID, r.Path, r.Priority)
	if err != nil {
		return fmt.Errorf("add delegation rule %q: %w", r.Path, err)
	}
	r.ID = id
	return nil
}

// DeleteDelegationRule deletes a project's rule.
func (s *Store) DeleteDelegationRule(ctx context.Context, projectID, ruleID int64) error {
	res, err := s.exec(ctx, "DELETE FROM delegation_rules WHERE project_id = ? AND id = ?", projectID, ruleID)
	if err != nil {
		return fmt.Errorf("delete delegation rule %d: %w", ruleID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete delegation rule %d: %w", ruleID, store.ErrNotFound)
	}
	return nil
}

// ListDelegationRules returns the rules, highest priority first.
func (s *Store) ListDelegationRules(ctx context.Context, projectID int64) ([]store.DelegationRule, error) {
	out, err := collect(ctx, s, func(r *sql.Rows) (store.DelegationRule, error) {
		var d store.DelegationRule
		err := r.Scan(&d.ID, &d.ProjectID, &d.UserID, &d.Path, &d.Priority)
		return d, err
	}, "SELECT id, project_id, user_id, path, priority FROM delegation_rules WHERE project_id = ? ORDER BY priority DESC, id", projectID)
	if err != nil {
		return nil, fmt.Errorf("list delegation rules: %w", err)
	}
	return out, nil
}
