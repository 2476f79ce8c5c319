package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
)

// dialectOf names the database behind s ("sqlite", "postgres", "mysql").
func dialectOf(s store.Store, url string) string {
	if d, ok := s.(interface{ Dialect() string }); ok {
		return d.Dialect()
	}
	return dbScheme(url)
}

func newMigrateCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database schema up to date (idempotent)",
		Long: "migrate applies every pending schema migration, including the default\n" +
			"states and tags of a new database. Running it again changes nothing.\n" +
			"serve migrates on start; parsemail never does.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := app.Store(cmd, true)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "database %s (%s): schema up to date\n",
				redactURL(app.Config.DB), dialectOf(s, app.Config.DB))
			return err
		},
	}
	status := &cobra.Command{
		Use:   "status",
		Short: "Tell whether the schema is up to date, without changing it",
		Args:  cobra.NoArgs,
	}
	asJSON := addJSONFlag(status)
	status.RunE = func(cmd *cobra.Command, _ []string) error {
		s, err := app.StoreAnySchema(cmd, false)
		if err != nil {
			return err
		}
		cur, err := s.SchemaCurrent(ctxOf(cmd))
		if err != nil {
			return fmt.Errorf("schema status: %w", err)
		}
		d := dialectOf(s, app.Config.DB)
		if *asJSON {
			return writeJSON(cmd.OutOrStdout(), map[string]any{
				"database": redactURL(app.Config.DB), "dialect": d, "current": cur,
			})
		}
		msg := "schema up to date"
		if !cur {
			msg = "schema out of date: run patchworkd migrate"
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "database %s (%s): %s\n", redactURL(app.Config.DB), d, msg)
		return err
	}
	cmd.AddCommand(status)
	return cmd
}
