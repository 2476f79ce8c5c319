package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/tui/common"
)

// runUndo takes back the session's last change, once.
func (m *Model) runUndo() tea.Cmd {
	u := m.undo
	if u == nil {
		return common.Status("nothing to undo (u takes back the session's last change of a state, delegate, archive flag, commit ref or bundle)")
	}
	m.undo = nil
	return func() tea.Msg { return u.Run() }
}

// undone shows what an undo restored and reloads what shows it.
func (m *Model) undone(msg common.UndoneMsg) tea.Cmd {
	switch {
	case msg.Err != nil && msg.Status != "":
		m.status, m.isErr = msg.Status+"; "+common.Describe(msg.Err), true
	case msg.Err != nil:
		m.status, m.isErr = common.Describe(msg.Err), true
	default:
		m.status, m.isErr = msg.Status, false
	}
	if msg.Err != nil {
		m.c.Logger.Debug("tui undo", "err", msg.Err)
	}
	if !msg.Changed {
		return nil
	}
	clear(m.covered)
	return m.top().Reload()
}
