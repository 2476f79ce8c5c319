package ssh

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func (c *cli) whoamiCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "whoami",
		Short: "Show who the server thinks you are",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := table(c.out)
			u := c.id.User
			if u == nil {
				fmt.Fprintln(tw, "User:\tanonymous (read-only)")
			} else {
				fmt.Fprintf(tw, "User:\t%s\n", u.Username)
				fmt.Fprintf(tw, "Email:\t%s\n", u.Email)
				if name := strings.TrimSpace(u.FirstName + " " + u.LastName); name != "" {
					fmt.Fprintf(tw, "Name:\t%s\n", name)
				}
				if u.IsAdmin {
					fmt.Fprintln(tw, "Admin:\tyes")
				}
				ids, err := c.srv.store.MaintainedProjects(c.ctx, u.ID)
				if err != nil {
					return err
				}
				var names []string
				for _, id := range ids {
					if p, err := c.srv.store.GetProject(c.ctx, id); err == nil {
						names = append(names, p.LinkName)
					}
				}
				if len(names) > 0 {
					fmt.Fprintf(tw, "Maintainer of:\t%s\n", strings.Join(names, ", "))
				}
			}
			if c.id.Fingerprint != "" {
				fmt.Fprintf(tw, "Key:\t%s\n", c.id.Fingerprint)
			}
			return tw.Flush()
		},
	}
}
