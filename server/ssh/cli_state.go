package ssh

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

func (c *cli) setStateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "set-state ID STATE",
		Short: "Change a patch's state (maintainers of its project, its delegate or submitter, admins)",
		Long: "Change a patch's state. STATE is a name or slug: \"Under Review\", under-review, accepted...\n" +
			"Allowed for maintainers of the patch's project, its delegate, its submitter, and admins.",
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("patch", args[0])
			if err != nil {
				return err
			}
			u, err := c.needUser()
			if err != nil {
				return err
			}
			states, err := c.srv.store.ListStates(c.ctx)
			if err != nil {
				return err
			}
			name := strings.Join(args[1:], " ")
			st, ok := store.FindState(states, name)
			if !ok {
				slugs := make([]string, len(states))
				for i, s := range states {
					slugs[i] = s.Slug
				}
				return userErrorf("unknown state %q (states: %s)", name, strings.Join(slugs, ", "))
			}
			before, err := c.srv.store.GetPatch(c.ctx, id)
			if err != nil {
				return fmt.Errorf("patch %d: %w", id, err)
			}
			p, err := c.srv.svc.EditPatch(c.ctx, u, id, store.PatchUpdate{StateID: &st.ID}, service.AdminsToo)
			if err != nil {
				return err
			}
			old, _ := store.StateByID(states, before.StateID)
			fmt.Fprintf(c.out, "patch %d: %s -> %s\n", p.ID, old.Name, st.Name)
			if st.Slug == "accepted" && before.StateID != st.ID {
				return c.afterAccept(p.ID, p.ProjectID)
			}
			return nil
		},
	}
}
