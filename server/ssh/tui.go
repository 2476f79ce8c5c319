package ssh

import (
	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	bm "charm.land/wish/v2/bubbletea"

	"github.com/patchwork-go/patchwork/tui"
)

// programHandler starts the review TUI for a terminal session, on the patch
// given as the only argument (`ssh -t host 123`) or on the project list.
func (s *Server) programHandler(sess ssh.Session) *tea.Program {
	pty, _, ok := sess.Pty()
	if !ok {
		return nil
	}
	opts := tui.Options{
		Ctx:    sess.Context(),
		Store:  s.store,
		User:   identityOf(sess).User,
		Width:  pty.Window.Width,
		Height: pty.Window.Height,
		Now:    s.opts.Now,
		Logger: s.logger,
	}
	if args := sess.Command(); len(args) == 1 {
		// commandMiddleware only lets a bare patch id through.
		id, err := parseID("patch", args[0])
		if err != nil {
			fatal(sess, "error: "+err.Error())
			return nil
		}
		opts.InitialPatchID = id
	}
	// The session's context ends the program when the client goes away,
	// so no goroutine outlives its connection.
	popts := append(bm.MakeOptions(sess), tea.WithContext(sess.Context()))
	return tea.NewProgram(tui.New(opts), popts...)
}
