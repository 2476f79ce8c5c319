package actions

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/tui/common"
)

// Every change leaves an undo: the root keeps the session's last one and
// runs it on u. An undo writes through the same service operation as the
// change, on exactly the patches the change wrote, and only where the
// change is still in place (a patch changed again since is left alone
// and named).

// undoEdit takes o back on t's patches, whose rows hold the values o
// replaced.
func (a *Actions) undoEdit(t Target, o op) *common.Undo {
	c := a.c
	t.Left = nil
	return &common.Undo{Run: func() common.UndoneMsg {
		names, err := newNamer(c)
		if err != nil {
			return common.UndoneMsg{Err: err}
		}
		var order []string
		groups := map[string][]int64{} // what was restored → patches
		var refused []string
		for _, id := range t.IDs {
			was := t.row(id)
			if _, err := c.Service.EditPatch(c.Ctx, c.User, id, restore(was, o.u), service.AdminsToo); err != nil {
				why := common.Describe(err)
				if errors.Is(err, store.ErrStale) {
					why = "changed again since, left as it is"
				}
				refused = append(refused, "#"+itoa(id)+": "+why)
				continue
			}
			what := names.restored(o.u, was)
			if _, ok := groups[what]; !ok {
				order = append(order, what)
			}
			groups[what] = append(groups[what], id)
		}
		m := common.UndoneMsg{Changed: len(order) > 0}
		switch len(order) {
		case 0:
		case 1:
			m.Status = "undone: " + t.subset(groups[order[0]]).phrase("", order[0])
		default:
			parts := make([]string, len(order))
			n := 0
			for i, what := range order {
				parts[i] = idList(groups[what]) + " " + what
				n += len(groups[what])
			}
			m.Status = fmt.Sprintf("undone: %d patches: %s", n, strings.Join(parts, ", "))
		}
		if len(refused) > 0 {
			m.Err = errors.New("not undone: " + strings.Join(refused, "; "))
		}
		return m
	}}
}

// restore is the update that takes u back on a patch that was was: its
// old values, written only while the patch still has u's.
func restore(was store.PatchRow, u store.PatchUpdate) store.PatchUpdate {
	var b store.PatchUpdate
	if u.StateID != nil {
		v := was.StateID
		b.StateID, b.Expect.StateID = &v, u.StateID
	}
	if u.DelegateID != nil {
		v := was.DelegateID
		b.DelegateID, b.Expect.DelegateID = &v, u.DelegateID
	}
	if u.Archived != nil {
		v := was.Archived
		b.Archived, b.Expect.Archived = &v, u.Archived
	}
	if u.CommitRef != nil {
		v := was.CommitRef
		b.CommitRef, b.Expect.CommitRef = &v, u.CommitRef
	}
	return b
}

// restored says what restoring was's value of the field u changed did:
// "state back to New", "unarchived".
func (n *namer) restored(u store.PatchUpdate, was store.PatchRow) string {
	switch {
	case u.StateID != nil:
		return "state back to " + n.state(was.StateID)
	case u.DelegateID != nil:
		return "delegate back to " + n.user(was.DelegateID)
	case u.Archived != nil:
		if was.Archived {
			return "archived again"
		}
		return "unarchived"
	case u.CommitRef != nil:
		if was.CommitRef == "" {
			return "commit ref cleared"
		}
		return "commit ref back to " + common.Sanitize(was.CommitRef)
	}
	return "restored"
}

// undoBundle takes out of the bundle the patches the addition put there,
// and deletes the bundle if the addition made it and it holds just them.
func (a *Actions) undoBundle(t Target, added *service.BundleAddition) *common.Undo {
	c := a.c
	t.Left = nil
	name := added.Bundle.Name
	return &common.Undo{Run: func() common.UndoneMsg {
		if len(added.Added) == 0 {
			return common.UndoneMsg{Status: fmt.Sprintf("nothing to undo: %s were in bundle %q already", idList(t.IDs), name)}
		}
		b, err := c.Store.GetBundle(c.Ctx, added.Bundle.ID)
		if errors.Is(err, store.ErrNotFound) {
			return common.UndoneMsg{Err: fmt.Errorf("not undone: bundle %q is gone", name)}
		}
		if err != nil {
			return common.UndoneMsg{Err: fmt.Errorf("bundle %q: %w", name, err)}
		}
		if added.Created {
			ids, err := c.Store.BundlePatchIDs(c.Ctx, b.ID)
			if err != nil {
				return common.UndoneMsg{Err: fmt.Errorf("bundle %q: %w", name, err)}
			}
			slices.Sort(ids)
			mine := slices.Sorted(slices.Values(added.Added))
			if slices.Equal(ids, mine) {
				if err := c.Service.DeleteBundle(c.Ctx, c.User, b, service.AdminsToo); err != nil {
					return common.UndoneMsg{Err: err}
				}
				return common.UndoneMsg{Changed: true, Status: fmt.Sprintf("undone: bundle %q deleted (adding %s had made it)", name, idList(added.Added))}
			}
		}
		if err := c.Service.RemoveFromBundle(c.Ctx, c.User, b, added.Added, service.AdminsToo); err != nil {
			return common.UndoneMsg{Err: err}
		}
		return common.UndoneMsg{Changed: true, Status: "undone: " + t.subset(added.Added).phrase("", fmt.Sprintf("taken out of bundle %q", name))}
	}}
}
