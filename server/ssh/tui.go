package ssh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	bm "charm.land/wish/v2/bubbletea"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui"
)

// tuiMiddleware runs the review TUI for terminal sessions. It does what
// wish's bubbletea middleware does (window changes become WindowSizeMsgs,
// the program dies with the session) but logs to our logger and does not
// count a client hanging up as an error.
func (s *Server) tuiMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		p := s.programHandler(sess)
		if p == nil {
			next(sess)
			return
		}
		_, windowChanges, _ := sess.Pty()
		ctx, cancel := context.WithCancel(sess.Context())
		defer cancel()
		s.mu.Lock()
		closing := s.closing
		s.programs[p] = true
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			delete(s.programs, p)
			s.mu.Unlock()
		}()
		if closing {
			go p.Send(tui.Restarting())
		}
		go func() {
			for {
				select {
				case <-ctx.Done():
					p.Quit()
					return
				case w, ok := <-windowChanges:
					if !ok {
						return
					}
					cols, rows := clampWindow(w.Width, w.Height)
					p.Send(tea.WindowSizeMsg{Width: cols, Height: rows})
				}
			}
		}()
		_, err := p.Run()
		p.Kill()
		s.mu.Lock()
		closing = s.closing
		s.mu.Unlock()
		if closing {
			// After the program left the alternate screen: the line
			// stays on the user's terminal.
			_, _ = io.WriteString(sess, "patchwork: server restarting, reconnect in a moment\r\n")
			_ = sess.Exit(0)
			return
		}
		switch {
		case err == nil:
		case errors.Is(err, tea.ErrProgramKilled) && sess.Context().Err() != nil:
			// The client went away: the normal end of many sessions.
		default:
			id := identityOf(sess)
			s.logger.Error("tui ended with an error", "user", id.Name(), "addr", sess.RemoteAddr().String(), "err", err)
			_ = sess.Exit(1)
		}
		next(sess)
	}
}

// programHandler builds the review TUI for a terminal session, on the patch
// given as the only argument (`ssh -t host 123`) or on the project list.
// It returns nil (and has answered the client) when there is nothing to run.
func (s *Server) programHandler(sess ssh.Session) *tea.Program {
	pty, _, ok := sess.Pty()
	if !ok {
		fatal(sess, "error: the TUI needs a terminal (ssh -t); without one, try: ssh <host> help")
		return nil
	}
	cols, rows := clampWindow(pty.Window.Width, pty.Window.Height)
	opts := tui.Options{
		Ctx:          sess.Context(),
		Store:        s.store,
		Service:      s.svc,
		User:         identityOf(sess).User,
		Width:        cols,
		Height:       rows,
		Now:          s.opts.Now,
		Logger:       s.logger,
		PollInterval: 500 * time.Millisecond,
		Watcher:      s.watcher,
		Gate:         s.gate,
	}
	opts.SSH, opts.StateKeys, opts.OpenSoleProject = s.sshCommand(), s.opts.StateKeys, true
	// commandMiddleware lets a bare patch id through, or a project and a
	// query.
	switch args := sess.Command(); {
	case len(args) == 1 && isPatchID(args[0]):
		id, err := parseID("patch", args[0])
		if err != nil {
			fatal(sess, "error: "+err.Error())
			return nil
		}
		opts.InitialPatchID = id
	case len(args) >= 1:
		if _, err := s.store.GetProjectByLinkName(sess.Context(), args[0]); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				fatal(sess, fmt.Sprintf("error: no project or command %q (try: ssh <host> projects, ssh <host> help)", args[0]))
			} else {
				fatal(sess, "error: "+err.Error())
			}
			return nil
		}
		opts.InitialProject = args[0]
		opts.InitialQuery = strings.Join(args[1:], " ")
	}
	// The session's context ends the program when the client goes away,
	// so no goroutine outlives its connection.
	popts := append(bm.MakeOptions(sess), tea.WithContext(sess.Context()), tea.WithWindowSize(cols, rows),
		tea.WithFPS(maxFPS))
	return tea.NewProgram(tui.New(opts), popts...)
}

// maxFPS caps the frames a session draws a second (the library's default
// is 60). The renderer draws on a ticker whatever the model showed last,
// so a burst of changes between two ticks costs one frame, and the last
// state is always drawn; a reviewer does not see 30 frames from 60. The
// ticker also wakes every idle session as often.
const maxFPS = 30

// The renderer keeps cells for the whole window, so a client claiming a
// 10000x10000 terminal would cost the daemon gigabytes. Bigger terminals
// than any real screen holds see the TUI in their top-left corner.
const maxCols, maxRows = 512, 256

func clampWindow(cols, rows int) (int, int) {
	return min(max(cols, 0), maxCols), min(max(rows, 0), maxRows)
}
