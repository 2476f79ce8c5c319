package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

func newUserTokenCmd(app *App) *cobra.Command {
	var regenerate bool
	cmd := &cobra.Command{
		Use:   "token NAME [--regenerate]",
		Short: "Make the user's REST API token, shown this once",
		Long: "token makes the user's REST API token (for git-pw and pwclient:\n" +
			"'Authorization: Token <token>') and prints it. Only its SHA-256 is\n" +
			"stored, so it is shown this once; --regenerate replaces it, and the\n" +
			"old one stops working at once.",
		Args: cobra.ExactArgs(1),
	}
	cmd.Flags().BoolVar(&regenerate, "regenerate", false, "replace the existing token")
	// The flag's old name.
	cmd.Flags().BoolVar(&regenerate, "new", false, "same as --regenerate")
	_ = cmd.Flags().MarkHidden("new")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := ctxOf(cmd)
		svc, err := app.Service(cmd)
		if err != nil {
			return err
		}
		u, err := svc.User(ctx, args[0])
		if err != nil {
			return err
		}
		tok, err := svc.Token(ctx, service.LocalAdmin(), u, regenerate)
		if errors.Is(err, store.ErrTokenExists) {
			return fmt.Errorf("%q has a token; it is shown only when made: use --regenerate for a new one (the old one stops working)", u.Username)
		}
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(cmd.OutOrStdout(), tok)
		return err
	}
	return cmd
}
