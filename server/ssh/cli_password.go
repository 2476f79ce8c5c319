package ssh

import (
	"fmt"

	"github.com/spf13/cobra"
)

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
			if err := c.srv.svc.SetPassword(c.ctx, u, u, pw); err != nil {
				return err
			}
			fmt.Fprintf(c.out, "password set for %s\n", u.Username)
			return nil
		},
	}
}
