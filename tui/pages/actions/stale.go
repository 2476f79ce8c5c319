package actions

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
)

// A change refused because someone else changed the patch since the
// dialog opened is not lost: the user sees what the patch holds now and
// may apply the change again over it, knowingly.

// staleMsg asks again about the patches of an action that changed
// meanwhile.
type staleMsg struct {
	done     DoneMsg // what the action did to the other patches
	retry    Target  // the changed patches, with their values now
	o        op
	prior    Target // the patches already written (for the undo)
	question string // the dialog's text
}

// staleOf reads the patches of t again and builds the question.
func (a *Actions) staleOf(t Target, o op, prior Target, done DoneMsg) tea.Msg {
	c := a.c
	names, err := newNamer(c)
	if err != nil {
		return common.ErrorMsg{Err: err}
	}
	var rows []store.PatchRow
	var lines []string
	var already []int64
	for _, id := range t.IDs {
		p, err := c.Store.GetPatch(c.Ctx, id)
		if err != nil {
			return common.ErrorMsg{Err: fmt.Errorf("patch #%d: %w", id, err)}
		}
		now, was := RowOf(p), t.row(id)
		if now.Name == "" {
			now.Name = was.Name
		}
		if sets(o.u, now) {
			already = append(already, id)
			continue
		}
		rows = append(rows, now)
		what, v := names.field(o.u, now)
		_, saw := names.field(o.u, was)
		lines = append(lines, "  "+one(now)+": "+join(what, "now", v)+" (you saw "+saw+")")
	}
	if len(rows) == 0 {
		// Someone else did the same: nothing to ask.
		done.Status = join(done.Status, "("+idList(already)+": already "+strings.TrimPrefix(o.done, "→ ")+")")
		done.OK = max(done.OK, 1)
		return done
	}
	them := "it"
	if len(rows) > 1 {
		them = "them"
	}
	q := "Changed by someone else since this dialog opened:\n" + strings.Join(lines, "\n") + "\n\n" +
		join(o.verb, them, strings.TrimSpace(o.tail)) + " anyway?"
	return staleMsg{done: done, retry: TargetOf(rows), o: o, prior: prior, question: q}
}

// stale opens the question and reports what the action did meanwhile.
func (a *Actions) stale(m staleMsg) tea.Cmd {
	retry := m.retry
	retry.ProjectID = m.prior.ProjectID
	a.dialog = components.NewConfirm(a.c, m.question, func() tea.Msg { return a.apply(retry, m.o, m.prior) })
	if m.done.OK > 0 || m.done.Err != nil {
		return common.Send(m.done)
	}
	return nil
}

// sets reports whether r already has the value u sets.
func sets(u store.PatchUpdate, r store.PatchRow) bool {
	switch {
	case u.StateID != nil:
		return r.StateID == *u.StateID
	case u.DelegateID != nil:
		return r.DelegateID == *u.DelegateID
	case u.Archived != nil:
		return r.Archived == *u.Archived
	case u.CommitRef != nil:
		return r.CommitRef == *u.CommitRef
	}
	return false
}

// namer says the values of patches in words.
type namer struct {
	c      *common.Common
	states []store.State
	users  map[int64]string
}

func newNamer(c *common.Common) (*namer, error) {
	states, err := c.Store.ListStates(c.Ctx)
	if err != nil {
		return nil, fmt.Errorf("list states: %w", err)
	}
	return &namer{c: c, states: states, users: map[int64]string{0: "(nobody)"}}, nil
}

// field is the value of r that u changes, and what it is: ("state",
// "Accepted"), ("delegate", "mia"), ("", "archived"), ("commit ref",
// "abc123").
func (n *namer) field(u store.PatchUpdate, r store.PatchRow) (what, value string) {
	switch {
	case u.StateID != nil:
		return "state", n.state(r.StateID)
	case u.DelegateID != nil:
		return "delegate", n.user(r.DelegateID)
	case u.Archived != nil:
		if r.Archived {
			return "", "archived"
		}
		return "", "not archived"
	case u.CommitRef != nil:
		if r.CommitRef == "" {
			return "commit ref", "(none)"
		}
		return "commit ref", common.Sanitize(r.CommitRef)
	}
	return "", ""
}

func (n *namer) state(id int64) string {
	if st, ok := store.StateByID(n.states, id); ok {
		return st.Name
	}
	return "#" + itoa(id)
}

func (n *namer) user(id int64) string {
	if name, ok := n.users[id]; ok {
		return name
	}
	name := "user #" + itoa(id)
	if u, err := n.c.Store.GetUser(n.c.Ctx, id); err == nil {
		name = u.Username
	}
	n.users[id] = name
	return name
}
