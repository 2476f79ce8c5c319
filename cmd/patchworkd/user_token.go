package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
)

// newToken makes a REST API token in upstream's form: 40 lower-case hex
// digits (160 random bits).
func newToken() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func newUserTokenCmd(app *App) *cobra.Command {
	var regenerate bool
	cmd := &cobra.Command{
		Use:   "token NAME [--new]",
		Short: "Print the user's REST API token, making one if needed",
		Long: "token prints the user's REST API token (for git-pw and pwclient:\n" +
			"'Authorization: Token <token>'). It makes one when the user has none;\n" +
			"--new replaces the existing token, which stops working at once.",
		Args: cobra.ExactArgs(1),
	}
	cmd.Flags().BoolVar(&regenerate, "new", false, "replace the existing token")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := ctxOf(cmd)
		s, err := app.Store(cmd, false)
		if err != nil {
			return err
		}
		u, err := getUser(ctx, s, args[0])
		if err != nil {
			return err
		}
		tok := ""
		if !regenerate {
			tok, err = s.GetToken(ctx, u.ID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("token of %q: %w", u.Username, err)
			}
		}
		if tok == "" {
			if tok, err = newToken(); err != nil {
				return err
			}
			if err := s.SetToken(ctx, u.ID, tok); err != nil {
				return fmt.Errorf("store token of %q: %w", u.Username, err)
			}
		}
		_, err = fmt.Fprintln(cmd.OutOrStdout(), tok)
		return err
	}
	return cmd
}
