package ssh

// Temporary until tui/, store/query and server/mbox land.

import (
	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
)

func (s *Server) programHandler(sess ssh.Session) *tea.Program {
	fatal(sess, "the TUI is not available yet")
	return nil
}
