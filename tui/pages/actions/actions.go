// Package actions runs the patch actions shared by the patch list and the
// patch view: change state, delegate, archive, set the commit ref, add to a
// bundle. Every change goes through the service (store/service), so
// permissions and events are the same as in REST, XML-RPC and the web; a
// change is written only if the patch still has the value the dialog
// showed, so that nobody overwrites a change made meanwhile unknowingly
// (stale.go asks again, showing the new value). Dialogs and status lines
// name the patches an action applies to, and every change leaves an undo
// (undo.go).
package actions

import (
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
	replypage "github.com/patchwork-go/patchwork/tui/pages/reply"
)

// Kind is one action.
type Kind int

// The actions.
const (
	SetState Kind = iota
	SetDelegate
	ToggleArchive
	SetCommitRef
	AddToBundle
)

// DoneMsg reports an action's result; pages clear their marks when OK > 0.
type DoneMsg struct {
	OK     int
	Status string
	Err    error
	// Undo takes the change back (nil when nothing changed).
	Undo *common.Undo
}

// Result turns an action's result into the messages the root acts on: a
// reload of every page when something changed (with the undo of the
// change), and the error if any.
func Result(m DoneMsg) tea.Cmd {
	var cmds []tea.Cmd
	if m.OK > 0 {
		cmds = append(cmds, common.Send(common.ChangedMsg{Status: m.Status, Undo: m.Undo}))
	}
	if m.Err != nil {
		cmds = append(cmds, common.Error(m.Err))
	}
	return tea.Sequence(cmds...)
}

// Actions holds the dialog of an action in progress.
type Actions struct {
	c      *common.Common
	dialog components.Dialog
}

// New returns an idle Actions.
func New(c *common.Common) *Actions { return &Actions{c: c} }

// Active reports whether a dialog is open (it then gets every key).
func (a *Actions) Active() bool { return a.dialog != nil }

// View draws the open dialog over a w×h area.
func (a *Actions) View(w, h int) string { return components.Overlay(a.c, a.dialog, w, h) }

// the messages that open a dialog once its choices are loaded.
type openMsg struct{ dialog components.Dialog }

// Update handles keys while a dialog is open and the messages Actions
// itself produced; handled is false for everything else.
func (a *Actions) Update(msg tea.Msg) (handled bool, cmd tea.Cmd) {
	switch msg := msg.(type) {
	case openMsg:
		a.dialog = msg.dialog
		return true, nil
	case staleMsg:
		return true, a.stale(msg)
	case tea.KeyPressMsg:
		if a.dialog == nil {
			return false, nil
		}
		done, cmd := a.dialog.Update(msg)
		if done {
			a.dialog = nil
		}
		return true, cmd
	}
	return false, nil
}

// op is one change and the words that name it.
type op struct {
	u    store.PatchUpdate
	verb string // of the question: "Set", "Delegate", "Archive"
	tail string // after the patches in the question: " to Accepted"
	done string // of the status line: "→ Accepted", "archived"
}

// question asks whether to apply o to t: "Set 4 patches to Accepted:
// #1990 #1991 #1992 #1993?".
func (o op) question(t Target) string {
	if len(t.IDs) == 1 {
		return join(o.verb, one(t.row(t.IDs[0])), strings.TrimSpace(o.tail)) + t.leftOut() + "?"
	}
	return join(o.verb, plural(len(t.IDs)), strings.TrimSpace(o.tail)) + ": " + idList(t.IDs) + t.leftOut() + "?"
}

// Start begins an action on t. Anonymous users are told at once, and so
// is anyone who may not change one of the patches, before any menu
// opens; the service checks again when it writes.
func (a *Actions) Start(k Kind, t Target) tea.Cmd {
	if len(t.IDs) == 0 {
		return nil
	}
	if a.c.User == nil {
		return common.Error(common.ErrAnonymous)
	}
	switch k {
	case SetState:
		return a.checked(t, a.pickState)
	case SetDelegate:
		return a.checked(t, a.pickDelegate)
	case ToggleArchive:
		return a.checked(t, func(t Target) tea.Msg {
			archive := !t.Archived
			o := op{u: store.PatchUpdate{Archived: &archive}, verb: "Archive", done: "archived"}
			if !archive {
				o.verb, o.done = "Unarchive", "unarchived"
			}
			return a.confirmMany(t, o)
		})
	case SetCommitRef:
		if len(t.IDs) > 1 {
			return common.Error(errors.New("a commit ref applies to one patch: unmark the others"))
		}
		return a.checked(t, func(t Target) tea.Msg {
			return openMsg{dialog: components.NewPrompt(a.c, "Commit ref for "+t.Name(), t.CommitRef, func(ref string) tea.Cmd {
				o := op{u: store.PatchUpdate{CommitRef: &ref}, verb: "Set the commit ref of", tail: " to " + ref, done: "commit ref set to " + ref}
				if ref == "" {
					o.verb, o.tail, o.done = "Clear the commit ref of", "", "commit ref cleared"
				}
				return a.edit(t, o)
			})}
		})
	case AddToBundle:
		return a.promptBundle(t)
	}
	return nil
}

// checked runs next once the session user is known to be allowed to
// change every patch of t; otherwise it says which ones they may not.
func (a *Actions) checked(t Target, next func(Target) tea.Msg) tea.Cmd {
	c := a.c
	return func() tea.Msg {
		var refused []int64
		var project int64
		for _, id := range t.IDs {
			p, err := c.Store.GetPatch(c.Ctx, id)
			if err != nil {
				return common.ErrorMsg{Err: fmt.Errorf("patch #%d: %w", id, err)}
			}
			ok, err := c.Service.CanEditPatch(c.Ctx, c.User, p, service.AdminsToo)
			if err != nil {
				return common.ErrorMsg{Err: fmt.Errorf("may %s change patch #%d: %w", c.User.Username, id, err)}
			}
			if !ok {
				refused, project = append(refused, id), p.ProjectID
			}
		}
		if len(refused) == 0 {
			return next(t)
		}
		who := "its"
		if len(refused) > 1 {
			who = "their"
		}
		proj := "its project"
		if p, err := c.Store.GetProject(c.Ctx, project); err == nil {
			proj = p.LinkName
		}
		return common.ErrorMsg{Err: &service.Error{Kind: store.ErrForbidden, Msg: fmt.Sprintf(
			"permission denied: %s may not change %s (only %s's maintainers, %s delegate and %s submitter may)",
			c.User.Username, t.subset(refused).Name(), proj, who, who)}}
	}
}

func (a *Actions) pickState(t Target) tea.Msg {
	states, err := a.c.Store.ListStates(a.c.Ctx)
	if err != nil {
		return common.ErrorMsg{Err: fmt.Errorf("list states: %w", err)}
	}
	items := make([]components.PickItem, len(states))
	for i, st := range states {
		items[i] = components.PickItem{Label: st.Name, Value: st.ID}
	}
	return openMsg{dialog: components.NewPicker(a.c, "State of "+t.Name(), items, t.StateID, func(it components.PickItem) tea.Cmd {
		id := it.Value
		return a.confirmCmd(t, op{u: store.PatchUpdate{StateID: &id}, verb: "Set", tail: " to " + it.Label, done: "→ " + it.Label})
	})}
}

func (a *Actions) pickDelegate(t Target) tea.Msg {
	users, err := a.c.Store.ListMaintainers(a.c.Ctx, t.ProjectID)
	if err != nil {
		return common.ErrorMsg{Err: fmt.Errorf("list maintainers: %w", err)}
	}
	items := []components.PickItem{{Label: "(nobody)", Value: 0}}
	for _, u := range users {
		items = append(items, components.PickItem{Label: u.Username, Value: u.ID})
	}
	return openMsg{dialog: components.NewPicker(a.c, "Delegate "+t.Name()+" to", items, t.Delegate, func(it components.PickItem) tea.Cmd {
		id := it.Value
		o := op{u: store.PatchUpdate{DelegateID: &id}, verb: "Delegate", tail: " to " + it.Label, done: "delegated to " + it.Label}
		if id == 0 {
			o.verb, o.tail, o.done = "Remove the delegate of", "", "no longer delegated"
		}
		return a.confirmCmd(t, o)
	})}
}

func (a *Actions) promptBundle(t Target) tea.Cmd {
	return func() tea.Msg {
		bundles, err := a.c.Store.ListBundles(a.c.Ctx, store.BundleQuery{OwnerID: []int64{a.c.UserID()}, ViewerID: a.c.UserID(), Order: "name"})
		if err != nil {
			return common.ErrorMsg{Err: fmt.Errorf("list bundles: %w", err)}
		}
		title := "Add " + t.Name() + " to bundle"
		if len(bundles) > 0 {
			names := make([]string, 0, len(bundles))
			for _, b := range bundles {
				names = append(names, b.Name)
			}
			title += " (yours: " + strings.Join(names, ", ") + ")"
		}
		return openMsg{dialog: components.NewPrompt(a.c, title, "", func(name string) tea.Cmd {
			if name == "" {
				return nil
			}
			return a.bundle(t, name)
		})}
	}
}

// confirmMany asks first when the change touches several patches, naming
// them and the value it sets; a change of one patch, named by the dialog
// that chose it, applies at once (u takes either back).
func (a *Actions) confirmMany(t Target, o op) tea.Msg {
	if len(t.IDs) == 1 && len(t.Left) == 0 {
		return a.apply(t, o, Target{})
	}
	return openMsg{dialog: components.NewConfirm(a.c, o.question(t), a.edit(t, o))}
}

// confirmCmd is confirmMany as a command (from a dialog's choice).
func (a *Actions) confirmCmd(t Target, o op) tea.Cmd {
	return func() tea.Msg { return a.confirmMany(t, o) }
}

// edit applies o to every patch of t.
func (a *Actions) edit(t Target, o op) tea.Cmd {
	return func() tea.Msg { return a.apply(t, o, Target{}) }
}

// apply writes o to every patch of t; a refusal of one patch doesn't stop
// the rest. Patches changed by someone else since t was read are not
// written: a dialog shows their new values and asks again (staleMsg).
// prior are the patches of the same action written before it asked
// again: its undo covers them too.
func (a *Actions) apply(t Target, o op, prior Target) tea.Msg {
	c := a.c
	var done, stale []int64
	var firstErr error
	var failed int64
	for _, id := range t.IDs {
		pu := o.u
		pu.Expect = t.expect(id, o.u)
		_, err := c.Service.EditPatch(c.Ctx, c.User, id, pu, service.AdminsToo)
		switch {
		case errors.Is(err, store.ErrStale):
			stale = append(stale, id)
		case err != nil:
			if firstErr == nil {
				firstErr, failed = err, id
			}
		default:
			done = append(done, id)
		}
	}
	m := DoneMsg{OK: len(done)}
	if len(done) > 0 {
		changed := t.subset(done)
		m.Status = changed.phrase("", o.done)
		m.Undo = a.undoEdit(prior.merge(changed), o)
	}
	if firstErr != nil {
		what := fmt.Sprintf("%s: %s", one(t.row(failed)), common.Describe(firstErr))
		if n := len(t.IDs) - len(done) - len(stale); n > 1 {
			what = fmt.Sprintf("%d patches not changed; %s", n, what)
		}
		m.Err = errors.New(what)
	}
	if len(stale) > 0 {
		return a.staleOf(t.subset(stale), o, prior.merge(t.subset(done)), m)
	}
	if len(done) > 0 && o.u.StateID != nil {
		// Accepted may send "applied, thanks" (asked or not, per project).
		return tea.Sequence(common.Send(m), replypage.AfterState(c, done, *o.u.StateID))()
	}
	return m
}

// expect is the precondition of changing patch id by u: the value u
// changes must still be the one shown when the action started.
func (t Target) expect(id int64, u store.PatchUpdate) store.PatchExpect {
	was := t.row(id)
	var e store.PatchExpect
	if u.StateID != nil {
		e.StateID = &was.StateID
	}
	if u.DelegateID != nil {
		e.DelegateID = &was.DelegateID
	}
	if u.Archived != nil {
		e.Archived = &was.Archived
	}
	if u.CommitRef != nil {
		e.CommitRef = &was.CommitRef
	}
	return e
}

func (a *Actions) bundle(t Target, name string) tea.Cmd {
	c := a.c
	return func() tea.Msg {
		added, err := c.Service.AddToBundleReport(c.Ctx, c.User, t.ProjectID, name, t.IDs)
		if err != nil {
			return DoneMsg{Err: err}
		}
		return DoneMsg{OK: len(t.IDs), Status: t.phrase("", fmt.Sprintf("added to bundle %q", added.Bundle.Name)),
			Undo: a.undoBundle(t, added)}
	}
}

// SetStateTo sets the state whose slug is given (a one-key state) on t,
// through the same permission check, confirmation and edit as the state
// picker.
func (a *Actions) SetStateTo(t Target, slug string) tea.Cmd {
	if len(t.IDs) == 0 {
		return nil
	}
	if a.c.User == nil {
		return common.Error(common.ErrAnonymous)
	}
	return a.checked(t, func(t Target) tea.Msg {
		states, err := a.c.Store.ListStates(a.c.Ctx)
		if err != nil {
			return common.ErrorMsg{Err: fmt.Errorf("list states: %w", err)}
		}
		for _, st := range states {
			if st.Slug == slug {
				id := st.ID
				return a.confirmMany(t, op{u: store.PatchUpdate{StateID: &id}, verb: "Set", tail: " to " + st.Name, done: "→ " + st.Name})
			}
		}
		return common.ErrorMsg{Err: fmt.Errorf("no state %q: the state keys name one that does not exist", slug)}
	})
}
