package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store/service"
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
		svc, err := app.Service(cmd)
		if err != nil {
			return err
		}
		u, err := svc.User(ctx, args[0])
		if err != nil {
			return err
		}
		p, err := svc.Project(ctx, args[1])
		if err != nil {
			return err
		}
		if err := svc.SetMaintainer(ctx, service.LocalAdmin(), u, p, !remove); err != nil {
			return err
		}
		if remove {
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s no longer maintains %s\n", u.Username, p.LinkName)
			return err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s maintains %s\n", u.Username, p.LinkName)
		return err
	}
	return cmd
}
