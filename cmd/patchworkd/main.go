// Command patchworkd is the patchwork-go daemon and its admin tool: it serves
// SSH and HTTP, takes mail in, and manages projects and users.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// exitError carries a process exit status (75 for EX_TEMPFAIL...).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// run executes one command line with the process's environment and
// standard streams and returns the exit status.
func run(ctx context.Context, args []string) int {
	return runWith(ctx, args, environMap(os.Environ()), os.Stdin, os.Stdout, os.Stderr)
}

// runWith is run with everything explicit, so tests run commands
// in-process, in parallel, each with its own environment and streams.
func runWith(ctx context.Context, args []string, env map[string]string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(env, stdin, stderr)
	root := newRootCmd(app)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	app.close()
	if err == nil {
		return 0
	}
	// One line, whatever the cause: scripts and MTAs log stderr verbatim.
	fmt.Fprintln(stderr, "patchworkd:", strings.Join(strings.Fields(err.Error()), " "))
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func environMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

func newRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:           "patchworkd",
		Short:         "Patch tracker for mailing-list development",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return app.load(cmd)
		},
	}
	app.bindFlags(root)
	root.AddCommand(
		newServeCmd(app),
		newMigrateCmd(app),
		newProjectCmd(app),
		newUserCmd(app),
		newStateCmd(app),
		newVersionCmd(app),
		newParsemailCmd(app),
		newParsearchiveCmd(app),
		newPatchCmd(app),
		newSeriesCmd(app),
		newFailedCmd(app),
		newHeldCmd(app),
		newCronCmd(app),
		newHookCmd(app),
		newImportUpstreamCmd(app),
	)
	return root
}
