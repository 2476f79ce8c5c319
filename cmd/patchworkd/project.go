package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

func newProjectCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "project",
		Short: "Manage projects (one per mailing list)",
	}
	cmd.AddCommand(
		newProjectAddCmd(app),
		newProjectListCmd(app),
		newProjectShowCmd(app),
		newProjectEditCmd(app),
		newProjectDelegationCmd(app),
		newProjectRepliesCmd(app),
	)
	return cmd
}

func newProjectAddCmd(app *App) *cobra.Command {
	// Upstream's defaults: tags counted, no notification mail.
	p := store.Project{UseTags: true}
	cmd := &cobra.Command{
		Use:   "add --linkname L --name N --listid ID --listemail ADDR [flags]",
		Short: "Create a project",
		Example: "  patchworkd project add --linkname libuv --name libuv \\\n" +
			"    --listid libuv.googlegroups.com --listemail libuv@googlegroups.com",
		Args: cobra.NoArgs,
	}
	bindProjectFlags(cmd, &p)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := service.ValidateProject(&p); err != nil {
			return err
		}
		svc, err := app.Service(cmd)
		if err != nil {
			return err
		}
		if err := svc.CreateProject(ctxOf(cmd), service.LocalAdmin(), &p); err != nil {
			return err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "created project %s (id %d)\n", p.LinkName, p.ID)
		return err
	}
	return cmd
}

func newProjectListCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List projects",
		Args:  cobra.NoArgs,
	}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		s, err := app.Store(cmd, false)
		if err != nil {
			return err
		}
		ps, err := s.ListProjects(ctxOf(cmd))
		if err != nil {
			return fmt.Errorf("list projects: %w", err)
		}
		if *asJSON {
			out := make([]projectJSON, len(ps))
			for i := range ps {
				out[i] = toProjectJSON(&ps[i])
			}
			return writeJSON(cmd.OutOrStdout(), out)
		}
		t := newTable(cmd.OutOrStdout(), "ID", "LINKNAME", "NAME", "LISTID", "LISTEMAIL")
		for _, p := range ps {
			t.row(p.ID, p.LinkName, p.Name, p.ListID, p.ListEmail)
		}
		return t.flush()
	}
	return cmd
}

func newProjectShowCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show LINKNAME",
		Short: "Show a project with its maintainers",
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
		ms, err := s.ListMaintainers(ctx, p.ID)
		if err != nil {
			return fmt.Errorf("maintainers of %q: %w", p.LinkName, err)
		}
		pj := toProjectJSON(p)
		pj.Maintainers = []string{}
		for _, m := range ms {
			pj.Maintainers = append(pj.Maintainers, m.Username)
		}
		if *asJSON {
			return writeJSON(cmd.OutOrStdout(), pj)
		}
		t := newTable(cmd.OutOrStdout())
		t.row("id:", p.ID)
		for _, pf := range projectFields {
			if pf.str != nil {
				t.row(pf.flag+":", *pf.str(p))
			} else {
				t.row(pf.flag+":", yesNo(*pf.boo(p)))
			}
		}
		t.row("maintainers:", joinOr(pj.Maintainers, "(none)"))
		return t.flush()
	}
	return cmd
}

func newProjectEditCmd(app *App) *cobra.Command {
	var p store.Project
	cmd := &cobra.Command{
		Use:     "edit LINKNAME --FIELD VALUE...",
		Short:   "Change fields of a project",
		Example: "  patchworkd project edit libuv --send-notifications --commit-url-format 'https://github.com/libuv/libuv/commit/{}'",
		Args:    cobra.ExactArgs(1),
	}
	bindProjectFlags(cmd, &p)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := ctxOf(cmd)
		s, err := app.Store(cmd, false)
		if err != nil {
			return err
		}
		cur, err := getProject(ctx, s, args[0])
		if err != nil {
			return err
		}
		if copyChangedFields(cmd.Flags(), cur, &p) == 0 {
			return fmt.Errorf("nothing to change: give at least one --FIELD VALUE (see --help)")
		}
		if err := service.New(s, service.Options{}).UpdateProject(ctx, service.LocalAdmin(), cur, service.AdminsToo); err != nil {
			return err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "updated project %s\n", cur.LinkName)
		return err
	}
	return cmd
}

func joinOr(ss []string, empty string) string {
	if len(ss) == 0 {
		return empty
	}
	out := ss[0]
	for _, s := range ss[1:] {
		out += ", " + s
	}
	return out
}
