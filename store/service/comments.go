package service

import (
	"context"
	"fmt"

	"github.com/patchwork-go/patchwork/store"
)

// MayAddressComment reports whether actor may mark cm addressed
// (upstream's rule): the user of the comment's submitter or of its
// patch's or cover's submitter, the patch's delegate, or a maintainer of
// the project.
func (s *Service) MayAddressComment(ctx context.Context, actor *store.User, cm *store.Comment) (bool, error) {
	if actor == nil || !actor.Active {
		return false, nil
	}
	var parentSubmitter, delegate int64
	if cm.PatchID != 0 {
		p, err := s.st.GetPatch(ctx, cm.PatchID)
		if err != nil {
			return false, fmt.Errorf("patch of comment %d: %w", cm.ID, err)
		}
		parentSubmitter, delegate = p.SubmitterID, p.DelegateID
	} else {
		cv, err := s.st.GetCover(ctx, cm.CoverID)
		if err != nil {
			return false, fmt.Errorf("cover of comment %d: %w", cm.ID, err)
		}
		parentSubmitter = cv.SubmitterID
	}
	if delegate != 0 && delegate == actor.ID {
		return true, nil
	}
	people, err := s.st.GetPeople(ctx, []int64{cm.SubmitterID, parentSubmitter})
	if err != nil {
		return false, fmt.Errorf("submitters of comment %d: %w", cm.ID, err)
	}
	for _, p := range people {
		if p.UserID != 0 && p.UserID == actor.ID {
			return true, nil
		}
	}
	return s.st.IsMaintainer(ctx, cm.ProjectID, actor.ID)
}

// SetAddressed marks cm addressed, not addressed, or (nil) not tracked, if
// actor may.
func (s *Service) SetAddressed(ctx context.Context, actor *store.User, cm *store.Comment, addressed *bool) error {
	ok, err := s.MayAddressComment(ctx, actor, cm)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("comment %d: %w", cm.ID, store.ErrForbidden)
	}
	if err := s.st.SetAddressed(ctx, cm.ID, addressed); err != nil {
		return fmt.Errorf("set addressed on comment %d: %w", cm.ID, err)
	}
	return nil
}
