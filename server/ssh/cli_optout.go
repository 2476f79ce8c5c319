package ssh

import (
	"fmt"

	"github.com/spf13/cobra"
)

// optoutCmd builds `optout` (out) or `optin` (!out) for notification mail
// to the session user's address.
func (c *cli) optoutCmd(out bool) *cobra.Command {
	use, short := "optin", "Receive notification mail from this Patchwork again"
	if out {
		use, short = "optout", "Stop notification mail from this Patchwork to your address"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			u, err := c.needUser()
			if err != nil {
				return err
			}
			if err := c.srv.svc.SetOptOut(c.ctx, u, u, out); err != nil {
				return err
			}
			if out {
				fmt.Fprintf(c.out, "%s opted out of notification mail\n", u.Email)
			} else {
				fmt.Fprintf(c.out, "%s opted in to notification mail\n", u.Email)
			}
			return nil
		},
	}
}
