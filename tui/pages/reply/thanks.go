package reply

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui/common"
)

// AfterState runs after the patches ids were set to the state stateID:
// when that is Accepted, it sends "applied, thanks" as the project wants
// (always: at once; ask: after a question; never: nothing). Patches the
// change did not reach (still not Accepted) are left out.
func AfterState(c *common.Common, ids []int64, stateID int64) tea.Cmd {
	return func() tea.Msg {
		states, err := c.Store.ListStates(c.Ctx)
		if err != nil {
			return common.ErrorMsg{Err: err}
		}
		if st, ok := store.StateByID(states, stateID); !ok || st.Slug != "accepted" {
			return nil
		}
		var accepted []int64
		var projectID int64
		for _, id := range ids {
			p, err := c.Store.GetPatch(c.Ctx, id)
			if err != nil {
				return common.ErrorMsg{Err: err}
			}
			if p.StateID == stateID {
				accepted, projectID = append(accepted, id), p.ProjectID
			}
		}
		if len(accepted) == 0 {
			return nil
		}
		policy, err := c.Service.ThanksPolicy(c.Ctx, c.User, projectID)
		if err != nil {
			return common.ErrorMsg{Err: err}
		}
		switch policy {
		case store.ThanksAlways:
			return thank(c, accepted)()
		case store.ThanksAsk:
			return common.PushMsg{Page: &askThanks{c: c, ids: accepted}}
		}
		return nil
	}
}

// thank sends the notes and reloads the views.
func thank(c *common.Common, ids []int64) tea.Cmd {
	return func() tea.Msg {
		sent, err := c.Service.SendThanks(c.Ctx, c.User, ids)
		if err != nil {
			return changedOr(sent, err)
		}
		for _, m := range sent {
			if m.Status != store.SentSent {
				return changedOr(sent, fmt.Errorf("\"applied, thanks\" not sent: %s (kept as draft %d: ssh <host> reply --retry %d)", m.Error, m.ID, m.ID))
			}
		}
		return common.ChangedMsg{Status: sentStatus(`"applied, thanks"`, sent)}
	}
}

// askThanks asks whether to send "applied, thanks".
type askThanks struct {
	c   *common.Common
	ids []int64
}

func (a *askThanks) Init() tea.Cmd   { return nil }
func (a *askThanks) Reload() tea.Cmd { return nil }
func (a *askThanks) Title() string   { return "applied, thanks?" }
func (a *askThanks) Capturing() bool { return true }

func (a *askThanks) ShortHelp() []key.Binding {
	return []key.Binding{a.c.Keys.Confirm, a.c.Keys.Cancel}
}

func (a *askThanks) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, a.c.Keys.Confirm):
		return tea.Sequence(common.Back, thank(a.c, a.ids))
	case key.Matches(k, a.c.Keys.Cancel):
		return common.Back
	}
	return nil
}

func (a *askThanks) View() string {
	st := a.c.Styles
	what := "1 patch"
	if len(a.ids) > 1 {
		what = fmt.Sprintf("%d patches", len(a.ids))
	}
	lines := []string{"", "  " + st.Bold.Render(fmt.Sprintf(`Accepted %s. Send "applied, thanks" to the list?`, what)),
		"  " + st.Muted.Render("one reply per series to its cover letter (or to each patch without one), with the commit refs"),
		"", "  " + st.Muted.Render("y/enter: send · n/esc: don't")}
	return common.PadLines(strings.Join(lines, "\n"), a.c.Width, a.c.Height)
}
