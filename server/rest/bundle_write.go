package rest

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

// bundleInput validates the writable bundle fields. required: POST
// semantics (name and patches must be present).
func (c *call) bundleInput(b *body, required bool, ownerID, selfID int64) (name *string, public *bool, patches []int64, err error) {
	if err := c.stringFields(b, "name"); err != nil {
		return nil, nil, nil, err
	}
	var v validation
	if s, present, null := b.strField("name"); present || required {
		s, nerr := service.CheckBundleName(s)
		switch {
		case !present:
			v.add("name", "This field is required.")
		case null:
			v.add("name", "This field may not be null.")
		case nerr != nil:
			v.add("name", service.Message(nerr))
		default:
			other, gerr := c.h.store.GetBundleByName(c.ctx, ownerID, s)
			switch {
			case gerr == nil && other.ID != selfID:
				v.add("name", service.MsgBundleNameTaken)
			case gerr != nil && !errors.Is(gerr, store.ErrNotFound):
				return nil, nil, nil, gerr
			}
			name = &s
		}
	}
	if public, err = b.boolField("public"); err != nil {
		return nil, nil, nil, err
	}
	if b.has("patches") || required {
		vals := b.list("patches")
		switch {
		case !b.has("patches"):
			v.add("patches", "This field is required.")
		case len(vals) == 0:
			v.add("patches", service.MsgBundleEmpty)
		case len(vals) > store.BundleLimit(c.h.store):
			// Before looking up every patch: one request may not cost
			// a lookup per id of an unbounded list.
			c.refused("bundle too large", "patches", len(vals))
			v.addErr(store.BundleTooLarge(store.BundleLimit(c.h.store), len(vals)))
		default:
			seen := map[int64]bool{}
			projects := map[int64]bool{}
		loop:
			for _, x := range vals {
				id, ok := pk(x)
				if !ok {
					v.add("patches", fmt.Sprintf("Incorrect type. Expected pk value, received %s.", pyType(x)))
					break
				}
				p, gerr := c.h.store.GetPatch(c.ctx, id)
				switch {
				case errors.Is(gerr, store.ErrNotFound):
					v.add("patches", fmt.Sprintf("Invalid pk \"%d\" - object does not exist.", id))
					break loop
				case gerr != nil:
					return nil, nil, nil, gerr
				}
				projects[p.ProjectID] = true
				if !seen[id] {
					seen[id] = true
					patches = append(patches, id)
				}
			}
			if len(projects) > 1 {
				v.add("patches", service.MsgBundleOneProject)
			}
		}
	}
	return name, public, patches, v.err()
}

// bundleCreate: POST bundles/ (1.2+), owner = the requester.
func (c *call) bundleCreate() error {
	if err := c.requireUser(); err != nil {
		return err
	}
	b, err := c.readBody()
	if err != nil {
		return err
	}
	name, public, patches, err := c.bundleInput(b, true, c.user.ID, 0)
	if err != nil {
		return err
	}
	bundle, err := c.h.svc.CreateBundle(c.ctx, c.user, *name, public != nil && *public, patches)
	if errors.Is(err, store.ErrConflict) {
		return fieldError("name", service.MsgBundleNameTaken)
	}
	if err != nil {
		return err
	}
	return c.writeBundle(bundle, http.StatusCreated)
}

// ownBundle finds the bundle of the path for a write: invisible → 404,
// someone else's → 403.
func (c *call) ownBundle() (*store.Bundle, error) {
	bundle, err := c.bundleByPath()
	if err != nil {
		return nil, err
	}
	if c.user == nil || c.user.ID != bundle.OwnerID {
		return nil, c.forbidden()
	}
	return bundle, nil
}

// bundleUpdate: PUT/PATCH bundles/<id>/ by the owner; patches replaces the
// list (in the order given) and resets the project.
func (c *call) bundleUpdate() error {
	bundle, err := c.ownBundle()
	if err != nil {
		return err
	}
	b, err := c.readBody()
	if err != nil {
		return err
	}
	name, public, patches, err := c.bundleInput(b, false, bundle.OwnerID, bundle.ID)
	if err != nil {
		return err
	}
	err = c.h.svc.UpdateBundle(c.ctx, c.user, bundle, service.BundleChange{Name: name, Public: public, Patches: patches}, service.UpstreamPolicy)
	if errors.Is(err, store.ErrConflict) {
		return fieldError("name", service.MsgBundleNameTaken)
	}
	if err != nil {
		return err
	}
	return c.writeBundle(bundle, http.StatusOK)
}

// bundleDelete: DELETE bundles/<id>/ by the owner → 204.
func (c *call) bundleDelete() error {
	bundle, err := c.ownBundle()
	if err != nil {
		return err
	}
	if err := c.h.svc.DeleteBundle(c.ctx, c.user, bundle, service.UpstreamPolicy); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}
