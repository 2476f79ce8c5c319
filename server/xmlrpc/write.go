package xmlrpc

import (
	"errors"
	"fmt"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

// editablePatch does the checks both writing methods share, in upstream's
// order: the patch exists, then the authenticated user may edit it.
func (r *request) editablePatch(arg any) (*store.Patch, error) {
	id, ok, err := idArg(arg, "id")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errPatchNotExist
	}
	p, err := r.store().GetPatch(r.ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errPatchNotExist
	}
	if err != nil {
		return nil, fmt.Errorf("get patch %d: %w", id, err)
	}
	can, err := r.h.svc.CanEditPatch(r.ctx, r.user, p, service.UpstreamPolicy)
	if err != nil {
		return nil, fmt.Errorf("permission on patch %d: %w", id, err)
	}
	if !can {
		return nil, errNoPermission
	}
	return p, nil
}

// patchSet changes state, commit_ref and archived (spec §5.1). Unknown keys
// are ignored; nothing is written unless every key is valid.
func patchSet(r *request, args []any) (any, error) {
	p, err := r.editablePatch(args[0])
	if err != nil {
		return nil, err
	}
	params, ok := args[1].(Struct)
	if !ok {
		return nil, fault("AttributeError", "'%s' object has no attribute 'items'", pyTypeName(args[1]))
	}
	var u store.PatchUpdate
	changed := false
	for _, key := range params.Keys() {
		v, _ := params.Get(key)
		switch key {
		case "state":
			id, ok, err := idArg(v, "id")
			if err != nil {
				return nil, err
			}
			states, err := r.l.stateList(r.ctx)
			if err != nil {
				return nil, err
			}
			st, found := store.StateByID(states, id)
			if !ok || !found {
				return nil, errStateNotExist
			}
			u.StateID = &st.ID
			changed = true
		case "commit_ref":
			ref, _ := stringArg(v) // None clears it
			u.CommitRef = &ref
			changed = true
		case "archived":
			b, err := boolArg(v)
			if err != nil {
				return nil, err
			}
			u.Archived = &b
			changed = true
		}
	}
	if !changed {
		return true, nil
	}
	// EditPatch checks permission again and writes the change and its
	// events in one transaction.
	if _, err := r.h.svc.EditPatch(r.ctx, r.user, p.ID, u, service.UpstreamPolicy); err != nil {
		if errors.Is(err, store.ErrForbidden) {
			return nil, errNoPermission
		}
		if errors.Is(err, store.ErrNotFound) {
			return nil, errPatchNotExist
		}
		var fe *store.FieldError
		if errors.As(err, &fe) {
			return nil, fault("django.core.exceptions.ValidationError", "{'%s': ['%s']}", fe.Field, fe.Message)
		}
		if errors.Is(err, store.ErrInvalid) {
			// The service's refusal is a sentence for the user, not an
			// internal error to log.
			return nil, fault("django.core.exceptions.ValidationError", "['%s']", err.Error())
		}
		return nil, fmt.Errorf("edit patch %d: %w", p.ID, err)
	}
	return true, nil
}

// checkCreate adds a CI result (spec §5.2). The context is stored as given:
// pwclient users send things like "ci/build".
func checkCreate(r *request, args []any) (any, error) {
	p, err := r.editablePatch(args[0])
	if err != nil {
		return nil, err
	}
	context, _ := stringArg(args[1])
	stateText, _ := stringArg(args[2])
	var state store.CheckState
	switch stateText {
	case "pending":
		state = store.CheckPending
	case "success":
		state = store.CheckSuccess
	case "warning":
		state = store.CheckWarning
	case "fail":
		state = store.CheckFail
	default:
		return nil, fault("Exception", "Invalid check state: %s", pyStr(args[2]))
	}
	target, _ := stringArg(args[3])
	desc, _ := stringArg(args[4])
	// Upstream stores "" for a target URL or description left out (its
	// defaults), which REST reads back as "" rather than null.
	in := service.NewCheck{State: state, Context: context, TargetURL: target, Description: desc,
		TargetURLGiven: true, DescriptionGiven: true, FreeContext: true}
	if _, err := r.h.svc.CreateCheck(r.ctx, r.user, p, in); err != nil {
		// The one target URL rule of every front end; upstream applies it
		// on REST only and stores anything here (javascript: included).
		var fe *store.FieldError
		if errors.As(err, &fe) {
			return nil, fault("django.core.exceptions.ValidationError", "{'%s': ['%s']}", fe.Field, fe.Message)
		}
		return nil, fmt.Errorf("create check on patch %d: %w", p.ID, err)
	}
	return true, nil
}

// pyStr is Python's str() of a decoded value.
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return pyValueRepr(v)
}
