package ssh

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
)

func (c *cli) tokenCmd() *cobra.Command {
	var regenerate bool
	cmd := &cobra.Command{
		Use:   "token [--regenerate]",
		Short: "Make your REST API token (for git-pw), shown this once",
		Long: "token makes your REST API token and prints it: only its hash is kept, so it\n" +
			"is shown this once. --regenerate replaces it; the old one stops working.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			u, err := c.needUser()
			if err != nil {
				return err
			}
			tok, err := c.issueToken(u, regenerate, "ssh <host> token --regenerate")
			if err != nil {
				return err
			}
			fmt.Fprintln(c.out, tok)
			return nil
		},
	}
	cmd.Flags().BoolVar(&regenerate, "regenerate", false, "replace your token with a new one")
	return cmd
}

// issueToken makes target's token (service.Token) and explains, when one
// exists, how to get a new one.
func (c *cli) issueToken(target *store.User, regenerate bool, how string) (string, error) {
	tok, err := c.srv.svc.Token(c.ctx, c.id.User, target, regenerate)
	if errors.Is(err, store.ErrTokenExists) {
		made := ""
		if t, err := c.srv.store.TokenCreated(c.ctx, target.ID); err == nil {
			made = " (made " + stamp(t) + " UTC)"
		}
		return "", userErrorf("a token exists%s and is shown only when it is made; for a new one (the old one stops working): %s", made, how)
	}
	return tok, err
}
