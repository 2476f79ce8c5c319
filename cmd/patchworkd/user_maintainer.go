package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newUserMaintainerCmd(app *App) *cobra.Command {
	var remove bool
	cmd := &cobra.Command{
		Use:   "maintainer NAME LINKNAME [--remove]",
		Short: "Make a user a maintainer of a project (or stop being one)",
		Args:  cobra.ExactArgs(2),
	}
	cmd.Flags().BoolVar(&remove, "remove", false, "remove the maintainership instead")
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
		p, err := getProject(ctx, s, args[1])
		if err != nil {
			return err
		}
		if remove {
			if err := s.RemoveMaintainer(ctx, p.ID, u.ID); err != nil {
				return fmt.Errorf("remove %s as maintainer of %s: %w", u.Username, p.LinkName, err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s no longer maintains %s\n", u.Username, p.LinkName)
			return err
		}
		if err := s.AddMaintainer(ctx, p.ID, u.ID); err != nil {
			return fmt.Errorf("add %s as maintainer of %s: %w", u.Username, p.LinkName, err)
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s maintains %s\n", u.Username, p.LinkName)
		return err
	}
	return cmd
}
