package ssh

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
)

func (c *cli) tokenCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "token",
		Short: "Print your REST API token (for git-pw), creating it if needed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			u, err := c.needUser()
			if err != nil {
				return err
			}
			tok, err := ensureToken(c, u.ID)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.out, tok)
			return nil
		},
	}
}

// ensureToken returns the user's REST token, making one (40 hex digits, like
// upstream's) when there is none.
func ensureToken(c *cli, userID int64) (string, error) {
	tok, err := c.srv.store.GetToken(c.ctx, userID)
	if err == nil {
		return tok, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	tok = newSecret()
	if err := c.srv.store.SetToken(c.ctx, userID, tok); err != nil {
		return "", err
	}
	return tok, nil
}

// newSecret is 160 random bits in hex (40 characters).
func newSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported systems
	return hex.EncodeToString(b)
}
