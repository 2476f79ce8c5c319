package ssh

import (
	"fmt"
	"runtime/debug"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
)

// recoverMiddleware composes mws (listed last runs first) and runs the chain
// and the next handler each under a recover that logs to our logger, so one
// session's panic never takes the daemon down.
func (s *Server) recoverMiddleware(mws ...wish.Middleware) wish.Middleware {
	h := func(ssh.Session) {}
	for _, m := range mws {
		h = m(h)
	}
	return func(next ssh.Handler) ssh.Handler {
		return func(sess ssh.Session) {
			s.guard(sess, func() { h(sess) })
			s.guard(sess, func() { next(sess) })
		}
	}
}

func (s *Server) guard(sess ssh.Session, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("panic in ssh session", "panic", fmt.Sprint(r), "user", sess.User(),
				"addr", sess.RemoteAddr().String(), "stack", string(debug.Stack()))
			fatal(sess, "internal error")
		}
	}()
	fn()
}

// loggingMiddleware logs each session's start and end with who, from where,
// what terminal and how long.
func (s *Server) loggingMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		start := time.Now()
		id := identityOf(sess)
		args := []any{"user", id.Name(), "addr", sess.RemoteAddr().String()}
		if id.Fingerprint != "" {
			args = append(args, "key", id.Fingerprint)
		}
		if pty, _, ok := sess.Pty(); ok {
			args = append(args, "term", pty.Term, "width", pty.Window.Width, "height", pty.Window.Height)
		}
		if cmd := sess.Command(); len(cmd) > 0 {
			args = append(args, "cmd", cmd[0])
		}
		s.logger.Info("ssh session start", args...)
		next(sess)
		s.logger.Info("ssh session end", append(args, "duration", time.Since(start).Round(time.Millisecond))...)
	}
}

// fatal writes msg to the session's stderr and ends it with status 1.
func fatal(sess ssh.Session, msg string) {
	_, _ = fmt.Fprintln(sess.Stderr(), msg)
	_ = sess.Exit(1)
	_ = sess.Close()
}
