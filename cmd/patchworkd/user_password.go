package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/patchwork-go/patchwork/store/service"
)

// readPassword reads a password from stdin: without echo, twice, when stdin
// is a terminal (and interactive allows it); otherwise everything up to EOF
// minus the trailing newline, as `docker login --password-stdin` does.
func readPassword(app *App, interactive bool) (string, error) {
	if f, ok := app.stdin.(*os.File); ok && interactive && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(app.stderr, "New password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(app.stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(app.stderr, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(app.stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if !bytes.Equal(a, b) {
			return "", errors.New("the passwords differ")
		}
		return string(a), service.CheckPassword(string(a))
	}
	b, err := io.ReadAll(io.LimitReader(app.stdin, 4096))
	if err != nil {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if pw == "" {
		return "", errors.New("empty password on stdin")
	}
	return pw, service.CheckPassword(pw)
}

func newUserSetPasswordCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "set-password NAME",
		Short: "Set a user's password (asked without echo on a terminal, else read from stdin)",
		Long: "set-password sets the password used by XML-RPC (pwclient) and REST Basic\n" +
			"authentication. On a terminal it asks twice without echo; otherwise it\n" +
			"reads one line from standard input.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := ctxOf(cmd)
			svc, err := app.Service(cmd)
			if err != nil {
				return err
			}
			u, err := svc.User(ctx, args[0])
			if err != nil {
				return err
			}
			pw, err := readPassword(app, true)
			if err != nil {
				return err
			}
			if err := svc.SetPassword(ctx, service.LocalAdmin(), u, pw); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "password of %s set\n", u.Username)
			return err
		},
	}
}
