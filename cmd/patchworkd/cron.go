package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/server/notify"
)

func newCronCmd(app *App) *cobra.Command {
	var asJSON, noMail bool
	cmd := &cobra.Command{
		Use:   "cron",
		Short: "Send due notification mail and expire stale confirmations (run every 10 minutes)",
		Long: `Mails each submitter one message covering their patches whose state changed
more than notification_delay_minutes ago (in projects with notifications on,
skipping addresses that opted out), then expires unconfirmed e-mail
confirmations and registrations older than confirmation_validity_days.

Delivery is at-least-once: a change leaves the queue only after the SMTP
server accepted its mail, so a crash in between re-sends it on the next run
instead of losing it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := app.Store(cmd, false)
			if err != nil {
				return &exitError{code: 75, err: err}
			}
			c := &notify.Cron{
				Store:                s,
				BaseURL:              app.Config.PublicURL(),
				Logger:               app.Logger.With("component", "cron"),
				Delay:                time.Duration(app.Config.NotificationDelayMinutes) * time.Minute,
				ConfirmationValidity: time.Duration(app.Config.ConfirmationValidityDays) * 24 * time.Hour,
			}
			if !noMail {
				m, err := app.Config.newMailer(app.Config.NotificationFrom())
				if err != nil {
					return err
				}
				if m == nil {
					c.Logger.Warn("no SMTP host configured: notifications stay queued")
				} else {
					c.Sender = m
				}
			}
			rep, err := c.Run(ctxOf(cmd))
			if err != nil {
				return err
			}
			if asJSON {
				err = json.NewEncoder(cmd.OutOrStdout()).Encode(rep)
			} else {
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "mailed %d (covering %d patches), opted out %d, failed %d, expired %d confirmations, %d registrations and %d held replies\n",
					rep.Mailed, rep.Patches, rep.OptedOut, rep.Failed, rep.Confirmations, rep.Registrations, rep.Held)
			}
			if err != nil {
				return err
			}
			// A non-zero exit makes cron's own mail tell the operator.
			if rep.Failed > 0 {
				return fmt.Errorf("%d notification mails failed; they stay queued", rep.Failed)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&noMail, "no-mail", false, "only expire; leave notifications queued")
	return cmd
}
