package ssh

import (
	"fmt"

	"github.com/spf13/cobra"
)

type projectJSON struct {
	ID             int64  `json:"id"`
	LinkName       string `json:"link_name"`
	Name           string `json:"name"`
	ListID         string `json:"list_id"`
	ListEmail      string `json:"list_email"`
	ActionRequired int    `json:"action_required"`
}

func (c *cli) projectsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "projects",
		Short: "List the projects with their count of patches needing action",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			projects, err := c.srv.store.ListProjects(c.ctx)
			if err != nil {
				return err
			}
			states, err := c.states()
			if err != nil {
				return err
			}
			notArchived := false
			rows := make([]projectJSON, 0, len(projects))
			for _, p := range projects {
				counts, err := c.srv.store.CountByState(c.ctx, p.ID, &notArchived)
				if err != nil {
					return fmt.Errorf("count patches of %s: %w", p.LinkName, err)
				}
				n := 0
				for sid, k := range counts {
					if states[sid].ActionRequired {
						n += k
					}
				}
				rows = append(rows, projectJSON{p.ID, p.LinkName, p.Name, p.ListID, p.ListEmail, n})
			}
			if asJSON {
				return writeJSON(c.raw, rows)
			}
			tw := table(c.out)
			fmt.Fprintln(tw, "PROJECT\tNAME\tACTION REQUIRED\tLIST")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", r.LinkName, r.Name, r.ActionRequired, r.ListID)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
