package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/tui/common"
)

// Live updates: every PollInterval the session asks its Watcher whether the
// event log moved for the project of the page on top (any project for
// pages that span projects); when it did, that page reloads, keeping its
// cursor. This also sees mail stored by parsemail in another process.

type tickMsg struct{}

type eventMsg struct {
	id      int64
	changed bool
	err     error
}

func (m *Model) tick() tea.Cmd {
	return tea.Tick(m.poll, func(time.Time) tea.Msg { return tickMsg{} })
}

func (m *Model) checkEvents() tea.Cmd {
	c, w, since := m.c, m.watcher, m.lastEv
	var project int64
	if p, ok := m.top().(common.ProjectScoped); ok {
		project = p.ProjectID()
	}
	return func() tea.Msg {
		id, changed, err := w.Check(c.Ctx, since, project)
		return eventMsg{id: id, changed: changed, err: err}
	}
}

func (m *Model) onEvent(msg eventMsg) tea.Cmd {
	if !m.polled && msg.err == nil {
		// The baseline read of Init; polling starts from here.
		m.lastEv, m.polled = msg.id, true
		return m.tick()
	}
	next := m.tick()
	if msg.err != nil {
		// Keep polling: the database may come back.
		m.c.Logger.Debug("poll events", "err", msg.err)
		return next
	}
	changed := m.polled && msg.changed
	m.lastEv, m.polled = max(m.lastEv, msg.id), true
	if !changed {
		return next
	}
	return tea.Batch(next, m.top().Reload())
}
