package service

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

var linknameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ValidateProject checks a project before it is written, and tidies it
// (spaces trimmed, the List-Id without angle brackets).
func ValidateProject(p *store.Project) error {
	p.LinkName = strings.TrimSpace(p.LinkName)
	p.Name = strings.TrimSpace(p.Name)
	p.ListID = strings.Trim(strings.TrimSpace(p.ListID), "<>")
	p.ListEmail = strings.TrimSpace(p.ListEmail)
	switch {
	case p.LinkName == "":
		return invalidf("--linkname is required")
	case !linknameRE.MatchString(p.LinkName) || len(p.LinkName) > 255:
		return invalidf("linkname %q: use letters, digits, '-', '_' and '.' only", p.LinkName)
	case p.Name == "":
		return invalidf("--name is required")
	case p.ListID == "":
		return invalidf("--listid is required")
	case strings.ContainsAny(p.ListID, " \t@"):
		return invalidf("listid %q: a List-Id looks like list.example.org", p.ListID)
	case p.ListEmail == "":
		return invalidf("--listemail is required")
	}
	if _, err := ParseEmail(p.ListEmail); err != nil {
		return invalidf("listemail %q is not a bare mail address", p.ListEmail)
	}
	senders, err := store.ParseHintSenders(p.HintSenders)
	if err != nil {
		return invalidf("hint-senders: %v", err)
	}
	p.HintSenders = strings.Join(senders, " ")
	if p.SubjectMatch != "" {
		if _, err := regexp.Compile(p.SubjectMatch); err != nil {
			return invalidf("subject-match %q is not a valid regexp: %v", p.SubjectMatch, err)
		}
	}
	for _, f := range []struct{ name, val string }{
		{"web-url", p.WebURL}, {"scm-url", p.SCMURL}, {"webscm-url", p.WebSCMURL},
		{"list-archive-url", p.ListArchiveURL},
	} {
		if f.val == "" {
			continue
		}
		if _, err := url.Parse(f.val); err != nil {
			return invalidf("%s %q is not a URL", f.name, f.val)
		}
	}
	for _, f := range []struct{ name, val string }{
		{"list-archive-url-format", p.ListArchiveURLFormat}, {"commit-url-format", p.CommitURLFormat},
	} {
		if f.val != "" && !strings.Contains(f.val, "{}") {
			return invalidf("%s %q has no {} placeholder", f.name, f.val)
		}
	}
	return nil
}

// CreateProject validates and creates a project (admins only).
func (s *Service) CreateProject(ctx context.Context, actor *store.User, p *store.Project) error {
	if err := needAdmin(actor); err != nil {
		return err
	}
	if err := ValidateProject(p); err != nil {
		return err
	}
	if err := s.st.CreateProject(ctx, p); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return conflictf("a project with linkname %q or name %q already exists", p.LinkName, p.Name)
		}
		return fmt.Errorf("create project %q: %w", p.LinkName, err)
	}
	return nil
}

// MayEditProject reports whether actor may change p's settings: its
// maintainers (upstream's rule), and under AdminsToo admins.
func (s *Service) MayEditProject(ctx context.Context, actor *store.User, p *store.Project, pol Policy) (bool, error) {
	if actor == nil || !actor.Active {
		return false, nil
	}
	if pol == AdminsToo && actor.IsAdmin {
		return true, nil
	}
	ok, err := s.st.IsMaintainer(ctx, p.ID, actor.ID)
	if err != nil {
		return false, fmt.Errorf("is maintainer: %w", err)
	}
	return ok, nil
}

// UpdateProject validates and writes p, the new state of a project, if
// actor may change it.
func (s *Service) UpdateProject(ctx context.Context, actor *store.User, p *store.Project, pol Policy) error {
	ok, err := s.MayEditProject(ctx, actor, p, pol)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("edit project %q: %w", p.LinkName, store.ErrForbidden)
	}
	if err := ValidateProject(p); err != nil {
		return err
	}
	if err := s.st.UpdateProject(ctx, p); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return conflictf("another project already has linkname %q or name %q", p.LinkName, p.Name)
		}
		return fmt.Errorf("update project %q: %w", p.LinkName, err)
	}
	return nil
}

// AddDelegationRule delegates p's new patches touching glob to u (admins
// only). u must maintain p: EditPatch refuses other delegates, so a rule
// for anyone else could never apply.
func (s *Service) AddDelegationRule(ctx context.Context, actor *store.User, p *store.Project, u *store.User, glob string, priority int) (*store.DelegationRule, error) {
	if err := needAdmin(actor); err != nil {
		return nil, err
	}
	if glob == "" {
		return nil, invalidf("--user and --path are required")
	}
	if _, err := path.Match(glob, ""); err != nil {
		return nil, invalidf("path %q is not a valid glob", glob)
	}
	ok, err := s.st.IsMaintainer(ctx, p.ID, u.ID)
	if err != nil {
		return nil, fmt.Errorf("check maintainer: %w", err)
	}
	if !ok {
		return nil, invalidf("user %q does not maintain %q (first: patchworkd user maintainer %s %s)", u.Username, p.LinkName, u.Username, p.LinkName)
	}
	r := &store.DelegationRule{ProjectID: p.ID, UserID: u.ID, Path: glob, Priority: priority}
	if err := s.st.AddDelegationRule(ctx, r); err != nil {
		return nil, fmt.Errorf("add delegation rule: %w", err)
	}
	return r, nil
}

// DeleteDelegationRule removes one of p's rules (admins only).
func (s *Service) DeleteDelegationRule(ctx context.Context, actor *store.User, p *store.Project, id int64) error {
	if err := needAdmin(actor); err != nil {
		return err
	}
	if err := s.st.DeleteDelegationRule(ctx, p.ID, id); err != nil {
		return fmt.Errorf("remove delegation rule %d: %w", id, err)
	}
	return nil
}
