package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store/sqlstore"
	"github.com/patchwork-go/patchwork/store/upstream"
)

func newImportUpstreamCmd(app *App) *cobra.Command {
	var from string
	var opt upstream.Options
	cmd := &cobra.Command{
		Use:   "import-upstream --from URL",
		Short: "Move an upstream Patchwork instance's database into ours (empty) keeping its ids",
		Long: "import-upstream reads an upstream Patchwork (Django) database directly (--from in our\n" +
			"URL forms: sqlite:PATH, postgres://..., mysql://...) and writes it into the database of\n" +
			"--db, which must be empty: projects, states, tags, people, users with their passwords and\n" +
			"REST tokens, patches, covers, series, comments, checks, bundles, delegation rules,\n" +
			"relations and events, under upstream's ids, so that old links and client settings keep\n" +
			"working. Bad data is listed with its table and id and stops the import before anything\n" +
			"is written, unless --skip-bad leaves those rows out. After a crash, --resume goes on\n" +
			"where it stopped without writing any row twice.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" {
				return errors.New("import-upstream: --from URL is required")
			}
			ctx := ctxOf(cmd)
			s, err := app.Store(cmd, true)
			if err != nil {
				return err
			}
			dst, ok := s.(*sqlstore.Store)
			if !ok {
				return fmt.Errorf("import-upstream: the target is not a SQL database")
			}
			src, dialect, err := sqlstore.OpenForeign(ctx, from)
			if err != nil {
				return fmt.Errorf("import-upstream: source %s: %w", redactURL(from), err)
			}
			defer src.Close()
			start := time.Now()
			rep, err := upstream.Import(ctx, src, dialect, dst, opt)
			out := cmd.OutOrStdout()
			if rep != nil && err == nil {
				for _, b := range rep.Bad {
					fmt.Fprintf(cmd.ErrOrStderr(), "bad data (skipped): %s\n", b)
				}
				if werr := rep.WriteTable(out); werr != nil {
					return werr
				}
				fmt.Fprintf(out, "imported %s (%s) into %s in %s\n", redactURL(from), dialect,
					redactURL(app.Config.DB), time.Since(start).Round(time.Millisecond))
			}
			if err != nil {
				return fmt.Errorf("import-upstream: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "URL of the upstream Patchwork database (sqlite:PATH, postgres://..., mysql://...)")
	cmd.Flags().BoolVar(&opt.SkipBad, "skip-bad", false, "leave out rows with bad data (listed) instead of stopping")
	cmd.Flags().BoolVar(&opt.Resume, "resume", false, "continue an import that stopped part way")
	cmd.Flags().IntVar(&opt.Batch, "batch", 2000, "rows written per transaction")
	return cmd
}
