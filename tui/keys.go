package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/tui/common"
)

// Typed-ahead keys. A key is not applied in the Update that receives it:
// it joins a queue, and a command (flushKeysMsg) comes back to apply
// the queue. Keys that arrived meanwhile (a burst, a paste, a held j) are
// applied in the same Update, and bubbletea draws one frame for them
// instead of one per key. Keys wait while the page on top is busy
// (common.Busy: a patch opening, a query being resolved, rows a move
// waits for), so that `enter /` searches the patch that enter opened,
// `/query<enter><enter>` opens the first patch the query lists and 150 j
// go 150 rows however many loads they need. Pages navigate with
// common.Go, which the root follows before the next key.

// keyQueue is the root's queue of keys not applied yet.
type keyQueue struct {
	keys     []queued
	flushing bool // a flushKeysMsg is on its way
	opening  bool // a page is being opened by a command (a bundle's list)
	count    int  // a count prefix being typed (5j)
}

// queued is a key typed n times in a row: a held key or a paste of 200 KB
// of j is one entry.
type queued struct {
	msg tea.KeyPressMsg
	n   int
}

// maxQueued bounds the runs of keys kept while a page is busy, and a
// count prefix.
const maxQueued = 4096

// flushKeysMsg applies the queued keys.
type flushKeysMsg struct{}

func flushKeys() tea.Msg { return flushKeysMsg{} }

// restartingMsg tells the session that the server is shutting down.
type restartingMsg struct{}

// Restarting is the message the SSH server sends every session when it
// shuts down: the session says so and ends.
func Restarting() tea.Msg { return restartingMsg{} }

// queueKey takes a typed key. ctrl+c quits at once, whatever is queued.
func (m *Model) queueKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, m.c.Keys.Quit) {
		m.quitting = true
		return tea.Quit
	}
	if n := len(m.keys); n > 0 && m.keys[n-1].msg == msg {
		m.keys[n-1].n++
	} else {
		if n >= maxQueued {
			m.c.Logger.Debug("typed-ahead keys dropped: too many", "key", msg.String())
			return nil
		}
		m.keys = append(m.keys, queued{msg: msg, n: 1})
	}
	if m.flushing {
		return nil
	}
	m.flushing = true
	return flushKeys
}

// busy reports whether the queued keys must wait.
func (m *Model) busy() bool {
	if m.opening {
		return true
	}
	b, ok := m.top().(common.Busy)
	return ok && b.Busy()
}

// drain applies queued keys until the queue is empty or a key must wait.
func (m *Model) drain() tea.Cmd {
	var cmds []tea.Cmd
	for len(m.keys) > 0 && !m.busy() {
		k := m.keys[0].msg
		if m.keys[0].n--; m.keys[0].n == 0 {
			m.keys = m.keys[1:]
		}
		m.frame.valid = false
		if cmd := m.applyKey(k); cmd != nil {
			cmds = append(cmds, cmd)
		}
	}
	if len(m.keys) == 0 {
		m.keys = nil // let a long burst's array go
	}
	return tea.Batch(cmds...)
}

// applyKey applies one key: the quit question, a count prefix, the
// session-wide keys, then the page's.
func (m *Model) applyKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.askQuit {
		m.askQuit = false
		if key.Matches(msg, m.c.Keys.Confirm) {
			m.quitting = true
			return tea.Quit
		}
		return nil
	}
	capturing := m.top().Capturing()
	if !capturing {
		if d, ok := digit(msg); ok && (d > 0 || m.count > 0) {
			m.count = min(m.count*10+d, maxQueued)
			return nil
		}
		if n := m.count; n > 1 {
			// The key n times: the copies go first in the queue, each
			// after the one before it has done what it does.
			m.count = 0
			m.keys = append([]queued{{msg: msg, n: n - 1}}, m.keys...)
		}
		m.count = 0
	}
	if cmd, ok := m.globalKey(msg); ok {
		return cmd
	}
	return m.pageUpdate(msg)
}

// digit is the value of a digit key without modifiers.
func digit(msg tea.KeyPressMsg) (int, bool) {
	if msg.Mod != 0 || len(msg.Text) != 1 || msg.Text[0] < '0' || msg.Text[0] > '9' {
		return 0, false
	}
	return int(msg.Text[0] - '0'), true
}
