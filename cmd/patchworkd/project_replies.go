package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
)

func newProjectRepliesCmd(app *App) *cobra.Command {
	var allow bool
	var thanks string
	cmd := &cobra.Command{
		Use:   "replies LINKNAME [--allow-replies=true|false] [--thanks ask|always|never]",
		Short: "Show or set whether users may reply by mail from patchwork, and the \"applied, thanks\" policy",
		Long: "Show or set a project's reply rules. --allow-replies lets users reply, send trailers and\n" +
			"thank-you notes to the list from the TUI and `ssh host reply` (on by default; nothing is sent\n" +
			"without an [smtp] server). --thanks is what setting Accepted does: ask each time, always send\n" +
			"\"applied, thanks\", or never.",
		Example: "  patchworkd project replies linux --thanks always",
		Args:    cobra.ExactArgs(1),
	}
	cmd.Flags().BoolVar(&allow, "allow-replies", true, "users may send mail to the list from patchwork")
	cmd.Flags().StringVar(&thanks, "thanks", store.ThanksAsk, "after Accepted: ask, always or never")
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
		rs, err := s.GetReplySettings(ctx, p.ID)
		if err != nil {
			return err
		}
		if cmd.Flags().Changed("allow-replies") || cmd.Flags().Changed("thanks") {
			if cmd.Flags().Changed("allow-replies") {
				rs.AllowReplies = allow
			}
			if cmd.Flags().Changed("thanks") {
				rs.Thanks = thanks
			}
			if err := s.SetReplySettings(ctx, rs); err != nil {
				return err
			}
		}
		fmt.Fprintf(cmd.OutOrStdout(), "allow_replies: %t\nthanks: %s\n", rs.AllowReplies, rs.Thanks)
		return nil
	}
	return cmd
}
