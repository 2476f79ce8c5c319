package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/patchwork-go/patchwork/store"
)

// Policy is who besides the submitter's user, the delegate and the
// project's maintainers may change a patch.
type Policy int

const (
	// UpstreamPolicy is upstream's rule, which REST and XML-RPC clients
	// expect: being an admin is not enough on its own.
	UpstreamPolicy Policy = iota
	// AdminsToo lets admins change every patch as well (the TUI and the
	// SSH command line, where admins run the instance).
	AdminsToo
)

// CanEditPatch reports whether actor may change p: the submitter's linked
// user, the delegate, or a maintainer of the patch's project, and under
// AdminsToo an admin. Nobody anonymous or inactive may.
func (s *Service) CanEditPatch(ctx context.Context, actor *store.User, p *store.Patch, pol Policy) (bool, error) {
	if actor == nil || !actor.Active {
		return false, nil
	}
	if pol == AdminsToo && actor.IsAdmin {
		return true, nil
	}
	if p.DelegateID != 0 && p.DelegateID == actor.ID {
		return true, nil
	}
	sub, err := s.st.GetPerson(ctx, p.SubmitterID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, fmt.Errorf("submitter of patch %d: %w", p.ID, err)
	}
	if sub != nil && sub.UserID != 0 && sub.UserID == actor.ID {
		return true, nil
	}
	return s.st.IsMaintainer(ctx, p.ProjectID, actor.ID)
}

// EditPatch is the one way every front end changes a patch's state,
// delegate, archived flag, commit ref or pull URL: it checks that actor
// may, that a new delegate maintains the project, then applies u in one
// transaction that records the event and queues the notification of a
// state change (store.PatchStore.UpdatePatch). With u.Expect set the
// change applies only if the patch still has the expected values, else
// the error is store.ErrStale.
func (s *Service) EditPatch(ctx context.Context, actor *store.User, id int64, u store.PatchUpdate, pol Policy) (*store.Patch, error) {
	p, err := s.st.GetPatch(ctx, id)
	if err != nil {
		return nil, err
	}
	ok, err := s.CanEditPatch(ctx, actor, p, pol)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("edit patch %d: %w", id, store.ErrForbidden)
	}
	if u.DelegateID != nil && *u.DelegateID != 0 {
		m, err := s.MayDelegateTo(ctx, p.ProjectID, *u.DelegateID)
		if err != nil {
			return nil, err
		}
		if !m {
			return nil, fmt.Errorf("delegate user %d does not maintain project %d: %w", *u.DelegateID, p.ProjectID, store.ErrInvalid)
		}
	}
	if u.CommitRef != nil && len(*u.CommitRef) > 255 {
		return nil, invalidf("a commit ref has at most 255 characters")
	}
	if u.PullURL != nil && len(*u.PullURL) > 255 {
		return nil, invalidf("a pull URL has at most 255 characters")
	}
	return s.st.UpdatePatch(ctx, id, u, actor.ID)
}

// MayDelegateTo reports whether patches of the project may be delegated
// to the user: its maintainers only (upstream's rule).
func (s *Service) MayDelegateTo(ctx context.Context, projectID, userID int64) (bool, error) {
	ok, err := s.st.IsMaintainer(ctx, projectID, userID)
	if err != nil {
		return false, fmt.Errorf("is user %d a maintainer of %d: %w", userID, projectID, err)
	}
	return ok, nil
}

// Refusals of SetRelated, in upstream's words.
var (
	ErrRelationForbidden = &Error{Kind: store.ErrForbidden, Msg: "At least one patch is part of a project you are not maintaining."}
	ErrRelationConflict  = &Error{Kind: store.ErrConflict, Msg: "At least one patch is already part of another relation. You have to explicitly remove a patch from its existing relation before moving it to this one."}
)

// SetRelated applies a related list to p (upstream's rule): no ids take
// the patch out of its relation; otherwise the listed patches join p's
// relation, which may not merge two existing relations. The actor must
// maintain the project of every patch involved.
func (s *Service) SetRelated(ctx context.Context, actor *store.User, p *store.Patch, ids []int64) error {
	if err := needUser(actor); err != nil {
		return err
	}
	current, err := s.st.RelatedPatches(ctx, p.ID)
	if err != nil {
		return fmt.Errorf("related of %d: %w", p.ID, err)
	}
	involved := map[int64]int64{p.ID: p.RelatedID} // patch id → relation id
	projects := map[int64]bool{p.ProjectID: true}
	for _, r := range current {
		involved[r.ID] = r.RelatedID
		projects[r.ProjectID] = true
	}
	for _, id := range ids {
		q, err := s.st.GetPatch(ctx, id)
		if err != nil {
			return err
		}
		involved[q.ID] = q.RelatedID
		projects[q.ProjectID] = true
	}
	for pid := range projects {
		m, err := s.st.IsMaintainer(ctx, pid, actor.ID)
		if err != nil {
			return err
		}
		if !m {
			return ErrRelationForbidden
		}
	}
	if len(ids) == 0 {
		if p.RelatedID == 0 {
			return nil
		}
		return s.st.SetRelated(ctx, []int64{p.ID}, actor.ID)
	}
	relations := map[int64]bool{}
	for _, rel := range involved {
		if rel != 0 {
			relations[rel] = true
		}
	}
	if len(relations) > 1 {
		return ErrRelationConflict
	}
	all := []int64{p.ID}
	seen := map[int64]bool{p.ID: true}
	for _, r := range current {
		if !seen[r.ID] {
			seen[r.ID] = true
			all = append(all, r.ID)
		}
	}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			all = append(all, id)
		}
	}
	if len(all) < 2 {
		return nil
	}
	return s.st.SetRelated(ctx, all, actor.ID)
}
