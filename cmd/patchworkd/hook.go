package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/server/githook"
)

func newHookCmd(app *App) *cobra.Command {
	hook := &cobra.Command{Use: "hook", Short: "Git hooks that update patches from pushed commits"}
	var o githook.Options
	var tokenFile string
	pr := &cobra.Command{
		Use:   "post-receive",
		Short: "Mark patches whose commits were pushed (reads git's ref updates on stdin)",
		Long: `Install as hooks/post-receive of the project's git repository:

  #!/bin/sh
  exec patchworkd hook post-receive --server https://patchwork.example.org \
      --project myproj --token-file /etc/patchwork/hook-token \
      --state-map 'refs/heads/main=Accepted,refs/heads/next=Under Review'

The token is a project maintainer's REST token ('patchworkd user token NAME').

For every pushed commit on a mapped branch it computes the patch hash of the
commit's diff (the same algorithm as the mail parser), finds the patch through
the REST API, and sets its state and commit ref. When no patch has that hash
(the patch was edited on the way in), it falls back to comparing
'git patch-id --stable' with the project's open patches and says so.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Server == "" {
				o.Server = app.Config.BaseURL
			}
			if tokenFile != "" {
				b, err := os.ReadFile(tokenFile)
				if err != nil {
					return fmt.Errorf("token file: %w", err)
				}
				o.Token = strings.TrimSpace(string(b))
			}
			return githook.Run(cmd.Context(), o, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	f := pr.Flags()
	f.StringVar(&o.Server, "server", "", "patchwork base URL (default: the configured base URL)")
	f.StringVar(&o.Project, "project", "", "project linkname (required)")
	f.StringVar(&o.Token, "token", "", "REST API token of a project maintainer (visible in ps: prefer --token-file)")
	f.StringVar(&tokenFile, "token-file", "", "file holding the REST API token of a project maintainer")
	f.StringVar(&o.StateMap, "state-map", "refs/heads/main=Accepted,refs/heads/master=Accepted", "REF=STATE pairs, comma separated")
	f.StringVar(&o.Repo, "repo", "", "git directory (default: current)")
	f.BoolVar(&o.DryRun, "dry-run", false, "say what would change without changing it")
	f.IntVar(&o.FallbackLimit, "fallback-limit", 500, "open patches compared by git patch-id when the hash finds nothing (0: no fallback)")
	_ = pr.MarkFlagRequired("project")
	hook.AddCommand(pr)
	return hook
}
