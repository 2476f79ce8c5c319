package service

import (
	"context"
	"fmt"

	"github.com/patchwork-go/patchwork/store"
)

// NewCheck is a CI result to attach to a patch.
type NewCheck struct {
	State       store.CheckState
	Context     string // a slug unless FreeContext; "" there stores "default"
	TargetURL   string
	Description string
	// TargetURLGiven and DescriptionGiven tell "" given from no value
	// (REST reads the first back as "", the second as null).
	TargetURLGiven, DescriptionGiven bool
	// FreeContext stores any context as given: XML-RPC's check_create
	// (pwclient sends contexts like "ci/build", which upstream stores
	// without validating). REST contexts are slugs.
	FreeContext bool
}

// ValidateCheck lists what is wrong with c's fields, by the store's rules
// (store.ValidateCheckContext, store.ValidateCheckTargetURL), every
// failing field at once.
func ValidateCheck(c NewCheck) []error {
	var errs []error
	if c.State < store.CheckPending || c.State > store.CheckFail {
		errs = append(errs, &store.FieldError{Field: "state", Message: fmt.Sprintf("%q is not a valid choice.", c.State.String())})
	}
	if !c.FreeContext {
		if err := store.ValidateCheckContext(c.Context); err != nil {
			errs = append(errs, err)
		}
	} else if len(c.Context) > 255 {
		// Upstream's column is 255 characters, and so is MariaDB's: the
		// other dialects would store more, so one rule for all.
		errs = append(errs, &store.FieldError{Field: "context", Message: "Ensure this field has no more than 255 characters."})
	}
	if err := store.ValidateCheckTargetURL(c.TargetURL); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// MayCheck reports whether actor may add checks to p: whoever may change
// it under upstream's rule.
func (s *Service) MayCheck(ctx context.Context, actor *store.User, p *store.Patch) (bool, error) {
	return s.CanEditPatch(ctx, actor, p, UpstreamPolicy)
}

// CreateCheck attaches a check by actor to p, which records check-created.
// The first invalid field is the error (a *store.FieldError).
func (s *Service) CreateCheck(ctx context.Context, actor *store.User, p *store.Patch, in NewCheck) (*store.Check, error) {
	ok, err := s.MayCheck(ctx, actor, p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("check on patch %d: %w", p.ID, store.ErrForbidden)
	}
	if errs := ValidateCheck(in); len(errs) > 0 {
		return nil, errs[0]
	}
	c := &store.Check{
		PatchID: p.ID, UserID: actor.ID, Date: s.clock(), State: in.State,
		TargetURL: in.TargetURL, Context: in.Context, Description: in.Description,
		TargetURLGiven: in.TargetURLGiven, DescriptionGiven: in.DescriptionGiven,
	}
	if c.Context == "" {
		c.Context = "default"
	}
	if err := s.st.CreateCheck(ctx, c); err != nil {
		return nil, fmt.Errorf("create check on patch %d: %w", p.ID, err)
	}
	return c, nil
}
