package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/server/notify"
	"github.com/patchwork-go/patchwork/store"
)

func newCronCmd(app *App) *cobra.Command {
	var asJSON, noMail bool
	cmd := &cobra.Command{
		Use:   "cron",
		Short: "Send due notification mail, place held replies, expire stale confirmations (run every 10 minutes)",
		Long: `Mails each submitter one message covering their patches whose state changed
more than notification_delay_minutes ago (in projects with notifications on,
skipping addresses that opted out), then expires unconfirmed e-mail
confirmations and registrations older than confirmation_validity_days.

Held replies (answers to mail that never reached the list) held longer than
held_grace_minutes are placed on the nearest stored mail they name; those
naming nothing stored after held_retention_days are kept as failed mail when
their thread holds stored mail, and dropped (counted) when it holds none.

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
			held, err := expireHeld(cmd, app, s)
			if err != nil {
				return err
			}
			if asJSON {
				err = json.NewEncoder(cmd.OutOrStdout()).Encode(struct {
					notify.Report
					Held heldCronJSON `json:"held"`
				}{rep, held})
			} else {
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "mailed %d (covering %d patches), opted out %d, failed %d, expired %d confirmations and %d registrations; held replies: placed %d, expired %d kept as failed mail, %d dropped\n",
					rep.Mailed, rep.Patches, rep.OptedOut, rep.Failed, rep.Confirmations, rep.Registrations,
					held.Placed, held.Failed, held.Dropped)
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

// heldCronJSON is what cron did with held replies (`cron --json`).
type heldCronJSON struct {
	Placed  int `json:"placed"`  // put on the nearest stored mail they name
	Failed  int `json:"failed"`  // expired, kept as failed mail (their thread holds stored mail)
	Dropped int `json:"dropped"` // expired, nothing of their thread stored
}

// expireHeld places the held replies whose grace period is over, then
// expires those past retention (placing first what still can be).
func expireHeld(cmd *cobra.Command, app *App, s store.Store) (heldCronJSON, error) {
	ctx, now := ctxOf(cmd), time.Now()
	ing := app.newIngester(s)
	var out heldCronJSON
	rep, err := ing.PlaceHeld(ctx, mailin.HeldSelect{Before: now.Add(-app.Config.heldGrace())})
	out.Placed, out.Failed = rep.Placed, rep.Failed
	if err != nil {
		return out, fmt.Errorf("place held replies: %w", err)
	}
	exp, err := ing.ExpireHeld(ctx, now.Add(-time.Duration(app.Config.HeldRetentionDays)*24*time.Hour))
	out.Placed += exp.Placed.Placed
	out.Failed += exp.Placed.Failed + exp.Failed
	out.Dropped = exp.Dropped
	if err != nil {
		return out, fmt.Errorf("expire held replies: %w", err)
	}
	return out, nil
}
