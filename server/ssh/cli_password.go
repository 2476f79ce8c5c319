package ssh

import (
	"fmt"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/bcrypt"
)

// minPassword is the shortest password accepted.
const minPassword = 8

func (c *cli) passwordCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "password",
		Short: "Set your XML-RPC (pwclient) password, read from stdin",
		Long: "Set the password pwclient uses over XML-RPC. The password is read as one\n" +
			"line from stdin and never echoed, e.g.: ssh <host> password < file, or type\n" +
			"it after the prompt (without -t nothing is echoed).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			u, err := c.needUser()
			if err != nil {
				return err
			}
			fmt.Fprint(c.err, "New password: ")
			pw, err := readLine(c.in)
			fmt.Fprintln(c.err)
			if err != nil {
				return err
			}
			if len(pw) < minPassword {
				return userErrorf("password too short: at least %d characters", minPassword)
			}
			hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
			if err != nil {
				return userErrorf("cannot use that password: %v", err)
			}
			// Re-read the user: the session's copy may be older than another
			// change made meanwhile.
			fresh, err := c.srv.store.GetUser(c.ctx, u.ID)
			if err != nil {
				return err
			}
			fresh.PasswordHash = string(hash)
			if err := c.srv.store.UpdateUser(c.ctx, fresh); err != nil {
				return err
			}
			fmt.Fprintf(c.out, "password set for %s\n", u.Username)
			return nil
		},
	}
}
