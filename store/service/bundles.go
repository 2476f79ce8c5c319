package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

// The bundle rules, in upstream's words.
const (
	MsgBundleNameBlank   = "This field may not be blank."
	MsgBundleNameLong    = "Ensure this field has no more than 50 characters."
	MsgBundleNameSlash   = "Bundle names can't contain slashes."
	MsgBundleNameTaken   = "A bundle with this name already exists."
	MsgBundleEmpty       = "Bundles cannot be empty"
	MsgBundleOneProject  = "Bundle patches must belong to the same project"
	msgBundleNotYoursFmt = "bundle %q is not yours"
)

// CheckBundleName is the bundle name rule: not blank, at most 50
// characters, no slash (names are URL path segments). It returns the name
// trimmed.
func CheckBundleName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", &Error{Kind: store.ErrInvalid, Msg: MsgBundleNameBlank}
	case len([]rune(name)) > 50:
		return "", &Error{Kind: store.ErrInvalid, Msg: MsgBundleNameLong}
	case strings.Contains(name, "/"):
		return "", &Error{Kind: store.ErrInvalid, Msg: MsgBundleNameSlash}
	}
	return name, nil
}

// MayChangeBundle refuses everyone but b's owner, and under AdminsToo
// admins.
func MayChangeBundle(actor *store.User, b *store.Bundle, pol Policy) error {
	if err := needUser(actor); err != nil {
		return err
	}
	if b.OwnerID != actor.ID && !(pol == AdminsToo && actor.IsAdmin) {
		return &Error{Kind: store.ErrForbidden, Msg: fmt.Sprintf(msgBundleNotYoursFmt, b.Name)}
	}
	return nil
}

// bundleProject is the one project of the patches, which a bundle's
// patches must share.
func (s *Service) bundleProject(ctx context.Context, ids []int64) (int64, error) {
	if len(ids) == 0 {
		return 0, &Error{Kind: store.ErrInvalid, Msg: MsgBundleEmpty}
	}
	var project int64
	for _, id := range ids {
		p, err := s.st.GetPatch(ctx, id)
		if err != nil {
			return 0, fmt.Errorf("patch %d: %w", id, err)
		}
		if project != 0 && p.ProjectID != project {
			return 0, &Error{Kind: store.ErrInvalid, Msg: MsgBundleOneProject}
		}
		project = p.ProjectID
	}
	return project, nil
}

// CreateBundle makes a bundle of actor's holding ids (in that order).
func (s *Service) CreateBundle(ctx context.Context, actor *store.User, name string, public bool, ids []int64) (*store.Bundle, error) {
	if err := needUser(actor); err != nil {
		return nil, err
	}
	name, err := CheckBundleName(name)
	if err != nil {
		return nil, err
	}
	project, err := s.bundleProject(ctx, ids)
	if err != nil {
		return nil, err
	}
	b := &store.Bundle{OwnerID: actor.ID, ProjectID: project, Name: name, Public: public}
	err = s.st.InTx(ctx, func(tx store.Store) error {
		if err := tx.CreateBundle(ctx, b); err != nil {
			return err
		}
		return tx.SetBundlePatches(ctx, b.ID, ids)
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, &Error{Kind: store.ErrConflict, Msg: MsgBundleNameTaken}
	}
	if err != nil {
		return nil, fmt.Errorf("create bundle %q: %w", name, err)
	}
	return b, nil
}

// BundleChange is a change to a bundle; nil members are left alone.
type BundleChange struct {
	Name    *string
	Public  *bool
	Patches []int64 // nil: unchanged; else the new list, in order
}

// UpdateBundle changes b (its owner, or under AdminsToo an admin); b is
// the bundle as it is afterwards.
func (s *Service) UpdateBundle(ctx context.Context, actor *store.User, b *store.Bundle, ch BundleChange, pol Policy) error {
	if err := MayChangeBundle(actor, b, pol); err != nil {
		return err
	}
	next := *b
	if ch.Name != nil {
		name, err := CheckBundleName(*ch.Name)
		if err != nil {
			return err
		}
		next.Name = name
	}
	if ch.Public != nil {
		next.Public = *ch.Public
	}
	if ch.Patches != nil {
		project, err := s.bundleProject(ctx, ch.Patches)
		if err != nil {
			return err
		}
		next.ProjectID = project
	}
	err := s.st.InTx(ctx, func(tx store.Store) error {
		if err := tx.UpdateBundle(ctx, &next); err != nil {
			return err
		}
		if ch.Patches != nil {
			return tx.SetBundlePatches(ctx, next.ID, ch.Patches)
		}
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		return &Error{Kind: store.ErrConflict, Msg: MsgBundleNameTaken}
	}
	if err != nil {
		return fmt.Errorf("update bundle %d: %w", b.ID, err)
	}
	*b = next
	return nil
}

// DeleteBundle deletes b (its owner, or under AdminsToo an admin); a
// bundle already gone is no error.
func (s *Service) DeleteBundle(ctx context.Context, actor *store.User, b *store.Bundle, pol Policy) error {
	if err := MayChangeBundle(actor, b, pol); err != nil {
		return err
	}
	if err := s.st.DeleteBundle(ctx, b.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete bundle %q: %w", b.Name, err)
	}
	return nil
}

// AddToBundle adds patches to actor's bundle of that name, creating it in
// projectID when there is none.
func (s *Service) AddToBundle(ctx context.Context, actor *store.User, projectID int64, name string, ids []int64) (*store.Bundle, error) {
	a, err := s.AddToBundleReport(ctx, actor, projectID, name, ids)
	if err != nil {
		return nil, err
	}
	return a.Bundle, nil
}

// BundleAddition is what AddToBundleReport did: enough to take it back.
type BundleAddition struct {
	Bundle  *store.Bundle
	Created bool    // the bundle did not exist before
	Added   []int64 // the patches that were not in it yet, in the order given
}

// AddToBundleReport is AddToBundle, telling which patches were new to the
// bundle and whether it was created (a TUI's undo removes just those).
func (s *Service) AddToBundleReport(ctx context.Context, actor *store.User, projectID int64, name string, ids []int64) (*BundleAddition, error) {
	if err := needUser(actor); err != nil {
		return nil, err
	}
	name, err := CheckBundleName(name)
	if err != nil {
		return nil, err
	}
	// The patches exist and share one project, the bundle's, as
	// CreateBundle and UpdateBundle require.
	project, err := s.bundleProject(ctx, ids)
	if err != nil {
		return nil, err
	}
	if projectID != 0 && project != projectID {
		return nil, &Error{Kind: store.ErrInvalid, Msg: MsgBundleOneProject}
	}
	var a BundleAddition
	err = s.st.InTx(ctx, func(tx store.Store) error {
		a = BundleAddition{}
		b, err := tx.GetBundleByName(ctx, actor.ID, name)
		var had []int64
		switch {
		case errors.Is(err, store.ErrNotFound):
			b = &store.Bundle{OwnerID: actor.ID, ProjectID: project, Name: name}
			if err := tx.CreateBundle(ctx, b); err != nil {
				return err
			}
			a.Created = true
		case err != nil:
			return err
		default:
			if b.ProjectID != project {
				return &Error{Kind: store.ErrInvalid, Msg: MsgBundleOneProject}
			}
			if had, err = tx.BundlePatchIDs(ctx, b.ID); err != nil {
				return err
			}
		}
		a.Bundle = b
		seen := make(map[int64]bool, len(had)+len(ids))
		for _, id := range had {
			seen[id] = true
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				a.Added = append(a.Added, id)
			}
		}
		return tx.AddBundlePatches(ctx, b.ID, ids)
	})
	if err != nil {
		return nil, fmt.Errorf("add to bundle %q: %w", name, err)
	}
	return &a, nil
}

// RemoveFromBundle takes patches out of b (its owner's, or under
// AdminsToo an admin's to change); patches not in it are no error.
func (s *Service) RemoveFromBundle(ctx context.Context, actor *store.User, b *store.Bundle, ids []int64, pol Policy) error {
	if err := MayChangeBundle(actor, b, pol); err != nil {
		return err
	}
	if err := s.st.RemoveBundlePatches(ctx, b.ID, ids); err != nil {
		return fmt.Errorf("remove from bundle %q: %w", b.Name, err)
	}
	return nil
}

// MaySeeBundle reports whether actor (nil: anonymous) may see b: public
// bundles are everyone's to see, private ones their owner's.
func MaySeeBundle(actor *store.User, b *store.Bundle) bool {
	return b.Public || (actor != nil && actor.ID == b.OwnerID)
}
