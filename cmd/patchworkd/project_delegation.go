package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store/service"
)

// ruleJSON is a delegation rule as `project delegation list --json` prints it.
type ruleJSON struct {
	ID       int64  `json:"id"`
	User     string `json:"user"`
	Path     string `json:"path"`
	Priority int    `json:"priority"`
}

func newProjectDelegationCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delegation",
		Short: "Manage a project's auto-delegation rules (path glob → maintainer)",
	}
	cmd.AddCommand(newDelegationAddCmd(app), newDelegationListCmd(app), newDelegationRemoveCmd(app))
	return cmd
}

func newDelegationAddCmd(app *App) *cobra.Command {
	var userName, glob string
	var priority int
	cmd := &cobra.Command{
		Use:     "add LINKNAME --user NAME --path GLOB [--priority N]",
		Short:   "Delegate new patches touching GLOB to a maintainer",
		Example: "  patchworkd project delegation add linux --user alice --path 'drivers/net/*' --priority 10",
		Args:    cobra.ExactArgs(1),
	}
	cmd.Flags().StringVar(&userName, "user", "", "maintainer to delegate to (required)")
	cmd.Flags().StringVar(&glob, "path", "", "glob matched against the paths a patch touches (required)")
	cmd.Flags().IntVar(&priority, "priority", 0, "higher priority rules win")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if userName == "" {
			return fmt.Errorf("--user and --path are required")
		}
		ctx := ctxOf(cmd)
		svc, err := app.Service(cmd)
		if err != nil {
			return err
		}
		p, err := svc.Project(ctx, args[0])
		if err != nil {
			return err
		}
		u, err := svc.User(ctx, userName)
		if err != nil {
			return err
		}
		r, err := svc.AddDelegationRule(ctx, service.LocalAdmin(), p, u, glob, priority)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "added delegation rule %d: %s → %s (priority %d)\n", r.ID, glob, u.Username, priority)
		return err
	}
	return cmd
}

func newDelegationListCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list LINKNAME",
		Short: "List a project's delegation rules, highest priority first",
		Args:  cobra.ExactArgs(1),
	}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := ctxOf(cmd)
		s, err := app.Store(cmd, false)
		if err != nil {
			return err
		}
		p, err := getProject(ctx, s, args[0])
		if err != nil {
			return err
		}
		rules, err := s.ListDelegationRules(ctx, p.ID)
		if err != nil {
			return fmt.Errorf("list delegation rules: %w", err)
		}
		ids := make([]int64, len(rules))
		for i, r := range rules {
			ids[i] = r.UserID
		}
		users, err := s.GetUsers(ctx, ids)
		if err != nil {
			return fmt.Errorf("delegates: %w", err)
		}
		out := make([]ruleJSON, len(rules))
		for i, r := range rules {
			out[i] = ruleJSON{ID: r.ID, User: users[r.UserID].Username, Path: r.Path, Priority: r.Priority}
		}
		if *asJSON {
			return writeJSON(cmd.OutOrStdout(), out)
		}
		t := newTable(cmd.OutOrStdout(), "ID", "PRIORITY", "PATH", "USER")
		for _, r := range out {
			t.row(r.ID, r.Priority, r.Path, r.User)
		}
		return t.flush()
	}
	return cmd
}

func newDelegationRemoveCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "remove LINKNAME RULE-ID",
		Short: "Delete a delegation rule",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("rule id %q is not a positive number", args[1])
			}
			ctx := ctxOf(cmd)
			s, err := app.Store(cmd, false)
			if err != nil {
				return err
			}
			p, err := getProject(ctx, s, args[0])
			if err != nil {
				return err
			}
			if err := service.New(s, service.Options{}).DeleteDelegationRule(ctx, service.LocalAdmin(), p, id); err != nil {
				return fmt.Errorf("delete delegation rule %d of %q: %w", id, p.LinkName, err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "removed delegation rule %d\n", id)
			return err
		},
	}
}
