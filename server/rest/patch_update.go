package rest

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

// validation accumulates field errors the way DRF reports them: every
// failing field at once.
type validation struct{ errs obj }

func (v *validation) add(name, msg string) { v.errs = v.errs.add(name, []string{msg}) }

// addErr adds a store validation error (store.FieldError) under its
// field.
func (v *validation) addErr(err error) {
	var fe *store.FieldError
	switch {
	case err == nil:
	case errors.As(err, &fe):
		v.add(fe.Field, fe.Message)
	default:
		v.add("non_field_errors", err.Error())
	}
}

func (v *validation) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	return &apiError{status: http.StatusBadRequest, body: v.errs}
}

// patchUpdate: PATCH/PUT patches/<id>/ (spec §8).
func (c *call) patchUpdate() error {
	p, err := c.patchByPath()
	if err != nil {
		return err
	}
	if err := c.permit(c.h.svc.CanEditPatch(c.ctx, c.user, p, service.UpstreamPolicy)); err != nil {
		return err
	}
	b, err := c.readBody()
	if err != nil {
		return err
	}
	proj, err := c.project(p.ProjectID)
	if err != nil {
		return err
	}
	var v validation
	u, err := c.patchChanges(b, proj, &v)
	if err != nil {
		return err
	}
	if c.r.Method == http.MethodPut {
		for _, f := range []string{"state", "delegate"} {
			if !b.has(f) {
				v.add(f, "This field is required.")
			}
		}
	}
	var related []int64
	relPresent := c.since(2) && b.has("related")
	if relPresent {
		for _, x := range b.list("related") {
			id, ok := pk(x)
			if !ok {
				v.add("related", fmt.Sprintf("Incorrect type. Expected pk value, received %s.", pyType(x)))
				break
			}
			if _, err := c.h.store.GetPatch(c.ctx, id); errors.Is(err, store.ErrNotFound) {
				v.add("related", fmt.Sprintf("Invalid pk \"%d\" - object does not exist.", id))
				break
			} else if err != nil {
				return err
			}
			related = append(related, id)
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	err = c.h.svc.InTx(c.ctx, func(tx *service.Service) error {
		if relPresent {
			if err := tx.SetRelated(c.ctx, c.user, p, related); err != nil {
				return err
			}
		}
		_, err := tx.EditPatch(c.ctx, c.user, p.ID, u, service.UpstreamPolicy)
		return err
	})
	switch {
	case errors.Is(err, service.ErrRelationForbidden):
		return errRelationPerm
	case errors.Is(err, service.ErrRelationConflict):
		return errRelationConflict
	case err != nil:
		return err
	}
	p, err = c.h.store.GetPatch(c.ctx, p.ID)
	if err != nil {
		return err
	}
	return c.writePatchDetail(p)
}

// patchChanges validates state, delegate, archived, commit_ref and
// pull_url into a store update; field errors go to v.
func (c *call) patchChanges(b *body, proj *store.Project, v *validation) (store.PatchUpdate, error) {
	var u store.PatchUpdate
	if err := c.stringFields(b, "commit_ref", "pull_url"); err != nil {
		return u, err
	}
	if b.has("state") {
		switch x := b.raw("state").(type) {
		case string:
			states, err := c.states()
			if err != nil {
				return u, err
			}
			slug := store.Slugify(x)
			found := false
			for _, st := range states {
				if st.Slug == slug {
					id := st.ID
					u.StateID = &id
					found = true
					break
				}
			}
			if !found {
				slugs := make([]string, len(states))
				for i, st := range states {
					slugs[i] = st.Slug
				}
				v.add("state", fmt.Sprintf("Invalid state %s. Expected one of: %s.", slug, strings.Join(slugs, ", ")))
			}
		case nil:
			v.add("state", "This field may not be null.")
		default:
			v.add("state", fmt.Sprintf("Incorrect type. Expected string value, received %s.", pyType(x)))
		}
	}
	if b.has("delegate") {
		raw := b.raw("delegate")
		switch x := raw.(type) {
		case nil:
			zero := int64(0)
			u.DelegateID = &zero
		default:
			if s, ok := x.(string); ok && strings.TrimSpace(s) == "" {
				zero := int64(0)
				u.DelegateID = &zero
				break
			}
			id, ok := pk(x)
			if !ok {
				v.add("delegate", fmt.Sprintf("Incorrect type. Expected pk value, received %s.", pyType(x)))
				break
			}
			du, err := c.h.store.GetUser(c.ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				v.add("delegate", fmt.Sprintf("Invalid pk \"%d\" - object does not exist.", id))
				break
			}
			if err != nil {
				return u, err
			}
			m, err := c.h.svc.MayDelegateTo(c.ctx, proj.ID, du.ID)
			if err != nil {
				return u, err
			}
			if !m {
				v.add("delegate", fmt.Sprintf("User '%s' is not a maintainer for project '%s'", du.Username, proj.Name))
				break
			}
			u.DelegateID = &id
		}
	}
	if b.has("archived") {
		a, ok := parseBool(b.raw("archived"))
		if !ok {
			v.add("archived", "Must be a valid boolean.")
		} else {
			u.Archived = &a
		}
	}
	if s, present, _ := b.strField("commit_ref"); present {
		if len(s) > 255 {
			v.add("commit_ref", "Ensure this field has no more than 255 characters.")
		} else {
			u.CommitRef = &s
		}
	}
	if s, present, _ := b.strField("pull_url"); present {
		if len(s) > 255 {
			v.add("pull_url", "Ensure this field has no more than 255 characters.")
		} else {
			u.PullURL = &s
		}
	}
	return u, nil
}

var (
	errRelationPerm     = detail(http.StatusForbidden, service.ErrRelationForbidden.Msg)
	errRelationConflict = detail(http.StatusConflict, service.ErrRelationConflict.Msg)
)
