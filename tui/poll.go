package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// Live updates: every PollInterval the session reads the newest event id
// (one indexed read); when it moved, the page on top reloads, keeping its
// cursor. This also sees mail stored by parsemail in another process.

type tickMsg struct{}

type eventMsg struct {
	id  int64
	err error
}

func (m *Model) tick() tea.Cmd {
	return tea.Tick(m.poll, func(time.Time) tea.Msg { return tickMsg{} })
}

func (m *Model) checkEvents() tea.Cmd {
	c := m.c
	return func() tea.Msg {
		id, err := c.Store.LatestEventID(c.Ctx)
		return eventMsg{id: id, err: err}
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
	changed := m.polled && msg.id != m.lastEv
	m.lastEv, m.polled = msg.id, true
	if !changed {
		return next
	}
	return tea.Batch(next, m.top().Reload())
}
