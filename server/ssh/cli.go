package ssh

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"charm.land/ssh"
	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/termtext"
)

// cli is one command-line invocation over SSH: the session, who runs it and
// where its output goes. Commands are methods on it, one file each.
type cli struct {
	srv  *Server
	sess ssh.Session
	id   *identity
	ctx  context.Context
	in   io.Reader
	// out and err neutralise control characters (termtext): everything
	// human-readable goes there. raw is the same stream byte-exact, for
	// JSON and mbox.
	out io.Writer
	raw io.Writer
	err io.Writer
}

// commandMiddleware runs the command line for sessions without a terminal,
// and for terminal sessions given a command other than a bare patch id
// (`ssh -t host 123` opens the TUI on patch 123).
func (s *Server) commandMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		args := sess.Command()
		// With a terminal: the TUI, on a patch (`ssh -t host 123`) or a
		// project and query (`ssh -t host libuv state:new`); a command's
		// name wins over a project of that name.
		if _, _, isPty := sess.Pty(); isPty && (len(args) == 0 || (len(args) == 1 && isPatchID(args[0])) || !s.isCommand(args[0])) {
			next(sess)
			return
		}
		// Every write to the channel is an encrypted packet: without a
		// buffer, tabwriter's cell-by-cell writes cost more than the query.
		raw := bufio.NewWriterSize(sess, 32<<10)
		out, errw := termtext.NewWriter(raw), termtext.NewWriter(sess.Stderr())
		c := &cli{srv: s, sess: sess, id: identityOf(sess), ctx: sess.Context(), in: sess, out: out, raw: raw, err: errw}
		code := c.run(args)
		if err := out.Flush(); err != nil && code == 0 {
			code = 1
		}
		_ = errw.Flush()
		_ = sess.Exit(code)
	}
}

// isCommand reports whether name is a command of the command line (or
// help, or a flag).
func (s *Server) isCommand(name string) bool {
	if strings.HasPrefix(name, "-") || name == "help" || name == "completion" {
		return true
	}
	for _, c := range (&cli{srv: s}).rootCmd().Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return true
		}
	}
	return false
}

// isPatchID reports whether arg is a positive decimal id.
func isPatchID(arg string) bool {
	n, err := strconv.ParseInt(arg, 10, 64)
	return err == nil && n > 0
}

// run executes args and returns the exit status: 0, or 1 with a message on
// stderr.
func (c *cli) run(args []string) int {
	root := c.rootCmd()
	if len(args) == 0 {
		args = []string{"help"}
	}
	root.SetArgs(args)
	root.SetIn(c.in)
	root.SetOut(c.out)
	root.SetErr(c.err)
	if err := root.ExecuteContext(c.ctx); err != nil {
		// What the command printed comes before the error that ended it.
		if f, ok := c.out.(interface{ Flush() error }); ok {
			_ = f.Flush()
		}
		fmt.Fprintln(c.err, "error: "+c.message(err))
		return 1
	}
	return 0
}

// rootCmd builds the command tree for this invocation (fresh per session:
// cobra commands hold flag state).
func (c *cli) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "ssh <host>",
		Short:         "Patchwork over SSH: the review TUI with a terminal, these commands without one",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(
		c.projectsCmd(), c.listCmd(), c.showCmd(), c.mboxCmd(), c.seriesCmd(),
		c.setStateCmd(), c.delegateCmd(), c.archiveCmd(), c.bundleCmd(), c.tokenCmd(), c.whoamiCmd(),
		c.keysCmd(), c.passwordCmd(), c.optoutCmd(true), c.optoutCmd(false),
		c.registerCmd(), c.confirmCmd(), c.userCmd(), c.replyCmd(),
	)
	return root
}

// message turns an error into what the user reads: store sentinels keep
// their wrapped context, anything else is logged and kept vague.
func (c *cli) message(err error) string {
	var ue userError
	var se *service.Error
	switch {
	case errors.As(err, &ue):
		return ue.msg
	case errors.As(err, &se):
		return se.Msg
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict),
		errors.Is(err, store.ErrForbidden), errors.Is(err, store.ErrInvalid):
		return err.Error()
	case errors.Is(err, store.ErrUnavailable):
		return "the database is unavailable, try again later"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	if isCobraUsageError(err) {
		return err.Error() + " (see: ssh <host> help)"
	}
	c.srv.logger.Error("ssh command failed", "user", c.id.Name(), "cmd", c.sess.Command(), "err", err)
	return "internal error"
}

// userError is an error whose message is meant for the user as is.
type userError struct{ msg string }

func (e userError) Error() string { return e.msg }

func userErrorf(format string, args ...any) error {
	return userError{msg: fmt.Sprintf(format, args...)}
}

// isCobraUsageError recognises cobra's argument and flag errors, which have
// no type of their own.
func isCobraUsageError(err error) bool {
	m := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires ", "invalid argument", "flag needs", "received "} {
		if strings.Contains(m, p) {
			return true
		}
	}
	return false
}

// needUser fails for anonymous sessions.
func (c *cli) needUser() (*store.User, error) {
	if err := service.RequireUser(c.id.User); err != nil {
		return nil, err
	}
	return c.id.User, nil
}

// needAdmin fails unless the session user is an admin.
func (c *cli) needAdmin() (*store.User, error) {
	if err := service.RequireAdmin(c.id.User); err != nil {
		return nil, err
	}
	return c.id.User, nil
}

// parseID parses a positive id argument.
func parseID(what, arg string) (int64, error) {
	n, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || n <= 0 {
		return 0, userErrorf("bad %s id %q: want a positive number", what, arg)
	}
	return n, nil
}
