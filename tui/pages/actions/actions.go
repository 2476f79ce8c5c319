// Package actions runs the patch actions shared by the patch list and the
// patch view: change state, delegate, archive, set the commit ref, add to a
// bundle. Every change goes through the service (store/service), so
// permissions and events are the same as in REST, XML-RPC and the web; a
// change is written only if the patch still has the value the dialog
// showed, so that nobody overwrites a change made meanwhile unknowingly.
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

// Target is what an action applies to: the marked patches, or the one
// under the cursor.
type Target struct {
	IDs       []int64
	ProjectID int64 // for the delegate list and a new bundle
	// The current values of the single patch (or the first one), used to
	// preselect pickers and prefill prompts.
	StateID   int64
	Delegate  int64
	Archived  bool
	CommitRef string
	// seen holds, per patch, the values shown when the action started
	// (TargetOf); a single-patch target's are the fields above.
	seen map[int64]store.PatchRow
}

// TargetOf targets every row (a series, the marked rows); the first row
// gives the values that preselect pickers.
func TargetOf(rows []store.PatchRow) Target {
	if len(rows) == 0 {
		return Target{}
	}
	r := rows[0]
	t := Target{ProjectID: r.ProjectID, StateID: r.StateID, Delegate: r.DelegateID, Archived: r.Archived, CommitRef: r.CommitRef}
	t.seen = make(map[int64]store.PatchRow, len(rows))
	for _, r := range rows {
		t.IDs = append(t.IDs, r.ID)
		t.seen[r.ID] = r
	}
	return t
}

// DoneMsg reports an action's result; pages clear their marks when OK > 0.
type DoneMsg struct {
	OK     int
	Status string
	Err    error
}

// Result turns an action's result into the messages the root acts on: a
// reload of every page when something changed, and the error if any.
func Result(m DoneMsg) tea.Cmd {
	var cmds []tea.Cmd
	if m.OK > 0 {
		cmds = append(cmds, common.Send(common.ChangedMsg{Status: m.Status}))
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
	case keyRun:
		return true, msg.cmd
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

// Start begins an action on t. Anonymous users are told at once; for
// everyone else the store decides (maintainers, delegates, submitters,
// admins).
func (a *Actions) Start(k Kind, t Target) tea.Cmd {
	if len(t.IDs) == 0 {
		return nil
	}
	if a.c.User == nil {
		return common.Error(common.ErrAnonymous)
	}
	switch k {
	case SetState:
		return a.pickState(t)
	case SetDelegate:
		return a.pickDelegate(t)
	case ToggleArchive:
		archive := !t.Archived
		verb := "archive"
		if !archive {
			verb = "unarchive"
		}
		return a.confirmMany(t, verb, store.PatchUpdate{Archived: &archive}, verb+"d")
	case SetCommitRef:
		if len(t.IDs) > 1 {
			return common.Error(errors.New("a commit ref applies to one patch: unmark the others"))
		}
		return open(components.NewPrompt(a.c, "Commit ref for patch #"+itoa(t.IDs[0]), t.CommitRef, func(ref string) tea.Cmd {
			return a.edit(t, store.PatchUpdate{CommitRef: &ref}, "commit ref set")
		}))
	case AddToBundle:
		return a.promptBundle(t)
	}
	return nil
}

func open(d components.Dialog) tea.Cmd { return func() tea.Msg { return openMsg{dialog: d} } }

func (a *Actions) pickState(t Target) tea.Cmd {
	return func() tea.Msg {
		states, err := a.c.Store.ListStates(a.c.Ctx)
		if err != nil {
			return common.ErrorMsg{Err: fmt.Errorf("list states: %w", err)}
		}
		items := make([]components.PickItem, len(states))
		for i, st := range states {
			items[i] = components.PickItem{Label: st.Name, Value: st.ID}
		}
		title := "State of " + plural(len(t.IDs))
		return openMsg{dialog: components.NewPicker(a.c, title, items, t.StateID, func(it components.PickItem) tea.Cmd {
			id := it.Value
			return a.confirmMany(t, "set the state of", store.PatchUpdate{StateID: &id}, "→ "+it.Label)
		})}
	}
}

func (a *Actions) pickDelegate(t Target) tea.Cmd {
	return func() tea.Msg {
		users, err := a.c.Store.ListMaintainers(a.c.Ctx, t.ProjectID)
		if err != nil {
			return common.ErrorMsg{Err: fmt.Errorf("list maintainers: %w", err)}
		}
		items := []components.PickItem{{Label: "(nobody)", Value: 0}}
		for _, u := range users {
			items = append(items, components.PickItem{Label: u.Username, Value: u.ID})
		}
		return openMsg{dialog: components.NewPicker(a.c, "Delegate "+plural(len(t.IDs))+" to", items, t.Delegate, func(it components.PickItem) tea.Cmd {
			id := it.Value
			return a.confirmMany(t, "delegate", store.PatchUpdate{DelegateID: &id}, "delegated to "+it.Label)
		})}
	}
}

func (a *Actions) promptBundle(t Target) tea.Cmd {
	return func() tea.Msg {
		bundles, err := a.c.Store.ListBundles(a.c.Ctx, store.BundleQuery{OwnerID: []int64{a.c.UserID()}, ViewerID: a.c.UserID(), Order: "name"})
		if err != nil {
			return common.ErrorMsg{Err: fmt.Errorf("list bundles: %w", err)}
		}
		title := "Add " + plural(len(t.IDs)) + " to bundle"
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

// confirmMany asks first when the change touches several patches: undoing
// it would mean restoring each patch's old value by hand.
func (a *Actions) confirmMany(t Target, verb string, u store.PatchUpdate, done string) tea.Cmd {
	run := a.edit(t, u, done)
	if len(t.IDs) == 1 {
		return run
	}
	return open(components.NewConfirm(a.c, fmt.Sprintf("%s %d patches?", capitalize(verb), len(t.IDs)), run))
}

// edit applies u to every patch of t; a refusal of one patch doesn't stop
// the rest.
func (a *Actions) edit(t Target, u store.PatchUpdate, done string) tea.Cmd {
	c := a.c
	return func() tea.Msg {
		ok := 0
		var firstErr error
		var failed int64
		for _, id := range t.IDs {
			pu := u
			pu.Expect = t.expect(id, u)
			if _, err := c.Service.EditPatch(c.Ctx, c.User, id, pu, service.AdminsToo); err != nil {
				if firstErr == nil {
					firstErr, failed = err, id
				}
				continue
			}
			ok++
		}
		res := result(ok, len(t.IDs), done, firstErr, failed)
		if ok > 0 && u.StateID != nil {
			// Accepted may send "applied, thanks" (asked or not, per project).
			return tea.Sequence(common.Send(res), replypage.AfterState(c, t.IDs, *u.StateID))()
		}
		return res
	}
}

// expect is the precondition of changing patch id by u: the value u
// changes must still be the one shown when the action started. Patches
// whose values were not shown (marked rows of a list) have none.
func (t Target) expect(id int64, u store.PatchUpdate) store.PatchExpect {
	var was store.PatchRow
	switch r, ok := t.seen[id]; {
	case ok:
		was = r
	case len(t.IDs) == 1 && t.IDs[0] == id:
		was = store.PatchRow{StateID: t.StateID, DelegateID: t.Delegate, Archived: t.Archived, CommitRef: t.CommitRef}
	default:
		return store.PatchExpect{}
	}
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
		b, err := c.Service.AddToBundle(c.Ctx, c.User, t.ProjectID, name, t.IDs)
		if err != nil {
			return DoneMsg{Err: err}
		}
		return DoneMsg{OK: len(t.IDs), Status: fmt.Sprintf("%s added to bundle %q", plural(len(t.IDs)), b.Name)}
	}
}

func result(ok, total int, done string, err error, failed int64) DoneMsg {
	switch {
	case err == nil:
		return DoneMsg{OK: ok, Status: fmt.Sprintf("%s %s", plural(ok), done)}
	case ok == 0:
		return DoneMsg{Err: fmt.Errorf("patch #%d: %s", failed, common.Describe(err))}
	default:
		return DoneMsg{OK: ok, Err: fmt.Errorf("%d of %d patches %s; patch #%d: %s", ok, total, done, failed, common.Describe(err))}
	}
}

func plural(n int) string {
	if n == 1 {
		return "1 patch"
	}
	return itoa(int64(n)) + " patches"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func itoa(n int64) string { return fmt.Sprint(n) }

// SetStateTo sets the state whose slug is given (a one-key state) on t,
// through the same confirmation and edit as the state picker.
func (a *Actions) SetStateTo(t Target, slug string) tea.Cmd {
	if len(t.IDs) == 0 {
		return nil
	}
	if a.c.User == nil {
		return common.Error(common.ErrAnonymous)
	}
	return func() tea.Msg {
		states, err := a.c.Store.ListStates(a.c.Ctx)
		if err != nil {
			return common.ErrorMsg{Err: fmt.Errorf("list states: %w", err)}
		}
		for _, st := range states {
			if st.Slug == slug {
				id := st.ID
				return keyRun{a.confirmMany(t, "set the state of", store.PatchUpdate{StateID: &id}, "→ "+st.Name)}
			}
		}
		return common.ErrorMsg{Err: fmt.Errorf("no state %q: the state keys name one that does not exist", slug)}
	}
}

// keyRun carries the command a one-key state runs once its state is
// known: a confirmation to open, or the edit itself.
type keyRun struct{ cmd tea.Cmd }
